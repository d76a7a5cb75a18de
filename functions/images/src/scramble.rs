//! `POST /apis/Images/disorder` (document 000 §2041), `GET|POST /api/Image/disorder`
//! (§2.5.3) and `POST /apis/Images/reorder` (§2042): scramble a picture under a password, and
//! restore it. Both need a valid access token. See [`crate::cipher`] for the scheme.

use crate::cipher::{self, Step};
use crate::App;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};
use rand::Rng;
use serde_json::{json, Value};

const MAX_PASSWORD_CHARS: usize = 128;

fn data_url(png: &[u8]) -> String {
    format!("data:image/png;base64,{}", STANDARD.encode(png))
}

async fn run<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ErrorKind> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
}

pub async fn disorder(
    _app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
) -> Result<Reply, ApiError> {
    let bytes = cipher::decode_input(&req.params.get("image").unwrap_or_default(), Step::Disorder)?;
    // A generated password is a 6-digit number without a leading zero, answered as a number
    // as the document shows; a given one is answered as given.
    let (password, shown): (String, Value) =
        match req.params.get("password").filter(|p| !p.is_empty()) {
            Some(p) if p.chars().count() > MAX_PASSWORD_CHARS => {
                return Err(ApiError::invalid("password"))
            }
            Some(p) => (p.clone(), json!(p)),
            None => {
                let n = rand::rng().random_range(100_000..1_000_000u32);
                (n.to_string(), json!(n))
            }
        };
    let png = run(move || cipher::disorder(&bytes, &password)).await?;
    Reply::of(&json!({ "password": shown, "image": data_url(&png) }))
}

pub async fn reorder(
    _app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
) -> Result<Reply, ApiError> {
    let bytes = cipher::decode_input(&req.params.get("image").unwrap_or_default(), Step::Reorder)?;
    let password = req
        .params
        .get("password")
        .filter(|p| !p.is_empty())
        .ok_or(ErrorKind::PasswordRequired)?;
    let png = run(move || cipher::reorder(&bytes, &password)).await?;
    Reply::of(&json!({ "image": data_url(&png) }))
}
