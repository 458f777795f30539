//! Test helpers: YAML text → serde_json value through saphyr (YAML 1.2), and paths.

use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{Value, json};

/// Parse the first YAML document of `text` into a JSON value.
pub fn parse_yaml(text: &str) -> Value {
    fn conv(y: &Yaml) -> Value {
        match y {
            Yaml::Value(Scalar::Null) => Value::Null,
            Yaml::Value(Scalar::Boolean(b)) => json!(b),
            Yaml::Value(Scalar::Integer(i)) => json!(i),
            Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
            Yaml::Value(Scalar::String(s)) => json!(s.as_ref()),
            Yaml::Sequence(items) => Value::Array(items.iter().map(conv).collect()),
            Yaml::Mapping(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| match conv(k) {
                        Value::String(s) => (s, conv(v)),
                        other => panic!("non-string key {other}"),
                    })
                    .collect(),
            ),
            other => panic!("unexpected YAML node {other:?}"),
        }
    }
    let docs = Yaml::load_from_str(text).expect("emitted YAML parses");
    conv(&docs[0])
}

/// `fixtures/` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The value without its `name` member (which `migrate` adds from the file name).
pub fn without_name(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.shift_remove("name");
    }
    v
}
