//! The `rule:` expression language of NEXUS `policies:` lists and `*.policies.yaml` files:
//! `rule: "function.retry_count >= 3"`. Evaluated directly over the same normalized input
//! Rego policies see (`docs/policies.md` is the reference).
//!
//! - Subject: a rule that mentions `function` is checked once per Task state; one that
//!   mentions `state` once per state of any kind; otherwise once per document, with
//!   `workflow` (the input's `workflow` object) and `input` (the whole input) in scope. A
//!   subject that makes the rule false is a finding, reported at that state.
//! - Grammar (lowest precedence first): `or`/`||`, `and`/`&&`, `not`/`!`, comparisons
//!   `== != < <= > >= in matches` (non-associative), `+ -`, `* / %`, unary `-`, then
//!   primaries: numbers, 'single' or "double" quoted strings, `true false null`, `[lists]`,
//!   `(groups)`, names with `.field` and `[index]` access, and the functions `len`,
//!   `exists`, `lower`, `upper`, `starts_with`, `ends_with`, `contains`.
//! - A missing field is `null`; ordering comparisons involving `null` or mixed types are
//!   false, so `function.timeout_seconds <= 300` fails a Task without a timeout.
//! - `a matches "glob"` matches a string against a glob (`*`, `?`, `[ab]`, `{x,y}`).

mod eval;
mod parse;
mod policies;

pub use parse::{Expr, ParseError, parse};
pub use policies::{
    ExprPolicy, Subject, inline_policies, invalid_rule_meta, load_rule_file, parse_entry,
    yaml_value,
};
