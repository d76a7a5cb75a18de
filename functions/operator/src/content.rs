//! `/api/operator/faq*`, `/api/operator/categories*`, `/api/operator/push_logs`: what users
//! read that operators write. The fields meet the rules `passport-admin` applies
//! (`FaqFields::check`, `CategoryFields::check`, `text_fine`). A delete is one transaction
//! with its audit entry; a create or an edit writes its entry first (one numbered put, or
//! one update, that cannot share a transaction with it).

use crate::{entry, App};
use passport_shared::storage::push::Scope;
use passport_shared::storage::records::PageRequest;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::support::{text_fine, CategoryFields, FaqFields};
use passport_shared::storage::users::User;
use passport_shared::{ApiError, ApiRequest, ErrorKind, Params, Reply};
use serde_json::{json, Map, Value};

/// What operators write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Faq,
    Category,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Faq => "faq",
            Kind::Category => "category",
        }
    }
}

fn faq_fields(p: &Params) -> FaqFields {
    FaqFields {
        title: p.text("title"),
        content: p.text("content"),
        category: p.text("category"),
        external_link: p.text("external_link"),
    }
}

fn category_fields(p: &Params) -> CategoryFields {
    CategoryFields {
        name: p.text("name"),
        description: p.text("description"),
    }
}

/// The FAQ and the categories, every one (at most 100 each).
pub async fn lists(app: &App) -> Result<(Vec<Value>, Vec<Value>), ApiError> {
    let all = PageRequest::new(Some(1), Some(100));
    let (faqs, categories) = tokio::join!(app.support.faqs(all), app.support.categories(all));
    Ok((faqs?.data, categories?.data))
}

/// Creates (`id` none) or edits an entry of `kind` from form or JSON fields; the record.
pub async fn save(
    app: &App,
    operator: &User,
    kind: Kind,
    id: Option<u64>,
    p: &Params,
) -> Result<Map<String, Value>, ApiError> {
    let now = passport_shared::now();
    let new = id.is_none();
    let missing = || ApiError::new(ErrorKind::NoData).with_field("id");
    match kind {
        Kind::Faq => {
            p.scalars(&["title", "content", "category", "external_link"])?;
            let fields = faq_fields(p);
            fields.check(new).map_err(ApiError::invalid)?;
            let after = json!({"title": fields.title, "content": fields.content, "category": fields.category, "external_link": fields.external_link});
            let (action, target) = match id {
                Some(id) => ("faq.edit", format!("faq:{id}")),
                None => ("faq.create", "faq:new".to_owned()),
            };
            app.audit
                .write(&entry(operator, action, target, Value::Null, after), now)
                .await?;
            match id {
                None => Ok(app.support.faq_add(&fields, now).await?),
                Some(id) => app
                    .support
                    .faq_edit(id, &fields, now)
                    .await?
                    .ok_or_else(missing),
            }
        }
        Kind::Category => {
            p.scalars(&["name", "description"])?;
            let fields = category_fields(p);
            fields.check(new).map_err(ApiError::invalid)?;
            let after = json!({"name": fields.name, "description": fields.description});
            let (action, target) = match id {
                Some(id) => ("category.edit", format!("category:{id}")),
                None => ("category.create", "category:new".to_owned()),
            };
            app.audit
                .write(&entry(operator, action, target, Value::Null, after), now)
                .await?;
            match id {
                None => Ok(app.support.category_add(&fields, now).await?),
                Some(id) => app
                    .support
                    .category_edit(id, &fields, now)
                    .await?
                    .ok_or_else(missing),
            }
        }
    }
}

/// Deletes entry `id` of `kind`, with its audit entry (the record as it was).
pub async fn remove(app: &App, operator: &User, kind: Kind, id: u64) -> Result<(), ApiError> {
    let now = passport_shared::now();
    let missing = || ApiError::new(ErrorKind::NoData).with_field("id");
    let before = match kind {
        Kind::Faq => app.support.faq(id).await?,
        Kind::Category => app.support.category(id).await?,
    }
    .ok_or_else(missing)?;
    let action = match kind {
        Kind::Faq => "faq.delete",
        Kind::Category => "category.delete",
    };
    let audit = entry(
        operator,
        action,
        format!("{}:{id}", kind.name()),
        Value::Object(before),
        Value::Null,
    );
    let step = app.audit.step(&audit, now)?;
    let gone = match kind {
        Kind::Faq => app.support.faq_delete(id, step).await?,
        Kind::Category => app.support.category_delete(id, step).await?,
    };
    match gone {
        true => Ok(()),
        false => Err(missing()),
    }
}

/// Records a push that was sent, as `operator` (its `manager_id`).
pub async fn record_push(
    app: &App,
    operator: &User,
    p: &Params,
) -> Result<Map<String, Value>, ApiError> {
    p.scalars(&["push_title", "push_body", "push_scope"])?;
    let title = p.text("push_title").unwrap_or_default();
    let body = p.text("push_body").unwrap_or_default();
    if !text_fine(&title) {
        return Err(ApiError::invalid("push_title"));
    }
    if !text_fine(&body) {
        return Err(ApiError::invalid("push_body"));
    }
    let scope = match p.text("push_scope") {
        None => Scope::All,
        Some(raw) => Scope::parse(&raw).ok_or_else(|| ApiError::invalid("push_scope"))?,
    };
    let now = passport_shared::now();
    let after = json!({"push_title": title, "push_body": body, "push_scope": scope as u8});
    app.audit
        .write(
            &entry(
                operator,
                "push.record",
                "push:new".to_owned(),
                Value::Null,
                after,
            ),
            now,
        )
        .await?;
    Ok(app
        .push
        .record(&title, &body, scope, operator.uid, now)
        .await?)
}

fn id_of(req: &ApiRequest) -> Result<u64, ApiError> {
    req.path_id("id")
}

pub async fn list(
    app: &App,
    _req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    let (faqs, categories) = lists(app).await?;
    Reply::of(&json!({ "faqs": faqs, "categories": categories }))
}

pub async fn faq_add(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&save(app, operator, Kind::Faq, None, &req.params).await?)
}

pub async fn faq_edit(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&save(app, operator, Kind::Faq, Some(id_of(req)?), &req.params).await?)
}

pub async fn faq_delete(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    remove(app, operator, Kind::Faq, id_of(req)?).await?;
    Ok(Reply::ok())
}

pub async fn category_add(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&save(app, operator, Kind::Category, None, &req.params).await?)
}

pub async fn category_edit(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(
        &save(
            app,
            operator,
            Kind::Category,
            Some(id_of(req)?),
            &req.params,
        )
        .await?,
    )
}

pub async fn category_delete(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    remove(app, operator, Kind::Category, id_of(req)?).await?;
    Ok(Reply::ok())
}

/// `GET /api/operator/push_logs`: every push recorded, newest first, with how many users
/// opened it (`read_count`).
pub async fn push_logs(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    _operator: &User,
) -> Result<Reply, ApiError> {
    let mut page = app.push.all_logs(req.params.page()?).await?;
    for log in &mut page.data {
        if let Some(log) = log.as_object_mut() {
            log.entry("read_count").or_insert(json!(0));
        }
    }
    Reply::of(&page)
}

pub async fn push_record(
    app: &App,
    req: &ApiRequest,
    _token: &TokenRecord,
    operator: &User,
) -> Result<Reply, ApiError> {
    Reply::of(&record_push(app, operator, &req.params).await?)
}
