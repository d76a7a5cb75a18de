//! passport-local as a library, for the programs that run Passport's functions themselves:
//!
//! - [`runtime_api`]: the Lambda Runtime API emulator, one per function; the local stack
//!   and passport-bench both run functions under it;
//! - [`launch`]: starting `passport-local serve` (the end-to-end tests, passport-bench);
//! - [`meter`]: DynamoDB round trips per invocation, counted by a proxy per instance.
//!
//! The stack itself (emulators, tables, the API Gateway-shaped server) is the binary's.

pub mod launch;
pub mod meter;
pub mod runtime_api;
