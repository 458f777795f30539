//! The plan: the engine's execution-shaped IR of a definition (states by index, transitions
//! resolved to indexes, paths, templates, retriers, catchers and Choice rules parsed once).
//! Plain types only; [`super::compiler`] builds them, `crate::run` executes them. Running
//! never looks a state up by name or re-parses a path.

use std::sync::Arc;

use serde_json::Value;

use crate::compile::template::{JTemplate, Template};
use crate::expr::PathRef;

/// Index of a state inside its [`Plan`].
pub(crate) type StateId = usize;

/// The query language of a state (ASL `QueryLanguage`, default JSONPath): the one enum
/// every crate reads it into.
pub(crate) use nexus_schema::QueryLanguage as Ql;

/// One compiled state machine or sub-machine (Parallel branch, Map processor).
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) states: Vec<State>,
    pub(crate) start: StateId,
    pub(crate) timeout_seconds: Option<u64>,
    /// Whether any state of this (sub-)machine has a NEXUS `compensate` action.
    pub(crate) has_compensations: bool,
    /// Whether any state, at any depth, reads the context object (else it is never built).
    pub(crate) uses_context: bool,
    /// Whether any state, at any depth, is a Task (whose handler may need an async runtime).
    pub(crate) has_tasks: bool,
}

/// Where a state goes when it completes normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transition {
    Next(StateId),
    End,
}

/// `InputPath`/`OutputPath`: absent means `$`, `null` means `{}`.
#[derive(Debug, Clone)]
pub(crate) enum PathSel {
    Identity,
    Null,
    Path(PathRef),
}

/// `ResultPath`: absent means `$` (result replaces input), `null` means discard the result.
#[derive(Debug, Clone)]
pub(crate) enum ResultSel {
    Replace,
    Discard,
    Path(PathRef),
}

/// `Assign` in either language.
#[derive(Debug, Clone)]
pub(crate) enum Assign {
    JsonPath(Template),
    Jsonata(JTemplate),
}

/// Data-flow fields shared by state kinds (each kind uses the ones ASL allows it).
#[derive(Debug, Clone)]
pub(crate) struct Io {
    pub(crate) input_path: PathSel,
    pub(crate) output_path: PathSel,
    pub(crate) result_path: ResultSel,
    /// When `OutputPath` selects inside the place `ResultPath` writes to (`ResultPath: $.r`,
    /// `OutputPath: $.r.x`): the rest of `OutputPath` below it (`$.x`), so the output can be
    /// taken from the result without copying the input.
    pub(crate) output_in_result: Option<crate::expr::JsonPath>,
    pub(crate) parameters: Option<Template>,
    pub(crate) result_selector: Option<Template>,
    pub(crate) assign: Option<Assign>,
    pub(crate) arguments: Option<JTemplate>,
    pub(crate) output: Option<JTemplate>,
}

/// A number given literally, by reference path, or as a JSONata expression.
#[derive(Debug, Clone)]
pub(crate) enum Dyn<T> {
    Lit(T),
    Path(PathRef),
    Expr(JTemplate),
}

/// What a `Wait` state waits for.
#[derive(Debug, Clone)]
pub(crate) enum WaitSpec {
    Seconds(Dyn<i64>),
    Timestamp(Dyn<String>),
}

/// A text field of `Fail` (`Error`/`Cause`), literal, by path or intrinsic, or JSONata.
#[derive(Debug, Clone)]
pub(crate) enum TextField {
    Lit(String),
    Path(PathRef),
    Intrinsic(crate::expr::Intrinsic),
    Expr(JTemplate),
}

/// Map-specific configuration.
#[derive(Debug)]
pub(crate) struct MapSpec {
    pub(crate) processor: Arc<Plan>,
    pub(crate) items_path: Option<PathRef>,
    pub(crate) items: Option<ItemsSource>,
    pub(crate) item_selector: Option<Selector>,
    pub(crate) max_concurrency: Option<Dyn<u64>>,
    pub(crate) tolerated_count: Option<Dyn<u64>>,
    pub(crate) tolerated_pct: Option<Dyn<f64>>,
    pub(crate) distributed: bool,
    /// `ItemBatcher` (Distributed Map): items go to the iterations in batches.
    pub(crate) batcher: Option<Batcher>,
    /// `ItemReader` (Distributed Map): the items come from a handler or mock.
    pub(crate) reader: Option<Reader>,
    /// `ResultWriter` (Distributed Map): how the results are shaped, and where they are
    /// exported.
    pub(crate) writer: Option<Writer>,
}

/// A Map's `ResultWriter` (AWS, "ResultWriter (Map)"). Without `Resource` the results stay
/// in the state's output, shaped by `WriterConfig`; with it they are exported through the
/// handler or mock of the `Resource` (`s3:putObject`) and the output says where.
#[derive(Debug)]
pub(crate) struct Writer {
    /// `Resource` and its `Parameters` (JSONPath) or `Arguments` (JSONata): `Bucket`, `Prefix`.
    pub(crate) export: Option<(Arc<str>, Selector)>,
    /// `WriterConfig.Transformation`; without `WriterConfig`, `NONE` when exporting.
    pub(crate) transformation: Transformation,
    /// `WriterConfig.OutputType`: the exported files hold a JSON array, or JSON Lines.
    pub(crate) jsonl: bool,
}

