use super::*;

fn desired() -> Desired {
    Desired {
        file: "orders.nexus.yaml".into(),
        name: "orders".into(),
        definition: json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
        role_arn: Some("arn:aws:iam::123456789012:role/orders".into()),
        machine_type: "STANDARD",
        logging: None,
        tracing: None,
        encryption: None,
        tags: BTreeMap::new(),
        publish: false,
        description: None,
        alias: None,
        connection: Connection::default(),
    }
}

const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:orders";

fn deployed(d: &Desired) -> Deployed {
    Deployed {
        arn: ARN.into(),
        // Same value, other key order and spacing: not a change.
        definition: r#"{"States":{"A":{"Type":"Succeed"}},  "StartAt":"A"}"#.into(),
        role_arn: d.role_arn.clone().unwrap_or_default(),
        machine_type: "STANDARD".into(),
        logging: json!({"level": "OFF", "includeExecutionData": false}),
        tracing: json!({"enabled": false}),
        encryption: json!({"type": "AWS_OWNED_KEY"}),
        revision_id: Some("7".into()),
        tags: BTreeMap::new(),
        latest_version: None,
        alias: None,
    }
}

fn version(n: u32, revision: &str) -> VersionInfo {
    VersionInfo {
        arn: format!("{ARN}:{n}"),
        definition: String::new(),
        role_arn: String::new(),
        revision_id: Some(revision.into()),
    }
}

#[test]
fn a_new_machine_is_created_and_needs_a_role() {
    let mut d = desired();
    let p = plan(&d, None).unwrap();
    assert!(p.create && !p.is_noop());
    assert_eq!(p.publish, Publish::No);
    d.role_arn = None;
    assert!(plan(&d, None).unwrap_err().contains("--role-arn"));
}

#[test]
fn the_same_definition_in_other_text_is_no_change() {
    let d = desired();
    let p = plan(&d, Some(&deployed(&d))).unwrap();
    assert!(p.is_noop(), "{p:?}");
    assert!(p.definition_diff.is_none());
}

#[test]
fn a_changed_definition_is_diffed() {
    let mut d = desired();
    let dep = deployed(&d);
    d.definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}});
    let p = plan(&d, Some(&dep)).unwrap();
    assert_eq!(p.changes.len(), 1);
    let diff = p.definition_diff.unwrap();
    assert!(diff.contains("-      \"Type\": \"Succeed\""), "{diff}");
    assert!(diff.contains("+      \"Type\": \"Pass\","), "{diff}");
    assert!(diff.contains("+++ orders.nexus.yaml"), "{diff}");
}

#[test]
fn settings_change_only_where_asked() {
    let mut d = desired();
    let dep = deployed(&d);
    d.tracing = Some(json!({"enabled": false}));
    d.logging = Some(json!({"level": "OFF", "includeExecutionData": false}));
    assert!(plan(&d, Some(&dep)).unwrap().is_noop());
    d.tracing = Some(json!({"enabled": true}));
    d.encryption = Some(json!({"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/k"}));
    d.role_arn = Some("arn:aws:iam::123456789012:role/other".into());
    let p = plan(&d, Some(&dep)).unwrap();
    let fields: Vec<&str> = p.changes.iter().map(|c| c.field).collect();
    assert_eq!(
        fields,
        ["roleArn", "tracingConfiguration", "encryptionConfiguration"]
    );
    assert_eq!(p.changes[1].before, json!({"enabled": false}));
}

#[test]
fn the_type_cannot_change() {
    let mut d = desired();
    let dep = deployed(&d);
    d.machine_type = "EXPRESS";
    let e = plan(&d, Some(&dep)).unwrap_err();
    assert!(e.contains("fixes the type at creation"), "{e}");
}

#[test]
fn tags_are_added_or_changed_never_removed() {
    let mut d = desired();
    let mut dep = deployed(&d);
    dep.tags.insert("team".into(), "a".into());
    dep.tags.insert("other".into(), "x".into());
    d.tags.insert("team".into(), "b".into());
    let p = plan(&d, Some(&dep)).unwrap();
    assert_eq!(p.tags.len(), 1);
    assert_eq!(p.tags["team"], "b");
    d.tags.insert("team".into(), "a".into());
    assert!(plan(&d, Some(&dep)).unwrap().is_noop());
}

