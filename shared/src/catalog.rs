//! The error catalog: every code of every API document, in its dialect, as data.
//!
//! One table per dialect, transcribed from the API documents (`docs/api-documents/`, a copy
//! of the platform's `shared/seeds/`: document 000 for v1, 001/002 for v2, 003 for rest, 004
//! for center). Where a document gives a text, it is kept to the letter,
//! typos included, because clients match on it; where a document gives only one language, the
//! other is ours. A code can appear twice in one table with different texts (the documents do
//! that: v1 204203, v2 200002, 202002 and 202006); [`crate::error::ErrorKind`] names the entry
//! it means by code and English text.
//!
//! `tests` below walks the documents and proves that each documented code and text is here.

use crate::dialect::Dialect;

/// One documented code: its number, English text and Chinese text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub code: u32,
    pub en: &'static str,
    pub zh: &'static str,
}

const fn e(code: u32, en: &'static str, zh: &'static str) -> Entry {
    Entry { code, en, zh }
}

/// Document 000 (`/apis/...`), texts as printed there.
pub static V1: &[Entry] = &[
    e(200, "Success", "成功"),
    e(100001, "Internal error", "内部错误(系统)"),
    e(100002, "POST error", "提交错误"),
    e(100003, "Datebase error", "数据库错误"),
    e(100004, "No data", "无数据"),
    e(100005, "Failed to pass the validator", "验证器验证失败"),
    e(100006, "Failed to update data", "更新数据失败"),
    e(100007, "Failed to delete data", "插入数据失败"),
    e(100008, "Failed to insert data", "插入数据失败"),
    e(100009, "Failed to query data", "查询数据失败"),
    e(100010, "Unknown error", "未知错误"),
    e(100011, "Invalid method", "方法错误"),
    e(200001, "Invalid parameter", "参数错误(服务)"),
    e(
        200002,
        "Submission method should be POST",
        "提交方式应为POST",
    ),
    e(200003, "Non Ajax request", "非AJAX请求"),
    e(200004, "Invalid captcha", "验证码错误"),
    e(200005, "Captcha timeout", "验证码超时"),
    e(200006, "Captcha is required", "验证码不能为空"),
    e(200007, "Session has expired", "会话过期"),
    e(200008, "Request exceeded limit", "请求超限"),
    e(200009, "Invalid token", "非法的数据令牌"),
    e(200010, "Token is required", "数据令牌不可为空"),
    e(200011, "Permission denied", "没有权限"),
    e(200012, "Username is required", "用户名不能为空"),
    e(
        200013,
        "Username should be more than 2 characters",
        "用户名不得小于2个字符",
    ),
    e(
        200014,
        "Username should be less than 50 characters",
        "用户名不得大于50个字符",
    ),
    e(
        200015,
        "Username can only be Chinese characters, letters, numbers, underscores and dashes",
        "用户名只能由汉字、字母、数字、下划线及破折号组成",
    ),
    e(200016, "Invalid username", "用户名无效"),
    e(200017, "Password is required", "密码不能为空"),
    e(200018, "Password at least 6 characters", "密码至少6个字符"),
    e(200019, "Password inconsistent", "密码不一致"),
    e(200020, "Email is required", "邮箱地址不可为空"),
    e(200021, "Invalid email", "邮箱格式不正确"),
    e(200022, "Phone number is required", "电话号码不能为空"),
    e(200023, "Invalid phone number", "电话号码格式错误"),
    e(
        200024,
        "Phone number must be 11 digits",
        "电话号码必须是11位",
    ),
    e(200025, "The phone number is not supported", "不支持该号段"),
    e(200026, "Invalid ip", "IP地址错误"),
    e(
        201101,
        "Authorization code cannot be empty",
        "授权码不能为空",
    ),
    e(201102, "Invalid authorization code", "授权码验证失败"),
    e(201103, "Invalid client_id", "client_id 无效"),
    e(
        201104,
        "redirect_uri and client_id are not matched or client not activated",
        "redirect_uri和client_id不匹配或客户端未激活",
    ),
    e(
        201105,
        "redirect_uri and client_id are required",
        "redirect_uri和client_id不能为空",
    ),
    e(201106, "Invalid response_type", "response_type参数无效"),
    e(201201, "Invalid access token", "非法token"),
    e(201202, "Access token is required", "数据令牌不可为空"),
    e(
        201203,
        "Access token expires or does not exist",
        "数据令牌过期或不存在",
    ),
    e(201204, "API requests out of rate limit", "接口请求超限"),
    e(
        201205,
        "client_id client_secret grant_type redirect_uri are not matched",
        "client_id client_secret grant_type redirect_uri不匹配",
    ),
    e(201206, "Api permission denied", "无权访问该接口"),
    e(201207, "Delete token failed", "删除token失败"),
    e(
        201208,
        "client_id client_secret are not matched",
        "client_id client_secret不匹配",
    ),
    e(201209, "Invalid refresh_token", "refresh_token无效"),
    e(201210, "client_id is required", "client_id不能为空"),
    e(201211, "client_secret is required", "client_secret不能为空"),
    e(
        201212,
        "Access username and password are required",
        "username和password不能为空",
    ),
    e(201213, "client_id not exist", "client_id不存在"),
    e(
        201214,
        "client_id and username are not matched",
        "client_id和username不匹配",
    ),
    e(202101, "Message delivery failed", "消息发送失败"),
    e(202102, "Messages content cannot be empty", "消息不能为空"),
    e(203001, "The username already registered", "用户已存在"),
    e(203002, "The email already exists", "该邮箱已经被使用"),
    e(
        203003,
        "Email and username do not match",
        "邮箱和用户名不匹配",
    ),
    e(203004, "Password mismatch", "用户名与密码不匹配"),
    e(203005, "Account does not exist", "账户不存在"),
    e(
        203006,
        "The new password cannot be the same as the old",
        "新密码不可与旧密码相同",
    ),
    e(203007, "Invalid identity card", "身份证号码错误"),
    e(203101, "Invalid verification code", "验证码无效"),
    e(
        203102,
        "Failed to send registration verification code",
        "注册验证码发送失败",
    ),
    e(203201, "Username does not exist", "用户名不存在"),
    e(
        203202,
        "Failed login greater than %d times, account locked for %d minutes",
        "登录失败累计大于%d次,账户锁定%d分钟",
    ),
    // Ours: an account an operator disabled.
    e(203202, "This account has been disabled", "该账户已被停用"),
    e(203203, "Login failed with %s", "%s登录失败"),
    e(203204, "Account has been bound to %s", "该账号已经绑定%s"),
    e(
        203205,
        "The account of %s has not been bound to the account of this website",
        "%s账号尚未绑定本站",
    ),
    e(203301, "Account required", "账户不能为空"),
    e(203302, "Account at least 2 characters", "账户至少2个字符"),
    e(203303, "Failed to reset password", "重置密码失败"),
    e(204101, "Images is required", "图像不能为空"),
    e(204102, "Invalid image extension", "非法图像扩展名"),
    e(204103, "Invalid image type", "非法图像类型"),
    e(204201, "Images is required", "图像不能为空"),
    e(204202, "Invalid image extension", "非法图像扩展名"),
    e(204203, "Invalid image type", "非法图像类型"),
    e(204203, "Password error", "密码错误"),
];

