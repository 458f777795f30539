//! Tests of the YAML loader: values, spans, pointers, duplicates, merges, tags, limits.

use serde_json::json;

use super::load;
use crate::load::{Loaded, YamlLimits, YamlOptions};
use crate::location::TextRange;

fn opts() -> YamlOptions {
    YamlOptions::default()
}

fn cfn() -> YamlOptions {
    YamlOptions {
        cfn_tags: true,
        ..YamlOptions::default()
    }
}

fn one(src: &str, o: &YamlOptions) -> Loaded {
    let mut docs = load(src, o).unwrap();
    assert_eq!(docs.len(), 1);
    let d = docs.remove(0);
    assert_every_node_located(&d);
    d
}

fn text(src: &str, r: TextRange) -> &str {
    &src[r.start..r.end]
}

fn value_text<'s>(src: &'s str, l: &Loaded, p: &str) -> &'s str {
    text(
        src,
        l.locations
            .get(p)
            .unwrap_or_else(|| panic!("no location for {p:?}"))
            .value,
    )
}

fn key_text<'s>(src: &'s str, l: &Loaded, p: &str) -> &'s str {
    text(src, l.locations.get(p).unwrap().key.unwrap())
}

fn assert_every_node_located(l: &Loaded) {
    let mut nodes = Vec::new();
    crate::load::json::tests::walk(&l.value, "", None, &mut nodes);
    for (p, _, _) in nodes {
        assert!(l.locations.get(&p).is_some(), "no location for {p:?}");
    }
}

#[test]
fn block_mapping_spans() {
    let src = "a: 1\nb c: 'x y'\nd:\n  - e\n  - f: g\n    h: |\n      lit\n      text\n\ni: plain\n  multi\n";
    let l = one(src, &opts());
    assert_eq!(
        l.value,
        json!({"a": 1, "b c": "x y", "d": ["e", {"f": "g", "h": "lit\ntext\n"}], "i": "plain multi"})
    );
    assert_eq!(key_text(src, &l, "/b c"), "b c");
    assert_eq!(value_text(src, &l, "/b c"), "'x y'");
    assert_eq!(
        value_text(src, &l, "/d"),
        "- e\n  - f: g\n    h: |\n      lit\n      text"
    );
    assert_eq!(value_text(src, &l, "/d/0"), "e");
    assert_eq!(l.locations.get("/d/0").unwrap().key, None);
    assert_eq!(
        value_text(src, &l, "/d/1"),
        "f: g\n    h: |\n      lit\n      text"
    );
    assert_eq!(value_text(src, &l, "/d/1/h"), "|\n      lit\n      text");
    assert_eq!(value_text(src, &l, "/i"), "plain\n  multi");
    assert_eq!(
        l.locations.get("").unwrap().value,
        TextRange::new(0, src.len() - 1)
    );
}

#[test]
fn multi_line_flow_spans() {
    let src = "States: {\n  A: [1,\n    {x: y}],\n  B: {  }\n}\n";
    let l = one(src, &opts());
    assert_eq!(l.value, json!({"States": {"A": [1, {"x": "y"}], "B": {}}}));
    assert_eq!(
        value_text(src, &l, "/States"),
        "{\n  A: [1,\n    {x: y}],\n  B: {  }\n}"
    );
    assert_eq!(value_text(src, &l, "/States/A"), "[1,\n    {x: y}]");
    assert_eq!(key_text(src, &l, "/States/A"), "A");
    assert_eq!(value_text(src, &l, "/States/A/1"), "{x: y}");
    assert_eq!(value_text(src, &l, "/States/A/1/x"), "y");
    assert_eq!(value_text(src, &l, "/States/B"), "{  }");
}

#[test]
fn escapes_awkward_keys_in_pointers() {
    let src = "States:\n  a/b:\n    x~y: 1\n  \"~1\": 2\n";
    let l = one(src, &opts());
    assert_eq!(value_text(src, &l, "/States/a~1b/x~0y"), "1");
    assert_eq!(key_text(src, &l, "/States/~01"), "\"~1\"");
}

