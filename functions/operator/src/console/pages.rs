//! The console's pages: one layout (a bar of links that wraps on a phone, tables that
//! scroll sideways), every value escaped, every action a form with the session's form
//! token. English and Chinese, chosen by `lang` or `Accept-Language`, with a switch.

use crate::users::Action;
use http::StatusCode;
use passport_shared::html::{document, escape, switch_of, tr};
use passport_shared::storage::records::Page as Listed;
use passport_shared::storage::sessions::TokenRecord;
use passport_shared::storage::users::{Role, User};
use passport_shared::{ApiError, ApiRequest, Dialect, Lang, Reply};
use serde_json::{Map, Value};

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d1d1f;background:#f6f6f8}\
header{background:#1f3a5f;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;align-items:center}\
header a,header button{color:#fff;text-decoration:none;font:inherit;background:none;border:0;padding:0;cursor:pointer}\
header .who{margin-left:auto;opacity:.85}header form{margin:0}\
main{max-width:62rem;margin:1rem auto;padding:0 1rem}\
h1{font-size:1.5rem;margin:.6rem 0 1rem;overflow-wrap:anywhere}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}section>h2:first-child{margin-top:0}\
section,.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:.8rem 1rem;margin:.8rem 0}\
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.93rem}\
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #eee;vertical-align:top}\
th{color:#555;font-weight:600}code{font-size:.85rem;word-break:break-all}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dt{color:#555}dd{margin:0;overflow-wrap:anywhere}\
td.when{white-space:nowrap}ul.changes{margin:0;padding-left:1rem}ul.changes li{margin:.1rem 0}\
input,select,textarea{font:inherit;padding:.45rem;border:1px solid #aaa;border-radius:4px;box-sizing:border-box}\
textarea{width:100%;min-height:6rem}\
button{font:inherit;padding:.45rem .9rem;border-radius:4px;border:1px solid #1f3a5f;background:#1f3a5f;color:#fff;cursor:pointer}\
button.danger{background:#b00020;border-color:#b00020}button:disabled{opacity:.45;cursor:not-allowed}\
.actions{display:flex;flex-wrap:wrap;gap:.6rem;align-items:center}.actions form{margin:0}\
.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}\
.badge{display:inline-block;padding:.1rem .5rem;border-radius:999px;font-size:.8rem;background:#e8eef6;color:#1f3a5f;margin-left:.4rem}\
.badge.off{background:#fde7ea;color:#b00020}.notice{background:#e7f6ec;border:1px solid #9ad3ae;color:#0a6b2b;padding:.6rem .8rem;border-radius:6px}\
.error{background:#fde7ea;border:1px solid #f1a7b2;color:#b00020;padding:.6rem .8rem;border-radius:6px}\
.muted{color:#666}.lang{margin:0}.pager{display:flex;gap:1rem;margin-top:.6rem}";

/// What every page of a signed-in operator knows.
pub struct Page<'a> {
    pub lang: Lang,
    operator: &'a User,
    form_token: String,
    /// Whether the operator may act (the `operator` role) or only look (`support`).
    can_act: bool,
    switch: String,
    done: Option<String>,
}

impl<'a> Page<'a> {
    pub fn new(req: &ApiRequest, token: &TokenRecord, operator: &'a User) -> Page<'a> {
        let path = format!("/{}", req.meta.api);
        Page {
            lang: req.meta.lang,
            operator,
            form_token: super::form_token(token),
            can_act: operator.role.is_some_and(|r| r.covers(Role::Operator)),
            switch: switch_of(req, &path, req.meta.lang),
            done: req.params.text("done"),
        }
    }

    fn t(&self, en: &'static str, zh: &'static str) -> &'static str {
        tr(self.lang, en, zh)
    }

    fn lang_code(&self) -> &'static str {
        self.t("en", "zh")
    }

    /// The hidden fields every form of the page carries.
    fn hidden(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"form_token\" value=\"{}\"><input type=\"hidden\" name=\"lang\" value=\"{}\">",
            escape(&self.form_token),
            self.lang_code()
        )
    }

    /// `disabled` on a write's button where the operator may only look.
    fn may(&self) -> &'static str {
        if self.can_act {
            ""
        } else {
            " disabled"
        }
    }

    fn href(&self, path: &str) -> String {
        let joiner = if path.contains('?') { '&' } else { '?' };
        escape(&format!("{path}{joiner}lang={}", self.lang_code()))
    }
}

/// The layout of a signed-in page.
fn layout(page: &Page<'_>, status: StatusCode, title: &str, body: &str) -> Reply {
    let role = page
        .operator
        .role
        .map(|r| match r {
            Role::Operator => page.t("operator", "运营"),
            Role::Support => page.t("support, read only", "客服（只读）"),
        })
        .unwrap_or_default();
    let header = format!(
        "<header><a href=\"{home}\"><strong>Passport</strong> {console}</a>\
         <a id=\"nav-users\" href=\"{home}\">{users}</a>\
         <a id=\"nav-clients\" href=\"{clients}\">{l_clients}</a>\
         <a id=\"nav-feedback\" href=\"{inbox}\">{feedback}</a>\
         <a id=\"nav-content\" href=\"{content}\">{l_content}</a>\
         <a id=\"nav-push\" href=\"{push}\">{l_push}</a>\
         <a id=\"nav-audit\" href=\"{audit}\">{log}</a>\
         <span class=\"who\">{name} · {role}</span>\
         <form method=\"post\" action=\"/console/signout\">{hidden}<button id=\"signout\">{out}</button></form>\
         <p class=\"lang\"><a id=\"lang-switch\" href=\"{switch}\">{other}</a></p></header>",
        home = page.href("/console"),
        console = page.t("console", "运营后台"),
        users = page.t("Accounts", "账户"),
        clients = page.href("/console/clients"),
        l_clients = page.t("Clients", "客户端"),
        inbox = page.href("/console/feedback"),
        feedback = page.t("Feedback", "反馈"),
        content = page.href("/console/content"),
        l_content = page.t("FAQ", "常见问题"),
        push = page.href("/console/push"),
        l_push = page.t("Push log", "推送记录"),
        audit = page.href("/console/audit"),
        log = page.t("Audit log", "审计日志"),
        name = escape(&page.operator.username),
        hidden = page.hidden(),
        out = page.t("Sign out", "退出"),
        switch = escape(&page.switch),
        other = page.t("中文", "English"),
    );
    let notice = page
        .done
        .as_deref()
        .and_then(|d| said(page.lang, d))
        .map(|(ok, text)| {
            let class = if ok { "notice" } else { "error" };
            format!(
                "<p class=\"{class}\" id=\"notice\" role=\"status\">{}</p>",
                escape(text)
            )
        })
        .unwrap_or_default();
    document(
        page.lang,
        status,
        CSS,
        title,
        &format!(
            "{header}<main><h1>{}</h1>{notice}{body}</main>",
            escape(title)
        ),
    )
}

/// What the page says after an action (`done`): whether it went through, and the text.
/// Only these: a `done` the console did not send shows nothing.
fn said(lang: Lang, done: &str) -> Option<(bool, &'static str)> {
    let t = |en, zh| tr(lang, en, zh);
    Some(match done {
        "disabled" => (
            true,
            t(
                "The account is disabled and its sessions ended.",
                "账户已停用，其会话已全部结束。",
            ),
        ),
        "enabled" => (true, t("The account is enabled.", "账户已启用。")),
        "unlocked" => (true, t("Its sign-in locks are lifted.", "登录锁定已解除。")),
        "sessions_ended" => (
            true,
            t(
                "Every session of the account has ended.",
                "该账户的所有会话已结束。",
            ),
        ),
        "code_sent" => (
            true,
            t(
                "A password-reset code is on its way.",
                "重置密码验证码已发送。",
            ),
        ),
        "role_set" => (true, t("The role is set.", "角色已更新。")),
        "deleted" => (
            true,
            t(
                "The account and everything it held are deleted.",
                "账户及其全部数据已删除。",
            ),
        ),
        "confirm" => (
            false,
            t(
                "To delete, type the account's username exactly.",
                "删除前请准确输入该账户的用户名。",
            ),
        ),
        "confirm_client" => (
            false,
            t(
                "To delete, type the client id exactly.",
                "删除前请准确输入客户端 ID。",
            ),
        ),
        "client_deleted" => (true, t("The client is deleted.", "客户端已删除。")),
        "client_disabled" => (
            true,
            t(
                "The client is disabled: it authenticates nowhere and its tokens are refused.",
                "客户端已停用：它无法认证，其令牌均被拒绝。",
            ),
        ),
        "client_enabled" => (true, t("The client is enabled.", "客户端已启用。")),
        "saved" => (true, t("Saved.", "已保存。")),
        "removed" => (true, t("Deleted.", "已删除。")),
        "push_recorded" => (
            true,
            t(
                "The push is recorded; users see it in their push log.",
                "推送已记录，用户可在推送记录中看到。",
            ),
        ),
        "content_invalid" => (
            false,
            t(
                "A field is missing, blank or has control characters (links are https).",
                "有字段缺失、为空或含控制字符（链接须为 https）。",
            ),
        ),
        "replied" => (
            true,
            t(
                "The reply is sent; its author can read it now.",
                "回复已发送，反馈者现在可以看到。",
            ),
        ),
        "refused_self" => (
            false,
            t(
                "Operators cannot disable or demote their own account.",
                "运营人员不能停用或降级自己的账户。",
            ),
        ),
        "conflict" => (
            false,
            t(
                "The account changed meanwhile; look and try again.",
                "账户刚被修改，请确认后重试。",
            ),
        ),
        "empty" => (
            false,
            t(
                "A reply needs some text (at most 2000 characters).",
                "回复不能为空（最多 2000 字）。",
            ),
        ),
        _ => return None,
    })
}

/// The `done` of an action.
pub fn done_of(action: Action) -> &'static str {
    match action {
        Action::Disable => "disabled",
        Action::Enable => "enabled",
        Action::Unlock => "unlocked",
        Action::EndSessions => "sessions_ended",
        Action::ResetCode => "code_sent",
        Action::Role(_) => "role_set",
        Action::Delete => "deleted",
    }
}

fn text<'v>(v: &'v Value, field: &str) -> &'v str {
    v.get(field).and_then(Value::as_str).unwrap_or("")
}