/// Documents 001/002 (`/api/...`). The documents give English only; the Chinese is ours.
pub static V2: &[Entry] = &[
    e(0, "Successful", "成功"),
    e(200, "OK", "成功"),
    e(403, "Unauthorized", "未授权"),
    e(404, "Not found", "未找到"),
    e(100001, "Internal error", "内部错误"),
    e(100002, "Unknown error", "未知错误"),
    e(100003, "Database error", "数据库错误"),
    e(100004, "Validation failed", "验证失败"),
    e(100005, "Mail sending failed", "邮件发送失败"),
    e(200001, "POST method required", "请使用POST方法"),
    // Ours: the same code for the GET-only routes (/api/Oauth/authorize), which must not
    // ask for POST.
    e(200001, "GET method required", "请使用GET方法"),
    e(200002, "Invalid captcha", "验证码错误"),
    e(200002, "Captcha verification failed", "验证码验证失败"),
    e(
        201101,
        "redirect_uri and client_id are required",
        "redirect_uri和client_id不能为空",
    ),
    e(201102, "Invalid response_type", "response_type参数无效"),
    e(201103, "Invalid clientid", "client_id无效"),
    e(
        201104,
        "redirect_uri and client_id are not matched",
        "redirect_uri和client_id不匹配",
    ),
    e(201105, "Authorization code required", "授权码不能为空"),
    e(201201, "Invalid access_token", "非法token"),
    e(201202, "access_token is required", "数据令牌不可为空"),
    e(
        201203,
        "access_token expires or does not exist",
        "数据令牌过期或不存在",
    ),
    e(201204, "API requests out of rate limit", "接口请求超限"),
    e(
        201205,
        "client_id client_secret grant_type redirect_uri are not matched",
        "client_id client_secret grant_type redirect_uri不匹配",
    ),
    e(201206, "Api permission denied", "无权访问该接口"),
    e(201207, "Cache access_token failed", "缓存token失败"),
    e(
        201208,
        "client_id client_secret are not matched",
        "client_id client_secret不匹配",
    ),
    e(201209, "Invalid refresh_token", "refresh_token无效"),
    e(201210, "client_id is required", "client_id不能为空"),
    e(201211, "client_secret is required", "client_secret不能为空"),
    e(
        201212,
        "Access username and password are required",
        "username和password不能为空",
    ),
    e(201213, "Invalid client_id", "client_id无效"),
    e(
        201214,
        "client_id and username are not matched",
        "client_id和username不匹配",
    ),
    e(201215, "Invalid authorization code", "授权码无效"),
    e(201216, "Invalid grant_type", "grant_type参数无效"),
    e(201301, "Failed to delete access_token", "删除token失败"),
    e(201401, "Failed to revoke access_token", "重置token失败"),
    e(202001, "Account does not exist", "账户不存在"),
    e(202002, "The username already exists", "用户名已存在"),
    e(202002, "The username already registered", "用户名已被注册"),
    e(202003, "The email already exists", "该邮箱已经被使用"),
    e(
        202004,
        "The phone number already exists",
        "该手机号已经被使用",
    ),
    e(202005, "The Nick name already exists", "该昵称已经被使用"),
    e(
        202006,
        "Verification code validation failed",
        "验证码验证失败",
    ),
    e(202006, "Medium code validation failed", "验证码验证失败"),
    e(
        202007,
        "The sending interval of verification code is %d seconds",
        "验证码发送间隔为%d秒",
    ),
    e(202101, "Not logged in yet", "尚未登录"),
    e(
        202102,
        "Username and password are required",
        "用户名和密码不能为空",
    ),
    e(202103, "Incorrect password", "密码错误"),
    e(202201, "Failed to send verification code", "验证码发送失败"),
    e(202202, "Failed to register", "注册失败"),
    e(202301, "Fail to upload avatar", "头像上传失败"),
    e(202302, "Fail to unbind SNS account", "解除社交账号绑定失败"),
    e(
        202303,
        "Failed to update user information",
        "更新用户信息失败",
    ),
    e(
        202304,
        "The old and new passwords are the same",
        "新旧密码相同",
    ),
    // Not in documents 001/002: v2 sign-in lockout and SNS sign-in borrow the codes and
    // texts of document 000.
    e(
        203202,
        "Failed login greater than %d times, account locked for %d minutes",
        "登录失败累计大于%d次,账户锁定%d分钟",
    ),
    // Ours: an account an operator disabled.
    e(203202, "This account has been disabled", "该账户已被停用"),
    e(203203, "Login failed with %s", "%s登录失败"),
    e(203204, "Account has been bound to %s", "该账号已经绑定%s"),
    e(
        203205,
        "The account of %s has not been bound to the account of this website",
        "%s账号尚未绑定本站",
    ),
    e(203101, "No to-do events", "没有待办事项"),
    e(203201, "Fail to add a event", "添加事项失败"),
    e(203301, "Event id not specified", "未指定事项id"),
    e(204101, "No friends found", "没有找到朋友"),
    e(204102, "Failed to make friends", "添加朋友失败"),
    e(204103, "Failed to delete a friend", "删除朋友失败"),
    e(204104, "Failed to notify your friend", "通知朋友失败"),
];

