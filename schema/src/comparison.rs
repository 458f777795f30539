//! Choice rules: the elements of a Choice state's `Choices`, their comparison operators and
//! the boolean combinators `And`, `Or`, `Not`. ASL spec, "Choice Rules"; AWS, "Choice
//! workflow state" (JSONPath data-test expressions and JSONata `Condition`).

use serde_json::{Map, Value};

use super::ModelIssue;
use super::read::{Reader, Writer, type_name};
use crate::pointer;

/// What type a comparison operator's operand must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OperandKind {
    /// A string (`StringEquals`, `StringMatches`, ...).
    String,
    /// A number (`NumericEquals`, ...).
    Number,
    /// A boolean (`BooleanEquals`, and the type tests `IsNull`, `IsPresent`, ...).
    Boolean,
    /// An RFC 3339 timestamp string (`TimestampEquals`, ...).
    Timestamp,
    /// A reference path to compare against (`...Path` operators).
    Path,
}

/// Declares the comparison operators with their ASL names and operand kinds.
macro_rules! operators {
    ($($variant:ident = $text:literal : $kind:ident),+ $(,)?) => {
        /// A data-test comparison operator of a JSONPath choice rule.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ComparisonOperator {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant
            ),+
        }

        impl ComparisonOperator {
            /// Every operator, in ASL order.
            pub const ALL: &'static [ComparisonOperator] = &[$(Self::$variant),+];

            /// Parse the ASL field name.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($text => Some(Self::$variant),)+
                    _ => None,
                }
            }

            /// The ASL field name.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// What the operand must be.
            pub fn operand_kind(&self) -> OperandKind {
                match self {
                    $(Self::$variant => OperandKind::$kind),+
                }
            }
        }
    };
}

operators! {
    StringEquals = "StringEquals": String,
    StringEqualsPath = "StringEqualsPath": Path,
    StringLessThan = "StringLessThan": String,
    StringLessThanPath = "StringLessThanPath": Path,
    StringGreaterThan = "StringGreaterThan": String,
    StringGreaterThanPath = "StringGreaterThanPath": Path,
    StringLessThanEquals = "StringLessThanEquals": String,
    StringLessThanEqualsPath = "StringLessThanEqualsPath": Path,
    StringGreaterThanEquals = "StringGreaterThanEquals": String,
    StringGreaterThanEqualsPath = "StringGreaterThanEqualsPath": Path,
    StringMatches = "StringMatches": String,
    NumericEquals = "NumericEquals": Number,
    NumericEqualsPath = "NumericEqualsPath": Path,
    NumericLessThan = "NumericLessThan": Number,
    NumericLessThanPath = "NumericLessThanPath": Path,
    NumericGreaterThan = "NumericGreaterThan": Number,
    NumericGreaterThanPath = "NumericGreaterThanPath": Path,
    NumericLessThanEquals = "NumericLessThanEquals": Number,
    NumericLessThanEqualsPath = "NumericLessThanEqualsPath": Path,
    NumericGreaterThanEquals = "NumericGreaterThanEquals": Number,
    NumericGreaterThanEqualsPath = "NumericGreaterThanEqualsPath": Path,
    BooleanEquals = "BooleanEquals": Boolean,
    BooleanEqualsPath = "BooleanEqualsPath": Path,
    TimestampEquals = "TimestampEquals": Timestamp,
    TimestampEqualsPath = "TimestampEqualsPath": Path,
    TimestampLessThan = "TimestampLessThan": Timestamp,
    TimestampLessThanPath = "TimestampLessThanPath": Path,
    TimestampGreaterThan = "TimestampGreaterThan": Timestamp,
    TimestampGreaterThanPath = "TimestampGreaterThanPath": Path,
    TimestampLessThanEquals = "TimestampLessThanEquals": Timestamp,
    TimestampLessThanEqualsPath = "TimestampLessThanEqualsPath": Path,
    TimestampGreaterThanEquals = "TimestampGreaterThanEquals": Timestamp,
    TimestampGreaterThanEqualsPath = "TimestampGreaterThanEqualsPath": Path,
    IsNull = "IsNull": Boolean,
    IsPresent = "IsPresent": Boolean,
    IsNumeric = "IsNumeric": Boolean,
    IsString = "IsString": Boolean,
    IsBoolean = "IsBoolean": Boolean,
    IsTimestamp = "IsTimestamp": Boolean,
}

impl ComparisonOperator {
    /// Whether the operand is a path to another input value (`...Path` operators).
    pub fn is_path(&self) -> bool {
        self.operand_kind() == OperandKind::Path
    }