fn number(v: &Value, field: &str) -> String {
    v.get(field)
        .and_then(Value::as_u64)
        .map(|n| n.to_string())
        .unwrap_or_default()
}

/// A table, or `empty` when there are no rows.
fn table(head: &[&str], rows: &[String], empty: &str) -> String {
    if rows.is_empty() {
        return format!("<p class=\"muted\">{}</p>", escape(empty));
    }
    let head: String = head
        .iter()
        .map(|h| format!("<th>{}</th>", escape(h)))
        .collect();
    format!(
        "<div class=\"scroll\"><table><thead><tr>{head}</tr></thead><tbody>{}</tbody></table></div>",
        rows.concat()
    )
}

fn search_form(page: &Page<'_>, q: &str) -> String {
    format!(
        "<form method=\"get\" action=\"/console/users\" class=\"inline card\" role=\"search\">\
         <label for=\"q\">{label}</label>\
         <input id=\"q\" name=\"q\" value=\"{q}\" required maxlength=\"254\" size=\"30\" placeholder=\"{hint}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button id=\"search\">{find}</button></form>",
        label = page.t("Find an account", "查找账户"),
        q = escape(q),
        hint = page.t("uid, username, email or phone", "UID、用户名、邮箱或手机号"),
        lang = page.lang_code(),
        find = page.t("Search", "搜索"),
    )
}

pub fn home(page: &Page<'_>) -> Reply {
    let body = format!(
        "{search}<section><h2>{inbox}</h2><p><a href=\"{inbox_href}\">{inbox_link}</a></p>\
         <h2>{log}</h2><p><a href=\"{log_href}\">{log_link}</a></p></section>",
        search = search_form(page, ""),
        inbox = page.t("Feedback", "反馈"),
        inbox_href = page.href("/console/feedback"),
        inbox_link = page.t("Open feedback, newest first", "待处理的反馈（最新在前）"),
        log = page.t("Audit log", "审计日志"),
        log_href = page.href("/console/audit"),
        log_link = page.t(
            "Every operator action: who, what, when",
            "每一项运营操作：谁、做了什么、何时"
        ),
    );
    layout(
        page,
        StatusCode::OK,
        page.t("Operator console", "运营后台"),
        &body,
    )
}

fn user_row(page: &Page<'_>, u: &User) -> String {
    let status = match (u.disabled, u.role) {
        (true, _) => format!(
            "<span class=\"badge off\">{}</span>",
            page.t("disabled", "已停用")
        ),
        (false, Some(r)) => format!("<span class=\"badge\">{}</span>", r.as_str()),
        _ => String::new(),
    };
    format!(
        "<tr><td><a class=\"account\" href=\"{href}\">{uid}</a></td><td>{name}{status}</td><td>{email}</td><td>{phone}</td></tr>",
        href = page.href(&format!("/console/users/{}", u.uid)),
        uid = u.uid,
        name = escape(&u.username),
        email = escape(u.email.as_deref().unwrap_or("")),
        phone = escape(u.phone.as_deref().unwrap_or("")),
    )
}

pub fn users(page: &Page<'_>, q: &str, found: &[User]) -> Reply {
    let rows: Vec<String> = found.iter().map(|u| user_row(page, u)).collect();
    if q.trim().is_empty() {
        let title = page.t("Accounts", "账户");
        return layout(page, StatusCode::OK, title, &search_form(page, q));
    }
    let body = format!(
        "{}<section id=\"results\">{}</section>",
        search_form(page, q),
        table(
            &[
                "UID",
                page.t("Username", "用户名"),
                page.t("Email", "邮箱"),
                page.t("Phone", "手机"),
            ],
            &rows,
            page.t(
                "No account has this uid, username, email or phone number.",
                "没有账户的 UID、用户名、邮箱或手机号是这个。"
            ),
        )
    );
    layout(page, StatusCode::OK, page.t("Accounts", "账户"), &body)
}