/// Document 003 (`/apis/rest/...`). The document gives Chinese only; the English is ours.
pub static REST: &[Entry] = &[
    e(200, "ok", "成功码"),
    e(304, "Not modified", "未修改"),
    e(400, "Invalid request", "请求无效"),
    e(401, "Unauthorized", "未授权"),
    e(500, "Internal server error", "服务内部错误"),
    e(501, "Client not supported", "不支持该客户端"),
    e(601, "Invalid parameter", "参数非法"),
    e(602, "Empty content", "内容为空"),
    e(100002, "client_id is not allowed", "client_id 访问非法"),
    e(100008, "client_id does not exist", "该client_id 不存在"),
    e(
        100009,
        "Invalid HTTP Basic authentication",
        "HTTP协议头认证非法",
    ),
    e(
        100014,
        "Access token has expired (tokens live for 3 months)",
        "访问token已过期,过期时间一般为3个月",
    ),
    e(
        100018,
        "The authorization code has no access to this resource",
        "该授权码无权限访问",
    ),
    e(
        100019,
        "The authorization code does not exist, please authorize again",
        "授权码不存在,请重新授权",
    ),
    e(
        100020,
        "The authorization code has expired, please authorize again",
        "授权码已经过期,请重启授权",
    ),
    e(
        100021,
        "The authorization code is held by another client",
        "授权客户端非法持有授权码",
    ),
    e(
        100023,
        "The authorization code is held by another user",
        "授权用户非法持有授权码",
    ),
];

