//! End-to-end tests: one binary, the whole API through the local stack.

mod gateway;
mod guestbook;
