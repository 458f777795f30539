//! Expression languages of ASL, shared by the linter (syntax, arity and type checks with byte
//! offsets) and the executor (evaluation with Step Functions semantics):
//!
//! - [`jsonpath`]: JSONPath in the Jayway dialect Step Functions uses (`$`, `$$`, `$var`).
//! - [`intrinsic`]: the `States.*` intrinsic functions (parse, check, evaluate).
//! - [`template`]: payload templates (`Parameters`, `ResultSelector`, `ItemSelector`) whose
//!   `*.$` keys hold a path or an intrinsic call.
//! - `jsonata` (cargo feature `jsonata`): JSONata via `jsonata-core` plus the functions Step
//!   Functions adds.
//!
//! Not here: which ASL field accepts which kind of expression (that is the linter's business)
//! and the `An error occurred while executing the state ...` prefix of runtime causes (that is
//! the engine's).

pub mod intrinsic;
pub mod json;
pub mod jsonpath;
pub mod template;

#[cfg(feature = "jsonata")]
pub mod jsonata;

use serde_json::Value;

/// What a JSONata expression reads, as the linter needs it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JsonataRefs {
    /// The workflow variables it reads (`jsonata::variable_references`).
    pub variables: Vec<String>,
    /// The first reference to the context value outside any path step, filter or function
    /// body: `$`, `$$`, or a bare field name (`$.x` and `x.y` start with one). Step Functions
    /// gives an expression no context value, and rejects these (AWS "Transforming data with
    /// JSONata": `UNSUPPORTED_JSONATA_EXPRESSION`; read fields from `$states.input`).
    pub context_reference: Option<String>,
    /// Whether it reads `$states.errorOutput`.
    pub reads_error_output: bool,
}

/// A syntax error in an expression, at a byte offset into the expression string.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset {offset})")]
pub struct ParseError {
    /// What is wrong, one sentence.
    pub message: String,
    /// Byte offset into the expression string where the problem starts.
    pub offset: usize,
}

impl ParseError {
    /// A new error at `offset`.
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        ParseError {
            message: message.into(),
            offset,
        }
    }
}

/// The Step Functions error name a failed evaluation is reported under.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorName {
    /// `States.Runtime`: a path that selects nothing, a value of the wrong shape.
    Runtime,
    /// `States.IntrinsicFailure`: an intrinsic function rejected its arguments.
    IntrinsicFailure,
    /// `States.QueryEvaluationError`: a JSONata expression failed.
    QueryEvaluationError,
}

impl ErrorName {
    /// The name as Step Functions spells it, e.g. `States.Runtime`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ErrorName::Runtime => "States.Runtime",
            ErrorName::IntrinsicFailure => "States.IntrinsicFailure",
            ErrorName::QueryEvaluationError => "States.QueryEvaluationError",
        }
    }
}

impl std::fmt::Display for ErrorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed evaluation: the Step Functions error name and a cause text in AWS's wording, without
/// the `An error occurred while executing the state '...'` prefix the engine adds.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {cause}")]
pub struct ExprError {
    /// `States.Runtime`, `States.IntrinsicFailure` or `States.QueryEvaluationError`.
    pub name: ErrorName,
    /// The cause text.
    pub cause: String,
}

impl ExprError {
    /// A `States.Runtime` error.
    pub fn runtime(cause: impl Into<String>) -> Self {
        ExprError {
            name: ErrorName::Runtime,
            cause: cause.into(),
        }
    }

    /// A `States.IntrinsicFailure` error.
    pub fn intrinsic(cause: impl Into<String>) -> Self {
        ExprError {
            name: ErrorName::IntrinsicFailure,
            cause: cause.into(),
        }
    }

    /// A `States.QueryEvaluationError` error.
    pub fn query(cause: impl Into<String>) -> Self {
        ExprError {
            name: ErrorName::QueryEvaluationError,
            cause: cause.into(),
        }
    }
}

/// Where `$name` variables (ASL `Assign`) are looked up.
pub trait VariableLookup {
    /// The current value of variable `name` (without the `$`), or `None` when it is not set.
    fn lookup(&self, name: &str) -> Option<&Value>;
}

impl VariableLookup for serde_json::Map<String, Value> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl<S: std::hash::BuildHasher> VariableLookup for std::collections::HashMap<String, Value, S> {
    fn lookup(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// A variable scope with no variables.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoVariables;

impl VariableLookup for NoVariables {
    fn lookup(&self, _name: &str) -> Option<&Value> {
        None
    }
}

/// Where `States.UUID` and unseeded `States.MathRandom` get their randomness. The engine passes
/// a seeded source for reproducible runs; [`SystemEntropy`] uses the operating system.
pub trait Entropy {
    /// 64 random bits.
    fn next_u64(&self) -> u64;
}

/// Randomness from the operating system.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEntropy;

impl Entropy for SystemEntropy {
    fn next_u64(&self) -> u64 {
        // uuid's v4 generator draws from the operating system's CSPRNG (getrandom).
        uuid::Uuid::new_v4().as_u64_pair().0
    }
}

static SYSTEM_ENTROPY: SystemEntropy = SystemEntropy;
static NO_VARIABLES: NoVariables = NoVariables;
static NULL: Value = Value::Null;

/// Everything an expression can read while it is evaluated.
#[derive(Clone, Copy)]
pub struct EvalContext<'a> {
    /// What `$` refers to: the effective input of the state (after `InputPath`), or for
    /// `ResultSelector` the task result.
    pub input: &'a Value,
    /// What `$$` refers to: the context object (`Execution`, `State`, `StateMachine`, `Task`,
    /// `Map`).
    pub context: &'a Value,
    /// What `$name` refers to.
    pub variables: &'a dyn VariableLookup,
    /// Randomness for `States.UUID` and unseeded `States.MathRandom`.
    pub entropy: &'a dyn Entropy,
}

impl<'a> EvalContext<'a> {
    /// A context with the given input, context object and variables, and OS randomness.
    pub fn new(input: &'a Value, context: &'a Value, variables: &'a dyn VariableLookup) -> Self {
        EvalContext {
            input,
            context,
            variables,
            entropy: &SYSTEM_ENTROPY,
        }
    }

    /// A context with only an input: `$$` is `null` and there are no variables.
    pub fn with_input(input: &'a Value) -> Self {
        EvalContext::new(input, &NULL, &NO_VARIABLES)
    }

    /// The same context with another source of randomness.
    pub fn with_entropy(self, entropy: &'a dyn Entropy) -> Self {
        EvalContext { entropy, ..self }
    }

    /// The value a path starting at `root` is evaluated against, or `None` for an unset
    /// variable.
    pub fn root_value(&self, root: &jsonpath::Root) -> Option<&'a Value> {
        match root {
            jsonpath::Root::Input => Some(self.input),
            jsonpath::Root::Context => Some(self.context),
            jsonpath::Root::Variable(name) => self.variables.lookup(name),
        }
    }
}

impl std::fmt::Debug for EvalContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EvalContext")
            .field("input", self.input)
            .field("context", self.context)
            .finish_non_exhaustive()
    }
}