    /// Whether this is a type test (`IsNull`, `IsPresent`, `IsNumeric`, ...).
    pub fn is_type_test(&self) -> bool {
        self.as_str().starts_with("Is")
    }
}

impl std::fmt::Display for ComparisonOperator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One comparison: operator and operand as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The operator (the field name).
    pub operator: ComparisonOperator,
    /// The operand, as written (kept even when its type is wrong; that is reported).
    pub operand: Value,
}

/// A choice rule: a top-level element of `Choices` (which has `Next`) or a rule nested in
/// `And`/`Or`/`Not` (which has none).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChoiceRule {
    /// `Variable` (JSONPath): the input path to test.
    pub variable: Option<String>,
    /// Comparison operators present on this rule, in document order. A valid JSONPath
    /// comparison rule has exactly one; more, or one next to `And`/`Or`/`Not`, is a
    /// finding for the rules, and all are kept.
    pub comparisons: Vec<Comparison>,
    /// `And`: every nested rule must match.
    pub and: Option<Vec<ChoiceRule>>,
    /// `Or`: some nested rule must match.
    pub or: Option<Vec<ChoiceRule>>,
    /// `Not`: the nested rule must not match.
    pub not: Option<Box<ChoiceRule>>,
    /// `Condition` (JSONata): a `{% ... %}` expression that must evaluate to a boolean.
    pub condition: Option<Value>,
    /// `Next`: the state to go to (top-level rules only).
    pub next: Option<String>,
    /// `Comment`.
    pub comment: Option<String>,
    /// `Assign`: variables set when this rule is taken.
    pub assign: Option<Map<String, Value>>,
    /// `Output` (JSONata): the Choice state's output when this rule is taken.
    pub output: Option<Value>,
    /// Fields the model does not type, and typed fields of the wrong type, as written.
    pub extra: Map<String, Value>,
}

