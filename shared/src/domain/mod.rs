//! Validated newtypes for the documented input rules. Each has a `parse` that returns the
//! documented error kind, so a handler that holds one knows the value is good.

mod email;
mod idcard;
mod ip;
mod password;
mod phone;
mod profile;
mod username;

pub use email::Email;
pub use idcard::IdCard;
pub use ip::IpAddress;
pub use password::Password;
pub use phone::{AreaPhone, Phone};
pub use profile::{org_code, postal_code, short_text, Birthday, Gender, Nickname, SnsChannel};
pub use username::Username;
