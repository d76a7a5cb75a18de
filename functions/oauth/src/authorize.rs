//! v1 `GET|POST /apis/Oauth/authorize` and v2 `GET /api/Oauth/authorize`: a signed-in user
//! (Passport's own access token) authorizes a client. `response_type=json` answers the
//! `authorization_code` in the envelope; `response_type=code` redirects to the registered
//! `redirect_uri` with `code` and the unchanged `state`. A browser without a token is sent
//! to the hosted sign-in page with the same request.

use crate::grant::{check_request, found, issue_code, respond_to, SignedIn};
use crate::App;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Reply};

pub async fn handle(
    app: &App,
    req: &ApiRequest,
    token: Option<&TokenRecord>,
) -> Result<Reply, ApiError> {
    let p = &req.params;
    if p.text("client_id").is_none() || p.get("redirect_uri").is_none() {
        return Err(ErrorKind::ClientRedirectRequired.into());
    }
    let response_type = p.text("response_type").unwrap_or_default();
    if response_type != "json" && response_type != "code" {
        return Err(ErrorKind::ResponseTypeInvalid.into());
    }
    let request = check_request(app, p).await.map_err(|r| r.into_error())?;
    if response_type == "code" && token.is_none() {
        // A browser with no session: the hosted page signs the user in and asks consent.
        let mut query = form_urlencoded::Serializer::new(String::new());
        query.append_pair("response_type", "code");
        for name in [
            "client_id",
            "redirect_uri",
            "scope",
            "state",
            "code_challenge",
            "code_challenge_method",
            "nonce",
            "prompt",
            "max_age",
            "login_hint",
            "ui_locales",
        ] {
            if let Some(v) = p.get(name) {
                query.append_pair(name, &v);
            }
        }
        return found(&format!("/oauth2/authorize?{}", query.finish()));
    }
    let now = passport_shared::now();
    let auth = token.ok_or(req.meta.missing_token())?;
    // How the token's user signed in is not known here: no `auth_time`, no `sid`.
    let code = issue_code(app, &request, auth.uid, SignedIn::default(), now).await?;
    if response_type == "json" {
        let mut out = serde_json::json!({ "authorization_code": code });
        if let Some(state) = &request.state {
            out["state"] = serde_json::json!(state);
        }
        return Reply::of(&out);
    }
    respond_to(
        &request.redirect_uri,
        &[("code", code.as_str())],
        request.state.as_deref(),
    )
}
