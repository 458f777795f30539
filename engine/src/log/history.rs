//! Execution history in the shape of `GetExecutionHistory`: numbered events with
//! `previousEventId`, a `timestamp`, a `type` and one `...EventDetails` object. Inputs and
//! outputs are JSON text, as the API returns them. Events may also go to the execution's
//! journal (the hash-chained [`crate::eventlog`]).

use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::log::journal::Journal;

/// Receives each history event of a run, in id order, when [`crate::RunOptions::history_sink`] is
/// set (events of concurrent branches are handed over one at a time). A sink that cannot
/// write keeps its error for the caller to report after the run.
pub trait HistorySink: Send + Sync + std::fmt::Debug {
    /// One event, in the shape of a `GetExecutionHistory` event.
    fn event(&self, event: &serde_json::Value);
}

/// Collector of events for one execution. Ids are always counted (AWS messages cite them),
/// even when events are not kept.
pub(crate) struct History {
    inner: Mutex<Inner>,
    record: bool,
    /// Neither recording nor logging: only ids are counted (in `ids`, without the lock).
    count_only: bool,
    ids: std::sync::atomic::AtomicU64,
    journal: Option<Arc<Journal>>,
    /// The history of a distributed Map's child execution (logged apart from the parent's).
    child: bool,
    /// Where recorded events go instead of being kept (see [`HistorySink`]).
    sink: Option<Arc<dyn HistorySink>>,
}

struct Inner {
    events: Vec<Value>,
    next_id: u64,
}

impl History {
    pub(crate) fn new(
        record: bool,
        journal: Option<Arc<Journal>>,
        child: bool,
        sink: Option<Arc<dyn HistorySink>>,
    ) -> Self {
        Self {
            count_only: !record && journal.is_none(),
            ids: std::sync::atomic::AtomicU64::new(1),
            inner: Mutex::new(Inner {
                events: Vec::new(),
                next_id: 1,
            }),
            record,
            journal,
            child,
            sink: sink.filter(|_| record),
        }
    }

    /// Whether event bodies are built in full (for the history or the event log).
    pub(crate) fn recording(&self) -> bool {
        self.record || self.journal.is_some()
    }

    /// Appends an event and returns its id. `details` is only called when recording.
    pub(crate) fn emit(
        &self,
        prev: u64,
        ty: &str,
        now_ms: i64,
        details: impl FnOnce() -> Option<(&'static str, Value)>,
    ) -> u64 {
        if self.count_only {
            // One execution is polled by one thread at a time (see `Exec::entered_prev`).
            let id = self.ids.load(std::sync::atomic::Ordering::Relaxed);
            self.ids
                .store(id.saturating_add(1), std::sync::atomic::Ordering::Relaxed);
            return id;
        }
        let Ok(mut g) = self.inner.lock() else {
            return 0;
        };
        let id = g.next_id;
        g.next_id = id.saturating_add(1);
        self.ids
            .store(g.next_id, std::sync::atomic::Ordering::Relaxed);
        let mut ev = Map::new();
        ev.insert("id".into(), id.into());
        ev.insert("previousEventId".into(), prev.into());
        ev.insert(
            "timestamp".into(),
            crate::clock::format_iso_ms(now_ms).into(),
        );
        ev.insert("type".into(), ty.into());
        if let Some((k, v)) = details() {
            ev.insert(k.into(), v);
        }
        let mut ev = Value::Object(ev);
        if let Some(j) = &self.journal {
            // Replaying, the logged event is kept: it is the one the interrupted run made.
            match j.event(self.child, ev) {
                Some(kept) => ev = kept,
                None => return id,
            }
        }
        if let Some(sink) = &self.sink {
            // Under the lock: the sink sees events in id order.
            sink.event(&ev);
        } else if self.record {
            g.events.push(ev);
        }
        id
    }

    /// Number of events emitted so far (recorded or only counted).
    pub(crate) fn count(&self) -> u64 {
        self.ids
            .load(std::sync::atomic::Ordering::Relaxed)
            .saturating_sub(1)
    }

    /// Takes the recorded events.
    pub(crate) fn finish(&self) -> Vec<Value> {
        match self.inner.lock() {
            Ok(mut g) => std::mem::take(&mut g.events),
            Err(_) => Vec::new(),
        }
    }
}

/// `{"input": "<json>", "inputDetails": {"truncated": false}, "name": ...}`.
pub(crate) fn entered(name: &str, input: &Value) -> Value {
    json!({
        "input": crate::io::to_compact(input),
        "inputDetails": {"truncated": false},
        "name": name,
    })
}

/// StateExited details, with `assignedVariables` when the state assigned any.
pub(crate) fn exited(name: &str, output: &Value, assigned: Option<&Map<String, Value>>) -> Value {
    let mut m = Map::new();
    if let Some(a) = assigned.filter(|a| !a.is_empty()) {
        let vars: Map<String, Value> = a
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(crate::io::to_compact(v))))
            .collect();
        m.insert("assignedVariables".into(), Value::Object(vars));
        m.insert(
            "assignedVariablesDetails".into(),
            json!({"truncated": false}),
        );
    }
    m.insert("name".into(), name.into());
    m.insert("output".into(), crate::io::to_compact(output).into());
    m.insert("outputDetails".into(), json!({"truncated": false}));
    Value::Object(m)
}

/// `{"error": ..., "cause": ...}` with absent fields left out.
pub(crate) fn error_details(error: Option<&str>, cause: Option<&str>) -> Value {
    let mut m = Map::new();
    if let Some(c) = cause {
        m.insert("cause".into(), c.into());
    }
    if let Some(e) = error {
        m.insert("error".into(), e.into());
    }
    Value::Object(m)
}
