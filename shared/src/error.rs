//! One domain error enum, mapped onto each dialect's table in [`crate::catalog`].
//!
//! A handler says *what* went wrong ([`ErrorKind`]); the dialect of the route decides the
//! number and text the client sees, and the kind decides the HTTP status class.

use crate::catalog::{self, Entry};
use crate::dialect::Dialect;
use http::StatusCode;
use std::fmt;

/// What went wrong, independent of the dialect that reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// A failure of ours (storage, a bug); the cause is logged, never shown.
    Internal,
    /// No route at this path.
    NotFound,
    /// The path exists but not for this method; it is served for POST.
    MethodNotAllowed,
    /// The path exists but not for this method, nor for POST (v2's GET-only routes): the
    /// answer must not ask for POST.
    MethodGetRequired,
    /// A parameter is missing or malformed and no more specific code exists.
    InvalidParameter,

    UsernameRequired,
    UsernameTooShort,
    UsernameTooLong,
    UsernameInvalidChars,
    PasswordRequired,
    PasswordTooShort,
    PasswordTooLong,
    PasswordMismatch,
    EmailRequired,
    EmailInvalid,
    PhoneRequired,
    PhoneInvalid,
    PhoneLength,
    PhoneUnsupported,
    IpInvalid,
    IdCardInvalid,

    /// Guestbook: the message body is empty.
    MessageEmpty,
    /// Guestbook: the mail to the site owner could not be sent (the entry is kept).
    MessageDeliveryFailed,

    /// No access token was presented.
    TokenMissing,
    /// The token is malformed or its signature is wrong.
    TokenInvalid,
    /// The token expired, was revoked, or its session ended.
    TokenExpired,
    /// A refresh token that is unknown, expired, used, or of an ended session.
    RefreshTokenInvalid,
    /// A route that needs a signed-in user was called without one.
    NotLoggedIn,

    CaptchaRequired,
    CaptchaInvalid,
    /// `captchaVerify` said no.
    CaptchaVerificationFailed,

    UsernameTaken,
    /// The answer of `validateUniqueUsername`.
    UsernameRegistered,
    EmailTaken,
    PhoneTaken,
    /// Username (or account) and password are both required to sign in.
    CredentialsRequired,
    /// The password grant of a token request without username or password (the OAuth
    /// tables' 201212, where the sign-in route says 202102).
    GrantCredentialsRequired,
    /// Wrong password, or no such account: one answer for both.
    IncorrectPassword,
    /// Too many failed sign-ins; `args` are the limit and the minutes.
    AccountLocked,
    /// The new password is the old one.
    SamePassword,
    NicknameTaken,
    /// Not a png or jpeg picture, or too large.
    AvatarInvalid,
    /// The avatar store (S3) failed: the dependency, not the picture.
    AvatarStoreFailed,
    /// The channel to unbind is not bound to the account, or it is its last way to sign in.
    SnsUnbindFailed,
    /// The account changed between reading and writing it; the client may retry.
    ProfileConflict,
    /// The SNS ticket is malformed, forged or expired; `args` holds the channel.
    SnsLoginFailed,
    /// The SNS identity (or the account, for that channel) is already bound; `args` holds
    /// the channel.
    SnsAlreadyBound,
    /// The SNS identity is bound to no account and the client asked to sign in with it;
    /// `args` holds the channel.
    SnsNotBound,

    /// The calling client's hourly quota for this API is used up (service routes).
    RateLimited,
    /// The same, on an OAuth route (v1 names it 201204 there).
    OauthRateLimited,
    /// OAuth: `client_id` or `redirect_uri` is missing from an authorization request.
    ClientRedirectRequired,
    /// OAuth: `response_type` is not one this route answers.
    ResponseTypeInvalid,
    /// OAuth: no client has this id (authorization request).
    ClientInvalid,
    /// OAuth: the redirect URI is not one the client registered, exactly.
    RedirectMismatch,
    /// OAuth: no authorization code was given.
    AuthCodeRequired,
    /// OAuth: the code is unknown, expired, used, or issued for another client or URI.
    AuthCodeInvalid,
    /// OAuth: the client may not use this grant type or redirect URI.
    GrantMismatch,
    /// OAuth: a token request's `redirect_uri` is not the one its code was issued for (the
    /// tables' 201205 "client_id client_secret grant_type redirect_uri are not matched").
    GrantRedirectMismatch,
    /// OAuth: the token lacks the scope this API needs.
    ScopeDenied,
    /// A resource of the standard endpoints (userinfo) refused a token without the scope it
    /// needs (RFC 6750 §3.1 `insufficient_scope`); the documents' routes say ScopeDenied.
    InsufficientScope,
    ClientSecretMismatch,
    ClientIdRequired,
    ClientSecretRequired,
    /// OAuth: no client has this id (token request).
    ClientNotFound,
    /// OAuth: the token or refresh token belongs to another client.
    ClientUserMismatch,
    GrantTypeInvalid,

    /// Friends: the list (or the recommendation) is empty.
    FriendsNone,
    /// Friends: already friends.
    FriendMakeFailed,
    /// Friends: not friends.
    FriendDeleteFailed,
    /// Friends: the friendship was made but the new friend could not be told.
    FriendNotifyFailed,
    /// Calendar: nothing in the range.
    NoEvents,
    /// Calendar: the event cannot be added (it ends before it starts).
    EventAddFailed,
    /// Calendar: update without an id.
    EventIdRequired,
    /// The item belongs to another user (center 10003).
    NotYours,
    /// An operator route called by an account without the role it needs, or with a token
    /// of another client than Passport's own (center 10003).
    RoleRequired,
    /// The account was disabled by an operator (a right password does not sign it in).
    AccountDisabled,

    /// Open platform: no such auth code.
    RestCodeUnknown,
    /// Open platform: the auth code does not cover this service.
    RestCodeDenied,
    RestCodeExpired,
    /// Open platform: the auth code was made for another client.
    RestCodeOtherClient,
    /// Open platform: the auth code was made for another user.
    RestCodeOtherUser,
    /// Open platform: `t_` missing, malformed, or too far from the server's clock.
    RestTimestampInvalid,
    /// Open platform: `p_` is not `(t_ % 10000) * 3 + 2345`.
    RestCheckInvalid,
    /// Open platform: an answer format other than json or xml.
    FormatUnsupported,

    /// A verification code that is wrong, expired, used, or tried too often.
    CodeInvalid,
    /// Codes to this destination are sent too often; `args` holds the seconds to wait.
    CodeSendTooFrequent,
    CodeMailFailed,
    CodeSmsFailed,

    /// Password reset: the account field is empty.
    AccountRequired,
    /// Password reset: the account field is shorter than 2 characters.
    AccountTooShort,

    /// A lookup found nothing (v1 "No data").
    NoData,
    /// Image cipher, scrambling: no image, or not base64.
    ImageRequired,
    /// Image cipher, scrambling: a `data:` URL of another type than png or jpeg.
    ImageExtension,
    /// Image cipher, scrambling: the bytes are not a png or jpeg picture.
    ImageType,
    /// Image cipher, restoring: no image, or not base64.
    ReorderImageRequired,
    /// Image cipher, restoring: a `data:` URL of another type than png.
    ReorderImageExtension,
    /// Image cipher, restoring: not a picture this platform scrambled.
    ReorderImageType,
    /// Image cipher, restoring: the password does not open the picture.
    ImagePasswordWrong,
}

