//! What an operator needs on the first day of real traffic, read from the repository's
//! template.yaml (issue 22): every function's logs kept for `LogRetentionDays`, not forever;
//! an alarm for each failure the README's "Alarms" explains, all notifying `AlarmTopicArn`;
//! the table and the avatar bucket kept when the stack goes; arm64 by default; the quota
//! sweep's failures kept.

use serde_yaml::{Mapping, Value};

fn template() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yaml");
    let text = std::fs::read_to_string(&path).expect("template.yaml");
    serde_yaml::from_str(&text).expect("template.yaml parses")
}

fn resources(t: &Value) -> &Mapping {
    t["Resources"].as_mapping().expect("Resources")
}

/// The resources of `kind`, by logical id.
fn of_type<'a>(t: &'a Value, kind: &str) -> Vec<(&'a str, &'a Value)> {
    resources(t)
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().expect("logical id"), r))
        .collect()
}

/// The logical id a `!Ref X` (or `!GetAtt X.Attr`) names, or the `${X}` of a `!Sub`.
fn named(v: &Value) -> Option<String> {
    let Value::Tagged(t) = v else { return None };
    let s = t.value.as_str()?;
    match t.tag.to_string().as_str() {
        "!Ref" => Some(s.to_owned()),
        "!GetAtt" => Some(s.split('.').next()?.to_owned()),
        "!Sub" => Some(s.split("${").nth(1)?.split('}').next()?.to_owned()),
        _ => None,
    }
}

fn is_ref_to(v: &Value, id: &str) -> bool {
    named(v).as_deref() == Some(id)
}

#[test]
fn every_function_has_a_log_group_that_keeps_logs_for_the_retention_parameter() {
    let t = template();
    let groups = of_type(&t, "AWS::Logs::LogGroup");
    let functions = of_type(&t, "AWS::Serverless::Function");
    assert!(functions.len() >= 12);
    for (function, _) in functions {
        let group = groups
            .iter()
            .find(|(_, g)| {
                let name = &g["Properties"]["LogGroupName"];
                is_ref_to(name, function)
                    && matches!(name, Value::Tagged(s) if s.value.as_str().is_some_and(|v| v.starts_with("/aws/lambda/")))
            })
            .unwrap_or_else(|| panic!("{function} has no log group /aws/lambda/<its name>"));
        assert!(
            is_ref_to(
                &group.1["Properties"]["RetentionInDays"],
                "LogRetentionDays"
            ),
            "{function}'s logs are kept for LogRetentionDays"
        );
    }
    assert!(t["Parameters"]["LogRetentionDays"]["Default"]
        .as_u64()
        .is_some());
}

/// The alarms on `metric` (and `namespace`), or whose metric math reads it.
fn alarms_on<'a>(t: &'a Value, namespace: &str, metric: &str) -> Vec<&'a Value> {
    of_type(t, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(_, a)| &a["Properties"])
        .filter(|p| {
            let direct = p["Namespace"].as_str() == Some(namespace)
                && p["MetricName"].as_str() == Some(metric);
            let math = p["Metrics"].as_sequence().is_some_and(|all| {
                all.iter().any(|m| {
                    let m = &m["MetricStat"]["Metric"];
                    m["Namespace"].as_str() == Some(namespace)
                        && m["MetricName"].as_str() == Some(metric)
                })
            });
            direct || math
        })
        .collect()
}

/// Whether an alarm's metric (or one of its math's metrics) has dimension `name` = `!Ref id`.
fn dimension_is(alarm: &Value, name: &str, id: &str) -> bool {
    let mut all: Vec<&Value> = vec![&alarm["Dimensions"]];
    if let Some(metrics) = alarm["Metrics"].as_sequence() {
        all.extend(
            metrics
                .iter()
                .map(|m| &m["MetricStat"]["Metric"]["Dimensions"]),
        );
    }
    all.iter().any(|dims| {
        dims.as_sequence().is_some_and(|d| {
            d.iter()
                .any(|d| d["Name"].as_str() == Some(name) && is_ref_to(&d["Value"], id))
        })
    })
}