/// One action's form: a button, and the `action` it posts.
fn action_form(page: &Page<'_>, uid: &str, action: &str, label: &str, danger: bool) -> String {
    format!(
        "<form method=\"post\" action=\"/console/users/{uid}\">{hidden}\
         <input type=\"hidden\" name=\"action\" value=\"{action}\">\
         <button id=\"act-{action}\"{class}{may}>{label}</button></form>",
        hidden = page.hidden(),
        class = if danger { " class=\"danger\"" } else { "" },
        may = page.may(),
        label = escape(label),
    )
}

pub fn user(page: &Page<'_>, profile: &Value) -> Reply {
    let u = &profile["user"];
    let uid = number(u, "uid");
    let yes_no = |b: bool| {
        if b {
            page.t("verified", "已验证")
        } else {
            page.t("not verified", "未验证")
        }
    };
    let contact = |value: &str, verified: bool| match value {
        "" => "—".to_owned(),
        v => format!(
            "{} <span class=\"muted\">({})</span>",
            escape(v),
            yes_no(verified)
        ),
    };
    let disabled = u["disabled"].as_bool().unwrap_or(false);
    let role = text(u, "role");
    let badges = format!(
        "{}{}",
        if disabled {
            format!(
                "<span class=\"badge off\" id=\"disabled\">{}</span>",
                page.t("disabled", "已停用")
            )
        } else {
            String::new()
        },
        if role.is_empty() {
            String::new()
        } else {
            format!("<span class=\"badge\" id=\"role\">{}</span>", escape(role))
        }
    );
    let details = format!(
        "<section><dl>\
         <dt>UID</dt><dd id=\"uid\">{uid}</dd>\
         <dt>{l_name}</dt><dd>{name}{badges}</dd>\
         <dt>{l_nick}</dt><dd>{nick}</dd>\
         <dt>{l_email}</dt><dd>{email}</dd>\
         <dt>{l_phone}</dt><dd>{phone}</dd>\
         <dt>{l_created}</dt><dd>{created}</dd>\
         <dt>{l_updated}</dt><dd>{updated}</dd></dl></section>",
        l_name = page.t("Username", "用户名"),
        name = escape(text(u, "username")),
        l_nick = page.t("Nickname", "昵称"),
        nick = escape(text(u, "nickname")),
        l_email = page.t("Email", "邮箱"),
        email = contact(
            text(u, "email"),
            u["email_verified"].as_bool().unwrap_or(false)
        ),
        l_phone = page.t("Phone", "手机"),
        phone = contact(
            text(u, "phone"),
            u["phone_verified"].as_bool().unwrap_or(false)
        ),
        l_created = page.t("Signed up", "注册时间"),
        created = escape(text(u, "created_at")),
        l_updated = page.t("Last changed", "最近修改"),
        updated = escape(text(u, "updated_at")),
    );
    let rows = |field: &str, row: &dyn Fn(&Value) -> String| -> Vec<String> {
        profile[field]
            .as_array()
            .map(|a| a.iter().map(row).collect())
            .unwrap_or_default()
    };
    let locks = rows("locks", &|l| {
        format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(text(l, "name")),
            number(l, "failures"),
            match l["locked_until"].as_str() {
                Some(until) => format!("{} {}", page.t("locked until", "锁定至"), escape(until)),
                None => page.t("not locked", "未锁定").to_owned(),
            }
        )
    });
    let sessions = rows("sessions", &|s| {
        let kind = match text(s, "kind") {
            "browser" => page.t("browser (hosted pages)", "浏览器（托管页面）"),
            _ => page.t("app", "应用"),
        };
        format!(
            "<tr><td>{kind}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(text(s, "client_id")),
            escape(text(s, "signed_in_at")),
            escape(text(s, "expires_at"))
        )
    });
    let apps = rows("apps", &|a| {
        let scopes: Vec<&str> = a["scopes"]
            .as_array()
            .map(|s| s.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(text(a, "client_id")),
            escape(&scopes.join(" ")),
            escape(text(a, "authorized_at"))
        )
    });
    let bindings = rows("bindings", &|b| {
        format!(
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(text(b, "channel")),
            escape(text(b, "id"))
        )
    });
    let none = page.t("None.", "无。");
    let role_options: String = [
        ("none", page.t("no role", "无角色")),
        ("support", page.t("support (read only)", "客服（只读）")),
        ("operator", page.t("operator", "运营")),
    ]
    .iter()
    .map(|(value, label)| {
        let selected = if (role.is_empty() && *value == "none") || role == *value {
            " selected"
        } else {
            ""
        };
        format!(
            "<option value=\"{value}\"{selected}>{}</option>",
            escape(label)
        )
    })
    .collect();
    let standing = if disabled {
        action_form(page, &uid, "enable", page.t("Enable", "启用"), false)
    } else {
        action_form(page, &uid, "disable", page.t("Disable", "停用"), true)
    };
    let note = if page.can_act {
        String::new()
    } else {
        format!(
            "<p class=\"muted\" id=\"read-only\">{}</p>",
            page.t(
                "Your role is read-only: support staff may look, not change.",
                "你的角色只读：客服可以查看，不能修改。"
            )
        )
    };
    let actions = format!(
        "<section id=\"actions\"><h2>{title}</h2>{note}<div class=\"actions\">{unlock}{end}{reset}{standing}</div>\
         <form method=\"post\" action=\"/console/users/{uid}\" class=\"inline\" style=\"margin-top:.8rem\">{hidden}\
         <input type=\"hidden\" name=\"action\" value=\"role\">\
         <label for=\"role-select\">{l_role}</label><select id=\"role-select\" name=\"role\">{role_options}</select>\
         <button id=\"act-role\"{may}>{set}</button></form></section>",
        title = page.t("Actions", "操作"),
        unlock = action_form(page, &uid, "unlock", page.t("Unlock sign-in", "解除登录锁定"), false),
        end = action_form(page, &uid, "end_sessions", page.t("End all sessions", "结束所有会话"), false),
        reset = action_form(page, &uid, "reset_code", page.t("Send a password-reset code", "发送重置密码验证码"), false),
        hidden = page.hidden(),
        l_role = page.t("Operator role", "运营角色"),
        may = page.may(),
        set = page.t("Set role", "设置角色"),
    );
    let danger = format!(
        "<section id=\"danger\"><h2>{title}</h2>\
         <p><a id=\"export\" href=\"{export}\">{l_export}</a></p>\
         <form method=\"post\" action=\"/console/users/{uid}\" class=\"inline\">{hidden}\
         <input type=\"hidden\" name=\"action\" value=\"delete\">\
         <label for=\"confirm\">{l_confirm}</label>\
         <input id=\"confirm\" name=\"confirm\" autocomplete=\"off\" required placeholder=\"{name}\">\
         <button id=\"act-delete\" class=\"danger\"{may}>{l_delete}</button></form></section>",
        title = page.t("Data", "数据"),
        export = page.href(&format!("/console/users/{uid}/export")),
        l_export = page.t("Download everything it holds (JSON)", "下载其全部数据（JSON）"),
        hidden = page.hidden(),
        l_confirm = page.t("Delete the account: type its username", "删除账户：输入其用户名"),
        name = escape(text(u, "username")),
        may = page.may(),
        l_delete = page.t("Delete for good", "永久删除"),
    );
    let body = format!(
        "{details}{actions}{danger}\
         <section><h2>{l_locks}</h2><div id=\"locks\">{locks}</div></section>\
         <section><h2>{l_sessions}</h2><div id=\"sessions\">{sessions}</div></section>\
         <section><h2>{l_apps}</h2>{apps}</section>\
         <section><h2>{l_bindings}</h2>{bindings}</section>\
         <p><a id=\"history\" href=\"{history}\">{l_history}</a></p>",
        l_locks = page.t("Sign-in locks", "登录锁定"),
        locks = table(
            &[
                page.t("Name", "名称"),
                page.t("Failures", "失败次数"),
                page.t("State", "状态")
            ],
            &locks,
            none
        ),
        l_sessions = page.t(
            "Live sessions (newest sign-in first)",
            "有效会话（最新登录在前）"
        ),
        sessions = table(
            &[
                page.t("Kind", "类型"),
                page.t("Client", "客户端"),
                page.t("Signed in", "登录时间"),
                page.t("Ends", "到期")
            ],
            &sessions,
            none
        ),
        l_apps = page.t("Authorized apps", "已授权的应用"),
        apps = table(
            &[
                page.t("Client", "客户端"),
                page.t("Scopes", "权限"),
                page.t("Authorized", "授权时间")
            ],
            &apps,
            none
        ),
        l_bindings = page.t("Bound identities", "绑定的第三方账号"),
        bindings = table(&[page.t("Channel", "渠道"), "ID"], &bindings, none),
        history = page.href(&format!("/console/audit?target=user:{uid}")),
        l_history = page.t("This account's audit log", "该账户的审计日志"),
    );
    let title = format!("{} · {}", text(u, "username"), page.t("account", "账户"));
    layout(page, StatusCode::OK, &title, &body)
}

