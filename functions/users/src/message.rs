//! `POST /api/User/message` (§2.2.9): without `id`, the caller's messages, newest first,
//! paged (`page_no`, `page_size`); with `id`, that message, marked read. Another user's
//! message is not found, never shown.

use crate::App;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn handle(
    app: &App,
    req: &ApiRequest,
    auth: &TokenRecord,
    _user: &User,
) -> Result<Reply, ApiError> {
    match req.params.int::<u64>("id")? {
        Some(id) => {
            let message = app
                .messages
                .read(auth.uid, id)
                .await?
                .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("id"))?;
            Reply::of(&message)
        }
        None => {
            let page = app.messages.page(auth.uid, req.params.page()?).await?;
            Reply::of(&page)
        }
    }
}