#[test]
fn alarms_cover_functions_the_api_the_table_mail_and_the_quota_sweep_and_notify_the_topic() {
    let t = template();
    for (function, _) in of_type(&t, "AWS::Serverless::Function") {
        for metric in ["Errors", "Throttles"] {
            assert!(
                alarms_on(&t, "AWS/Lambda", metric)
                    .iter()
                    .any(|a| dimension_is(a, "FunctionName", function)),
                "no {metric} alarm for {function}"
            );
        }
    }
    for metric in ["5xx", "Latency"] {
        assert!(
            alarms_on(&t, "AWS/ApiGateway", metric)
                .iter()
                .any(|a| dimension_is(a, "ApiId", "HttpApi")),
            "no {metric} alarm for the HTTP API"
        );
    }
    let p99 = alarms_on(&t, "AWS/ApiGateway", "Latency");
    assert!(p99
        .iter()
        .any(|a| a["ExtendedStatistic"].as_str() == Some("p99")));
    for metric in ["ReadThrottleEvents", "WriteThrottleEvents", "SystemErrors"] {
        assert!(
            alarms_on(&t, "AWS/DynamoDB", metric)
                .iter()
                .any(|a| dimension_is(a, "TableName", "PassportTable")),
            "no {metric} alarm for the table"
        );
    }
    for metric in ["Reputation.BounceRate", "Reputation.ComplaintRate"] {
        assert!(
            !alarms_on(&t, "AWS/SES", metric).is_empty(),
            "no {metric} alarm"
        );
    }
    // The sweep's failures land in a queue, and that queue has an alarm.
    let sweep = &resources(&t)["RatelimitFunction"]["Properties"]["EventInvokeConfig"];
    let queue = named(&sweep["DestinationConfig"]["OnFailure"]["Destination"])
        .expect("the quota sweep has an on-failure destination");
    assert_eq!(resources(&t)[queue.as_str()]["Type"], "AWS::SQS::Queue");
    assert!(
        alarms_on(&t, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
            .iter()
            .any(|a| dimension_is(a, "QueueName", &queue))
    );
    // Every alarm tells the operator's topic, where there is one.
    for (id, alarm) in of_type(&t, "AWS::CloudWatch::Alarm") {
        let actions = &alarm["Properties"]["AlarmActions"];
        let Value::Tagged(when) = actions else {
            panic!("{id}: AlarmActions is !If [HasAlarmTopic, ...]")
        };
        assert_eq!(when.tag.to_string(), "!If", "{id}");
        assert_eq!(when.value[0], "HasAlarmTopic", "{id}");
        assert!(is_ref_to(&when.value[1][0], "AlarmTopicArn"), "{id}");
    }
    assert_eq!(of_type(&t, "AWS::CloudWatch::Dashboard").len(), 1);
}

#[test]
fn the_table_and_the_bucket_outlive_the_stack_and_functions_default_to_arm64() {
    let t = template();
    for (id, kind) in [
        ("PassportTable", "AWS::DynamoDB::Table"),
        ("AvatarBucket", "AWS::S3::Bucket"),
    ] {
        let r = &resources(&t)[id];
        assert_eq!(r["Type"], kind);
        assert_eq!(r["DeletionPolicy"], "Retain", "{id}");
        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{id}");
    }
    assert_eq!(
        resources(&t)["PassportTable"]["Properties"]["DeletionProtectionEnabled"],
        true
    );
    let architectures = &t["Globals"]["Function"]["Architectures"][0];
    assert!(is_ref_to(architectures, "Architecture"));
    assert_eq!(t["Parameters"]["Architecture"]["Default"], "arm64");
    assert_eq!(t["Globals"]["Function"]["Tracing"], "Active");
}

#[test]
fn the_abuse_limits_parameter_defaults_to_the_limits_passport_documents() {
    use passport_shared::limits::AbuseLimits;
    let t = template();
    let default = t["Parameters"]["AbuseLimits"]["Default"]
        .as_str()
        .expect("an AbuseLimits parameter with a default");
    assert_eq!(AbuseLimits::parse(default), Ok(AbuseLimits::default()));
    assert!(
        is_ref_to(
            &t["Globals"]["Function"]["Environment"]["Variables"]["ABUSE_LIMITS"],
            "AbuseLimits"
        ),
        "every function reads it"
    );
}

#[test]
fn every_http_function_takes_its_groups_memory_and_reserved_concurrency() {
    let t = template();
    let groups = [
        ("SignIn", &["users", "account", "oauth"][..]),
        ("Media", &["images"][..]),
        (
            "Api",
            &[
                "services",
                "openplatform",
                "friends",
                "calendar",
                "push",
                "support",
                "operator",
            ][..],
        ),
    ];
    for (group, binaries) in groups {
        for binary in binaries {
            let (id, f) = of_type(&t, "AWS::Serverless::Function")
                .into_iter()
                .find(|(_, f)| f["Metadata"]["BuildProperties"]["Binary"].as_str() == Some(binary))
                .unwrap_or_else(|| panic!("a function {binary}"));
            let props = &f["Properties"];
            assert!(
                is_ref_to(&props["MemorySize"], &format!("{group}Memory")),
                "{id}: MemorySize is !Ref {group}Memory"
            );
            let Value::Tagged(reserved) = &props["ReservedConcurrentExecutions"] else {
                panic!("{id}: ReservedConcurrentExecutions is an !If");
            };
            assert_eq!(reserved.tag.to_string(), "!If", "{id}");
            assert_eq!(
                reserved.value[0].as_str(),
                Some(format!("Has{group}Reserved").as_str()),
                "{id}"
            );
            assert!(
                is_ref_to(&reserved.value[1], &format!("{group}ReservedConcurrency")),
                "{id}"
            );
        }
        assert_eq!(
            t["Parameters"][format!("{group}ReservedConcurrency").as_str()]["Default"].as_u64(),
            Some(0),
            "unreserved by default"
        );
    }
}

#[test]
fn the_edge_and_the_custom_domain_are_off_by_default_and_the_edge_limits_each_address() {
    let t = template();
    assert_eq!(
        t["Parameters"]["EdgeRateLimit"]["Default"].as_u64(),
        Some(0)
    );
    assert_eq!(t["Parameters"]["DomainName"]["Default"].as_str(), Some(""));
    for id in ["EdgeWebAcl", "EdgeViewerAddress", "EdgeDistribution"] {
        assert_eq!(
            resources(&t)[id]["Condition"].as_str(),
            Some("HasEdge"),
            "{id}"
        );
    }
    for id in ["ApiDomain", "ApiDomainMapping"] {
        assert_eq!(
            resources(&t)[id]["Condition"].as_str(),
            Some("HasDomain"),
            "{id}"
        );
    }
    let acl = &resources(&t)["EdgeWebAcl"]["Properties"];
    assert_eq!(acl["Scope"].as_str(), Some("CLOUDFRONT"));
    let rate = acl["Rules"]
        .as_sequence()
        .unwrap()
        .iter()
        .find_map(|r| r["Statement"].get("RateBasedStatement"))
        .expect("a rate-based rule");
    assert_eq!(rate["AggregateKeyType"].as_str(), Some("IP"));
    assert!(is_ref_to(&rate["Limit"], "EdgeRateLimit"));
    let origin =
        &resources(&t)["EdgeDistribution"]["Properties"]["DistributionConfig"]["Origins"][0];
    assert_eq!(
        origin["OriginCustomHeaders"][0]["HeaderName"].as_str(),
        Some("x-passport-edge"),
        "the edge proves itself to the functions"
    );
    assert!(is_ref_to(
        &origin["OriginCustomHeaders"][0]["HeaderValue"],
        "EdgeSecret"
    ));
    assert!(is_ref_to(
        &t["Globals"]["Function"]["Environment"]["Variables"]["EDGE_SECRET"],
        "EdgeSecret"
    ));
}