pub fn clients(
    page: &Page<'_>,
    all: &[passport_shared::storage::clients::Client],
    refused: Option<&str>,
) -> Reply {
    let rows: Vec<String> = all
        .iter()
        .map(|c| {
            let kind = if c.is_public() { page.t("public", "公开") } else { page.t("confidential", "机密") };
            let status = if c.disabled {
                format!("<span class=\"badge off\">{}</span>", page.t("disabled", "已停用"))
            } else {
                String::new()
            };
            format!(
                "<tr><td><a class=\"client\" href=\"{href}\">{name}</a>{status}</td><td><code>{id}</code></td><td>{kind}</td><td>{grants}</td></tr>",
                href = page.href(&format!("/console/clients/{}", c.id)),
                name = escape(&c.name),
                id = escape(&c.id),
                grants = escape(&c.grant_types.join(" ")),
            )
        })
        .collect();
    let error = refused
        .map(|why| {
            format!(
                "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
                escape(why)
            )
        })
        .unwrap_or_default();
    let register = format!(
        "<section id=\"register\"><h2>{title}</h2>{error}<form method=\"post\" action=\"/console/clients\">{hidden}\
         <p class=\"inline\">{name}{scopes}{grants}</p>\
         <p><label>{l_redirects}<br><textarea name=\"redirect_uris\" rows=\"2\" placeholder=\"https://app.example.com/callback\"></textarea></label></p>\
         <p class=\"inline\"><label><input type=\"checkbox\" name=\"public\" value=\"1\"> {l_public}</label>\
         <label><input type=\"checkbox\" name=\"first_party\" value=\"1\"> {l_first}</label>\
         <button id=\"register-client\"{may}>{l_register}</button></p></form></section>",
        title = page.t("Register a client", "注册客户端"),
        hidden = page.hidden(),
        name = field("name", page.t("Name", "名称"), "", false),
        scopes = field("scopes", page.t("Scopes", "权限"), "basic", false),
        grants = field("grant_types", page.t("Grants", "授权方式"), "authorization_code refresh_token", true),
        l_redirects = page.t("Redirect URIs, one a line (exact; https, http only for loopback)", "回调地址，每行一个（精确匹配；https，仅回环地址可用 http）"),
        l_public = page.t("public (no secret: PKCE)", "公开客户端（无密钥，用 PKCE）"),
        l_first = page.t("first-party (may use the password grant)", "第一方（可用密码授权）"),
        may = page.may(),
        l_register = page.t("Register", "注册"),
    );
    let body = format!(
        "<section id=\"clients\">{}</section>{register}",
        table(
            &[
                page.t("Name", "名称"),
                "client_id",
                page.t("Kind", "类型"),
                page.t("Grants", "授权方式")
            ],
            &rows,
            page.t("No clients yet.", "还没有客户端。")
        ),
    );
    layout(page, StatusCode::OK, page.t("Clients", "客户端"), &body)
}

