//! The operator API (`/api/operator/*`, the center dialect's envelope): what the people who
//! run Passport do every day. Support staff (role `support`) read: search accounts, open a
//! profile, the feedback inbox, the audit log. Operators (role `operator`) also act:
//! disable, enable and delete accounts, export their data, lift sign-in locks, end
//! sessions, send a reset code, rotate, disable and delete clients, answer feedback, grant
//! roles. Roles are checked in the route table (`Staff`,
//! `Operator`), from tokens of Passport's own sign-in only; every action writes an entry of
//! the audit log, in the action's own transaction where the action is one.
//!
//! The console (`/console*`, [`console`]) is the same functions as pages, for people.

mod audit;
mod clients;
mod console;
mod content;
mod inbox;
mod users;

use passport_identity::Identity;
use passport_shared::routing::Answer;
use passport_shared::storage::audit::{Actor, Audit, Entry};
use passport_shared::storage::grants::Grants;
use passport_shared::storage::push::Push;
use passport_shared::storage::records::Records;
use passport_shared::storage::support::Support;
use passport_shared::storage::users::User;
use passport_shared::{routes, Route, Service};

pub struct App {
    pub identity: Identity,
    pub support: Support,
    pub audit: Audit,
    /// The authorization codes the console redeems.
    pub grants: Grants,
    pub push: Push,
    /// Uploaded pictures (S3), which a deleted account's go with it.
    pub avatars: Box<dyn passport_avatar::AvatarStore>,
}

impl App {
    pub fn from_aws(
        config: &passport_shared::config::Config,
        sdk: &passport_shared::aws::SdkConfig,
    ) -> Result<App, lambda_http::Error> {
        let identity = Identity::from_aws(config, sdk)?;
        let avatars = Box::new(passport_avatar::S3Avatars::from_config(config, sdk)?);
        let db = passport_shared::aws::dynamodb(sdk);
        let table = &config.table_name;
        Ok(App {
            identity,
            support: Support {
                records: Records::new(db.clone(), table),
            },
            audit: Audit {
                records: Records::new(db.clone(), table),
            },
            grants: Grants::new(db.clone(), table),
            push: Push {
                records: Records::new(db, table),
            },
            avatars,
        })
    }
}

/// The operator acting, as the audit log names them.
pub fn actor(operator: &User) -> Actor {
    Actor {
        uid: operator.uid,
        name: operator.username.clone(),
    }
}

/// The audit entry of `operator`'s `action` on `target` (`user:<uid>`, `client:<id>`, ...).
pub fn entry(
    operator: &User,
    action: &'static str,
    target: String,
    before: serde_json::Value,
    after: serde_json::Value,
) -> Entry {
    Entry {
        actor: actor(operator),
        action,
        target,
        before,
        after,
    }
}

impl Service for App {
    const ROUTES: &'static [Route<App>] = routes![App;
        GET "/api/operator/users" Staff => users::search,
        GET "/api/operator/users/{uid}" Staff => users::profile,
        DELETE "/api/operator/users/{uid}" Operator => users::delete,
        GET "/api/operator/users/{uid}/export" Operator => users::export,
        POST "/api/operator/users/{uid}/disable" Operator => users::disable,
        POST "/api/operator/users/{uid}/enable" Operator => users::enable,
        POST "/api/operator/users/{uid}/unlock" Operator => users::unlock,
        POST "/api/operator/users/{uid}/sessions/end" Operator => users::end_sessions,
        POST "/api/operator/users/{uid}/reset_code" Operator => users::reset_code,
        POST "/api/operator/users/{uid}/role" Operator => users::role,
        GET "/api/operator/clients" Staff => clients::list,
        POST "/api/operator/clients" Operator => clients::create,
        PUT "/api/operator/clients/{client_id}" Operator => clients::edit,
        GET "/api/operator/clients/{client_id}" Staff => clients::item,
        DELETE "/api/operator/clients/{client_id}" Operator => clients::delete,
        POST "/api/operator/clients/{client_id}/rotate" Operator => clients::rotate,
        POST "/api/operator/clients/{client_id}/disable" Operator => clients::disable,
        POST "/api/operator/clients/{client_id}/enable" Operator => clients::enable,
        GET "/api/operator/content" Staff => content::list,
        POST "/api/operator/faq" Operator => content::faq_add,
        PUT "/api/operator/faq/{id}" Operator => content::faq_edit,
        DELETE "/api/operator/faq/{id}" Operator => content::faq_delete,
        POST "/api/operator/categories" Operator => content::category_add,
        PUT "/api/operator/categories/{id}" Operator => content::category_edit,
        DELETE "/api/operator/categories/{id}" Operator => content::category_delete,
        GET "/api/operator/push_logs" Staff => content::push_logs,
        POST "/api/operator/push_logs" Operator => content::push_record,
        GET "/api/operator/feedback" Staff => inbox::list,
        GET "/api/operator/feedback/{id}" Staff => inbox::item,
        POST "/api/operator/feedback/{id}/reply" Operator => inbox::reply,
        GET "/api/operator/audit" Staff => audit::list,
        GET "/console" Staff => console::home,
        GET "/console/users" Staff => console::users,
        GET "/console/users/{uid}" Staff => console::user,
        POST "/console/users/{uid}" Operator => console::user_act,
        GET "/console/users/{uid}/export" Operator => console::export,
        GET "/console/clients" Staff => console::clients,
        POST "/console/clients" Operator => console::client_create,
        GET "/console/clients/{client_id}" Staff => console::client,
        POST "/console/clients/{client_id}" Operator => console::client_act,
        GET "/console/content" Staff => console::content,
        POST "/console/content" Operator => console::content_act,
        GET "/console/push" Staff => console::pushes,
        POST "/console/push" Operator => console::push_act,
        GET "/console/feedback" Staff => console::feedbacks,
        GET "/console/feedback/{id}" Staff => console::feedback,
        POST "/console/feedback/{id}" Operator => console::reply,
        GET "/console/audit" Staff => console::audit,
        GET "/console/signin" Public => console::signin,
        GET "/console/callback" Public => console::callback,
        POST "/console/signout" Staff => console::signout,
    ];

    fn authority(&self) -> Option<passport_shared::auth::Authority<'_>> {
        Some(self.identity.authority())
    }

    /// The console's pages answer a refused browser with a page (or the way to sign in);
    /// the API answers in its envelope.
    fn refused<'a>(
        &'a self,
        req: &'a passport_shared::ApiRequest,
        refusal: passport_shared::ApiError,
    ) -> Answer<'a> {
        Box::pin(async move {
            match req.meta.route.starts_with("console") {
                true => console::refused(req, refusal),
                false => Err(refusal),
            }
        })
    }
}

#[cfg(test)]
passport_template::route_agreement_tests!("operator", App);