/// How a kind is numbered in one dialect: the code, and which of its texts when the document
/// gives that code more than one.
#[derive(Debug, Clone, Copy)]
struct Code(u32, Option<&'static str>);

const fn c(code: u32) -> Code {
    Code(code, None)
}

impl ErrorKind {
    /// Every kind, for tests that walk the mapping.
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::Internal,
        ErrorKind::NotFound,
        ErrorKind::MethodNotAllowed,
        ErrorKind::MethodGetRequired,
        ErrorKind::InvalidParameter,
        ErrorKind::UsernameRequired,
        ErrorKind::UsernameTooShort,
        ErrorKind::UsernameTooLong,
        ErrorKind::UsernameInvalidChars,
        ErrorKind::PasswordRequired,
        ErrorKind::PasswordTooShort,
        ErrorKind::PasswordTooLong,
        ErrorKind::PasswordMismatch,
        ErrorKind::EmailRequired,
        ErrorKind::EmailInvalid,
        ErrorKind::PhoneRequired,
        ErrorKind::PhoneInvalid,
        ErrorKind::PhoneLength,
        ErrorKind::PhoneUnsupported,
        ErrorKind::IpInvalid,
        ErrorKind::IdCardInvalid,
        ErrorKind::MessageEmpty,
        ErrorKind::MessageDeliveryFailed,
        ErrorKind::TokenMissing,
        ErrorKind::TokenInvalid,
        ErrorKind::TokenExpired,
        ErrorKind::RefreshTokenInvalid,
        ErrorKind::NotLoggedIn,
        ErrorKind::CaptchaRequired,
        ErrorKind::CaptchaInvalid,
        ErrorKind::CaptchaVerificationFailed,
        ErrorKind::UsernameTaken,
        ErrorKind::UsernameRegistered,
        ErrorKind::EmailTaken,
        ErrorKind::PhoneTaken,
        ErrorKind::CredentialsRequired,
        ErrorKind::GrantCredentialsRequired,
        ErrorKind::IncorrectPassword,
        ErrorKind::AccountLocked,
        ErrorKind::SamePassword,
        ErrorKind::NicknameTaken,
        ErrorKind::AvatarInvalid,
        ErrorKind::AvatarStoreFailed,
        ErrorKind::SnsUnbindFailed,
        ErrorKind::ProfileConflict,
        ErrorKind::SnsLoginFailed,
        ErrorKind::SnsAlreadyBound,
        ErrorKind::SnsNotBound,
        ErrorKind::RateLimited,
        ErrorKind::OauthRateLimited,
        ErrorKind::ClientRedirectRequired,
        ErrorKind::ResponseTypeInvalid,
        ErrorKind::ClientInvalid,
        ErrorKind::RedirectMismatch,
        ErrorKind::AuthCodeRequired,
        ErrorKind::AuthCodeInvalid,
        ErrorKind::GrantMismatch,
        ErrorKind::GrantRedirectMismatch,
        ErrorKind::ScopeDenied,
        ErrorKind::InsufficientScope,
        ErrorKind::ClientSecretMismatch,
        ErrorKind::ClientIdRequired,
        ErrorKind::ClientSecretRequired,
        ErrorKind::ClientNotFound,
        ErrorKind::ClientUserMismatch,
        ErrorKind::GrantTypeInvalid,
        ErrorKind::FriendsNone,
        ErrorKind::FriendMakeFailed,
        ErrorKind::FriendDeleteFailed,
        ErrorKind::FriendNotifyFailed,
        ErrorKind::NoEvents,
        ErrorKind::EventAddFailed,
        ErrorKind::EventIdRequired,
        ErrorKind::NotYours,
        ErrorKind::RoleRequired,
        ErrorKind::AccountDisabled,
        ErrorKind::RestCodeUnknown,
        ErrorKind::RestCodeDenied,
        ErrorKind::RestCodeExpired,
        ErrorKind::RestCodeOtherClient,
        ErrorKind::RestCodeOtherUser,
        ErrorKind::RestTimestampInvalid,
        ErrorKind::RestCheckInvalid,
        ErrorKind::FormatUnsupported,
        ErrorKind::CodeInvalid,
        ErrorKind::CodeSendTooFrequent,
        ErrorKind::CodeMailFailed,
        ErrorKind::CodeSmsFailed,
        ErrorKind::AccountRequired,
        ErrorKind::AccountTooShort,
        ErrorKind::NoData,
        ErrorKind::ImageRequired,
        ErrorKind::ImageExtension,
        ErrorKind::ImageType,
        ErrorKind::ReorderImageRequired,
        ErrorKind::ReorderImageExtension,
        ErrorKind::ReorderImageType,
        ErrorKind::ImagePasswordWrong,
    ];

    /// The code of this kind in each dialect: `[v1, v2, rest, center]`.
    fn codes(self) -> [Code; 4] {
        use ErrorKind::*;
        // v2 and center have no per-field validation codes: their "validation failed" code
        // stands for all of them, and the envelope names the field.
        const V2_INVALID: Code = c(100004);
        const REST_INVALID: Code = c(601);
        const CENTER_INVALID: Code = c(10005);
        match self {
            Internal => [c(100001), c(100001), c(500), c(10000)],
            NotFound => [c(100011), c(404), c(400), c(10002)],
            MethodNotAllowed => [
                c(200002),
                Code(200001, Some("POST method required")),
                c(400),
                c(10002),
            ],
            MethodGetRequired => [
                c(100011),
                Code(200001, Some("GET method required")),
                c(400),
                c(10002),
            ],
            InvalidParameter => [c(200001), V2_INVALID, REST_INVALID, CENTER_INVALID],
            UsernameRequired => [c(200012), V2_INVALID, REST_INVALID, CENTER_INVALID],
            UsernameTooShort => [c(200013), V2_INVALID, REST_INVALID, CENTER_INVALID],
            UsernameTooLong => [c(200014), V2_INVALID, REST_INVALID, CENTER_INVALID],
            UsernameInvalidChars => [c(200015), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PasswordRequired => [c(200017), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PasswordTooShort => [c(200018), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PasswordTooLong => [c(200001), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PasswordMismatch => [c(200019), V2_INVALID, REST_INVALID, CENTER_INVALID],
            EmailRequired => [c(200020), V2_INVALID, REST_INVALID, CENTER_INVALID],
            EmailInvalid => [c(200021), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PhoneRequired => [c(200022), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PhoneInvalid => [c(200023), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PhoneLength => [c(200024), V2_INVALID, REST_INVALID, CENTER_INVALID],
            PhoneUnsupported => [c(200025), V2_INVALID, REST_INVALID, CENTER_INVALID],
            IpInvalid => [c(200026), V2_INVALID, REST_INVALID, CENTER_INVALID],
            IdCardInvalid => [c(203007), V2_INVALID, REST_INVALID, CENTER_INVALID],
            MessageEmpty => [c(202102), V2_INVALID, c(602), CENTER_INVALID],
            MessageDeliveryFailed => [c(202101), c(100005), c(500), c(10014)],
            TokenMissing => [c(200010), c(201202), c(401), c(10004)],
            TokenInvalid => [c(200009), c(201201), c(401), c(10004)],
            TokenExpired => [c(201203), c(201203), c(100014), c(10004)],
            RefreshTokenInvalid => [c(201209), c(201209), c(401), c(10004)],
            NotLoggedIn => [c(200010), c(202101), c(401), c(10004)],
            CaptchaRequired => [
                c(200006),
                Code(200002, Some("Invalid captcha")),
                REST_INVALID,
                CENTER_INVALID,
            ],
            CaptchaInvalid => [
                c(200004),
                Code(200002, Some("Invalid captcha")),
                REST_INVALID,
                CENTER_INVALID,
            ],
            CaptchaVerificationFailed => [
                c(200004),
                Code(200002, Some("Captcha verification failed")),
                REST_INVALID,
                CENTER_INVALID,
            ],
            UsernameTaken => [
                c(203001),
                Code(202002, Some("The username already exists")),
                c(400),
                c(10009),
            ],
            UsernameRegistered => [
                c(203001),
                Code(202002, Some("The username already registered")),
                c(400),
                c(10009),
            ],
            EmailTaken => [c(203002), c(202003), c(400), c(10009)],
            PhoneTaken => [c(100005), c(202004), c(400), c(10009)],
            CredentialsRequired => [c(201212), c(202102), REST_INVALID, CENTER_INVALID],
            GrantCredentialsRequired => [c(201212), c(201212), REST_INVALID, CENTER_INVALID],
            IncorrectPassword => [c(203004), c(202103), c(401), c(10007)],
            AccountLocked => [c(203202), c(203202), c(401), c(10000)],
            SamePassword => [c(203006), c(202304), REST_INVALID, CENTER_INVALID],
            NicknameTaken => [c(100005), c(202005), c(400), c(10009)],
            AvatarInvalid => [c(200001), c(202301), REST_INVALID, CENTER_INVALID],
            AvatarStoreFailed => [c(100001), c(202301), c(500), c(10000)],
            SnsUnbindFailed => [c(200001), c(202302), REST_INVALID, CENTER_INVALID],
            ProfileConflict => [c(100006), c(202303), c(500), c(10000)],
            SnsLoginFailed => [c(203203), c(203203), c(401), c(10004)],
            SnsAlreadyBound => [c(203204), c(203204), c(400), c(10009)],
            SnsNotBound => [c(203205), c(203205), c(400), CENTER_INVALID],
            RateLimited => [c(200008), c(201204), c(400), c(10000)],
            OauthRateLimited => [c(201204), c(201204), c(400), c(10000)],
            ClientRedirectRequired => [c(201105), c(201101), REST_INVALID, CENTER_INVALID],
            ResponseTypeInvalid => [c(201106), c(201102), REST_INVALID, CENTER_INVALID],
            ClientInvalid => [c(201103), c(201103), c(100008), CENTER_INVALID],
            RedirectMismatch => [c(201104), c(201104), REST_INVALID, CENTER_INVALID],
            AuthCodeRequired => [c(201101), c(201105), REST_INVALID, CENTER_INVALID],
            AuthCodeInvalid => [c(201102), c(201215), REST_INVALID, CENTER_INVALID],
            GrantMismatch => [c(201205), c(201205), c(100002), CENTER_INVALID],
            GrantRedirectMismatch => [c(201205), c(201205), REST_INVALID, CENTER_INVALID],
            ScopeDenied | InsufficientScope => [c(201206), c(201206), c(100002), c(10003)],
            ClientSecretMismatch => [c(201208), c(201208), c(100009), CENTER_INVALID],
            ClientIdRequired => [c(201210), c(201210), REST_INVALID, CENTER_INVALID],
            ClientSecretRequired => [c(201211), c(201211), REST_INVALID, CENTER_INVALID],
            ClientNotFound => [c(201213), c(201213), c(100008), CENTER_INVALID],
            ClientUserMismatch => [c(201214), c(201214), c(100002), CENTER_INVALID],
            GrantTypeInvalid => [c(201205), c(201216), REST_INVALID, CENTER_INVALID],
            FriendsNone => [c(100004), c(204101), c(602), c(10001)],
            FriendMakeFailed => [c(200001), c(204102), c(400), c(10000)],
            FriendDeleteFailed => [c(200001), c(204103), c(400), c(10000)],
            FriendNotifyFailed => [c(100001), c(204104), c(500), c(10000)],
            NoEvents => [c(100004), c(203101), c(602), c(10001)],
            EventAddFailed => [c(200001), c(203201), c(400), CENTER_INVALID],
            EventIdRequired => [c(200001), c(203301), REST_INVALID, CENTER_INVALID],
            NotYours => [c(200001), c(403), c(401), c(10003)],
            RoleRequired => [c(200001), c(403), c(401), c(10003)],
            AccountDisabled => [
                Code(203202, Some("This account has been disabled")),
                Code(203202, Some("This account has been disabled")),
                c(401),
                Code(10000, Some("This account has been disabled")),
            ],
            RestCodeUnknown => [c(200001), V2_INVALID, c(100019), CENTER_INVALID],
            RestCodeDenied => [c(200001), V2_INVALID, c(100018), c(10003)],
            RestCodeExpired => [c(200001), V2_INVALID, c(100020), CENTER_INVALID],
            RestCodeOtherClient => [c(200001), V2_INVALID, c(100021), CENTER_INVALID],
            RestCodeOtherUser => [c(200001), V2_INVALID, c(100023), CENTER_INVALID],
            RestTimestampInvalid => [c(200001), V2_INVALID, REST_INVALID, CENTER_INVALID],
            RestCheckInvalid => [c(200001), V2_INVALID, REST_INVALID, CENTER_INVALID],
            FormatUnsupported => [c(200001), V2_INVALID, c(501), CENTER_INVALID],
            CodeInvalid => [
                c(203101),
                Code(202006, Some("Verification code validation failed")),
                REST_INVALID,
                c(10008),
            ],
            CodeSendTooFrequent => [c(200008), c(202007), c(400), c(10010)],
            CodeMailFailed => [c(203102), c(202201), c(500), c(10014)],
            CodeSmsFailed => [c(203102), c(202201), c(500), c(10013)],
            AccountRequired => [c(203301), V2_INVALID, REST_INVALID, CENTER_INVALID],
            AccountTooShort => [c(203302), V2_INVALID, REST_INVALID, CENTER_INVALID],
            NoData => [c(100004), c(404), c(602), c(10001)],
            // v2's 2041xx are friendship codes: the image errors of v2 are validation errors.
            ImageRequired => [c(204101), V2_INVALID, REST_INVALID, CENTER_INVALID],
            ImageExtension => [c(204102), V2_INVALID, REST_INVALID, CENTER_INVALID],
            ImageType => [c(204103), V2_INVALID, REST_INVALID, CENTER_INVALID],
            ReorderImageRequired => [c(204201), V2_INVALID, REST_INVALID, CENTER_INVALID],
            ReorderImageExtension => [c(204202), V2_INVALID, REST_INVALID, CENTER_INVALID],
            ReorderImageType => [
                Code(204203, Some("Invalid image type")),
                V2_INVALID,
                REST_INVALID,
                CENTER_INVALID,
            ],
            ImagePasswordWrong => [
                Code(204203, Some("Password error")),
                V2_INVALID,
                REST_INVALID,
                CENTER_INVALID,
            ],
        }
    }

    /// The catalog entry this kind is answered with in `dialect`.
    pub fn entry(self, dialect: Dialect) -> &'static Entry {
        let Code(code, text) = self.codes()[dialect.index()];
        catalog::lookup(dialect, code, text).unwrap_or_else(|| {
            panic!("{self:?} maps to {code} in {dialect:?}, which the catalog lacks")
        })
    }

    /// Where a dialect has only its catch-all code for this kind, the documented text of
    /// another dialect that says what happened (so the client reads more than "General
    /// error").
    pub fn borrowed_text(self, dialect: Dialect) -> Option<&'static Entry> {
        match (self, dialect) {
            (ErrorKind::AccountLocked, Dialect::Center | Dialect::Rest) => {
                catalog::lookup(Dialect::V1, 203202, None)
            }
            (
                ErrorKind::RateLimited | ErrorKind::OauthRateLimited,
                Dialect::Center | Dialect::Rest,
            ) => catalog::lookup(Dialect::V1, 201204, None),
            _ => None,
        }
    }

    /// The HTTP status class of this kind.
    pub fn status(self) -> StatusCode {
        use ErrorKind::*;
        match self {
            Internal => StatusCode::INTERNAL_SERVER_ERROR,
            NotFound => StatusCode::NOT_FOUND,
            MethodNotAllowed | MethodGetRequired => StatusCode::METHOD_NOT_ALLOWED,
            MessageDeliveryFailed | CodeMailFailed | CodeSmsFailed | AvatarStoreFailed => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            TokenMissing | TokenInvalid | TokenExpired | RefreshTokenInvalid | NotLoggedIn
            | IncorrectPassword => StatusCode::UNAUTHORIZED,
            UsernameTaken | UsernameRegistered | EmailTaken | PhoneTaken | NicknameTaken
            | SnsAlreadyBound | ProfileConflict => StatusCode::CONFLICT,
            SnsLoginFailed => StatusCode::UNAUTHORIZED,
            SnsNotBound => StatusCode::NOT_FOUND,
            AccountLocked | CodeSendTooFrequent | RateLimited | OauthRateLimited => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ClientSecretMismatch | ClientSecretRequired | ClientNotFound => {
                StatusCode::UNAUTHORIZED
            }
            ScopeDenied | InsufficientScope | RestCodeDenied | RestCodeOtherClient
            | RestCodeOtherUser => StatusCode::FORBIDDEN,
            RestCodeUnknown | RestCodeExpired => StatusCode::UNAUTHORIZED,
            FriendsNone | NoEvents => StatusCode::NOT_FOUND,
            FriendMakeFailed => StatusCode::CONFLICT,
            FriendNotifyFailed => StatusCode::SERVICE_UNAVAILABLE,
            NotYours | RoleRequired | AccountDisabled => StatusCode::FORBIDDEN,
            FormatUnsupported => StatusCode::NOT_ACCEPTABLE,
            NoData => StatusCode::NOT_FOUND,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The request field this kind is about, named in the error envelope.
    pub fn field(self) -> Option<&'static str> {
        use ErrorKind::*;
        match self {
            UsernameRequired | UsernameTooShort | UsernameTooLong | UsernameInvalidChars => {
                Some("username")
            }
            PasswordRequired | PasswordTooShort | PasswordTooLong => Some("password"),
            PasswordMismatch => Some("confirm"),
            EmailRequired | EmailInvalid => Some("email"),
            PhoneRequired | PhoneInvalid | PhoneLength | PhoneUnsupported => Some("phone"),
            IpInvalid => Some("ip"),
            IdCardInvalid => Some("idcard"),
            MessageEmpty => Some("message"),
            TokenMissing | TokenInvalid | TokenExpired => Some("access_token"),
            RefreshTokenInvalid => Some("refresh_token"),
            CaptchaRequired | CaptchaInvalid | CaptchaVerificationFailed => Some("captcha"),
            UsernameTaken | UsernameRegistered => Some("username"),
            EmailTaken => Some("email"),
            PhoneTaken => Some("phone"),
            NicknameTaken => Some("nickname"),
            AvatarInvalid => Some("avatar"),
            SnsUnbindFailed => Some("channel"),
            SnsLoginFailed | SnsAlreadyBound | SnsNotBound => Some("sns_ticket"),
            ClientRedirectRequired | ClientInvalid | ClientIdRequired | ClientNotFound => {
                Some("client_id")
            }
            ResponseTypeInvalid => Some("response_type"),
            RedirectMismatch => Some("redirect_uri"),
            AuthCodeRequired | AuthCodeInvalid => Some("code"),
            ClientSecretMismatch | ClientSecretRequired => Some("client_secret"),
            GrantTypeInvalid => Some("grant_type"),
            RestCodeUnknown | RestCodeDenied | RestCodeExpired | RestCodeOtherClient
            | RestCodeOtherUser => Some("auth_code"),
            RestTimestampInvalid => Some("t_"),
            FriendMakeFailed | FriendDeleteFailed => Some("fid"),
            EventIdRequired => Some("id"),
            RestCheckInvalid => Some("p_"),
            CodeInvalid => Some("code"),
            AccountRequired | AccountTooShort => Some("account"),
            ImageRequired
            | ImageExtension
            | ImageType
            | ReorderImageRequired
            | ReorderImageExtension
            | ReorderImageType => Some("image"),
            ImagePasswordWrong => Some("password"),
            _ => None,
        }
    }
}

/// An error on its way to the client: the kind, the field it concerns, values for the
/// `%d`/`%s` of its text, and (for internal errors) a cause that goes to the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ErrorKind,
    pub field: Option<String>,
    pub args: Vec<String>,
    /// Seconds after which the refused request may succeed (a limit's window ends, a lock
    /// lifts): the answer's `Retry-After` (RFC 9110 §10.2.3).
    pub retry_after: Option<i64>,
    cause: Option<String>,
}

impl ApiError {
    pub fn new(kind: ErrorKind) -> Self {
        ApiError {
            kind,
            field: kind.field().map(str::to_owned),
            args: Vec::new(),
            retry_after: None,
            cause: None,
        }
    }

    /// A missing or malformed parameter without a more specific code.
    pub fn invalid(field: &str) -> Self {
        ApiError::new(ErrorKind::InvalidParameter).with_field(field)
    }

    /// A failure of ours. `cause` is logged with the request id; the client sees only the
    /// dialect's internal-error code.
    pub fn internal(cause: impl fmt::Display) -> Self {
        ApiError {
            cause: Some(cause.to_string()),
            ..ApiError::new(ErrorKind::Internal)
        }
    }

    pub fn with_field(mut self, field: &str) -> Self {
        self.field = Some(field.to_owned());
        self
    }

    /// Values for the `%d` / `%s` placeholders of the text, in order.
    pub fn with_args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: ToString,
    {
        self.args = args.into_iter().map(|a| a.to_string()).collect();
        self
    }

    /// The request may be made again in `seconds` (at least one).
    pub fn with_retry_after(mut self, seconds: i64) -> Self {
        self.retry_after = Some(seconds.max(1));
        self
    }

    /// Keeps a cause for the log without changing what the client sees.
    pub fn with_cause(mut self, cause: impl fmt::Display) -> Self {
        self.cause = Some(cause.to_string());
        self
    }

    pub fn cause(&self) -> Option<&str> {
        self.cause.as_deref()
    }

    /// The client-facing text in `dialect` and `lang`, with the placeholders filled in.
    pub fn message(&self, dialect: Dialect, lang: crate::dialect::Lang) -> String {
        let entry = self
            .kind
            .borrowed_text(dialect)
            .unwrap_or_else(|| self.kind.entry(dialect));
        fill(lang.pick(entry), &self.args)
    }
}

impl From<ErrorKind> for ApiError {
    fn from(kind: ErrorKind) -> Self {
        ApiError::new(kind)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.kind)?;
        if let Some(field) = &self.field {
            write!(f, " ({field})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Replaces each `%d` / `%s` in `template` with the next of `args`; a placeholder without a
/// value is left out rather than shown raw.
pub fn fill(template: &str, args: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut args = args.iter();
    let mut rest = template;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if after.starts_with('d') || after.starts_with('s') {
            if let Some(a) = args.next() {
                out.push_str(a);
            }
            rest = &after[1..];
        } else {
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Lang;

    #[test]
    fn every_kind_maps_to_a_catalog_entry_in_every_dialect() {
        for kind in ErrorKind::ALL {
            for dialect in Dialect::ALL {
                let _ = kind.entry(*dialect);
            }
        }
    }

    #[test]
    fn the_same_reason_carries_the_number_of_its_dialect() {
        assert_eq!(ErrorKind::EmailInvalid.entry(Dialect::V1).code, 200021);
        assert_eq!(ErrorKind::EmailInvalid.entry(Dialect::V2).code, 100004);
        assert_eq!(ErrorKind::EmailInvalid.entry(Dialect::Center).code, 10005);
        assert_eq!(ErrorKind::EmailInvalid.entry(Dialect::Rest).code, 601);
    }

    #[test]
    fn placeholders_are_filled_in_order_and_dropped_when_missing() {
        assert_eq!(
            fill(
                "Failed login greater than %d times, account locked for %d minutes",
                &["5".into(), "15".into()]
            ),
            "Failed login greater than 5 times, account locked for 15 minutes"
        );
        assert_eq!(fill("%s登录失败", &[]), "登录失败");
        assert_eq!(fill("100% sure", &[]), "100% sure");
    }

    #[test]
    fn internal_errors_keep_their_cause_out_of_the_message() {
        let err = ApiError::internal("dynamodb: ResourceNotFoundException table passport");
        let text = err.message(Dialect::V1, Lang::En);
        assert_eq!(text, "Internal error");
        assert!(err.cause().unwrap().contains("ResourceNotFound"));
    }
}