#[test]
fn multi_document_offsets_are_absolute() {
    let src = "a: 1\n---\nb: [2]\n...\n--- !x\nc\n";
    let docs = load(src, &opts()).unwrap();
    assert_eq!(docs.len(), 3);
    assert_eq!(docs[0].value, json!({"a": 1}));
    assert_eq!(docs[1].value, json!({"b": [2]}));
    assert_eq!(docs[2].value, json!("c"));
    assert_eq!(value_text(src, &docs[1], "/b/0"), "2");
    assert_eq!(
        docs[1].locations.get("/b").unwrap().value.start,
        src.find('[').unwrap()
    );
    assert_eq!(value_text(src, &docs[2], ""), "c");
    assert!(load("", &opts()).unwrap().is_empty());
    assert!(load("# only a comment\n", &opts()).unwrap().is_empty());
}

#[test]
fn bom_crlf_and_non_ascii_offsets_are_bytes() {
    let src = "\u{feff}n\u{e9}: \u{e9}t\u{e9}\r\nk: [\u{1F600}, x]\r\n";
    let l = one(src, &opts());
    assert_eq!(
        l.value,
        json!({"n\u{e9}": "\u{e9}t\u{e9}", "k": ["\u{1F600}", "x"]})
    );
    assert_eq!(key_text(src, &l, "/n\u{e9}"), "n\u{e9}");
    assert_eq!(value_text(src, &l, "/n\u{e9}"), "\u{e9}t\u{e9}");
    assert_eq!(value_text(src, &l, "/k/1"), "x");
    assert_eq!(l.locations.get("").unwrap().value.start, 3);
}

const ASL: &str = r#"Comment: An order pipeline
StartAt: Validate
States:
  Validate:
    Type: Task
    Resource: arn:aws:states:::lambda:invoke
    Parameters:
      FunctionName: validate
      Payload.$: $
    Retry:
      - ErrorEquals: [States.TaskFailed]
        IntervalSeconds: 2
        MaxAttempts: 3
        BackoffRate: 1.5
    Next: Choose
  Choose:
    Type: Choice
    Choices:
      - Variable: $.ok
        BooleanEquals: true
        Next: Done
    Default: Fail
  Done: {Type: Succeed}
  Fail:
    Type: Fail
    Error: Invalid
"#;