/// A client's page; after a rotation, with the new secret shown this once.
pub fn client(
    page: &Page<'_>,
    one: &Value,
    rotated: Option<&Value>,
    refused: Option<&str>,
) -> Reply {
    let c = &one["client"];
    let id = text(c, "client_id");
    let list = |field: &str| -> String {
        let items: Vec<&str> = c[field]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        items.join(" ")
    };
    let disabled = c["disabled"].as_bool().unwrap_or(false);
    let secret = rotated
        .map(|r| {
            let until = match r["previous_secret_valid_until"].as_str() {
                Some(at) => format!(
                    "<p>{} {}</p>",
                    page.t("The previous secret is still taken until", "旧密钥在此时间前仍然有效："),
                    escape(at)
                ),
                None => String::new(),
            };
            format!(
                "<section class=\"notice\" id=\"rotated\"><p>{said}</p><p><code id=\"new-secret\">{secret}</code></p>{until}</section>",
                said = page.t("The secret, shown this once: keep it now.", "密钥只显示这一次，请立即保存。"),
                secret = escape(text(r, "client_secret")),
            )
        })
        .unwrap_or_default();
    let usage: Vec<String> = one["this_hour"]["calls"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .map(|u| {
                    format!(
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                        escape(text(u, "api")),
                        number(u, "calls"),
                        number(u, "limit")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let previous = match c["previous_secret_valid_until"].as_str() {
        Some(until) => format!(
            "{} {}",
            page.t("previous secret taken until", "旧密钥有效至"),
            escape(until)
        ),
        None => "—".to_owned(),
    };
    let details = format!(
        "<section><dl><dt>client_id</dt><dd><code id=\"client-id\">{idv}</code>{badge}</dd>\
         <dt>{l_kind}</dt><dd>{auth}</dd><dt>{l_redirects}</dt><dd>{redirects}</dd>\
         <dt>{l_grants}</dt><dd>{grants}</dd><dt>{l_scopes}</dt><dd>{scopes}</dd>\
         <dt>{l_prev}</dt><dd id=\"previous\">{previous}</dd><dt>{l_created}</dt><dd>{created}</dd></dl></section>",
        idv = escape(id),
        badge = if disabled { format!("<span class=\"badge off\" id=\"disabled\">{}</span>", page.t("disabled", "已停用")) } else { String::new() },
        l_kind = page.t("Authentication", "认证方式"),
        auth = escape(text(c, "token_endpoint_auth_method")),
        l_redirects = page.t("Redirect URIs", "回调地址"),
        redirects = escape(&list("redirect_uris")),
        l_grants = page.t("Grants", "授权方式"),
        grants = escape(&list("grant_types")),
        l_scopes = page.t("Scopes", "权限"),
        scopes = escape(&list("scopes")),
        l_prev = page.t("Secret rotation", "密钥轮换"),
        l_created = page.t("Registered", "注册时间"),
        created = escape(text(c, "created_at")),
    );
    let grace: String = [
        ("3600", page.t("1 hour", "1 小时")),
        ("86400", page.t("1 day", "1 天")),
        ("604800", page.t("7 days", "7 天")),
        (
            "0",
            page.t(
                "none: the old one stops within 30 s",
                "无：旧密钥 30 秒内失效",
            ),
        ),
    ]
    .iter()
    .map(|(v, l)| {
        let selected = if *v == "86400" { " selected" } else { "" };
        format!("<option value=\"{v}\"{selected}>{}</option>", escape(l))
    })
    .collect();
    let form = |action: &str, extra: &str, label: &str, danger: bool| {
        format!(
            "<form method=\"post\" action=\"/console/clients/{id}\" class=\"inline\">{hidden}\
             <input type=\"hidden\" name=\"action\" value=\"{action}\">{extra}\
             <button id=\"client-{action}\"{class}{may}>{label}</button></form>",
            id = escape(id),
            hidden = page.hidden(),
            class = if danger { " class=\"danger\"" } else { "" },
            may = page.may(),
            label = escape(label),
        )
    };
    let rotate = if text(c, "token_endpoint_auth_method") == "client_secret_basic" {
        form(
            "rotate",
            &format!(
                "<label for=\"grace\">{}</label><select id=\"grace\" name=\"grace_seconds\">{grace}</select>",
                page.t("Old secret still taken for", "旧密钥继续有效")
            ),
            page.t("Rotate the secret", "轮换密钥"),
            false,
        )
    } else {
        String::new()
    };
    let standing = if disabled {
        form("enable", "", page.t("Enable", "启用"), false)
    } else {
        form("disable", "", page.t("Disable", "停用"), true)
    };
    let delete = form(
        "delete",
        &format!(
            "<label for=\"confirm\">{}</label><input id=\"confirm\" name=\"confirm\" autocomplete=\"off\" required placeholder=\"{}\">",
            page.t("Delete: type the client id", "删除：输入客户端 ID"),
            escape(id)
        ),
        page.t("Delete for good", "永久删除"),
        true,
    );
    let limits: String = c["limits"]
        .as_object()
        .map(|m| m.iter().map(|(api, n)| format!("{api}={n}\n")).collect())
        .unwrap_or_default();
    let error = refused
        .map(|why| {
            format!(
                "<p class=\"error\" id=\"error\" role=\"alert\">{}</p>",
                escape(why)
            )
        })
        .unwrap_or_default();
    let edit = format!(
        "<section id=\"edit\"><h2>{title}</h2>{error}<form method=\"post\" action=\"/console/clients/{idv}\">{hidden}\
         <input type=\"hidden\" name=\"action\" value=\"edit\">\
         <p class=\"inline\">{name}{scopes}{grants}</p>\
         <p><label>{l_redirects}<br><textarea id=\"redirect_uris\" name=\"redirect_uris\" rows=\"2\">{redirects}</textarea></label></p>\
         <p><label>{l_limits}<br><textarea id=\"limits\" name=\"limits\" rows=\"2\" placeholder=\"apis/Services/location=100\">{limits}</textarea></label></p>\
         <button id=\"client-edit\"{may}>{l_save}</button></form></section>",
        title = page.t("Settings", "设置"),
        idv = escape(id),
        hidden = page.hidden(),
        name = field("name", page.t("Name", "名称"), text(c, "name"), false),
        scopes = field("scopes", page.t("Scopes", "权限"), &list("scopes"), false),
        grants = field("grant_types", page.t("Grants", "授权方式"), &list("grant_types"), true),
        l_redirects = page.t("Redirect URIs, one a line", "回调地址，每行一个"),
        redirects = escape(&c["redirect_uris"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("\n")).unwrap_or_default()),
        l_limits = page.t("Hourly limits, api=calls a line (* for every other API)", "每小时限额，每行 api=次数（* 表示其余所有 API）"),
        limits = escape(&limits),
        may = page.may(),
        l_save = page.t("Save", "保存"),
    );
    let body = format!(
        "{secret}{details}{edit}<section id=\"actions\"><h2>{l_actions}</h2><div class=\"actions\">{rotate}{standing}</div><div style=\"margin-top:.8rem\">{delete}</div></section>\
         <section><h2>{l_usage} <span class=\"muted\">({since})</span></h2><div id=\"usage\">{usage}</div></section>\
         <p><a id=\"history\" href=\"{history}\">{l_history}</a></p>",
        l_actions = page.t("Actions", "操作"),
        l_usage = page.t("Calls this hour", "本小时调用"),
        since = escape(text(&one["this_hour"], "since")),
        usage = table(
            &["API", page.t("Calls", "调用次数"), page.t("Hourly limit", "每小时限额")],
            &usage,
            page.t("No calls this hour.", "本小时没有调用。")
        ),
        history = page.href(&format!("/console/audit?target=client:{id}")),
        l_history = page.t("This client's audit log", "该客户端的审计日志"),
    );
    let title = format!("{} · {}", text(c, "name"), page.t("client", "客户端"));
    layout(page, StatusCode::OK, &title, &body)
}

/// An input of a content form.
fn field(name: &str, label: &str, value: &str, wide: bool) -> String {
    let size = if wide { " size=\"40\"" } else { "" };
    format!(
        "<label>{} <input name=\"{name}\" value=\"{}\"{size}></label>",
        escape(label),
        escape(value)
    )
}

pub fn content(page: &Page<'_>, faqs: &[Value], categories: &[Value]) -> Reply {
    let form = |action: &str, id: Option<String>, inputs: String, button: &str, danger: bool| {
        format!(
            "<form method=\"post\" action=\"/console/content\" class=\"inline\">{hidden}\
             <input type=\"hidden\" name=\"action\" value=\"{action}\">{id}{inputs}\
             <button class=\"{class}\" name=\"do\" value=\"{action}\"{may}>{button}</button></form>",
            hidden = page.hidden(),
            id = id
                .map(|i| format!("<input type=\"hidden\" name=\"id\" value=\"{i}\">"))
                .unwrap_or_default(),
            class = if danger { "danger" } else { "" },
            may = page.may(),
            button = escape(button),
        )
    };
    let faq_inputs = |f: Option<&Value>| {
        let v = |k: &str| f.map(|f| text(f, k).to_owned()).unwrap_or_default();
        format!(
            "{}{}{}{}",
            field("title", page.t("Title", "标题"), &v("title"), true),
            field("content", page.t("Answer", "回答"), &v("content"), true),
            field(
                "category",
                page.t("Category", "分类"),
                &v("category"),
                false
            ),
            field(
                "external_link",
                page.t("Link (https)", "链接（https）"),
                &v("external_link"),
                false
            ),
        )
    };
    let category_inputs = |c: Option<&Value>| {
        let v = |k: &str| c.map(|c| text(c, k).to_owned()).unwrap_or_default();
        format!(
            "{}{}",
            field("name", page.t("Name", "名称"), &v("name"), false),
            field(
                "description",
                page.t("Description", "说明"),
                &v("description"),
                true
            ),
        )
    };
    // Each entry its own pair of forms: its fields to save, and its delete.
    let rows = |kind: &str, items: &[Value], inputs: &dyn Fn(Option<&Value>) -> String| -> String {
        items
            .iter()
            .map(|item| {
                let id = number(item, "id");
                format!(
                    "<div class=\"card {kind}\" id=\"{kind}-{id}\">{}{}</div>",
                    form(
                        &format!("{kind}_edit"),
                        Some(id.clone()),
                        inputs(Some(item)),
                        page.t("Save", "保存"),
                        false
                    ),
                    form(
                        &format!("{kind}_delete"),
                        Some(id.clone()),
                        String::new(),
                        page.t("Delete", "删除"),
                        true
                    ),
                )
            })
            .collect()
    };
    let faq_rows = rows("faq", faqs, &faq_inputs);
    let category_rows = rows("category", categories, &category_inputs);
    let body = format!(
        "<section id=\"faqs\"><h2>{l_faq}</h2>{faq_rows}<h2>{l_new_faq}</h2>{new_faq}</section>\
         <section id=\"categories\"><h2>{l_cats}</h2>{category_rows}<h2>{l_new_cat}</h2>{new_cat}</section>",
        l_faq = page.t("Frequently asked questions", "常见问题"),
        l_new_faq = page.t("A new entry", "新增问题"),
        new_faq = form("faq_add", None, faq_inputs(None), page.t("Add", "新增"), false),
        l_cats = page.t("Feedback categories", "反馈分类"),
        l_new_cat = page.t("A new category", "新增分类"),
        new_cat = form("category_add", None, category_inputs(None), page.t("Add", "新增"), false),
    );
    layout(
        page,
        StatusCode::OK,
        page.t("FAQ and categories", "常见问题与反馈分类"),
        &body,
    )
}

pub fn pushes(page: &Page<'_>, listed: &Listed) -> Reply {
    let scope = |v: &Value| match v["push_scope"].as_u64() {
        Some(1) => "Android",
        Some(2) => "iOS",
        _ => page.t("every device", "所有设备"),
    };
    let rows: Vec<String> = listed
        .data
        .iter()
        .map(|l| {
            format!(
                "<tr class=\"push\"><td class=\"when\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"reads\">{}</td><td>{}</td></tr>",
                escape(text(l, "created_at")),
                escape(text(l, "push_title")),
                escape(&excerpt(text(l, "push_body"), 80)),
                scope(l),
                l["read_count"].as_u64().unwrap_or(0),
                number(l, "manager_id"),
            )
        })
        .collect();
    let body = format!(
        "<section id=\"record\"><h2>{l_record}</h2><form method=\"post\" action=\"/console/push\" class=\"inline\">{hidden}\
         {title}{body_field}<label>{l_scope} <select name=\"push_scope\"><option value=\"0\">{all}</option>\
         <option value=\"1\">Android</option><option value=\"2\">iOS</option></select></label>\
         <button id=\"record-push\"{may}>{l_save}</button></form></section>\
         <section id=\"pushes\">{table}{pager}</section>",
        l_record = page.t("Record a push that was sent", "记录一次已发送的推送"),
        hidden = page.hidden(),
        title = field("push_title", page.t("Title", "标题"), "", true),
        body_field = field("push_body", page.t("Text", "内容"), "", true),
        l_scope = page.t("To", "对象"),
        all = page.t("every device", "所有设备"),
        may = page.may(),
        l_save = page.t("Record", "记录"),
        table = table(
            &[
                page.t("Sent", "时间"),
                page.t("Title", "标题"),
                page.t("Text", "内容"),
                page.t("To", "对象"),
                page.t("Opened by", "打开人数"),
                page.t("Operator", "运营"),
            ],
            &rows,
            page.t("No pushes yet.", "还没有推送。")
        ),
        pager = pager(page, "/console/push", "", listed),
    );
    layout(page, StatusCode::OK, page.t("Push log", "推送记录"), &body)
}

fn category_name(categories: &Listed, id: u64) -> &str {
    categories
        .data
        .iter()
        .find(|c| c.get("id").and_then(Value::as_u64) == Some(id))
        .and_then(|c| c.get("name").and_then(Value::as_str))
        .unwrap_or("")
}

/// The first `n` characters of `s`, with an ellipsis when cut.
fn excerpt(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// Links to the pages before and after `listed`'s, keeping `query`.
fn pager(page: &Page<'_>, path: &str, query: &str, listed: &Listed) -> String {
    let mut links = Vec::new();
    let at = listed.current_page as u64;
    if at > 1 {
        links.push(format!(
            "<a href=\"{}\">← {}</a>",
            page.href(&format!("{path}?{query}page_no={}", at - 1)),
            page.t("Newer", "较新")
        ));
    }
    if at < listed.pages {
        links.push(format!(
            "<a id=\"older\" href=\"{}\">{} →</a>",
            page.href(&format!("{path}?{query}page_no={}", at + 1)),
            page.t("Older", "较早")
        ));
    }
    format!("<p class=\"pager\">{}</p>", links.concat())
}

pub fn inbox(
    page: &Page<'_>,
    status: u8,
    category: Option<u64>,
    listed: &Listed,
    categories: &Listed,
) -> Reply {
    let selected = |yes: bool| if yes { " selected" } else { "" };
    let mut options = format!(
        "<option value=\"\"{}>{}</option><option value=\"0\"{}>{}</option>",
        selected(category.is_none()),
        page.t("every category", "所有分类"),
        selected(category == Some(0)),
        page.t("no category", "未分类")
    );
    for c in &categories.data {
        let id = c.get("id").and_then(Value::as_u64).unwrap_or(0);
        options.push_str(&format!(
            "<option value=\"{id}\"{}>{}</option>",
            selected(category == Some(id)),
            escape(c.get("name").and_then(Value::as_str).unwrap_or(""))
        ));
    }
    let filter = format!(
        "<form method=\"get\" action=\"/console/feedback\" class=\"inline card\">\
         <label for=\"status\">{l_status}</label><select id=\"status\" name=\"status\">\
         <option value=\"open\"{open}>{t_open}</option><option value=\"replied\"{replied}>{t_replied}</option></select>\
         <label for=\"category\">{l_cat}</label><select id=\"category\" name=\"category_id\">{options}</select>\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button id=\"filter\">{show}</button></form>",
        l_status = page.t("Status", "状态"),
        open = selected(status == 0),
        t_open = page.t("open", "待回复"),
        replied = selected(status == 1),
        t_replied = page.t("replied", "已回复"),
        l_cat = page.t("Category", "分类"),
        lang = page.lang_code(),
        show = page.t("Show", "筛选"),
    );
    let rows: Vec<String> = listed
        .data
        .iter()
        .map(|f| {
            let id = number(f, "id");
            let cat = f.get("feedback_category_id").and_then(Value::as_u64).unwrap_or(0);
            format!(
                "<tr><td><a class=\"feedback\" href=\"{href}\">#{id}</a></td><td>{at}</td><td>{cat}</td><td>{content}</td><td>{user}</td></tr>",
                href = page.href(&format!("/console/feedback/{id}")),
                at = escape(text(f, "created_at")),
                cat = escape(category_name(categories, cat)),
                content = escape(&excerpt(text(f, "feedback_content"), 80)),
                user = number(f, "user_id"),
            )
        })
        .collect();
    let query = format!(
        "status={}&{}",
        if status == 0 { "open" } else { "replied" },
        category
            .map(|c| format!("category_id={c}&"))
            .unwrap_or_default()
    );
    let body = format!(
        "{filter}<section id=\"inbox\"><p class=\"muted\">{total}: {n}</p>{table}{pager}</section>",
        total = page.t("Feedback", "反馈"),
        n = listed.total,
        table = table(
            &[
                "#",
                page.t("Sent", "提交时间"),
                page.t("Category", "分类"),
                page.t("Feedback", "内容"),
                page.t("User", "用户"),
            ],
            &rows,
            page.t("Nothing here.", "这里没有反馈。")
        ),
        pager = pager(page, "/console/feedback", &query, listed),
    );
    layout(
        page,
        StatusCode::OK,
        page.t("Feedback inbox", "反馈收件箱"),
        &body,
    )
}

pub fn feedback(
    page: &Page<'_>,
    f: &Map<String, Value>,
    reply: Option<&Map<String, Value>>,
) -> Reply {
    let f = Value::Object(f.clone());
    let id = number(&f, "id");
    let author = number(&f, "user_id");
    let status = match f["feedback_status"].as_u64() {
        Some(1) => page.t("replied", "已回复"),
        _ => page.t("open", "待回复"),
    };
    let answered = reply
        .map(|r| {
            let r = Value::Object(r.clone());
            format!(
                "<section id=\"reply\"><h2>{title}</h2><p>{content}</p><p class=\"muted\">{by} {manager} · {at} · {read}</p></section>",
                title = page.t("The reply", "回复"),
                content = escape(text(&r, "reply_content")),
                by = page.t("by operator", "运营"),
                manager = number(&r, "manager_id"),
                at = escape(text(&r, "created_at")),
                read = if r["is_read"].as_bool().unwrap_or(false) {
                    page.t("read by the user", "用户已读")
                } else {
                    page.t("not read yet", "用户未读")
                },
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<section><dl><dt>{l_status}</dt><dd id=\"status\">{status}</dd>\
         <dt>{l_user}</dt><dd><a href=\"{user_href}\">{author}</a></dd>\
         <dt>{l_sent}</dt><dd>{sent}</dd><dt>{l_phone}</dt><dd>{phone}</dd></dl>\
         <p id=\"content\" style=\"white-space:pre-wrap\">{content}</p></section>{answered}\
         <section><h2>{l_reply}</h2><form method=\"post\" action=\"/console/feedback/{id}\">{hidden}\
         <textarea id=\"reply_content\" name=\"reply_content\" maxlength=\"2000\" required></textarea>\
         <p><button id=\"send-reply\"{may}>{send}</button></p></form></section>",
        l_status = page.t("Status", "状态"),
        l_user = page.t("From", "反馈者"),
        user_href = page.href(&format!("/console/users/{author}")),
        l_sent = page.t("Sent", "提交时间"),
        sent = escape(text(&f, "created_at")),
        l_phone = page.t("Contact phone", "联系电话"),
        phone = escape(text(&f, "contact_phone")),
        content = escape(text(&f, "feedback_content")),
        l_reply = if reply.is_some() {
            page.t("Reply again (replaces the reply)", "重新回复（替换原回复）")
        } else {
            page.t("Reply", "回复")
        },
        hidden = page.hidden(),
        may = page.may(),
        send = page.t("Send reply", "发送回复"),
    );
    layout(
        page,
        StatusCode::OK,
        &format!("{} #{id}", page.t("Feedback", "反馈")),
        &body,
    )
}

/// A value in a line: text as it is, `—` for none, anything else as short JSON.
fn brief(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "—".to_owned(),
        Some(Value::String(s)) => excerpt(s, 60),
        Some(Value::Object(o)) if o.contains_key("reply_content") => {
            excerpt(o["reply_content"].as_str().unwrap_or(""), 60)
        }
        Some(other) => excerpt(&other.to_string(), 60),
    }
}

/// What an entry changed, field by field: `field: before → after`.
fn changes(before: &Value, after: &Value) -> String {
    let empty = Map::new();
    let (b, a) = (
        before.as_object().unwrap_or(&empty),
        after.as_object().unwrap_or(&empty),
    );
    let mut fields: Vec<&String> = b.keys().chain(a.keys()).collect();
    fields.sort();
    fields.dedup();
    let lines: String = fields
        .iter()
        .map(|f| {
            format!(
                "<li><code>{}</code> {} → {}</li>",
                escape(f),
                escape(&brief(b.get(*f))),
                escape(&brief(a.get(*f)))
            )
        })
        .collect();
    format!("<ul class=\"changes\">{lines}</ul>")
}

pub fn audit(page: &Page<'_>, target: Option<&str>, listed: &Listed) -> Reply {
    let link = |target: &str| -> String {
        let href = match target.split_once(':') {
            Some(("user", id)) => Some(format!("/console/users/{id}")),
            Some(("feedback", id)) => Some(format!("/console/feedback/{id}")),
            Some(("client", id)) => Some(format!("/console/clients/{id}")),
            _ => None,
        };
        match href {
            Some(h) => format!("<a href=\"{}\">{}</a>", page.href(&h), escape(target)),
            None => escape(target),
        }
    };
    let rows: Vec<String> = listed
        .data
        .iter()
        .map(|e| {
            format!(
                "<tr class=\"entry\"><td class=\"when\">{at}</td><td>{actor} <span class=\"muted\">({uid})</span></td><td class=\"action\">{action}</td><td>{target}</td><td>{change}</td></tr>",
                at = escape(text(e, "at")),
                actor = escape(text(e, "actor")),
                uid = number(e, "actor_uid"),
                action = escape(text(e, "action")),
                target = link(text(e, "target")),
                change = changes(&e["before"], &e["after"]),
            )
        })
        .collect();
    let filter = format!(
        "<form method=\"get\" action=\"/console/audit\" class=\"inline card\">\
         <label for=\"target\">{l_target}</label>\
         <input id=\"target\" name=\"target\" value=\"{value}\" placeholder=\"user:377461670888658\" size=\"28\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\"><button id=\"filter\">{show}</button></form>",
        l_target = page.t("Target", "对象"),
        value = escape(target.unwrap_or("")),
        lang = page.lang_code(),
        show = page.t("Show", "筛选"),
    );
    let query = target.map(|t| format!("target={t}&")).unwrap_or_default();
    let body = format!(
        "{filter}<section id=\"log\">{table}{pager}</section>",
        table = table(
            &[
                page.t("When (UTC)", "时间（UTC）"),
                page.t("Who", "操作人"),
                page.t("Action", "操作"),
                page.t("Target", "对象"),
                page.t("Before → after", "之前 → 之后"),
            ],
            &rows,
            page.t("No entries.", "没有记录。")
        ),
        pager = pager(page, "/console/audit", &query, listed),
    );
    layout(page, StatusCode::OK, page.t("Audit log", "审计日志"), &body)
}

pub fn missing(page: &Page<'_>) -> Reply {
    let body = format!(
        "<p class=\"error\" id=\"error\">{}</p>",
        page.t("There is nothing at this address.", "这个地址没有内容。")
    );
    layout(
        page,
        StatusCode::NOT_FOUND,
        page.t("Not found", "未找到"),
        &body,
    )
}

/// A page for a browser that is not (or no longer) a signed-in operator.
fn bare(lang: Lang, status: StatusCode, title: &str, body: &str) -> Reply {
    document(
        lang,
        status,
        CSS,
        title,
        &format!(
            "<header><strong>Passport</strong> {}</header><main><h1>{}</h1>{body}</main>",
            tr(lang, "console", "运营后台"),
            escape(title)
        ),
    )
}

/// The page of an account the route's role refused.
pub fn refused(lang: Lang, _route: &str) -> Reply {
    let t = |en, zh| tr(lang, en, zh);
    let body = format!(
        "<p class=\"error\" id=\"error\" role=\"alert\">{}</p><p><a href=\"/console?lang={}\">{}</a></p>",
        t(
            "Your account does not have the role this needs: support staff may look, operators may act.",
            "你的账户没有所需的角色：客服可以查看，运营可以操作。"
        ),
        t("en", "zh"),
        t("Back to the console", "返回运营后台"),
    );
    bare(
        lang,
        StatusCode::FORBIDDEN,
        t("Not allowed", "无权操作"),
        &body,
    )
}

/// The page of a browser without a live console session: 401, and on to the sign-in at once
/// (a refresh, which needs no script; the link for a browser that does not follow it).
pub fn sign_in_first(lang: Lang) -> Reply {
    let t = |en, zh| tr(lang, en, zh);
    let target = format!("/console/signin?lang={}", t("en", "zh"));
    let href = escape(&target);
    let title = t("Sign in", "登录");
    passport_shared::html::document_with_head(
        lang,
        StatusCode::UNAUTHORIZED,
        CSS,
        title,
        &format!("<meta http-equiv=\"refresh\" content=\"0;url={href}\">"),
        &format!(
            "<header><strong>Passport</strong> {}</header><main><h1>{}</h1><p><a id=\"sign-in\" href=\"{href}\">{}</a></p></main>",
            t("console", "运营后台"),
            escape(title),
            t("Sign in to the console", "登录运营后台"),
        ),
    )
}

pub fn signin_failed(lang: Lang) -> Reply {
    let t = |en, zh| tr(lang, en, zh);
    let body = format!(
        "<p class=\"error\" id=\"error\" role=\"alert\">{}</p><p><a id=\"again\" href=\"/console/signin?lang={}\">{}</a></p>",
        t("Signing in did not complete.", "登录没有完成。"),
        t("en", "zh"),
        t("Sign in again", "重新登录"),
    );
    bare(
        lang,
        StatusCode::BAD_REQUEST,
        t("Sign-in failed", "登录失败"),
        &body,
    )
}

pub fn signed_out(lang: Lang) -> Reply {
    let t = |en, zh| tr(lang, en, zh);
    let body = format!(
        "<p class=\"notice\" id=\"notice\">{}</p><p><a id=\"again\" href=\"/console/signin?lang={code}\">{}</a></p>\
         <p><a href=\"/oauth2/logout?lang={code}\">{}</a></p>",
        t("You are signed out of the console.", "你已退出运营后台。"),
        t("Sign in again", "重新登录"),
        t("Also sign out of Passport in this browser", "同时退出此浏览器上的 Passport 登录"),
        code = t("en", "zh"),
    );
    bare(lang, StatusCode::OK, t("Signed out", "已退出"), &body)
}

/// A refusal of what the browser sent, in the catalog's words.
pub fn problem(lang: Lang, e: &ApiError) -> Reply {
    let entry = e.kind.entry(Dialect::Center);
    let message = match lang {
        Lang::En => entry.en,
        Lang::Zh => entry.zh,
    };
    let body = format!(
        "<p class=\"error\" id=\"error\" role=\"alert\">{}</p><p><a href=\"/console?lang={}\">{}</a></p>",
        escape(message),
        tr(lang, "en", "zh"),
        tr(lang, "Back to the console", "返回运营后台"),
    );
    bare(
        lang,
        e.kind.status(),
        tr(lang, "Cannot do that", "无法完成"),
        &body,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_entry_reads_field_by_field_and_escaped() {
        let html = changes(
            &json!({"disabled": false, "role": null}),
            &json!({"disabled": true, "role": "<b>operator</b>"}),
        );
        assert_eq!(
            html,
            "<ul class=\"changes\"><li><code>disabled</code> false → true</li>\
             <li><code>role</code> — → &lt;b&gt;operator&lt;/b&gt;</li></ul>"
        );
        let reply = changes(
            &json!({"reply": null}),
            &json!({"reply": {"reply_content": "Fixed"}}),
        );
        assert!(reply.contains("— → Fixed"));
    }

    #[test]
    fn only_the_consoles_own_outcomes_are_said() {
        assert!(said(Lang::En, "unlocked").is_some_and(|(ok, _)| ok));
        assert!(said(Lang::Zh, "refused_self").is_some_and(|(ok, _)| !ok));
        assert_eq!(said(Lang::En, "<script>"), None);
        // Every `done` the console's handlers send (console/mod.rs) is one it says.
        let sent = include_str!("mod.rs");
        for done in [
            "refused_self",
            "conflict",
            "confirm",
            "confirm_client",
            "client_deleted",
            "client_disabled",
            "client_enabled",
            "saved",
            "removed",
            "push_recorded",
            "content_invalid",
            "replied",
            "empty",
            "deleted",
        ] {
            assert!(
                sent.contains(&format!("\"{done}\"")),
                "{done} is not sent any more"
            );
            assert!(
                said(Lang::Zh, done).is_some(),
                "{done} is sent but never said"
            );
        }
    }

    #[test]
    fn excerpts_cut_at_characters_not_bytes() {
        assert_eq!(excerpt("反馈内容很长", 2), "反馈…");
        assert_eq!(excerpt("short", 10), "short");
    }
}
