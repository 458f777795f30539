//! Payload templates: JSONPath-mode `Parameters`, `ResultSelector`, `ItemSelector`, `Assign`
//! (keys ending in `.$` take a path or intrinsic), and JSONata-mode values where any string
//! `{% expr %}` is an expression. Compiled once; static subtrees are kept as ready values.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::error::Failure;
use crate::expr::{Intrinsic, Jsonata, JsonataEnv, PathRef, Scope};

/// A compiled JSONPath-mode payload template.
#[derive(Debug, Clone)]
pub(crate) enum Template {
    Static(Value),
    Object(Vec<(String, Template)>),
    Array(Vec<Template>),
    Path { field: Arc<str>, path: PathRef },
    Intrinsic(Intrinsic),
}

impl Template {
    /// Compiles a template; `pointer` locates it for error messages.
    pub(crate) fn compile(v: &Value, pointer: &str) -> Result<Self, crate::CompileError> {
        match v {
            Value::Object(m) => {
                let mut fields = Vec::with_capacity(m.len());
                let mut all_static = true;
                for (k, val) in m {
                    let here = format!("{pointer}/{}", nexus_schema::pointer::escape(k));
                    if let Some(name) = k.strip_suffix(".$") {
                        let src = val.as_str().ok_or_else(|| {
                            crate::CompileError::at(&here, "a field ending in '.$' needs a string")
                        })?;
                        all_static = false;
                        let field: Arc<str> = k.as_str().into();
                        let t = if src.starts_with('$') {
                            Template::Path {
                                field,
                                path: PathRef::parse(src)
                                    .map_err(|e| crate::CompileError::at(&here, e))?,
                            }
                        } else {
                            Template::Intrinsic(
                                Intrinsic::parse(src)
                                    .map_err(|e| crate::CompileError::at(&here, e))?,
                            )
                        };
                        fields.push((name.to_string(), t));
                    } else {
                        let t = Template::compile(val, &here)?;
                        all_static &= matches!(t, Template::Static(_));
                        fields.push((k.clone(), t));
                    }
                }
                if all_static {
                    Ok(Template::Static(v.clone()))
                } else {
                    Ok(Template::Object(fields))
                }
            }
            Value::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                let mut all_static = true;
                for (i, x) in a.iter().enumerate() {
                    let t = Template::compile(x, &format!("{pointer}/{i}"))?;
                    all_static &= matches!(t, Template::Static(_));
                    items.push(t);
                }
                if all_static {
                    Ok(Template::Static(v.clone()))
                } else {
                    Ok(Template::Array(items))
                }
            }
            other => Ok(Template::Static(other.clone())),
        }
    }

    /// Evaluates against the scope. A path selecting nothing is a `States.Runtime` failure
    /// naming the path, the field and the input, as Step Functions words it.
    pub(crate) fn eval(&self, scope: &Scope<'_>) -> Result<Value, Failure> {
        match self {
            Template::Static(v) => Ok(v.clone()),
            Template::Object(fields) => {
                let mut m = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    m.insert(k.clone(), t.eval(scope)?);
                }
                Ok(Value::Object(m))
            }
            Template::Array(items) => items
                .iter()
                .map(|t| t.eval(scope))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Template::Path { field, path } => scope.eval(path).ok_or_else(|| {
                crate::catalogue::payload_path_not_found(&path.text, field, scope.input)
            }),
            Template::Intrinsic(f) => f.eval(scope),
        }
    }
}

/// A compiled JSONata-mode value: JSON whose strings may be `{% expression %}`.
#[derive(Debug, Clone)]
pub(crate) enum JTemplate {
    Static(Value),
    Object(Vec<(String, JTemplate)>),
    Array(Vec<JTemplate>),
    Expr { location: Arc<str>, e: Jsonata },
}

impl JTemplate {
    /// Compiles; `location` is the AWS field location used in messages (`Output/field`).
    pub(crate) fn compile(
        v: &Value,
        pointer: &str,
        location: &str,
    ) -> Result<Self, crate::CompileError> {
        match v {
            Value::String(s) => match crate::expr::jsonata_body(s) {
                Some(body) => Ok(JTemplate::Expr {
                    location: location.into(),
                    e: Jsonata::parse(body).map_err(|e| crate::CompileError::at(pointer, e))?,
                }),
                None => Ok(JTemplate::Static(v.clone())),
            },
            Value::Object(m) => {
                let mut fields = Vec::with_capacity(m.len());
                let mut all_static = true;
                for (k, val) in m {
                    let t = JTemplate::compile(
                        val,
                        &format!("{pointer}/{}", nexus_schema::pointer::escape(k)),
                        &format!("{location}/{k}"),
                    )?;
                    all_static &= matches!(t, JTemplate::Static(_));
                    fields.push((k.clone(), t));
                }
                if all_static {
                    Ok(JTemplate::Static(v.clone()))
                } else {
                    Ok(JTemplate::Object(fields))
                }
            }
            Value::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                let mut all_static = true;
                for (i, x) in a.iter().enumerate() {
                    let t = JTemplate::compile(
                        x,
                        &format!("{pointer}/{i}"),
                        &format!("{location}[{i}]"),
                    )?;
                    all_static &= matches!(t, JTemplate::Static(_));
                    items.push(t);
                }
                if all_static {
                    Ok(JTemplate::Static(v.clone()))
                } else {
                    Ok(JTemplate::Array(items))
                }
            }
            other => Ok(JTemplate::Static(other.clone())),
        }
    }

    /// Evaluates every expression. An expression yielding nothing is a
    /// `States.QueryEvaluationError` (AWS: "returned nothing (undefined)").
    pub(crate) fn eval(&self, env: &JsonataEnv<'_>) -> Result<Value, Failure> {
        match self {
            JTemplate::Static(v) => Ok(v.clone()),
            JTemplate::Object(fields) => {
                let mut m = Map::with_capacity(fields.len());
                for (k, t) in fields {
                    m.insert(k.clone(), t.eval(env)?);
                }
                Ok(Value::Object(m))
            }
            JTemplate::Array(items) => items
                .iter()
                .map(|t| t.eval(env))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            JTemplate::Expr { location, e } => match e.eval(env, location)? {
                Some(v) => Ok(v),
                None => Err(crate::catalogue::jsonata_undefined(e.text(), location)),
            },
        }
    }

    /// The single expression when the whole value is one `{% %}` string (for messages about
    /// a field's result type, e.g. Map `Items`).
    pub(crate) fn as_expr(&self) -> Option<&Jsonata> {
        match self {
            JTemplate::Expr { e, .. } => Some(e),
            _ => None,
        }
    }
}
