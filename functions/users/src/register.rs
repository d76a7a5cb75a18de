//! `POST /api/User/register` (§2.2.2): username, password and email; the account is
//! created with its unique names guarded in one transaction.

use crate::App;
use passport_identity::hash_password;
use passport_shared::domain::{Email, Password, Username};
use passport_shared::storage::users::NewUser;
use passport_shared::{ApiError, ApiRequest, FromParams, Params, Reply};

pub struct RegisterForm {
    pub username: Username,
    pub password: Password,
    pub email: Email,
}

impl FromParams for RegisterForm {
    fn from_params(p: &Params) -> Result<Self, ApiError> {
        Ok(RegisterForm {
            username: Username::parse(&p.get("username").unwrap_or_default())?,
            password: Password::parse(&p.get("password").unwrap_or_default())?,
            email: Email::parse(&p.get("email").unwrap_or_default())?,
        })
    }
}

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