/// A classified view of what a choice rule tests (see [`ChoiceRule::expr`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RuleExpr<'a> {
    /// `And`.
    And(&'a [ChoiceRule]),
    /// `Or`.
    Or(&'a [ChoiceRule]),
    /// `Not`.
    Not(&'a ChoiceRule),
    /// `Variable` + one comparison operator.
    Compare {
        /// The `Variable` path.
        variable: &'a str,
        /// The comparison.
        comparison: &'a Comparison,
    },
    /// A JSONata `Condition`.
    Condition(&'a Value),
    /// No test at all, several, or a comparison without `Variable`: not a valid rule.
    Malformed,
}

/// Whether `operand` has the type `op` requires (ASL spec, "Choice Rules").
fn operand_ok(op: ComparisonOperator, operand: &Value) -> bool {
    match op.operand_kind() {
        OperandKind::String | OperandKind::Timestamp | OperandKind::Path => operand.is_string(),
        OperandKind::Number => operand.is_number(),
        OperandKind::Boolean => operand.is_boolean(),
    }
}

impl ChoiceRule {
    pub(crate) fn read(obj: &Map<String, Value>, ptr: &str, issues: &mut Vec<ModelIssue>) -> Self {
        let mut r = Reader::new(obj, ptr, issues);
        let variable = r.string("Variable");
        let and = r.nested_list("And", ChoiceRule::read);
        let or = r.nested_list("Or", ChoiceRule::read);
        let not = r.nested("Not", ChoiceRule::read).map(Box::new);
        let condition = r.value("Condition");
        let next = r.string("Next");
        let comment = r.string("Comment");
        let assign = r.object("Assign");
        let output = r.value("Output");
        let mut comparisons = Vec::new();
        for (key, operand) in obj {
            let Some(operator) = ComparisonOperator::parse(key) else {
                continue;
            };
            if !operand_ok(operator, operand) {
                let expected = match operator.operand_kind() {
                    OperandKind::String => "a string",
                    OperandKind::Timestamp => "a timestamp string",
                    OperandKind::Path => "a path string",
                    OperandKind::Number => "a number",
                    OperandKind::Boolean => "a boolean",
                };
                let found = type_name(operand);
                r.issue(
                    pointer::push(ptr, key),
                    format!("`{key}` must be {expected}, found {found}"),
                );
            }
            // Kept even when mistyped: the operator is what the user meant to test, and the
            // operand is preserved verbatim for round-tripping.
            r.value(key);
            comparisons.push(Comparison {
                operator,
                operand: operand.clone(),
            });
        }
        Self {
            variable,
            comparisons,
            and,
            or,
            not,
            condition,
            next,
            comment,
            assign,
            output,
            extra: r.finish(),
        }
    }

    /// The ASL JSON of this rule.
    pub fn to_value(&self) -> Value {
        let mut w = Writer::new();
        w.opt("Variable", self.variable.clone());
        for c in &self.comparisons {
            w.put(c.operator.as_str(), c.operand.clone());
        }
        w.list("And", &self.and, ChoiceRule::to_value);
        w.list("Or", &self.or, ChoiceRule::to_value);
        w.opt("Not", self.not.as_ref().map(|n| n.to_value()));
        w.opt("Condition", self.condition.clone());
        w.opt("Assign", self.assign.clone());
        w.opt("Output", self.output.clone());
        w.opt("Comment", self.comment.clone());
        w.opt("Next", self.next.clone());
        Value::Object(w.finish(&self.extra))
    }

    /// What this rule tests, when it tests exactly one thing.
    pub fn expr(&self) -> RuleExpr<'_> {
        let tests = usize::from(self.and.is_some())
            + usize::from(self.or.is_some())
            + usize::from(self.not.is_some())
            + usize::from(self.condition.is_some())
            + self.comparisons.len();
        if tests != 1 {
            return RuleExpr::Malformed;
        }
        if let Some(rules) = &self.and {
            return RuleExpr::And(rules);
        }
        if let Some(rules) = &self.or {
            return RuleExpr::Or(rules);
        }
        if let Some(rule) = &self.not {
            return RuleExpr::Not(rule);
        }
        if let Some(c) = &self.condition {
            return RuleExpr::Condition(c);
        }
        match (&self.variable, self.comparisons.first()) {
            (Some(variable), Some(comparison)) => RuleExpr::Compare {
                variable,
                comparison,
            },
            _ => RuleExpr::Malformed,
        }
    }

    /// This rule and every rule nested in it, depth first, with their pointers relative to
    /// `base` (the pointer of this rule).
    pub fn walk(&self, base: &str) -> Vec<(String, &ChoiceRule)> {
        let mut out = vec![(base.to_string(), self)];
        for (key, list) in [("And", &self.and), ("Or", &self.or)] {
            if let Some(list) = list {
                let p = pointer::push(base, key);
                for (i, rule) in list.iter().enumerate() {
                    out.extend(rule.walk(&pointer::push_index(&p, i)));
                }
            }
        }
        if let Some(rule) = &self.not {
            out.extend(rule.walk(&pointer::push(base, "Not")));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: &Value) -> (ChoiceRule, Vec<ModelIssue>) {
        let mut issues = Vec::new();
        let r = ChoiceRule::read(v.as_object().unwrap(), "/States/C/Choices/0", &mut issues);
        (r, issues)
    }

    #[test]
    fn classifies_rules() {
        let v = json!({"Not": {"Variable": "$.a", "NumericEquals": 2.0}, "Next": "X"});
        let (rule, issues) = read(&v);
        assert!(issues.is_empty());
        assert_eq!(rule.to_value(), v);
        let RuleExpr::Not(inner) = rule.expr() else {
            panic!("expected Not")
        };
        let RuleExpr::Compare {
            variable,
            comparison,
        } = inner.expr()
        else {
            panic!("expected Compare")
        };
        assert_eq!(variable, "$.a");
        assert_eq!(comparison.operator, ComparisonOperator::NumericEquals);
        assert_eq!(rule.walk("/r").len(), 2);
        assert_eq!(rule.walk("/r")[1].0, "/r/Not");
    }

    #[test]
    fn reports_mistyped_operand_and_keeps_it() {
        let v = json!({"Variable": "$.a", "NumericEquals": "2", "And": [{"Variable": "$.b", "IsNull": "yes"}], "Next": "X"});
        let (rule, issues) = read(&v);
        assert_eq!(rule.to_value(), v);
        assert_eq!(rule.expr(), RuleExpr::Malformed);
        let ptrs: Vec<_> = issues.iter().map(|i| i.pointer.as_str()).collect();
        assert_eq!(
            ptrs,
            [
                "/States/C/Choices/0/And/0/IsNull",
                "/States/C/Choices/0/NumericEquals"
            ]
        );
    }

    #[test]
    fn every_operator_round_trips_its_name() {
        assert_eq!(ComparisonOperator::ALL.len(), 39);
        for op in ComparisonOperator::ALL {
            assert_eq!(ComparisonOperator::parse(op.as_str()), Some(*op));
        }
        assert!(ComparisonOperator::IsTimestamp.is_type_test());
        assert!(ComparisonOperator::TimestampEqualsPath.is_path());
    }
}