#[test]
fn loads_an_asl_yaml_state_machine() {
    let l = one(ASL, &opts());
    assert!(l.issues.is_empty());
    assert_eq!(
        l.value["States"]["Validate"]["Retry"][0]["BackoffRate"],
        json!(1.5)
    );
    assert_eq!(
        l.value["States"]["Choose"]["Choices"][0]["BooleanEquals"],
        json!(true)
    );
    assert_eq!(
        l.value["States"]["Validate"]["Parameters"]["Payload.$"],
        json!("$")
    );
    assert_eq!(value_text(ASL, &l, "/States/Validate/Next"), "Choose");
    assert_eq!(key_text(ASL, &l, "/States/Choose/Default"), "Default");
    assert_eq!(value_text(ASL, &l, "/States/Done"), "{Type: Succeed}");
    assert_eq!(
        value_text(ASL, &l, "/States/Validate/Retry/0/ErrorEquals/0"),
        "States.TaskFailed"
    );
    let keys: Vec<&String> = l.value["States"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Validate", "Choose", "Done", "Fail"]);
}

#[test]
fn duplicate_keys_name_both_places() {
    let src = "States:\n  A:\n    Next: B\n    Type: Pass\n    Next:\n      deep: 1\n";
    let l = one(src, &opts());
    assert_eq!(
        l.value["States"]["A"],
        json!({"Next": {"deep": 1}, "Type": "Pass"})
    );
    assert_eq!(l.issues.len(), 1);
    let d = &l.issues[0];
    assert_eq!(d.code, crate::load::DUPLICATE_KEY.code);
    assert_eq!(d.pointer, "/States/A/Next");
    assert_eq!(d.message, "duplicate key `Next` in mapping at /States/A");
    let second = src.rfind("Next").unwrap();
    assert_eq!(d.span, Some(TextRange::new(second, second + 4)));
    let first = src.find("Next").unwrap();
    assert_eq!(d.notes[0].span, Some(TextRange::new(first, first + 4)));
    assert_eq!(value_text(src, &l, "/States/A/Next"), "deep: 1");
    assert!(l.locations.get("/States/A/Next/deep").is_some());
    // The replaced scalar leaves nothing behind.
    let src = "a: {x: 1}\na: 2\n";
    let l = one(src, &opts());
    assert!(l.locations.get("/a/x").is_none());
    assert_eq!(l.issues[0].message, "duplicate key `a` in the root mapping");
}

#[test]
fn scalar_keys_become_strings_and_collection_keys_are_rejected() {
    let l = one("1: a\ntrue: b\n~: c\n0x10: d\n1.5: e\n", &opts());
    assert_eq!(
        l.value,
        json!({"1": "a", "true": "b", "null": "c", "16": "d", "1.5": "e"})
    );
    let e = load("? [a]\n: b\n", &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::UNSUPPORTED_YAML.code);
    assert_eq!(e.span, Some(TextRange::new(2, 3)));
    let e = load("{? {a: 1} : b}", &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::UNSUPPORTED_YAML.code);
}

#[test]
fn values_without_json_form_are_rejected() {
    for (src, at) in [("a: .nan\n", 3), ("a: [-.inf]\n", 4), ("a: 1e999\n", 3)] {
        let e = load(src, &opts()).unwrap_err();
        assert_eq!(e.code, crate::load::UNSUPPORTED_YAML.code, "{src}");
        assert_eq!(e.span.unwrap().start, at, "{src}");
    }
}

#[test]
fn anchors_and_aliases_copy_values_and_locations() {
    let src = "defaults: &d\n  Retry: [1, 2]\n  Timeout: 5\nA: *d\nB: &n 3\nC: *n\n";
    let l = one(src, &opts());
    assert_eq!(l.value["A"], json!({"Retry": [1, 2], "Timeout": 5}));
    assert_eq!(l.value["C"], json!(3));
    assert_eq!(value_text(src, &l, "/A"), "*d");
    // The alias's descendants point at where they are written.
    assert_eq!(value_text(src, &l, "/A/Retry/1"), "2");
    assert_eq!(key_text(src, &l, "/A/Timeout"), "Timeout");
    assert_eq!(value_text(src, &l, "/B"), "3");
    assert_eq!(
        value_text(src, &l, "/defaults"),
        "Retry: [1, 2]\n  Timeout: 5"
    );
}

#[test]
fn merge_keys_are_expanded() {
    let src = "base: &b\n  Type: Task\n  Retry: 1\nextra: &e {Comment: c, Retry: 9}\nS:\n  Next: X\n  <<: [*b, *e]\n  Retry: 2\n";
    let l = one(src, &opts());
    assert_eq!(
        l.value["S"],
        json!({"Next": "X", "Type": "Task", "Retry": 2, "Comment": "c"})
    );
    let keys: Vec<&String> = l.value["S"].as_object().unwrap().keys().collect();
    // Merged keys go where `<<` is written; the explicit `Retry` after it stays after them.
    assert_eq!(keys, ["Next", "Type", "Comment", "Retry"]);
    assert_eq!(value_text(src, &l, "/S/Type"), "Task");
    assert_eq!(value_text(src, &l, "/S/Retry"), "2");
    assert_eq!(value_text(src, &l, "/S/Comment"), "c");
    assert!(l.locations.get("/S/<<").is_none());
    assert!(l.issues.is_empty());
    let l = one("a: &a {x: 1}\nb:\n  <<: *a\n  y: 2\n", &opts());
    assert_eq!(l.value["b"], json!({"x": 1, "y": 2}));
    let e = load("a:\n  <<: 1\n", &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::UNSUPPORTED_YAML.code);
    // A quoted "<<" is an ordinary key.
    assert_eq!(one("\"<<\": 1\n", &opts()).value, json!({"<<": 1}));
}

#[test]
fn billion_laughs_hits_the_node_limit() {
    let mut src = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        src.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 9].join(", ")
        ));
    }
    let t = std::time::Instant::now();
    let e = load(&src, &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::YAML_LIMIT.code);
    assert!(
        e.message.contains("more than 1000000 nodes"),
        "{}",
        e.message
    );
    assert!(t.elapsed().as_secs() < 10);
    let small = YamlOptions {
        limits: YamlLimits {
            max_nodes: 50,
            ..YamlLimits::default()
        },
        ..opts()
    };
    assert_eq!(
        load("a: &a [1, 2, 3]\nb: [*a, *a, *a]\n", &small)
            .unwrap()
            .len(),
        1
    );
    let tiny = YamlOptions {
        limits: YamlLimits {
            max_nodes: 12,
            ..YamlLimits::default()
        },
        ..opts()
    };
    assert_eq!(
        load("a: &a [1, 2, 3]\nb: [*a, *a, *a]\n", &tiny)
            .unwrap_err()
            .code,
        crate::load::YAML_LIMIT.code
    );
}

