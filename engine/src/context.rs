//! The context object (`$$` in JSONPath, `$states.context` in JSONata): execution, state
//! machine, current state, and Map item / task token where they apply.

use serde_json::{Map, Value, json};

/// Parts of the context object fixed for the whole execution.
#[derive(Debug, Clone)]
pub(crate) struct ContextBase {
    pub(crate) execution: Value,
    pub(crate) state_machine: Value,
}

impl ContextBase {
    pub(crate) fn new(
        exec_arn: &str,
        exec_name: &str,
        input: &Value,
        role_arn: &str,
        start_time: &str,
        sm_arn: &str,
        sm_name: &str,
    ) -> Self {
        Self {
            execution: json!({
                "Id": exec_arn,
                "Input": input,
                "StartTime": start_time,
                "Name": exec_name,
                "RoleArn": role_arn,
                "RedriveCount": 0,
            }),
            state_machine: json!({"Id": sm_arn, "Name": sm_name}),
        }
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
