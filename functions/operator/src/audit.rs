//! `GET /api/operator/audit`: the audit log, newest first, of every target or of one
//! (`target=user:<uid>`, `feedback:<id>`).

use crate::App;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, Reply};

/// A target as the log names them: `kind:id`, lowercase letters then digits.
pub fn target(raw: &str) -> Result<&str, ApiError> {
    match raw.split_once(':') {
        Some((kind, id))
            if !kind.is_empty()
                && kind.bytes().all(|b| b.is_ascii_lowercase())
                && !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') =>
        {
            Ok(raw)
        }
        _ => Err(ApiError::invalid("target")),
    }
}

pub async fn list(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    let p = &req.params;
    p.scalars(&["target"])?;
    let wanted = p.text("target");
    let wanted = wanted.as_deref().map(target).transpose()?;
    Reply::of(&app.audit.list(wanted, p.page()?).await?)
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn targets_are_kind_colon_id() {
        assert!(target("user:123").is_ok());
        assert!(target("feedback:9").is_ok());
        assert!(target("client:my-app_1").is_ok());
        for bad in ["", "user", ":1", "user:", "USER:1", "user:1#x", "a b:1"] {
            assert!(target(bad).is_err(), "{bad}");
        }
    }
}