#[test]
fn deep_nesting_is_limited_without_stack_overflow() {
    let flow = "[".repeat(100_000);
    assert_eq!(
        load(&flow, &opts()).unwrap_err().code,
        crate::load::YAML_LIMIT.code
    );
    let flow_map = "{a: ".repeat(100_000);
    assert_eq!(
        load(&flow_map, &opts()).unwrap_err().code,
        crate::load::YAML_LIMIT.code
    );
    let dashes = "- ".repeat(100_000) + "x\n";
    let e = load(&dashes, &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::YAML_LIMIT.code);
    assert!(
        e.message.starts_with("nesting too deep: more than 256"),
        "{}",
        e.message
    );
    let mut block = String::new();
    for i in 0..300 {
        block.push_str(&" ".repeat(i));
        block.push_str("a:\n");
    }
    assert_eq!(
        load(&block, &opts()).unwrap_err().code,
        crate::load::YAML_LIMIT.code
    );
    let ok = "- ".repeat(200) + "x\n";
    assert_eq!(load(&ok, &opts()).unwrap().len(), 1);
}

#[test]
fn cloudformation_short_forms_become_long_forms() {
    let src = "A: !Ref Bucket\nB: !Sub 'arn:${AWS::Region}'\nC: !Sub\n  - '${x}'\n  - x: !GetAtt Fn.Arn\nD: !GetAtt [R, Outputs.Url]\nE: !If [c, !Ref a, !Ref 'AWS::NoValue']\nF: !Condition IsProd\nG: !Join ['', [a, !Select [0, !GetAZs '']]]\nH: !Base64 x\nI: !Equals [!Ref e, prod]\nJ: !Not [!Condition c]\nK: !Split [',', !ImportValue v]\nL: !FindInMap [M, k, v]\nM: !Cidr [10.0.0.0/16, 6, 5]\nN: !And [!Or [a, b], !Length [1], !ToJsonString {k: v}]\nO: !Transform {Name: n}\nP: !Custom keep\n";
    let l = one(src, &cfn());
    assert_eq!(
        l.value,
        json!({
            "A": {"Ref": "Bucket"},
            "B": {"Fn::Sub": "arn:${AWS::Region}"},
            "C": {"Fn::Sub": ["${x}", {"x": {"Fn::GetAtt": ["Fn", "Arn"]}}]},
            "D": {"Fn::GetAtt": ["R", "Outputs.Url"]},
            "E": {"Fn::If": ["c", {"Ref": "a"}, {"Ref": "AWS::NoValue"}]},
            "F": {"Condition": "IsProd"},
            "G": {"Fn::Join": ["", ["a", {"Fn::Select": [0, {"Fn::GetAZs": ""}]}]]},
            "H": {"Fn::Base64": "x"},
            "I": {"Fn::Equals": [{"Ref": "e"}, "prod"]},
            "J": {"Fn::Not": [{"Condition": "c"}]},
            "K": {"Fn::Split": [",", {"Fn::ImportValue": "v"}]},
            "L": {"Fn::FindInMap": ["M", "k", "v"]},
            "M": {"Fn::Cidr": ["10.0.0.0/16", 6, 5]},
            "N": {"Fn::And": [{"Fn::Or": ["a", "b"]}, {"Fn::Length": [1]}, {"Fn::ToJsonString": {"k": "v"}}]},
            "O": {"Fn::Transform": {"Name": "n"}},
            "P": "keep",
        })
    );
    assert_eq!(value_text(src, &l, "/A"), "!Ref Bucket");
    assert_eq!(value_text(src, &l, "/A/Ref"), "Bucket");
    assert_eq!(key_text(src, &l, "/A/Ref"), "!Ref");
    assert_eq!(value_text(src, &l, "/B/Fn::Sub"), "'arn:${AWS::Region}'");
    assert_eq!(
        value_text(src, &l, "/C"),
        "!Sub\n  - '${x}'\n  - x: !GetAtt Fn.Arn"
    );
    assert_eq!(
        value_text(src, &l, "/C/Fn::Sub"),
        "- '${x}'\n  - x: !GetAtt Fn.Arn"
    );
    assert_eq!(value_text(src, &l, "/C/Fn::Sub/1/x/Fn::GetAtt/1"), "Arn");
    assert_eq!(value_text(src, &l, "/D/Fn::GetAtt"), "[R, Outputs.Url]");
    assert_eq!(value_text(src, &l, "/E/Fn::If/2/Ref"), "'AWS::NoValue'");
    // Without cfn_tags the tags are ignored.
    let plain = one(src, &opts());
    assert_eq!(plain.value["A"], json!("Bucket"));
    assert_eq!(plain.value["D"], json!(["R", "Outputs.Url"]));
    assert_eq!(value_text(src, &plain, "/A"), "Bucket");
}