/// Document 004 (`/api/auth`, `/api/personal`, ...). Chinese only there; the English is ours.
pub static CENTER: &[Entry] = &[
    e(0, "success", "成功"),
    e(10000, "General error", "通用错误码"),
    // Ours: an account an operator disabled.
    e(10000, "This account has been disabled", "该账户已被停用"),
    e(10001, "Data not found", "数据未查到"),
    e(10002, "The path does not exist", "访问的路径不存在"),
    e(
        10003,
        "The user has no permission for this",
        "该用户没有访问或操作权限",
    ),
    e(
        10004,
        "Invalid token: wrong, expired, or the user was deleted",
        "无效的Token, 可能是错误的, 失效的, 用户已被删除",
    ),
    e(10005, "Invalid request field", "请求字段不合法"),
    e(10006, "The user is not registered", "用户未注册"),
    e(10007, "Incorrect password", "密码错误"),
    e(10008, "Invalid verification code", "无效的验证码"),
    e(10009, "The user is already registered", "用户已注册"),
    e(10010, "Codes are being sent too often", "短信发送太频繁"),
    e(
        10011,
        "The SMS service account is in arrears",
        "短信服务欠费",
    ),
    e(
        10012,
        "The SMS service returned an error",
        "短信服务其他错误信息",
    ),
    e(
        10013,
        "The SMS service is unavailable, the service may have changed or a parameter is wrong",
        "短信服务不可用, 可能是服务变更或参数错误导致",
    ),
    e(
        10014,
        "The mail service is unavailable, the service may have changed or a parameter is wrong",
        "邮件服务不可用, 可能是服务变更或参数错误导致",
    ),
];

/// The table of one dialect.
pub fn table(dialect: Dialect) -> &'static [Entry] {
    match dialect {
        Dialect::V1 => V1,
        Dialect::V2 | Dialect::OAuth2 => V2,
        Dialect::Rest => REST,
        Dialect::Center => CENTER,
    }
}

/// The entry for `code` in `dialect`; where the code has several texts, the one whose English
/// text is `en`, or else the first.
pub fn lookup(dialect: Dialect, code: u32, en: Option<&str>) -> Option<&'static Entry> {
    let mut found = table(dialect).iter().filter(|e| e.code == code);
    match en {
        Some(text) => table(dialect)
            .iter()
            .find(|e| e.code == code && e.en == text),
        None => found.next(),
    }
}

#[cfg(test)]
mod tests {
    //! Walks the API documents and proves each documented code and text is in the catalog.
    use super::*;
    use regex_lite::Regex;
    use std::path::PathBuf;

