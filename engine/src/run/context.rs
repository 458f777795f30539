//! The context object (`$$` in JSONPath, `$states.context` in JSONata): execution, state
//! machine, current state, and Map item / task token where they apply.

use serde_json::{Map, Value, json};

/// Parts of the context object fixed for the whole execution.
#[derive(Debug, Clone)]
pub(crate) struct ContextBase {
    pub(crate) execution: Value,
    pub(crate) state_machine: Value,
    /// The context object a TestState request gives: it is the whole context object (AWS
    /// adds nothing to it but the `Map` item of an ItemSelector).
    pub(crate) given: Option<Map<String, Value>>,
}

impl ContextBase {
    #[expect(
        clippy::too_many_arguments,
        reason = "one argument per Context Object field an execution starts with"
    )]
    pub(crate) fn new(
        exec_arn: &str,
        exec_name: &str,
        input: &Value,
        role_arn: &str,
        start_time: &str,
        sm_arn: &str,
        sm_name: &str,
        express: bool,
    ) -> Self {
        let mut execution = json!({
            "Id": exec_arn,
            "Input": input,
            "StartTime": start_time,
            "Name": exec_name,
            "RoleArn": role_arn,
            "RedriveCount": 0,
        });
        // AWS "Context object": Express executions cannot be redriven and carry no
        // `RedriveCount`.
        if express && let Some(m) = execution.as_object_mut() {
            m.remove("RedriveCount");
        }
        Self {
            execution,
            state_machine: json!({"Id": sm_arn, "Name": sm_name}),
            given: None,
        }
    }

    /// A placeholder for runs whose states never read the context object.
    pub(crate) fn unused() -> Self {
        Self {
            execution: Value::Null,
            state_machine: Value::Null,
            given: None,
        }
    }

    /// The context of a TestState call: AWS runs the state as an express execution, so the
    /// execution id has the `express` form, no `RedriveCount`, and `RoleArn` is the
    /// request's (null without one). The request's `context`, when given, is the context.
    #[allow(clippy::too_many_arguments)] // one value per context field, all strings
    pub(crate) fn for_test_state(
        exec_arn: &str,
        exec_name: &str,
        input: &Value,
        role_arn: Option<&str>,
        start_time: &str,
        sm_arn: &str,
        sm_name: &str,
        context: Option<&Value>,
    ) -> Self {
        let mut base = Self {
            execution: json!({
                "Id": exec_arn,
                "Input": input,
                "Name": exec_name,
                "RoleArn": role_arn,
                "StartTime": start_time,
            }),
            state_machine: json!({"Id": sm_arn, "Name": sm_name}),
            given: None,
        };
        base.given = context.and_then(Value::as_object).cloned();
        base
    }

    /// The context object seen by a state. `RetryCount` appears for states that can retry
    /// (Task, Parallel, Map); `Map.Item` inside a Map's ItemSelector; `Task.Token` for
    /// callback tasks.
    pub(crate) fn for_state(
        &self,
        name: &str,
        entered_time: &str,
        retry_count: Option<u64>,
        map_item: Option<(usize, &Value)>,
        task_token: Option<&str>,
    ) -> Value {
        if let Some(given) = &self.given {
            let mut m = given.clone();
            if let Some((i, v)) = map_item {
                m.insert("Map".into(), json!({"Item": {"Index": i, "Value": v}}));
            }
            if let Some(t) = task_token
                && !m.contains_key("Task")
            {
                m.insert("Task".into(), json!({"Token": t}));
            }
            return Value::Object(m);
        }
        let mut state = Map::new();
        state.insert("Name".into(), name.into());
        state.insert("EnteredTime".into(), entered_time.into());
        if let Some(r) = retry_count {
            state.insert("RetryCount".into(), r.into());
        }
        let mut m = Map::new();
        m.insert("Execution".into(), self.execution.clone());
        m.insert("StateMachine".into(), self.state_machine.clone());
        m.insert("State".into(), Value::Object(state));
        if let Some((i, v)) = map_item {
            m.insert("Map".into(), json!({"Item": {"Index": i, "Value": v}}));
        }
        if let Some(t) = task_token {
            m.insert("Task".into(), json!({"Token": t}));
        }
        Value::Object(m)
    }
}
