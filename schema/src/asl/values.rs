//! Small value types shared by the ASL model: numbers that may be JSONata expressions, and
//! the closed keyword sets of ASL (`QueryLanguage`, `JitterStrategy`, `Mode`, `ExecutionType`).

use serde_json::{Number, Value};

/// Whether `s` is a JSONata expression string: it starts with `{%` and ends with `%}`.
///
/// AWS, "Transforming data with JSONata": in a JSONata state, any string value that begins
/// with `{%` and ends with `%}` is evaluated as an expression; other strings are literals.
pub fn is_jsonata(s: &str) -> bool {
    s.len() >= 4 && s.starts_with("{%") && s.ends_with("%}")
}

/// The expression inside `{% ... %}`, trimmed; `None` for a plain string.
pub fn jsonata_body(s: &str) -> Option<&str> {
    if is_jsonata(s) {
        s.get(2..s.len() - 2).map(str::trim)
    } else {
        None
    }
}

/// A field that is a number in JSONPath states and may be a JSONata expression string in
/// JSONata states (`TimeoutSeconds`, `HeartbeatSeconds`, `Seconds`, `MaxConcurrency`,
/// `ToleratedFailurePercentage`, `ToleratedFailureCount`, `MaxItems`, `MaxItemsPerBatch`,
/// `MaxInputBytesPerBatch`).
#[derive(Clone, Debug, PartialEq)]
pub enum NumberOrExpr {
    /// A JSON number, exactly as written (`2` and `2.0` stay distinct).
    Number(Number),
    /// A JSONata expression string, `"{% ... %}"`, kept verbatim.
    Expr(String),
}

impl NumberOrExpr {
    /// A number, or a string that [`is_jsonata`]; anything else is `None`.
    pub fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) => Some(Self::Number(n.clone())),
            Value::String(s) if is_jsonata(s) => Some(Self::Expr(s.clone())),
            _ => None,
        }
    }

    /// The number, when it is a literal.
    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Self::Number(n) => Some(n),
            Self::Expr(_) => None,
        }
    }

    /// The literal as an `f64` (`None` for an expression).
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().and_then(Number::as_f64)
    }

    /// The literal as a non-negative integer (`None` for an expression, a fraction or a
    /// negative number).
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number().and_then(Number::as_u64)
    }

    /// The expression string, when it is one.
    pub fn as_expr(&self) -> Option<&str> {
        match self {
            Self::Number(_) => None,
            Self::Expr(s) => Some(s),
        }
    }
}

impl From<NumberOrExpr> for Value {
    fn from(v: NumberOrExpr) -> Self {
        match v {
            NumberOrExpr::Number(n) => Value::Number(n),
            NumberOrExpr::Expr(s) => Value::String(s),
        }
    }
}

impl From<&NumberOrExpr> for Value {
    fn from(v: &NumberOrExpr) -> Self {
        v.clone().into()
    }
}

/// Declares a closed set of ASL keywords with `parse`/`as_str` and a list for messages.
macro_rules! keyword_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every keyword, as written in ASL.
            pub const ALL: &'static [&'static str] = &[$($text),+];

            /// Parse the ASL spelling (case-sensitive, as AWS is).
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The ASL spelling.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// `"A" | "B"` for messages.
            pub(crate) fn expected() -> String {
                Self::ALL
                    .iter()
                    .map(|s| format!("\"{s}\""))
                    .collect::<Vec<_>>()
                    .join(" | ")
            }
        }

        impl From<$name> for Value {
            fn from(v: $name) -> Self {
                Value::String(v.as_str().to_string())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keyword_enum! {
    /// `QueryLanguage`, at the top level (the default for every state) or on one state.
    #[derive(Default)]
    QueryLanguage {
        /// The original language: `InputPath`, `Parameters`, `ResultSelector`, `ResultPath`,
        /// `OutputPath`. The default when no `QueryLanguage` is given.
        #[default]
        JsonPath = "JSONPath",
        /// `Arguments` and `Output` with `{% ... %}` expressions.
        Jsonata = "JSONata",
    }
}

keyword_enum! {
    /// Retrier `JitterStrategy`.
    JitterStrategy {
        /// Randomize each delay between 0 and the computed backoff.
        Full = "FULL",
        /// No jitter (the default).
        None = "NONE",
    }
}

keyword_enum! {
    /// Map `ItemProcessor.ProcessorConfig.Mode`.
    ProcessorMode {
        /// Iterations run inside the parent execution (the default).
        Inline = "INLINE",
        /// Iterations run as child workflow executions (Distributed Map).
        Distributed = "DISTRIBUTED",
    }
}

keyword_enum! {
    /// Map `ItemProcessor.ProcessorConfig.ExecutionType` (Distributed Map child workflows).
    ExecutionType {
        Standard = "STANDARD",
        Express = "EXPRESS",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_jsonata_strings() {
        assert!(is_jsonata("{% $x %}"));
        assert!(is_jsonata("{%%}"));
        assert!(!is_jsonata("{%"));
        assert!(!is_jsonata(" {% $x %}"));
        assert_eq!(jsonata_body("{%  $states.input %}"), Some("$states.input"));
        assert_eq!(jsonata_body("$.a"), None);
    }

    #[test]
    fn keeps_number_spelling() {
        let two = NumberOrExpr::from_value(&serde_json::json!(2)).unwrap();
        let two_f = NumberOrExpr::from_value(&serde_json::json!(2.0)).unwrap();
        assert_ne!(two, two_f);
        assert_eq!(Value::from(two_f), serde_json::json!(2.0));
        assert!(NumberOrExpr::from_value(&serde_json::json!("5")).is_none());
    }
}
