//! The password reset (document 000 §2033, codes 203301 to 203303 and 203101), in the v1
//! dialect that owns those codes:
//!
//! - `POST /apis/Users/forgotPassword` (account: username, email or phone): sends a reset
//!   code to the account's email (or phone). The answer is the same whether or not the
//!   account exists, so it tells no one which accounts exist.
//! - `POST /apis/Users/resetPassword` (account, code, password, confirm): sets the new
//!   password and ends every session of the account.
//!
//! Both are `passport_identity`'s ([`Identity::request_reset`],
//! [`Identity::reset_password`]), which the hosted forgot-password page uses too.
//!
//! [`Identity::request_reset`]: passport_identity::Identity::request_reset
//! [`Identity::reset_password`]: passport_identity::Identity::reset_password

use crate::App;
use passport_identity::account::reset_account;
use passport_shared::domain::Password;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn request(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let account = reset_account(req.params.text("account"))?;
    let area = req.params.text("area");
    app.identity
        .request_reset(area.as_deref(), &account, passport_shared::now())
        .await?;
    Ok(Reply::ok())
}

pub async fn complete(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let p = &req.params;
    let account = reset_account(p.text("account"))?;
    let code = p.text("code").ok_or(ErrorKind::CodeInvalid)?;
    let password = Password::parse_confirmed(
        &p.get("password").unwrap_or_default(),
        &p.get("confirm").unwrap_or_default(),
    )?;
    let area = p.text("area");
    app.identity
        .reset_password(
            area.as_deref(),
            &account,
            &code,
            &password,
            passport_shared::now(),
        )
        .await?;
    Ok(Reply::ok())
}
