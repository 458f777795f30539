//! Compilers of the fields many state kinds share (`Next`, `InputPath`/`OutputPath`,
//! `ResultPath`, `Assign`, templates, `QueryLanguage`, numbers given by path or JSONata, `Fail`
//! texts), used by the state compiler and by the `Retry`/`Catch` and Choice compilers.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::compile::plan::*;
use crate::compile::template::{JTemplate, Template};
use crate::error::CompileError;
use crate::expr::PathRef;

/// Whether a text may read the context object: `$$` (JSONPath, intrinsics), `context`
/// (JSONata `$states.context`) or `$states` as a whole (JSONata, `{% $states %}` holds the
/// context). Errs on the side of building it.
pub(crate) fn mentions_context(s: &str) -> bool {
    s.contains("$$")
        || s.contains("context")
        || s.split("$states")
            .skip(1)
            .any(|after| !after.starts_with('.'))
}

/// [`mentions_context`] over every key and string of a value.
pub(crate) fn reads_context(v: &Value) -> bool {
    match v {
        Value::String(s) => mentions_context(s),
        Value::Array(a) => a.iter().any(reads_context),
        Value::Object(m) => m
            .iter()
            .any(|(k, v)| mentions_context(k) || reads_context(v)),
        _ => false,
    }
}

pub(crate) fn parse_ql(v: Option<&Value>, ptr: &str) -> Result<Option<Ql>, CompileError> {
    match v {
        None => Ok(None),
        Some(_) => Ql::from_value(v).map(Some).ok_or_else(|| {
            CompileError::at(ptr, "QueryLanguage must be \"JSONPath\" or \"JSONata\"")
        }),
    }
}

/// Resolves a state name to its index.
pub(crate) fn target(
    names: &HashMap<String, StateId>,
    v: Option<&Value>,
    ptr: &str,
) -> Result<StateId, CompileError> {
    let n = v
        .and_then(Value::as_str)
        .ok_or_else(|| CompileError::at(ptr, "expected a state name"))?;
    names
        .get(n)
        .copied()
        .ok_or_else(|| CompileError::at(ptr, format!("no state named '{n}'")))
}

pub(crate) fn path_sel(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
) -> Result<PathSel, CompileError> {
    match o.get(key) {
        None => Ok(PathSel::Identity),
        Some(Value::Null) => Ok(PathSel::Null),
        Some(Value::String(s)) => PathRef::parse(s)
            .map(PathSel::Path)
            .map_err(|e| CompileError::at(format!("{ptr}/{key}"), e)),
        Some(_) => Err(CompileError::at(
            format!("{ptr}/{key}"),
            "expected a path string or null",
        )),
    }
}

pub(crate) fn result_sel(o: &Map<String, Value>, ptr: &str) -> Result<ResultSel, CompileError> {
    match o.get("ResultPath") {
        None => Ok(ResultSel::Replace),
        Some(Value::Null) => Ok(ResultSel::Discard),
        Some(Value::String(s)) => {
            let p =
                PathRef::parse(s).map_err(|e| CompileError::at(format!("{ptr}/ResultPath"), e))?;
            if p.path.is_root() && p.root == crate::expr::Root::Input {
                Ok(ResultSel::Replace)
            } else {
                Ok(ResultSel::Path(p))
            }
        }
        Some(_) => Err(CompileError::at(
            format!("{ptr}/ResultPath"),
            "expected a path string or null",
        )),
    }
}

pub(crate) fn assign(
    o: &Map<String, Value>,
    ptr: &str,
    ql: Ql,
) -> Result<Option<Assign>, CompileError> {
    let Some(v) = o.get("Assign") else {
        return Ok(None);
    };
    let p = format!("{ptr}/Assign");
    Ok(Some(match ql {
        Ql::JsonPath => Assign::JsonPath(Template::compile(v, &p)?),
        Ql::Jsonata => Assign::Jsonata(JTemplate::compile(v, &p, "Assign")?),
    }))
}

pub(crate) fn template(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
) -> Result<Option<Template>, CompileError> {
    o.get(key)
        .map(|v| Template::compile(v, &format!("{ptr}/{key}")))
        .transpose()
}

pub(crate) fn jtemplate(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
) -> Result<Option<JTemplate>, CompileError> {
    o.get(key)
        .map(|v| JTemplate::compile(v, &format!("{ptr}/{key}"), key))
        .transpose()
}

pub(crate) fn dyn_num<T>(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
    ql: Ql,
    lit: impl Fn(&Value) -> Option<T>,
) -> Result<Option<Dyn<T>>, CompileError> {
    let here = format!("{ptr}/{key}");
    if let Some(v) = o.get(key) {
        if ql == Ql::Jsonata && v.is_string() {
            return Ok(Some(Dyn::Expr(JTemplate::compile(v, &here, key)?)));
        }
        return lit(v)
            .map(|x| Some(Dyn::Lit(x)))
            .ok_or_else(|| CompileError::at(here, format!("invalid {key}")));
    }
    let pkey = format!("{key}Path");
    if let Some(v) = o.get(&pkey) {
        let s = v
            .as_str()
            .ok_or_else(|| CompileError::at(format!("{ptr}/{pkey}"), "expected a path"))?;
        return PathRef::parse(s)
            .map(|p| Some(Dyn::Path(p)))
            .map_err(|e| CompileError::at(format!("{ptr}/{pkey}"), e));
    }
    Ok(None)
}

pub(crate) fn text_field(
    o: &Map<String, Value>,
    key: &str,
    ptr: &str,
    ql: Ql,
) -> Result<Option<TextField>, CompileError> {
    if let Some(v) = o.get(key) {
        let here = format!("{ptr}/{key}");
        if ql == Ql::Jsonata {
            return Ok(Some(TextField::Expr(JTemplate::compile(v, &here, key)?)));
        }
        let s = v
            .as_str()
            .ok_or_else(|| CompileError::at(here, format!("{key} must be a string")))?;
        return Ok(Some(TextField::Lit(s.to_string())));
    }
    let pkey = format!("{key}Path");
    if let Some(v) = o.get(&pkey) {
        let here = format!("{ptr}/{pkey}");
        let s = v
            .as_str()
            .ok_or_else(|| CompileError::at(&here, "expected a path or intrinsic"))?;
        if s.starts_with('$') {
            return PathRef::parse(s)
                .map(|p| Some(TextField::Path(p)))
                .map_err(|e| CompileError::at(here, e));
        }
        return crate::expr::Intrinsic::parse(s)
            .map(|f| Some(TextField::Intrinsic(f)))
            .map_err(|e| CompileError::at(here, e));
    }
    Ok(None)
}
