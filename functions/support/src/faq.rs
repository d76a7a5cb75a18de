//! `GET /api/faq`, `GET /api/faq/{id}` and `GET /api/feedback_category`: what the operator
//! wrote, paged oldest first, for any signed-in user.

use crate::App;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn list(app: &App, req: &ApiRequest, _token: &TokenRecord) -> Result<Reply, ApiError> {
    Reply::of(&app.support.faqs(req.params.page()?).await?)
}

pub async fn item(app: &App, req: &ApiRequest, _token: &TokenRecord) -> Result<Reply, ApiError> {
    let faq = app
        .support
        .faq(req.path_id("id")?)
        .await?
        .ok_or_else(|| ApiError::new(ErrorKind::NoData).with_field("id"))?;
    Reply::of(&faq)
}

pub async fn categories(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
) -> Result<Reply, ApiError> {
    Reply::of(&app.support.categories(req.params.page()?).await?)
}
