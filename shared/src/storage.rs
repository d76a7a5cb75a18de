//! The storage crate ([`passport_store`], re-exported whole), and how its answers read in a
//! dialect: a storage failure is always ours (an internal error, its cause logged, never
//! shown); a name already taken or a lost optimistic update is the documented code.

pub use passport_store::*;

use crate::error::{ApiError, ErrorKind};
use passport_store::users::{CreateError, Taken, UpdateError};

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<Taken> for ErrorKind {
    fn from(taken: Taken) -> Self {
        match taken {
            Taken::Username => ErrorKind::UsernameTaken,
            Taken::Email => ErrorKind::EmailTaken,
            Taken::Phone => ErrorKind::PhoneTaken,
            Taken::Nickname => ErrorKind::NicknameTaken,
            Taken::Sns => ErrorKind::SnsAlreadyBound,
        }
    }
}

impl From<CreateError> for ApiError {
    fn from(e: CreateError) -> Self {
        match e {
            CreateError::Taken(t) => ErrorKind::from(t).into(),
            CreateError::Store(e) => e.into(),
        }
    }
}

impl From<UpdateError> for ApiError {
    fn from(e: UpdateError) -> Self {
        match e {
            UpdateError::Taken(t) => ErrorKind::from(t).into(),
            UpdateError::Conflict => ErrorKind::ProfileConflict.into(),
            UpdateError::Store(e) => e.into(),
        }
    }
}

impl From<sessions::RotateError> for ApiError {
    fn from(e: sessions::RotateError) -> Self {
        use passport_store::sessions::RotateError;
        match e {
            RotateError::Invalid => ErrorKind::RefreshTokenInvalid.into(),
            RotateError::Store(e) => e.into(),
        }
    }
}