/// `WriterConfig.Transformation`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transformation {
    /// Each child execution's record: ARN, name, input, output or error, status, dates.
    None,
    /// Each child execution's output (a failed one keeps its record).
    Compact,
    /// As `Compact`, with the items of array outputs in place of the arrays.
    Flatten,
}

/// A Map's `ItemReader` (AWS, "ItemReader (Map)"), answered locally by the handler or mock
/// of its `Resource` (see `run::states::map::read_items`).
#[derive(Debug)]
pub(crate) struct Reader {
    pub(crate) resource: Arc<str>,
    /// `Parameters` (JSONPath) or `Arguments` (JSONata).
    pub(crate) params: Option<Selector>,
    /// `ReaderConfig.InputType`: `JSON`, `JSONL`, `CSV` (others are refused at run time).
    pub(crate) input_type: Option<String>,
    /// `ReaderConfig.MaxItems` / `MaxItemsPath`.
    pub(crate) max_items: Option<Dyn<u64>>,
    /// `ReaderConfig.CSVHeaders` when `CSVHeaderLocation` is `GIVEN`; else the first row.
    pub(crate) csv_headers: Option<Vec<String>>,
    /// `ReaderConfig.CSVDelimiter`: `COMMA` (default), `PIPE`, `SEMICOLON`, `SPACE`, `TAB`.
    pub(crate) csv_delimiter: char,
}

/// A Map's `ItemBatcher` (AWS, "ItemBatcher (Map)"): each iteration receives
/// `{"Items": [...], "BatchInput": ...}` (`BatchInput` only when set).
#[derive(Debug)]
pub(crate) struct Batcher {
    pub(crate) max_items: Option<Dyn<u64>>,
    pub(crate) max_bytes: Option<Dyn<u64>>,
    pub(crate) batch_input: Option<Selector>,
}

/// Map `Items` (JSONata or literal array).
#[derive(Debug, Clone)]
pub(crate) enum ItemsSource {
    Literal(Value),
    Expr(JTemplate),
}

/// `ItemSelector` / legacy `Parameters` of a Map in either language.
#[derive(Debug, Clone)]
pub(crate) enum Selector {
    JsonPath(Template),
    Jsonata(JTemplate),
}

/// The kind-specific part of a state.
#[derive(Debug)]
pub(crate) enum Kind {
    Pass {
        result: Option<Value>,
    },
    Task {
        resource: Arc<str>,
        timeout: Option<Dyn<u64>>,
        heartbeat: Option<Dyn<u64>>,
    },
    Choice {
        rules: Vec<ChoiceRule>,
        default: Option<StateId>,
    },
    Wait(WaitSpec),
    Succeed,
    Fail {
        error: Option<TextField>,
        cause: Option<TextField>,
    },
    Parallel {
        branches: Vec<Arc<Plan>>,
    },
    Map(Box<MapSpec>),
}

/// One compiled state.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) name: Arc<str>,
    pub(crate) ql: Ql,
    pub(crate) kind: Kind,
    pub(crate) io: Io,
    pub(crate) next: Transition,
    pub(crate) retry: Vec<Retrier>,
    pub(crate) catch: Vec<Catcher>,
    /// Whether any field reads the context object (`$$` or `$states.context`), so the
    /// object is only built for states that need it.
    pub(crate) uses_context: bool,
    /// The NEXUS `compensate` action of this state, compiled as the Task that runs it.
    pub(crate) compensate: Option<Box<Compensate>>,
}

/// A NEXUS `compensate` action, compiled.
#[derive(Debug)]
pub(crate) struct Compensate {
    /// The action as written (named in the error when the compensation fails).
    pub(crate) action: String,
    /// The Task that runs it.
    pub(crate) task: State,
}

/// One entry of `Retry`.
#[derive(Debug, Clone)]
pub(crate) struct Retrier {
    pub(crate) error_equals: Vec<String>,
    pub(crate) interval_seconds: f64,
    pub(crate) max_attempts: u64,
    pub(crate) backoff_rate: f64,
    pub(crate) max_delay_seconds: Option<f64>,
    pub(crate) full_jitter: bool,
}

/// One entry of `Catch`.
#[derive(Debug, Clone)]
pub(crate) struct Catcher {
    pub(crate) error_equals: Vec<String>,
    pub(crate) next: StateId,
    pub(crate) result_path: ResultSel,
    pub(crate) assign: Option<Assign>,
    pub(crate) output: Option<JTemplate>,
}

/// One top-level entry of `Choices`.
#[derive(Debug)]
pub(crate) struct ChoiceRule {
    pub(crate) cond: Cond,
    pub(crate) next: StateId,
    pub(crate) assign: Option<Assign>,
    pub(crate) output: Option<JTemplate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Lt,
    Gt,
    Le,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Str,
    Num,
    Bool,
    Ts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IsTest {
    Null,
    Present,
    Numeric,
    Str,
    Boolean,
    Timestamp,
}

#[derive(Debug)]
pub(crate) enum Rhs {
    Lit(Value),
    Path(PathRef),
}

/// A Boolean expression of a Choice rule.
#[derive(Debug)]
pub(crate) enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Compare {
        var: PathRef,
        ty: Ty,
        cmp: Cmp,
        rhs: Rhs,
    },
    Matches {
        var: PathRef,
        pattern: Rhs,
    },
    Is {
        var: PathRef,
        test: IsTest,
        expect: bool,
    },
    Jsonata(JTemplate),
}
