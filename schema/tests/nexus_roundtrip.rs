//! `lower(raise(x)).asl == x` over the conformance corpora and over random ASL machines.

use std::path::{Path, PathBuf};

use nexus_schema::nexus::{lower, raise};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// The shared conformance corpus: `../shared/conformance` from the workspace root, or the
/// folder named by `NEXUS_CONFORMANCE` (for checkouts that live elsewhere, e.g. worktrees).
fn conformance() -> Option<PathBuf> {
    let default = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/conformance"
    ));
    if default.is_dir() {
        return Some(default.to_path_buf());
    }
    std::env::var_os("NEXUS_CONFORMANCE")
        .map(PathBuf::from)
        .filter(|p| p.is_dir())
}

/// Round-trip one definition; returns a failure description.
fn check(asl: &Value) -> Result<(), String> {
    let raised = raise(asl);
    let lowered = lower(&raised.nexus);
    if lowered.asl != *asl {
        return Err(format!(
            "round trip differs\nraised: {}\nlowered: {}",
            raised.nexus, lowered.asl
        ));
    }
    if !lowered.issues.is_empty() {
        return Err(format!("raised workflow has issues: {:?}", lowered.issues));
    }
    // Every node of the ASL view maps back to a node that exists in the NEXUS document.
    let mut pointers = Vec::new();
    all_pointers(asl, String::new(), &mut pointers);
    for p in pointers {
        let src = lowered.origin.to_source(&p);
        if raised.nexus.pointer(&src).is_none() {
            return Err(format!(
                "ASL pointer {p} maps to {src}, which does not exist"
            ));
        }
    }
    if let Some(n) = raised
        .notes
        .iter()
        .find(|n| n.message.contains("could not be expressed"))
    {
        return Err(format!("fell back to x_asl: {}", n.message));
    }
    Ok(())
}

fn all_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, item) in m {
                all_pointers(item, nexus_schema::pointer::push(&at, k), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                all_pointers(item, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

fn read(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

#[test]
fn round_trips_every_sfn_definition() {
    let Some(root) = conformance() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let mut count = 0;
    let mut failures = Vec::new();
    let mut categories: Vec<_> = std::fs::read_dir(root.join("sfn"))
        .unwrap()
        .flatten()
        .collect();
    categories.sort_by_key(|e| e.path());
    for cat in categories {
        let mut cases: Vec<_> = std::fs::read_dir(cat.path()).unwrap().flatten().collect();
        cases.sort_by_key(|e| e.path());
        for case in cases {
            let def = case.path().join("definition.json");
            let Some(asl) = read(&def) else { continue };
            count += 1;
            if let Err(e) = check(&asl) {
                failures.push(format!("{}: {e}", def.display()));
            }
        }
    }
    println!(
        "sfn definitions round-tripped: {count}, failures: {}",
        failures.len()
    );
    assert!(count > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn round_trips_every_lint_case() {
    let Some(root) = conformance() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let manifest = read(&root.join("lint/manifest.json")).unwrap();
    let (mut valid, mut invalid, mut invalid_ok) = (0, 0, 0);
    let mut failures = Vec::new();
    for case in manifest["cases"].as_array().unwrap() {
        let Some(file) = case["file"].as_str() else {
            continue;
        };
        let Some(asl) = read(&root.join("lint").join(file)) else {
            continue;
        };
        if case["expected_verdict"] == "valid" {
            valid += 1;
            if let Err(e) = check(&asl) {
                failures.push(format!("{file}: {e}"));
            }
        } else {
            // Invalid definitions must not panic; most still round-trip.
            invalid += 1;
            if asl.is_object() && lower(&raise(&asl).nexus).asl == asl {
                invalid_ok += 1;
            }
        }
    }
    println!(
        "lint cases round-tripped: {valid} valid (failures: {}), {invalid_ok}/{invalid} invalid",
        failures.len()
    );
    assert!(valid > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        invalid_ok, invalid,
        "invalid object definitions should round-trip too"
    );
}

// ---------------------------------------------------------------------------------------------
// Random ASL machines.

/// Keys as payloads and unknown fields use them: odd characters, `.$` suffixes, NEXUS words.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z][A-Za-z0-9]{0,6}",
        "[a-z_.$/~ -]{0,6}",
        Just("Payload.$".to_string()),
        Just("x_asl".to_string()),
        Just("name".to_string()),
        Just("Name".to_string()),
        Just("OnFailure".to_string()),
        Just("StartAt".to_string()),
        Just("CSVHeaders".to_string()),
        Just("Version".to_string()),
        Just(String::new()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(|f| json!(f)),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn retrier() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            Just(json!(["States.ALL"])),
            Just(json!(["States.Timeout", "Custom"]))
        ],
        prop::option::of(0u64..5),
        prop::option::of(prop_oneof![Just(json!(1)), Just(json!(3))]),
        prop::option::of(prop_oneof![
            Just(json!(2.0)),
            Just(json!(1.0)),
            Just(json!(1.5)),
            Just(json!(2))
        ]),
        prop::option::of(prop_oneof![Just(json!("FULL")), Just(json!("NONE"))]),
    )
        .prop_map(|(errors, max, interval, rate, jitter)| {
            let mut r = Map::new();
            r.insert("ErrorEquals".into(), errors);
            if let Some(i) = interval {
                r.insert("IntervalSeconds".into(), i);
            }
            if let Some(m) = max {
                r.insert("MaxAttempts".into(), json!(m));
            }
            if let Some(b) = rate {
                r.insert("BackoffRate".into(), b);
            }
            if let Some(j) = jitter {
                r.insert("JitterStrategy".into(), j);
            }
            Value::Object(r)
        })
}

fn choice_rule() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        ".{0,6}".prop_map(|s| json!({"Variable": "$.a", "StringEquals": s})),
        any::<i32>().prop_map(|n| json!({"Variable": "$.n", "NumericGreaterThanEquals": n})),
        Just(json!({"Variable": "$.b", "IsPresent": true})),
        Just(json!({"Variable": "$.t", "TimestampLessThanPath": "$.u"})),
        Just(json!({"Condition": "{% $states.input.x %}"})),
    ];
    leaf.prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"And": v})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|v| json!({"Or": v})),
            inner.prop_map(|v| json!({"Not": v})),
        ]
    })
}