#[test]
fn syntax_errors_point_at_the_problem() {
    let src = "a: [1, 2\nb: 3\n";
    let e = load(src, &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::INVALID_YAML.code);
    assert_eq!(e.name, "invalid-yaml");
    assert_eq!(e.span, Some(TextRange::new(10, 11)));
    assert!(!e.message.is_empty());
    // Non-ASCII before the error: the span is in bytes.
    let src = "\u{e9}\u{e9}: [x\n\u{e9}: y\n";
    let e = load(src, &opts()).unwrap_err();
    assert_eq!(e.code, crate::load::INVALID_YAML.code);
    let at = e.span.unwrap().start;
    assert!(src.is_char_boundary(at) && at > 4, "{at}: {}", e.message);
    assert!(load("a: *nope\n", &opts()).is_err());
}

#[test]
fn recursive_alias_is_rejected() {
    let e = load("a: &a [1, *a]\n", &opts()).unwrap_err();
    assert!(
        [
            crate::load::UNSUPPORTED_YAML.code,
            crate::load::INVALID_YAML.code
        ]
        .contains(&e.code)
    );
}

/// JSON is (almost) YAML 1.2: every conformance definition loaded as YAML must give the
/// JSON loader's value, and the very same key and value spans.
#[test]
fn conformance_json_loads_identically_as_yaml() {
    let Some(root) = nexus_testkit::corpus() else {
        return;
    };
    let mut stack = vec![root];
    let (mut files, mut compared) = (0, 0);
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let Ok(src) = std::fs::read_to_string(&path) else {
                continue;
            };
            files += 1;
            let Ok(json) = crate::load::load_json(&src) else {
                continue;
            };
            let docs = load(&src, &opts()).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            assert_eq!(docs.len(), 1, "{}", path.display());
            let yaml = &docs[0];
            assert_eq!(yaml.value, json.value, "{}", path.display());
            assert_eq!(yaml.issues.len(), json.issues.len(), "{}", path.display());
            for (p, loc) in json.locations.iter() {
                assert_eq!(
                    yaml.locations.get(&p),
                    Some(&loc),
                    "{} at {p:?}",
                    path.display()
                );
            }
            assert_eq!(
                yaml.locations.len(),
                json.locations.len(),
                "{}",
                path.display()
            );
            compared += 1;
        }
    }
    println!("conformance as YAML: {compared} of {files} files identical to the JSON loader");
}

#[test]
fn properties_are_not_part_of_key_and_value_spans() {
    let src = "&k key: &v !!str 12\nb: !Sub |\n  echo ${x}\n  done\nc: !!int \"7\"\n";
    let l = one(src, &opts());
    assert_eq!(
        l.value,
        json!({"key": "12", "b": "echo ${x}\ndone\n", "c": 7})
    );
    assert_eq!(key_text(src, &l, "/key"), "key");
    assert_eq!(value_text(src, &l, "/key"), "12");
    assert_eq!(value_text(src, &l, "/b"), "|\n  echo ${x}\n  done");
    let l = one(src, &cfn());
    assert_eq!(l.value["b"], json!({"Fn::Sub": "echo ${x}\ndone\n"}));
    assert_eq!(value_text(src, &l, "/b"), "!Sub |\n  echo ${x}\n  done");
    assert_eq!(value_text(src, &l, "/b/Fn::Sub"), "|\n  echo ${x}\n  done");
}

#[test]
fn empty_documents_are_null() {
    let docs = load("---\n---\na: 1\n", &opts()).unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0].value, json!(null));
    assert_eq!(docs[1].value, json!({"a": 1}));
    assert_eq!(
        one("a:\nb: ~\n", &opts()).value,
        json!({"a": null, "b": null})
    );
}

#[test]
fn crlf_block_documents() {
    let src = "States:\r\n  A:\r\n    Type: Pass\r\n    End: true\r\n";
    let l = one(src, &opts());
    assert_eq!(
        l.value,
        json!({"States": {"A": {"Type": "Pass", "End": true}}})
    );
    assert_eq!(
        value_text(src, &l, "/States/A"),
        "Type: Pass\r\n    End: true"
    );
    assert_eq!(value_text(src, &l, "/States/A/End"), "true");
}
