//! `POST /api/User/register` (§2.2.2): username, password and email; the account is
//! created with its unique names guarded in one transaction.

use crate::App;
use passport_identity::account::RegisterForm;
use passport_identity::hash_password;
use passport_shared::storage::users::NewUser;
use passport_shared::{ApiError, ApiRequest, Reply};

pub async fn handle(app: &App, req: &ApiRequest) -> Result<Reply, ApiError> {
    let id = &app.identity;
    let form: RegisterForm = req.params.read()?;
    let new = NewUser {
        username: form.username.as_str().to_owned(),
        email: Some(form.email.as_str().to_owned()),
        phone: None,
        email_verified: false,
        phone_verified: false,
        password_hash: hash_password(&form.password).await?,
        sns: None,
    };
    let user = id.users.create(&new, passport_shared::now()).await?;
    Reply::of(&serde_json::json!({ "uid": user.uid, "username": user.username }))
}