/// Fields of one state of the given type (without `Next`/`End`).
fn state_body(depth: u32) -> BoxedStrategy<Map<String, Value>> {
    let task = (
        prop_oneof![
            "[a-z-]{1,8}".prop_map(|f| json!({
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": f, "Payload.$": "$"},
                "OutputPath": "$.Payload"})),
            "[a-z-]{1,8}".prop_map(|f| json!({
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": f, "Payload.$": "$.x"}})),
            json_value().prop_map(
                |p| json!({"Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": p})
            ),
            Just(json!({"Resource": "${LambdaArn}", "TimeoutSeconds": 10})),
        ],
        prop::collection::vec(retrier(), 0..3),
        prop::collection::vec(
            (Just(json!(["States.ALL"])), prop::option::of(Just("$.err"))),
            0..2,
        ),
    )
        .prop_map(|(base, retry, catch)| {
            let mut m = base.as_object().cloned().unwrap_or_default();
            m.insert("Type".into(), json!("Task"));
            if !retry.is_empty() {
                m.insert("Retry".into(), Value::Array(retry));
            }
            if !catch.is_empty() {
                let c = catch
                    .into_iter()
                    .map(|(e, rp)| {
                        let mut c = json!({"ErrorEquals": e, "Next": "__next__"});
                        if let Some(rp) = rp {
                            c["ResultPath"] = json!(rp);
                        }
                        c
                    })
                    .collect();
                m.insert("Catch".into(), Value::Array(c));
            }
            m
        });
    let pass = prop::option::of(json_value()).prop_map(|r| {
        let mut m = Map::new();
        m.insert("Type".into(), json!("Pass"));
        if let Some(r) = r {
            m.insert("Result".into(), r);
        }
        m
    });
    let wait = (1u64..100).prop_map(|s| {
        json!({"Type": "Wait", "Seconds": s})
            .as_object()
            .cloned()
            .unwrap_or_default()
    });
    let mut options: Vec<BoxedStrategy<Map<String, Value>>> =
        vec![task.boxed(), pass.boxed(), wait.boxed()];
    if depth > 0 {
        let parallel = prop::collection::vec(machine(depth - 1), 1..3).prop_map(|branches| {
            json!({"Type": "Parallel", "Branches": branches})
                .as_object()
                .cloned()
                .unwrap_or_default()
        });
        let map = (machine(depth - 1), any::<bool>(), prop::option::of(json_value())).prop_map(
            |(proc, legacy, selector)| {
                let mut m = Map::new();
                m.insert("Type".into(), json!("Map"));
                if legacy {
                    m.insert("Iterator".into(), proc);
                } else {
                    let mut p = proc;
                    p["ProcessorConfig"] = json!({"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"});
                    m.insert("ItemProcessor".into(), p);
                    m.insert("ItemReader".into(), json!({
                        "Resource": "arn:aws:states:::s3:getObject",
                        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a", "B c"]},
                        "Parameters": {"Bucket.$": "$.b", "Key": "k"}}));
                }
                if let Some(s) = selector {
                    m.insert("ItemSelector".into(), s);
                }
                m.insert("MaxConcurrency".into(), json!(2));
                m
            },
        );
        options.push(parallel.boxed());
        options.push(map.boxed());
    }
    let choice = prop::collection::vec(choice_rule(), 1..3).prop_map(|rules| {
        let rules: Vec<Value> = rules
            .into_iter()
            .map(|mut r| {
                r["Next"] = json!("__next__");
                r
            })
            .collect();
        json!({"Type": "Choice", "Choices": rules, "Default": "__next__"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    });
    options.push(choice.boxed());
    options.push(
        Just(
            json!({"Type": "Succeed"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .boxed(),
    );
    options.push(
        Just(
            json!({"Type": "Fail", "Error": "E", "Cause": "c"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
        )
        .boxed(),
    );
    (
        prop::strategy::Union::new(options),
        prop::collection::vec((key(), json_value()), 0..2),
        prop::option::of(".{0,10}"),
    )
        .prop_map(|(mut m, extra, comment)| {
            for (k, v) in extra {
                if k != "Type" {
                    m.insert(k, v);
                }
            }
            if let Some(c) = comment {
                m.insert("Comment".into(), json!(c));
            }
            m
        })
        .boxed()
}

/// A state machine (top level or nested) with 1..5 states, `Next` targets filled in.
fn machine(depth: u32) -> BoxedStrategy<Value> {
    (
        prop::collection::vec(("[A-Za-z][A-Za-z0-9 _/~.-]{0,8}", state_body(depth)), 1..5),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(states, start)| {
            let mut map = Map::new();
            for (name, body) in states {
                map.entry(name).or_insert(Value::Object(body));
            }
            let names: Vec<String> = map.keys().cloned().collect();
            let n = names.len();
            for (i, st) in map.values_mut().enumerate() {
                let next = names.get((i + 1) % n).cloned().unwrap_or_default();
                let fixed = st.to_string().replace("__next__", &next);
                if let Ok(v) = serde_json::from_str(&fixed) {
                    *st = v;
                }
                let t = st["Type"].as_str().unwrap_or_default().to_string();
                if !matches!(t.as_str(), "Choice" | "Succeed" | "Fail") {
                    if i + 1 < n {
                        st["Next"] = json!(next);
                    } else {
                        st["End"] = json!(true);
                    }
                }
            }
            let start = names[start.index(n)].clone();
            json!({"StartAt": start, "States": map})
        })
        .boxed()
}

fn top_machine() -> impl Strategy<Value = Value> {
    (
        machine(2),
        prop::option::of(".{0,10}"),
        prop::option::of(prop_oneof![Just("JSONata"), Just("JSONPath")]),
        prop::option::of(1u64..1000),
    )
        .prop_map(|(mut m, comment, ql, timeout)| {
            if let Some(c) = comment {
                m["Comment"] = json!(c);
            }
            if let Some(q) = ql {
                m["QueryLanguage"] = json!(q);
            }
            if let Some(t) = timeout {
                m["TimeoutSeconds"] = json!(t);
            }
            m["Version"] = json!("1.0");
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_machines_round_trip(asl in top_machine()) {
        prop_assert_eq!(check(&asl), Ok(()));
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema.

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn founding_example_validates_against_the_schema() {
    let schema: Value = serde_json::from_str(nexus_schema::nexus::nexus_json_schema()).unwrap();
    assert_eq!(schema["$id"], json!(nexus_schema::nexus::SCHEMA_URL));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let founding = json!({
        "version": "1.0",
        "name": "Payment Reconciliation",
        "states": [
            {"name": "ValidateUser", "action": "validate-user-function", "next": "CheckBalance",
             "on_failure": {"retry": 3, "backoff": "exponential"}},
            {"name": "CheckBalance", "action": "check-balance-function", "next": "ExecuteTransfer",
             "on_failure": {"compensate": "refund-user"}},
            {"name": "ExecuteTransfer", "action": "execute-transfer-function", "next": "LogTransaction",
             "on_failure": {"compensate": "reverse-transfer"}}
        ]
    });
    assert_eq!(schema_errors(&validator, &founding), Vec::<String>::new());
    let bad = json!({"states": [{"name": "A", "type": "tsak", "on_failure": {"retry": "x"}}]});
    assert!(schema_errors(&validator, &bad).len() >= 3);
}

#[test]
fn every_raised_sfn_definition_validates_against_the_schema() {
    let Some(root) = conformance() else {
        println!("skipped: conformance corpus not found");
        return;
    };
    let schema: Value = serde_json::from_str(nexus_schema::nexus::nexus_json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let mut count = 0;
    let mut failures = Vec::new();
    for cat in std::fs::read_dir(root.join("sfn")).unwrap().flatten() {
        for case in std::fs::read_dir(cat.path()).unwrap().flatten() {
            let def = case.path().join("definition.json");
            let Some(asl) = read(&def) else { continue };
            if asl.get("States").is_none() {
                // A single state for the TestState API, not a workflow.
                continue;
            }
            count += 1;
            let errors = schema_errors(&validator, &raise(&asl).nexus);
            if !errors.is_empty() {
                failures.push(format!("{}: {}", def.display(), errors.join("; ")));
            }
        }
    }
    println!(
        "raised sfn definitions validated: {count}, failures: {}",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
