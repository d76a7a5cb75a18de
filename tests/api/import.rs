//! Moving accounts in and out with `passport-admin`: a JSON Lines and a CSV file of a legacy
//! system's accounts with its password hashes (bcrypt as PHP's `password_hash` writes it
//! and as other systems do, salted MD5 and SHA-1, made here by the `bcrypt`, `md-5` and
//! `sha1` crates), refusals reported with their reasons, a repeated and a resumed run that
//! create no one twice; each imported account signs in with its old password through the
//! API, after which its stored hash is argon2id; the export carries that hash in PHC form.

use md5::Digest as _;
use passport_tests::TestApp;
use serde_json::{json, Value};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// (username, password, the legacy hash of it)
fn legacy_accounts(run: &str) -> Vec<(String, String, String)> {
    let bcrypt = |password: &str, version| {
        bcrypt::hash_with_result(password, 4)
            .unwrap()
            .format_for_version(version)
    };
    let md5 = |salt: &str, password: &str| {
        format!(
            "md5${salt}${}",
            hex(&md5::Md5::digest(format!("{salt}{password}")))
        )
    };
    let sha1 = |salt: &str, password: &str| {
        format!(
            "sha1${salt}${}",
            hex(&sha1::Sha1::digest(format!("{salt}{password}")))
        )
    };
    vec![
        (
            format!("php_{run}"),
            "php password 1".into(),
            bcrypt("php password 1", bcrypt::Version::TwoY),
        ),
        (
            format!("bcr_{run}"),
            "bcrypt password 2".into(),
            bcrypt("bcrypt password 2", bcrypt::Version::TwoB),
        ),
        (
            format!("md5_{run}"),
            "md5 password 3".into(),
            md5("Xy7#salt", "md5 password 3"),
        ),
        (
            format!("sha_{run}"),
            "sha1 password 4".into(),
            sha1("9f2c", "sha1 password 4"),
        ),
        (
            format!("raw_{run}"),
            "unsalted pass 5".into(),
            md5("", "unsalted pass 5"),
        ),
    ]
}

fn stored_hash(
    item: &Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
) -> String {
    item.as_ref().unwrap()["password_hash"]
        .as_s()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_legacy_import_signs_in_with_old_passwords_and_is_argon2id_after() {
    let app = TestApp::new();
    let run = &app.run;
    let dir = std::env::temp_dir().join(format!("passport-import-{run}"));
    std::fs::create_dir_all(&dir).unwrap();
    let accounts = legacy_accounts(run);
    let (jsonl_part, csv_part) = accounts.split_at(3);

    // JSON Lines: three accounts, then three a rule refuses, and a line that is no JSON.
    let mut lines: Vec<String> = jsonl_part
        .iter()
        .map(|(u, _, h)| {
            json!({"username": u, "password_hash": h, "email": format!("{u}@example.com"), "email_verified": true, "legacy_id": 7})
                .to_string()
        })
        .collect();
    lines.push(json!({"username": "x", "password_hash": &jsonl_part[0].2}).to_string());
    lines.push(json!({"username": format!("plain_{run}"), "password_hash": "hunter2"}).to_string());
    lines.push(
        json!({"username": format!("dup_{run}"), "password_hash": &jsonl_part[0].2, "email": format!("{}@example.com", jsonl_part[0].0)})
            .to_string(),
    );
    lines.push("{not json".to_owned());
    let jsonl = dir.join("legacy.jsonl");
    std::fs::write(&jsonl, lines.join("\n") + "\n").unwrap();

    let summary = app.admin(&[
        "import",
        "users",
        jsonl.to_str().unwrap(),
        "--concurrency",
        "4",
    ]);
    assert_eq!(
        (&summary["created"], &summary["refused"], &summary["exists"]),
        (&json!(3), &json!(4), &json!(0)),
        "{summary}"
    );
    let report: Vec<Value> = std::fs::read_to_string(dir.join("legacy.jsonl.report.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reasons: Vec<(u64, &str)> = report
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(reasons.len(), 4, "{report:?}");
    assert_eq!(reasons[0].0, 4);
    assert!(reasons[0].1.starts_with("username"), "{reasons:?}");
    assert!(reasons[1].1.starts_with("password_hash"), "{reasons:?}");
    assert_eq!(reasons[2].1, "email: another account has it");
    assert!(reasons[3].1.starts_with("not JSON"), "{reasons:?}");
    assert_eq!(
        std::fs::read_to_string(dir.join("legacy.jsonl.checkpoint")).unwrap(),
        "7"
    );

    // Again: nobody twice; resumed: nothing left to do.
    let again = app.admin(&["import", "users", jsonl.to_str().unwrap()]);
    assert_eq!(
        (&again["created"], &again["exists"]),
        (&json!(0), &json!(3)),
        "{again}"
    );
    let resumed = app.admin(&["import", "users", jsonl.to_str().unwrap(), "--resume"]);
    assert_eq!(resumed["records"], 0, "{resumed}");

    // CSV with a header, flags as text.
    let mut csv = String::from("username,password_hash,email,email_verified,phone\n");
    for (u, _, h) in csv_part {
        csv.push_str(&format!("{u},{h},{u}@example.com,1,\n"));
    }
    let csv_file = dir.join("legacy.csv");
    std::fs::write(&csv_file, csv).unwrap();
    let summary = app.admin(&["import", "users", csv_file.to_str().unwrap()]);
    assert_eq!(summary["created"], 2, "{summary}");

    // Every imported account signs in with its old password; then its hash is argon2id.
    let users = passport_shared::storage::users::Users::new(app.dynamodb().await, "PassportTable");
    for (username, password, legacy) in &accounts {
        let user = users
            .find_by_username(username)
            .await
            .unwrap()
            .expect(username);
        assert!(user.email_verified, "{username}: the flag came along");
        let key = format!("USER#{}", user.uid);
        assert_eq!(&stored_hash(&app.item(&key, "PROFILE").await), legacy);
        let (status, _) = app.login(username, "not the old password").await;
        assert_eq!(status, 401, "{username}");
        assert_eq!(
            &stored_hash(&app.item(&key, "PROFILE").await),
            legacy,
            "a wrong one changes nothing"
        );
        let (status, body) = app.login(username, password).await;
        assert_eq!(status, 200, "{username}: {body}");
        let upgraded = stored_hash(&app.item(&key, "PROFILE").await);
        assert!(
            upgraded.starts_with("$argon2id$v=19$"),
            "{username}: {upgraded}"
        );
        let (status, _) = app.login(username, password).await;
        assert_eq!(status, 200, "{username} signs in with the argon2id hash");
    }

    // The export holds them with their argon2id hashes.
    let out = dir.join("export.jsonl");
    let exported = app.admin(&["export", "users", "--out", out.to_str().unwrap()]);
    assert!(exported["exported"].as_u64().unwrap() >= accounts.len() as u64);
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for (username, _, _) in &accounts {
        let line = lines
            .iter()
            .find(|l| l["username"] == username.as_str())
            .unwrap_or_else(|| panic!("{username} exported"));
        assert!(line["password_hash"]
            .as_str()
            .unwrap()
            .starts_with("$argon2id$"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
