//! A Distributed Map's `ItemReader` (AWS, "ItemReader (Map)"), run locally: the handler or
//! mock of its `Resource` (for example `s3:getObject`) is called with its `Parameters` /
//! `Arguments`, and its answer gives the items:
//! - an array: the items themselves;
//! - an object with `Contents` (an `s3:listObjectsV2` answer): its `Contents`;
//! - text, or an object with a text `Body` (an `s3:getObject` answer): the file, read as its
//!   `ReaderConfig.InputType` — `JSON` (an array), `JSONL` (one value a line) or `CSV` (one
//!   object a row, keyed by the first row or `CSVHeaders`, values as text, as AWS gives them).
//!
//! `ReaderConfig.MaxItems` / `MaxItemsPath` keeps the first items. Anything else fails the state
//! with `States.ItemReaderFailed`. The read is journaled ([`super::resource_call`]): a resumed
//! run uses the answer the interrupted run got, even if the data changed since.

use serde_json::{Map, Value};

use super::Cx;
use crate::compile::plan::{Reader, Selector};
use crate::error::Failure;
use crate::expr::Scope;
use crate::vars::Vars;

pub(crate) async fn read_items(
    cx: &Cx<'_>,
    r: &Reader,
    raw: &Value,
    scope: &Scope<'_>,
    vars: &Vars,
) -> Result<Vec<Value>, Failure> {
    let params = match &r.params {
        None => Value::Object(Map::new()),
        Some(Selector::JsonPath(t)) => t.eval(scope)?,
        Some(Selector::Jsonata(t)) => t.eval(&cx.jenv(vars, raw, scope.context, None, None))?,
    };
    // TestState: a mocked Map reads what the request gives (`mapItemReaderData`).
    let given = cx
        .exec
        .state_mock
        .as_ref()
        .and_then(|m| m.reader_data.clone());
    let answer = match given {
        Some(data) => Ok(Value::String(data)),
        None => super::resource_call::call(cx, &r.resource, params).await,
    };
    let answer = answer.map_err(|e| {
        crate::catalogue::item_reader_failed(&match e.cause {
            Some(c) => format!("{}: {c}", e.error),
            None => e.error,
        })
    })?;
    let mut items = parse(r, answer)?;
    let max = super::number::number(
        cx,
        &super::number::NumField {
            field: "MaxItems",
            float: false,
            valid: &Value::as_u64,
            out_of_range: &|_| crate::catalogue::max_items_negative(),
        },
        r.max_items.as_ref(),
        scope,
        raw,
    )?;
    // AWS: MaxItems 0 (the default) reads every item.
    if let Some(m) = max.filter(|m| *m > 0) {
        items.truncate(usize::try_from(m).unwrap_or(usize::MAX));
    }
    Ok(items)
}

fn parse(r: &Reader, answer: Value) -> Result<Vec<Value>, Failure> {
    let text = match answer {
        Value::Array(a) => return Ok(a),
        Value::Object(mut m) => match (m.remove("Contents"), m.remove("Body")) {
            (Some(Value::Array(a)), _) => return Ok(a),
            (_, Some(Value::String(s))) => s,
            _ => {
                return Err(crate::catalogue::item_reader_failed(
                    "the reader's answer has neither an array `Contents` nor a text `Body`",
                ));
            }
        },
        Value::String(s) => s,
        other => {
            return Err(crate::catalogue::item_reader_failed(&format!(
                "the reader answered {}, not items or a file",
                crate::io::type_name(&other)
            )));
        }
    };
    match r.input_type.as_deref() {
        Some("JSON") | None => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Array(a)) => Ok(a),
            _ => Err(crate::catalogue::item_reader_failed(
                "the JSON file does not hold an array",
            )),
        },
        Some("JSONL") => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    crate::catalogue::item_reader_failed(&format!(
                        "line {} of the JSONL file is not JSON: {e}",
                        i.saturating_add(1)
                    ))
                })
            })
            .collect(),
        Some("CSV") => Ok(csv(&text, r.csv_delimiter, r.csv_headers.as_deref())),
        Some(other) => Err(crate::catalogue::item_reader_failed(&format!(
            "InputType {other} is not read locally (JSON, JSONL and CSV are)"
        ))),
    }
}

/// CSV rows as objects keyed by the header row (or `headers`); quoted fields may hold the
/// delimiter, newlines and doubled quotes (RFC 4180).
fn csv(text: &str, delim: char, headers: Option<&[String]>) -> Vec<Value> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == delim && !quoted => row.push(std::mem::take(&mut field)),
            '\r' if !quoted => {}
            '\n' if !quoted => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            c => field.push(c),
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows.retain(|r| !(r.len() == 1 && r.first().is_some_and(String::is_empty)));
    let mut rows = rows.into_iter();
    let keys: Vec<String> = match headers {
        Some(h) => h.to_vec(),
        None => rows.next().unwrap_or_default(),
    };
    rows.map(|r| {
        let mut m = Map::new();
        for (k, v) in keys.iter().zip(r) {
            m.insert(k.clone(), Value::String(v));
        }
        Value::Object(m)
    })
    .collect()
}
