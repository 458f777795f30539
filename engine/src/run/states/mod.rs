//! State handlers, one file per kind, and what they share: entering and leaving a state
//! (history events, variables, payload limit), the JSONPath data-flow steps (InputPath,
//! ResultPath, OutputPath, Assign), JSONata `$states`, Retry and Catch.

mod choice_state;
mod fail;
mod item_reader;
pub(crate) mod map;
mod number;
mod parallel;
mod pass;
mod resource_call;
pub(crate) mod result_writer;
mod succeed;
mod task;
mod wait;

use std::future::Future;

use serde_json::{Map, Value, json};

use crate::catalogue::names;
use crate::compile::plan::{Assign, Kind, PathSel, Ql, ResultSel, State, StateId, Transition};
use crate::error::Failure;
use crate::expr::{JsonataEnv, Scope};
use crate::run::exec::{Exec, PlanScope, Step};
use crate::vars::Vars;

/// The event-chain pointer shared by closures and concurrent futures (`Send`, unlike `Cell`).
pub(crate) struct ChainCell(std::sync::atomic::AtomicU64);

impl ChainCell {
    pub(crate) fn new(v: u64) -> Self {
        Self(std::sync::atomic::AtomicU64::new(v))
    }
    pub(crate) fn get(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
    pub(crate) fn set(&self, v: u64) {
        self.0.store(v, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Variables a state assigns (boxed: most states assign none, and `Done` and `Step` move
/// through every state's code).
pub(crate) type Assigned = Option<Box<Map<String, Value>>>;

/// A state finished normally.
pub(crate) struct Done {
    pub(crate) output: Value,
    /// Set by Choice; others follow the state's `Next`/`End`.
    pub(crate) next: Option<StateId>,
    pub(crate) assigned: Assigned,
}

/// What a handler knows about the state being run.
pub(crate) struct Cx<'a> {
    pub(crate) exec: &'a Exec<'a>,
    pub(crate) state: &'a State,
    /// Where the plan the state belongs to runs.
    pub(crate) scope: PlanScope<'a>,
    pub(crate) entered_id: u64,
    pub(crate) entered_ms: i64,
}

impl Cx<'_> {
    /// The context object for this state (`Null` when no field reads it).
    #[inline]
    pub(crate) fn context(
        &self,
        retry_count: Option<u64>,
        map_item: Option<(usize, &Value)>,
        token: Option<&str>,
    ) -> Value {
        if !self.state.uses_context {
            return Value::Null;
        }
        let retry = match self.state.kind {
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map(_) => {
                Some(retry_count.unwrap_or(0))
            }
            _ => None,
        };
        let mut ctx = self.exec.base.for_state(
            &self.state.name,
            &crate::clock::format_iso_ms(self.entered_ms),
            retry,
            map_item,
            token,
        );
        // A redriven execution: the redrives the run has passed (see `log::journal`), and
        // (AWS "Context object": "only available if you've redriven an execution") the time
        // of the last one.
        if let Some(j) = &self.exec.journal
            && let Some(Value::Object(e)) = ctx.get_mut("Execution")
            && e.contains_key("RedriveCount")
        {
            let (count, at) = j.redrive();
            e.insert("RedriveCount".into(), count.into());
            if count > 0 {
                e.insert("RedriveTime".into(), crate::clock::format_iso_ms(at).into());
            }
        }
        ctx
    }

    /// This (Parallel or Map) state's scope key: the key of the state whose branch or
    /// iteration runs it and that index (nothing for the machine's own states), then the
    /// state's name, escaped as in a JSON Pointer: `/Map/3/Inner`. Empty without an event
    /// log, where nothing is kept for a redrive.
    pub(crate) fn scope_key(&self) -> String {
        if self.exec.journal.is_none() {
            return String::new();
        }
        let name = self.state.name.replace('~', "~0").replace('/', "~1");
        match self.scope.index {
            Some(i) => format!("{}/{i}/{name}", self.scope.parent),
            None => format!("{}/{name}", self.scope.parent),
        }
    }

    /// Emits an event chained after `prev` and returns its id.
    #[inline]
    pub(crate) fn emit(
        &self,
        prev: u64,
        ty: &str,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) -> u64 {
        self.exec.history.emit(prev, ty, self.exec.now(), details)
    }

    /// The JSONata environment: `$states.{input, context, result?, errorOutput?}`.
    pub(crate) fn jenv<'v>(
        &self,
        vars: &'v Vars,
        input: &Value,
        context: &Value,
        result: Option<&Value>,
        error_output: Option<&Value>,
    ) -> JsonataEnv<'v> {
        let mut m = Map::new();
        m.insert("input".into(), input.clone());
        m.insert("context".into(), context.clone());
        if let Some(r) = result {
            m.insert("result".into(), r.clone());
        }
        if let Some(e) = error_output {
            m.insert("errorOutput".into(), e.clone());
        }
        JsonataEnv {
            states: Value::Object(m),
            vars,
        }
    }

    /// TestState's `inspectionData`: records one data-processing step of the tested state
    /// (nothing outside a TestState run, nor for the states inside a tested Map or Parallel).
    #[inline]
    pub(crate) fn inspect(&self, step: &'static str, value: impl FnOnce() -> Value) {
        if let Some(m) = &self.exec.inspection
            && *self.state.name == *crate::run::exec::WRAPPED_STATE_NAME
            && let Ok(mut m) = m.lock()
        {
            m.insert(step.into(), value());
        }
    }

    /// What a Task or Parallel state passes on: `InputPath` then `Parameters` (JSONPath), or
    /// `Arguments` (JSONata); the raw input when neither is set. TestState reports these steps
    /// of a Task (AWS records none for a Parallel).
    pub(crate) fn effective_parameters(
        &self,
        raw: &Value,
        ctx: &Value,
        vars: &Vars,
    ) -> Result<Value, Failure> {
        let io = &self.state.io;
        let task = matches!(self.state.kind, Kind::Task { .. });
        Ok(match self.state.ql {
            Ql::JsonPath => {
                let eff = input_path(&io.input_path, raw, ctx, vars)?;
                if task {
                    self.inspect("afterInputPath", || eff.clone());
                }
                let params = match &io.parameters {
                    Some(t) => t.eval(&Scope {
                        input: &eff,
                        context: ctx,
                        vars,
                    })?,
                    None => eff,
                };
                if task {
                    self.inspect("afterParameters", || params.clone());
                }
                params
            }
            Ql::Jsonata => {
                let args = match &io.arguments {
                    Some(t) => t.eval(&self.jenv(vars, raw, ctx, None, None))?,
                    None => raw.clone(),
                };
                if task {
                    self.inspect("afterArguments", || args.clone());
                }
                args
            }
        })
    }
}

/// `InputPath`.
pub(crate) fn input_path(
    sel: &PathSel,
    raw: &Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Value, Failure> {
    match sel {
        PathSel::Identity => Ok(raw.clone()),
        PathSel::Null => Ok(Value::Object(Map::new())),
        PathSel::Path(p) => {
            let scope = Scope {
                input: raw,
                context: ctx,
                vars,
            };
            scope
                .eval(p)
                .ok_or_else(|| crate::catalogue::path_no_results(&p.text))
        }
    }
}

/// `InputPath` on an input the state owns (no copy for the usual `$`).
#[inline]
pub(crate) fn input_path_owned(
    sel: &PathSel,
    raw: Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Value, Failure> {
    match sel {
        PathSel::Identity => Ok(raw),
        PathSel::Path(p) if p.root == crate::expr::Root::Input => p
            .path
            .eval_owned(raw)
            .map_err(|_| crate::catalogue::path_no_results(&p.text)),
        _ => input_path(sel, &raw, ctx, vars),
    }
}

/// `OutputPath` (same rules as InputPath, applied to the state output).
#[inline]
pub(crate) fn output_path(
    sel: &PathSel,
    out: Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Value, Failure> {
    match sel {
        PathSel::Identity => Ok(out),
        PathSel::Null => Ok(Value::Object(Map::new())),
        PathSel::Path(p) if p.root == crate::expr::Root::Input => p
            .path
            .eval_owned(out)
            .map_err(|_| crate::catalogue::path_no_results(&p.text)),
        PathSel::Path(p) => {
            let scope = Scope {
                input: &out,
                context: ctx,
                vars,
            };
            scope
                .eval(p)
                .ok_or_else(|| crate::catalogue::path_no_results(&p.text))
        }
    }
}

/// `ResultPath`, then `OutputPath`, on a borrowed input: when `OutputPath` selects inside
/// what `ResultPath` wrote, the output comes from the result alone and the input is not
/// copied.
pub(crate) fn result_then_output(
    io: &crate::compile::plan::Io,
    raw: &Value,
    res: Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Value, Failure> {
    let res = match (&io.output_in_result, &io.result_path) {
        (Some(rest), ResultSel::Path(rp)) if rp.path.can_set(raw) => match rest.eval_owned(res) {
            Ok(v) => return Ok(v),
            // Nothing there: the general path below gives AWS's message.
            Err(res) => res,
        },
        _ => res,
    };
    let out = result_path(&io.result_path, raw.clone(), res)?;
    output_path(&io.output_path, out, ctx, vars)
}

/// `ResultPath`: where the result goes in the raw state input.
#[inline]
pub(crate) fn result_path(sel: &ResultSel, raw: Value, result: Value) -> Result<Value, Failure> {
    match sel {
        ResultSel::Replace => Ok(result),
        ResultSel::Discard => Ok(raw),
        ResultSel::Path(p) => {
            if p.root != crate::expr::Root::Input {
                return Err(crate::catalogue::result_path_not_input(&p.text));
            }
            // ASL, Appendix A: a ResultPath that cannot be applied to the input raises
            // States.ResultPathMatchFailure, which Retry and Catch see like any other error.
            if !p.path.can_set(&raw) {
                return Err(crate::catalogue::result_path_match_failure(&p.text, &raw));
            }
            p.path
                .set(raw, result)
                .map_err(|_| crate::catalogue::result_path_match_failure(&p.text, &Value::Null))
        }
    }
}

/// TestState's `afterResultSelector` and `afterResultPath` of the tested state (JSONPath).
pub(crate) fn inspect_result_steps(cx: &Cx<'_>, raw: &Value, res: &Value) {
    cx.inspect("afterResultSelector", || res.clone());
    cx.inspect("afterResultPath", || {
        result_path(&cx.state.io.result_path, raw.clone(), res.clone()).unwrap_or(Value::Null)
    });
}

/// Evaluates `Assign` in JSONPath mode (`$` is the state result) or JSONata mode.
#[inline]
pub(crate) fn assign(
    a: Option<&Assign>,
    jsonpath_input: &Value,
    ctx: &Value,
    vars: &Vars,
) -> Result<Assigned, Failure> {
    let Some(a) = a else { return Ok(None) };
    let v = match a {
        Assign::JsonPath(t) => t.eval(&Scope {
            input: jsonpath_input,
            context: ctx,
            vars,
        })?,
        Assign::Jsonata(_) => return Ok(None),
    };
    match v {
        Value::Object(m) => Ok(Some(Box::new(m))),
        _ => Ok(Some(Box::default())),
    }
}

/// Evaluates a JSONata-mode `Assign`.
pub(crate) fn assign_jsonata(
    a: Option<&Assign>,
    env: &JsonataEnv<'_>,
) -> Result<Assigned, Failure> {
    match a {
        Some(Assign::Jsonata(t)) => match t.eval(env)? {
            Value::Object(m) => Ok(Some(Box::new(m))),
            _ => Ok(Some(Box::default())),
        },
        _ => Ok(None),
    }
}

/// Runs `attempt` under the state's `Retry` policy; `attempt` receives the retry count.
pub(crate) async fn with_retry<'f, F, Fut>(cx: &Cx<'_>, mut attempt: F) -> Result<Done, Failure>
where
    F: FnMut(u64) -> Fut,
    Fut: Future<Output = Result<Done, Failure>> + 'f,
{
    let mut counts = vec![0u64; cx.state.retry.len()];
    let mut retry_count = 0u64;
    loop {
        match attempt(retry_count).await {
            Ok(d) => return Ok(d),
            Err(f) => {
                let hit = cx.state.retry.iter().position(|r| {
                    crate::compile::retry::matches(&r.error_equals, f.error.as_deref())
                });
                let Some(i) = hit else { return Err(f) };
                let (Some(r), Some(c)) = (cx.state.retry.get(i), counts.get_mut(i)) else {
                    return Err(f);
                };
                if *c >= r.max_attempts {
                    return Err(f);
                }
                let delay = r.delay_ms(*c, cx.exec.rand01());
                *c = c.saturating_add(1);
                retry_count = retry_count.saturating_add(1);
                let exec = cx.exec;
                exec.sleep_until(exec.now().saturating_add(delay)).await;
            }
        }
    }
}

/// Whether a state of this kind runs without ever waiting (no handler, timer or nested
/// machine): [`run_state_sync`] runs it without building a future.
pub(crate) fn is_sync(kind: &Kind) -> bool {
    matches!(
        kind,
        Kind::Pass { .. } | Kind::Choice { .. } | Kind::Succeed | Kind::Fail { .. }
    )
}

/// Emits the StateEntered event and checks the input size.
#[inline]
fn enter<'a>(
    exec: &'a Exec<'a>,
    state: &'a State,
    raw: &Value,
    chain: &mut u64,
    input_bound: Option<usize>,
    scope: PlanScope<'a>,
) -> (Cx<'a>, u64, Result<usize, Failure>) {
    let entered_prev = exec.entered_prev(*chain);
    let entered_ms = exec.now();
    let entered_id =
        exec.history
            .emit(entered_prev, entered_event(&state.kind), entered_ms, || {
                Some((
                    "stateEnteredEventDetails",
                    crate::log::history::entered(&state.name, raw),
                ))
            });
    *chain = entered_id;
    let cx = Cx {
        exec,
        state,
        scope,
        entered_id,
        entered_ms,
    };
    let in_bound = match input_bound {
        Some(b) => Ok(b),
        None => crate::io::size_bound(raw, exec.opts.max_payload_bytes)
            .ok_or_else(|| crate::catalogue::data_limit(&state.name)),
    };
    (cx, entered_prev, in_bound)
}

/// The handler of a state that never waits (see [`is_sync`]). The input is kept for Catch
/// only when the state has catchers; states that cannot catch take it over and spare the
/// copy.
#[inline]
fn sync_body(cx: &Cx<'_>, raw: Value, vars: &Vars) -> (Result<Done, Failure>, Value) {
    let state = cx.state;
    match &state.kind {
        Kind::Pass { result } if state.catch.is_empty() => {
            (pass::run(cx, result.as_ref(), raw, vars), Value::Null)
        }
        Kind::Choice { rules, default } if state.catch.is_empty() => (
            choice_state::run(cx, rules, *default, raw, vars),
            Value::Null,
        ),
        Kind::Succeed if state.catch.is_empty() => (succeed::run(cx, raw, vars), Value::Null),
        Kind::Pass { result } => (pass::run(cx, result.as_ref(), raw.clone(), vars), raw),
        Kind::Choice { rules, default } => (
            choice_state::run(cx, rules, *default, raw.clone(), vars),
            raw,
        ),
        Kind::Succeed => (succeed::run(cx, raw.clone(), vars), raw),
        Kind::Fail { error, cause } => (
            Err(fail::run(cx, error.as_ref(), cause.as_ref(), &raw, vars)),
            raw,
        ),
        _ => (
            Err(Failure::new(names::RUNTIME, "state kind run out of place")),
            raw,
        ),
    }
}

/// [`run_state`] for a state that never waits ([`is_sync`]).
pub(crate) fn run_state_sync(
    exec: &Exec<'_>,
    state: &State,
    raw: Value,
    vars: &mut Vars,
    chain: &mut u64,
    input_bound: Option<usize>,
    scope: PlanScope<'_>,
) -> Step {
    let (cx, entered_prev, in_bound) = enter(exec, state, &raw, chain, input_bound, scope);
    let known_in = in_bound.as_ref().ok().copied();
    let (result, raw) = match in_bound {
        Err(f) => (Err(f), raw),
        Ok(_) => sync_body(&cx, raw, vars),
    };
    conclude(&cx, entered_prev, known_in, result, raw, vars, chain)
}

/// Enters a state, runs its handler, applies Catch, and leaves it.
pub(crate) async fn run_state(
    exec: &Exec<'_>,
    state: &State,
    raw: Value,
    vars: &mut Vars,
    chain: &mut u64,
    input_bound: Option<usize>,
    scope: PlanScope<'_>,
) -> Step {
    if is_sync(&state.kind) {
        return run_state_sync(exec, state, raw, vars, chain, input_bound, scope);
    }
    let (cx, entered_prev, in_bound) = enter(exec, state, &raw, chain, input_bound, scope);
    let known_in = in_bound.as_ref().ok().copied();
    let result = match in_bound {
        Err(f) => Err(f),
        Ok(_) => match &state.kind {
            // The rarer, larger futures are boxed so that the future of a whole run (and of
            // every Map iteration) stays small: most states never wait.
            Kind::Wait(spec) => Box::pin(wait::run(&cx, spec, &raw, vars)).await,
            Kind::Task {
                resource,
                timeout,
                heartbeat,
            } => {
                let rs: &str = resource;
                Box::pin(task::run(
                    &cx,
                    rs,
                    timeout.as_ref(),
                    heartbeat.as_ref(),
                    &raw,
                    vars,
                    chain,
                ))
                .await
            }
            Kind::Parallel { branches } => {
                Box::pin(parallel::run(&cx, branches, &raw, vars, chain)).await
            }
            Kind::Map(spec) => Box::pin(map::run(&cx, spec, &raw, vars, chain)).await,
            _ => Err(Failure::new(names::RUNTIME, "state kind run out of place")),
        },
    };
    conclude(&cx, entered_prev, known_in, result, raw, vars, chain)
}

/// Checks the output size, applies Catch to a failure, and leaves the state.
#[inline]
fn conclude(
    cx: &Cx<'_>,
    entered_prev: u64,
    known_in: Option<usize>,
    result: Result<Done, Failure>,
    raw: Value,
    vars: &mut Vars,
    chain: &mut u64,
) -> Step {
    let state = cx.state;
    let limit = cx.exec.opts.max_payload_bytes;
    match result {
        Ok(done) => match output_bound(state, known_in, &done.output, limit) {
            Ok(bound) => {
                let next = match done.next {
                    Some(n) => Transition::Next(n),
                    None => state.next,
                };
                leave(cx, done.output, done.assigned, next, vars, chain, bound)
            }
            Err(f) => failed(cx, entered_prev, f, raw, vars, chain),
        },
        Err(f) => failed(cx, entered_prev, f, raw, vars, chain),
    }
}

/// A state failed: the EvaluationFailed/…StateFailed events, then Catch.
#[cold]
fn failed(
    cx: &Cx<'_>,
    entered_prev: u64,
    f: Failure,
    raw: Value,
    vars: &mut Vars,
    chain: &mut u64,
) -> Step {
    let (exec, state, entered_id) = (cx.exec, cx.state, cx.entered_id);
    let mut f = f;
    // TestState reports evaluation errors without the execution-level prefix.
    if !exec.test_state {
        f.locate(&state.name, entered_id);
    }
    if f.error.as_deref() == Some(names::QUERY_EVAL) {
        let id = cx.emit(entered_prev, "EvaluationFailed", || {
            let mut d = crate::log::history::error_details(f.error.as_deref(), f.cause.as_deref());
            if let Value::Object(m) = &mut d {
                if let Some(l) = &f.location {
                    m.insert("location".into(), l.clone().into());
                }
                m.insert("state".into(), state.name.to_string().into());
            }
            Some(("evaluationFailedEventDetails", d))
        });
        *chain = id;
    }
    if let Kind::Map(_) = state.kind {
        *chain = cx.emit(*chain, "MapStateFailed", || None);
    } else if let Kind::Parallel { .. } = state.kind {
        *chain = cx.emit(*chain, "ParallelStateFailed", || None);
    }
    if exec.timed_out.load(std::sync::atomic::Ordering::Relaxed) {
        return Step::Fail(f);
    }
    let catcher = state
        .catch
        .iter()
        .find(|c| crate::compile::retry::matches(&c.error_equals, f.error.as_deref()));
    let Some(c) = catcher else {
        return Step::Fail(f);
    };
    // TestState: which catcher handled which failure of the tested state.
    if let Some(i) = state.catch.iter().position(|x| std::ptr::eq(x, c)) {
        cx.inspect("errorDetails", || serde_json::json!({"catchIndex": i}));
    }
    cx.inspect(crate::run::tested::CAUGHT_ERROR, || {
        f.error.clone().map_or(Value::Null, Value::from)
    });
    cx.inspect(crate::run::tested::CAUGHT_CAUSE, || {
        f.cause.clone().map_or(Value::Null, Value::from)
    });
    match catch_output(cx, c, &raw, &f, vars) {
        Ok((out, assigned)) => {
            match leave(cx, out, assigned, Transition::Next(c.next), vars, chain, 0) {
                Step::Next(n, out, _) => Step::Caught(n, out),
                other => other,
            }
        }
        Err(mut f2) => {
            f2.locate(&state.name, entered_id);
            Step::Fail(f2)
        }
    }
}

/// A bound of a state's output size: derived from its input's when the state's data flow
/// allows (a Pass placing a static `Result`, a Choice or Succeed passing its input on), else
/// found from the output itself; `States.DataLimitExceeded` above the limit.
fn output_bound(
    state: &State,
    input: Option<usize>,
    out: &Value,
    limit: usize,
) -> Result<usize, Failure> {
    let io = &state.io;
    let plain = state.ql == Ql::JsonPath
        && matches!(io.input_path, PathSel::Identity)
        && matches!(io.output_path, PathSel::Identity);
    let derived = match (&state.kind, input) {
        (Kind::Pass { result: Some(r) }, Some(inb)) if plain && io.parameters.is_none() => {
            let rb = crate::io::upper_bound(r, limit);
            match (&io.result_path, rb) {
                // Setting a value adds at most the value, and the keys of the path with their
                // braces, to the input.
                (ResultSel::Path(p), Some(rb)) => Some(
                    inb.saturating_add(rb)
                        .saturating_add(p.text.len().saturating_mul(8))
                        .saturating_add(8),
                ),
                (ResultSel::Replace, Some(rb)) => Some(rb),
                (ResultSel::Discard, _) => Some(inb),
                _ => None,
            }
        }
        (Kind::Choice { .. } | Kind::Succeed, Some(inb)) if plain => Some(inb),
        _ => None,
    };
    match derived {
        Some(b) if b <= limit => Ok(b),
        _ => crate::io::size_bound(out, limit)
            .ok_or_else(|| crate::catalogue::data_limit(&state.name)),
    }
}

fn catch_output(
    cx: &Cx<'_>,
    c: &crate::compile::plan::Catcher,
    raw: &Value,
    f: &Failure,
    vars: &Vars,
) -> Result<(Value, Assigned), Failure> {
    let err_out = f.error_output();
    let ctx = cx.context(None, None, None);
    match cx.state.ql {
        Ql::JsonPath => {
            let assigned = assign(c.assign.as_ref(), &err_out, &ctx, vars)?;
            let out = result_path(&c.result_path, raw.clone(), err_out)?;
            Ok((out, assigned))
        }
        Ql::Jsonata => {
            let env = cx.jenv(vars, raw, &ctx, None, Some(&err_out));
            let assigned = assign_jsonata(c.assign.as_ref(), &env)?;
            let out = match &c.output {
                Some(t) => t.eval(&env)?,
                None => err_out,
            };
            Ok((out, assigned))
        }
    }
}

#[inline]
fn leave(
    cx: &Cx<'_>,
    output: Value,
    assigned: Assigned,
    next: Transition,
    vars: &mut Vars,
    chain: &mut u64,
    bound: usize,
) -> Step {
    let state = cx.state;
    let recording = cx.exec.history.recording();
    if !matches!(state.kind, Kind::Fail { .. }) {
        *chain = cx.emit(*chain, exited_event(&state.kind), || {
            if recording {
                Some((
                    "stateExitedEventDetails",
                    crate::log::history::exited(&state.name, &output, assigned.as_deref()),
                ))
            } else {
                Some(("stateExitedEventDetails", json!({"name": &*state.name})))
            }
        });
    }
    if let Some(a) = assigned {
        vars.assign(*a);
    }
    match next {
        Transition::Next(n) if !matches!(state.kind, Kind::Succeed) => Step::Next(n, output, bound),
        _ => Step::Succeed(output),
    }
}

/// `PassStateEntered`, `TaskStateEntered`, ...
fn entered_event(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass { .. } => "PassStateEntered",
        Kind::Task { .. } => "TaskStateEntered",
        Kind::Choice { .. } => "ChoiceStateEntered",
        Kind::Wait(_) => "WaitStateEntered",
        Kind::Succeed => "SucceedStateEntered",
        Kind::Fail { .. } => "FailStateEntered",
        Kind::Parallel { .. } => "ParallelStateEntered",
        Kind::Map(_) => "MapStateEntered",
    }
}

/// `PassStateExited`, `TaskStateExited`, ...
fn exited_event(kind: &Kind) -> &'static str {
    match kind {
        Kind::Pass { .. } => "PassStateExited",
        Kind::Task { .. } => "TaskStateExited",
        Kind::Choice { .. } => "ChoiceStateExited",
        Kind::Wait(_) => "WaitStateExited",
        Kind::Succeed => "SucceedStateExited",
        Kind::Fail { .. } => "FailStateExited",
        Kind::Parallel { .. } => "ParallelStateExited",
        Kind::Map(_) => "MapStateExited",
    }
}
