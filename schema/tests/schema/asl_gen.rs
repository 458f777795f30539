//! A proptest generator of random ASL state machines: every state type, nested Parallel
//! branches and Map processors (legacy `Iterator` and distributed `ItemProcessor` with an
//! `ItemReader`), retriers and catchers in the shapes the sugar forms cover and just outside
//! them, Choice rules with `And`/`Or`/`Not`, payloads with odd keys, unknown fields, and
//! `Next` targets that always name a state.
//!
//! Shared by `schema/tests/schema/nexus_roundtrip.rs` and `migrate/tests/migrate/corpus.rs` (`#[path]`).

use proptest::prelude::*;
use serde_json::{Map, Value, json};

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

pub fn top_machine() -> impl Strategy<Value = Value> {
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