#[test]
fn publishing_reuses_the_version_of_the_current_revision() {
    let mut d = desired();
    d.publish = true;
    let mut dep = deployed(&d);
    assert_eq!(plan(&d, Some(&dep)).unwrap().publish, Publish::New);
    dep.latest_version = Some(version(3, "7"));
    let p = plan(&d, Some(&dep)).unwrap();
    assert_eq!(p.publish, Publish::Reuse(format!("{ARN}:3")));
    assert!(p.is_noop());
    dep.latest_version = Some(version(3, "6"));
    assert_eq!(plan(&d, Some(&dep)).unwrap().publish, Publish::New);
}

#[test]
fn a_canary_keeps_the_previous_version_for_the_rest() {
    let mut d = desired();
    d.publish = true;
    d.alias = Some(AliasSpec::parse("live=new:10").unwrap());
    d.definition = json!({"StartAt": "B", "States": {"B": {"Type": "Succeed"}}});
    let mut dep = deployed(&d);
    dep.latest_version = Some(version(1, "7"));
    dep.alias = Some(vec![(format!("{ARN}:1"), 100)]);
    let p = plan(&d, Some(&dep)).unwrap();
    let a = p.alias.unwrap();
    assert!(a.change && a.exists);
    assert_eq!(
        a.after,
        [
            (VersionRef::Existing(format!("{ARN}:1")), 90),
            (VersionRef::New, 10)
        ]
    );
}

#[test]
fn a_repeated_canary_is_no_change() {
    let mut d = desired();
    d.alias = Some(AliasSpec::parse("live=new:10").unwrap());
    d.publish = true;
    let mut dep = deployed(&d);
    dep.latest_version = Some(version(2, "7"));
    dep.alias = Some(vec![(format!("{ARN}:2"), 10), (format!("{ARN}:1"), 90)]);
    let p = plan(&d, Some(&dep)).unwrap();
    assert!(p.is_noop(), "{p:?}");
}

#[test]
fn a_canary_on_a_new_alias_sends_everything_to_the_new_version() {
    let mut d = desired();
    d.alias = Some(AliasSpec::parse("live=new:25").unwrap());
    d.publish = true;
    let p = plan(&d, None).unwrap();
    let a = p.alias.unwrap();
    assert_eq!(a.after, [(VersionRef::New, 100)]);
    assert!(a.note.unwrap().contains("no earlier version"));
}

#[test]
fn alias_specs() {
    assert_eq!(
        AliasSpec::parse("live").unwrap(),
        AliasSpec {
            name: "live".into(),
            weight: 100
        }
    );
    assert_eq!(AliasSpec::parse("live=new:10%").unwrap().weight, 10);
    for bad in [
        "live=old:10",
        "live=new:0",
        "live=new:101",
        "live=new:x",
        "1",
        "",
        "a b",
    ] {
        assert!(AliasSpec::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn names() {
    assert!(valid_name("orders-prod_2"));
    assert!(!valid_name("Payment Reconciliation"));
    assert!(!valid_name(&"a".repeat(81)));
}

#[test]
fn the_policy_view_uses_cloudformation_names() {
    let mut d = desired();
    d.logging = Some(
        json!({"level": "ALL", "includeExecutionData": true, "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:x"}}]}),
    );
    let v = d.policy_view();
    assert_eq!(v["Source"], "nexus.toml");
    assert_eq!(v["LoggingConfiguration"]["IncludeExecutionData"], true);
    assert_eq!(
        v["LoggingConfiguration"]["Destinations"][0]["CloudWatchLogsLogGroup"]["LogGroupArn"],
        "arn:x"
    );
    assert_eq!(v["TracingConfiguration"], Value::Null);
}

#[test]
fn a_promotion_alone_does_not_say_the_machine_was_updated() {
    // The same definition, already published as version 1; the alias moves all traffic to it.
    let mut d = desired();
    d.publish = true;
    d.alias = Some(AliasSpec::parse("live").unwrap());
    let mut dep = deployed(&d);
    dep.latest_version = Some(version(1, "7"));
    dep.alias = Some(vec![(format!("{ARN}:1"), 10), (format!("{ARN}:0"), 90)]);
    let p = plan(&d, Some(&dep)).unwrap();
    assert!(
        p.changes.is_empty() && p.alias.as_ref().is_some_and(|a| a.change),
        "{p:?}"
    );
    let report = Report {
        desired: d,
        plan: Some(p),
        outcome: Outcome::default(),
        error: None,
    };
    let text = human(&report, true);
    let headline = text.lines().next().unwrap_or_default();
    assert_eq!(headline, "orders.nexus.yaml: `orders` unchanged", "{text}");
    assert!(text.contains("alias live would update"), "{text}");
}