    fn seed(prefix: &str) -> String {
        // The documents travel with the repository, so a clone anywhere can run this.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/api-documents");
        let entry = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("the API documents are expected at {dir:?}: {e}"))
            .filter_map(Result::ok)
            .find(|f| f.file_name().to_string_lossy().starts_with(prefix))
            .unwrap_or_else(|| panic!("no document {prefix}_* in {dir:?}"));
        std::fs::read_to_string(entry.path()).expect("readable document")
    }

    fn has(dialect: Dialect, code: u32, pred: impl Fn(&Entry) -> bool) -> bool {
        table(dialect).iter().any(|e| e.code == code && pred(e))
    }

    #[test]
    fn every_v1_code_of_document_000_is_in_the_catalog_with_both_texts() {
        let row = Regex::new(r"^(\d+) (.+)$").unwrap();
        let mut seen = 0;
        for line in seed("000").lines().map(str::trim) {
            let Some(c) = row.captures(line) else {
                continue;
            };
            let code: u32 = c[1].parse().unwrap();
            let rest = &c[2];
            assert!(
                has(Dialect::V1, code, |e| format!("{} {}", e.en, e.zh) == rest),
                "v1 {code} \"{rest}\" is documented but not in the catalog"
            );
            seen += 1;
        }
        assert!(seen > 80, "expected the whole v1 table, read {seen} rows");
    }

    #[test]
    fn every_v2_code_of_documents_001_and_002_is_in_the_catalog_with_its_text() {
        let plain = Regex::new(r"^(\d+) (.+?) (?:system|api)\.[A-Za-z.]+$").unwrap();
        let table_row =
            Regex::new(r"^\| (\d+) \| (.+?) \| (?:system|api)\.[A-Za-z.]+ *\|").unwrap();
        let mut seen = 0;
        for (doc, re) in [("001", &plain), ("002", &table_row)] {
            for line in seed(doc).lines().map(str::trim) {
                let Some(c) = re.captures(line) else { continue };
                let code: u32 = c[1].parse().unwrap();
                let text = c[2].trim();
                assert!(
                    has(Dialect::V2, code, |e| e.en == text),
                    "v2 {code} \"{text}\" (document {doc}) is not in the catalog"
                );
                seen += 1;
            }
        }
        assert!(seen > 100, "expected both v2 tables, read {seen} rows");
    }

    #[test]
    fn every_rest_code_of_document_003_is_in_the_catalog_with_its_chinese_text() {
        let row = Regex::new(r"^(\d+) \| (.+?) \|$").unwrap();
        let mut seen = 0;
        for line in seed("003").lines().map(str::trim) {
            let Some(c) = row.captures(line) else {
                continue;
            };
            let code: u32 = c[1].parse().unwrap();
            let text = c[2].trim();
            assert!(
                has(Dialect::Rest, code, |e| e.zh == text),
                "rest {code} \"{text}\" is not in the catalog"
            );
            seen += 1;
        }
        assert_eq!(
            seen, 17,
            "document 003 lists 9 error codes and 8 general codes"
        );
    }

    #[test]
    fn every_center_code_of_document_004_is_in_the_catalog_with_its_chinese_text() {
        let row = Regex::new(r"^\| (\d+) \| (.+?) \|$").unwrap();
        let mut seen = 0;
        for line in seed("004").lines().map(str::trim) {
            let Some(c) = row.captures(line) else {
                continue;
            };
            let code: u32 = c[1].parse().unwrap();
            let text = c[2].trim();
            assert!(
                has(Dialect::Center, code, |e| e.zh == text),
                "center {code} \"{text}\" is not in the catalog"
            );
            seen += 1;
        }
        assert_eq!(seen, 16, "document 004 lists codes 0 and 10000 to 10014");
    }

    #[test]
    fn lookup_picks_the_named_text_among_duplicates() {
        let pw = lookup(Dialect::V1, 204203, Some("Password error")).unwrap();
        assert_eq!(pw.zh, "密码错误");
        let first = lookup(Dialect::V1, 204203, None).unwrap();
        assert_eq!(first.en, "Invalid image type");
        assert!(lookup(Dialect::V1, 204203, Some("no such text")).is_none());
    }
}
