//! `nexus serve` through aws-sdk-sfn, the Rust SDK (feature `aws`), as a Rust test suite would
//! use it with an endpoint override: create → start → callback → describe → history → stop →
//! redrive → versions/aliases → child execution → activities → TestState, and the SDK's typed
//! errors. boto3 and the AWS CLI cover the same ground in `tests/serve/e2e.py`.

#![cfg(feature = "aws")]
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sfn::types::{
    ExecutionStatus, HistoryEvent, HistoryEventType, InspectionLevel, MockErrorOutput, MockInput,
    RoutingConfigurationListItem, TestExecutionStatus, TestStateConfiguration,
};
use serde_json::{Value, json};

use crate::deploy_e2e::with_aws::Serve;

const ROLE: &str = "arn:aws:iam::123456789012:role/sdk";

/// TestState and StartSyncExecution have the endpoint host prefix `sync-`, which an IP
/// address cannot take; boto3 turns host prefixes off for a local endpoint, the Rust SDK has
/// no switch, so this interceptor takes the prefix off again (as a LocalStack user does).
#[derive(Debug)]
struct NoHostPrefix;

impl aws_sdk_sfn::config::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut<'_>,
        _: &aws_sdk_sfn::config::RuntimeComponents,
        _: &mut aws_sdk_sfn::config::ConfigBag,
    ) -> Result<(), aws_sdk_sfn::error::BoxError> {
        let uri = context.request().uri().replace("://sync-", "://");
        context.request_mut().set_uri(uri)?;
        Ok(())
    }
}

/// A client of the service with test credentials and nothing from the user's configuration.
fn client(url: &str) -> Client {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(url)
        .interceptor(NoHostPrefix)
        .build();
    Client::from_conf(config)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

async fn create(sfn: &Client, name: &str, definition: &Value) -> String {
    sfn.create_state_machine()
        .name(name)
        .definition(definition.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_string()
}

async fn start(sfn: &Client, machine: &str, name: Option<&str>, input: &str) -> String {
    sfn.start_execution()
        .state_machine_arn(machine)
        .set_name(name.map(String::from))
        .input(input)
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_string()
}

/// The whole history, two events a page (so pagination is exercised on every call).
async fn history(sfn: &Client, arn: &str) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        events.extend(page.events().iter().cloned());
        token = page.next_token().map(String::from);
        if token.is_none() {
            return events;
        }
    }
}

fn types(events: &[HistoryEvent]) -> Vec<&str> {
    events.iter().map(|e| e.r#type().as_str()).collect()
}

/// Waits until the execution is no longer RUNNING and returns its description.
async fn ended(
    sfn: &Client,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let d = sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if *d.status() != ExecutionStatus::Running || Instant::now() > end {
            return d;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The task token of the `count`-th `TaskScheduled` event (waits for it): the machines below
/// pass `$$.Task.Token` as parameter `t`.
async fn token(sfn: &Client, arn: &str, count: usize) -> String {
    let end = Instant::now() + Duration::from_secs(30);
    loop {
        let scheduled: Vec<HistoryEvent> = history(sfn, arn)
            .await
            .into_iter()
            .filter(|e| *e.r#type() == HistoryEventType::TaskScheduled)
            .collect();
        if let Some(e) = scheduled.get(count - 1) {
            let params: Value =
                serde_json::from_str(e.task_scheduled_event_details().unwrap().parameters())
                    .unwrap();
            return params["t"].as_str().unwrap().to_string();
        }
        assert!(Instant::now() < end, "no TaskScheduled #{count} in {arn}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn output(d: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput) -> Value {
    serde_json::from_str(d.output().unwrap_or("null")).unwrap()
}

fn callback_machine() -> Value {
    json!({"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prep", "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                   "Parameters": {"t.$": "$$.Task.Token", "redrives.$": "$$.Execution.RedriveCount"},
                   "HeartbeatSeconds": 60, "ResultPath": "$.charge", "End": true}}})
}

#[test]
fn callback_describe_history_stop_and_redrive() {
    let serve = Serve::start();
    runtime().block_on(async {
        let sfn = client(&serve.url);
        let m = create(&sfn, "orders", &callback_machine()).await;

        // start → callback (heartbeat, success) → describe → history
        let e = start(&sfn, &m, Some("o1"), r#"{"order": 7}"#).await;
        let t = token(&sfn, &e, 1).await;
        sfn.send_task_heartbeat()
            .task_token(&t)
            .send()
            .await
            .unwrap();
        sfn.send_task_success()
            .task_token(&t)
            .output(r#"{"paid": true}"#)
            .send()
            .await
            .unwrap();
        let d = ended(&sfn, &e).await;
        assert_eq!(*d.status(), ExecutionStatus::Succeeded);
        assert_eq!(
            output(&d),
            json!({"order": 7, "prep": "ready", "charge": {"paid": true}})
        );
        assert_eq!(d.name(), Some("o1"));
        let h = history(&sfn, &e).await;
        assert_eq!(
            types(&h),
            [
                "ExecutionStarted",
                "PassStateEntered",
                "PassStateExited",
                "TaskStateEntered",
                "TaskScheduled",
                "TaskStarted",
                "TaskSubmitted",
                "TaskSucceeded",
                "TaskStateExited",
                "ExecutionSucceeded"
            ]
        );
        let ids: Vec<i64> = h.iter().map(HistoryEvent::id).collect();
        assert_eq!(ids, (1..=10).collect::<Vec<i64>>());
        let rev = sfn
            .get_execution_history()
            .execution_arn(&e)
            .reverse_order(true)
            .include_execution_data(false)
            .send()
            .await
            .unwrap();
        let last = rev.events().first().unwrap();
        assert_eq!(*last.r#type(), HistoryEventType::ExecutionSucceeded);
        assert_eq!(
            last.execution_succeeded_event_details().unwrap().output(),
            None
        );
        // A token is good once: the SDK surfaces the typed error.
        let err = sfn
            .send_task_success()
            .task_token(&t)
            .output("{}")
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_task_does_not_exist(), "{err:?}");

        // stop → ABORTED, then redrive → RUNNING again from the stopped Task, Prepare not rerun
        let e2 = start(&sfn, &m, Some("o2"), r#"{"order": 8}"#).await;
        token(&sfn, &e2, 1).await;
        sfn.stop_execution()
            .execution_arn(&e2)
            .error("Ops.Stop")
            .cause("stopped by the test")
            .send()
            .await
            .unwrap();
        let d = sfn
            .describe_execution()
            .execution_arn(&e2)
            .send()
            .await
            .unwrap();
        assert_eq!(*d.status(), ExecutionStatus::Aborted);
        assert_eq!(
            (d.error(), d.cause()),
            (Some("Ops.Stop"), Some("stopped by the test"))
        );
        assert_eq!(d.redrive_status().map(|s| s.as_str()), Some("REDRIVABLE"));
        assert_eq!(
            types(&history(&sfn, &e2).await).last(),
            Some(&"ExecutionAborted")
        );
        sfn.redrive_execution()
            .execution_arn(&e2)
            .send()
            .await
            .unwrap();
        let d = sfn
            .describe_execution()
            .execution_arn(&e2)
            .send()
            .await
            .unwrap();
        assert_eq!(
            (d.status(), d.redrive_count()),
            (&ExecutionStatus::Running, Some(1))
        );
        let again = sfn
            .redrive_execution()
            .execution_arn(&e2)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(again.is_execution_not_redrivable(), "{again:?}");
        let t2 = token(&sfn, &e2, 2).await;
        sfn.send_task_success()
            .task_token(&t2)
            .output(r#"{"late": true}"#)
            .send()
            .await
            .unwrap();
        let d = ended(&sfn, &e2).await;
        assert_eq!(*d.status(), ExecutionStatus::Succeeded);
        assert_eq!(output(&d)["charge"], json!({"late": true}));
        let h = history(&sfn, &e2).await;
        let ty = types(&h);
        assert_eq!(
            ty.iter().filter(|t| **t == "PassStateEntered").count(),
            1,
            "{ty:?}"
        );
        assert_eq!(
            ty.iter().filter(|t| **t == "ExecutionRedriven").count(),
            1,
            "{ty:?}"
        );
        let scheduled: Vec<Value> = h
            .iter()
            .filter_map(|e| e.task_scheduled_event_details())
            .map(|d| serde_json::from_str(d.parameters()).unwrap())
            .collect();
        assert_eq!(scheduled[1]["redrives"], json!(1));

        // Errors come back typed: unknown execution, unknown machine, bad definition.
        let err = sfn
            .describe_execution()
            .execution_arn(e2.replace(":o2", ":nope"))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_execution_does_not_exist(), "{err:?}");
        let err = sfn
            .start_execution()
            .state_machine_arn(m.replace(":orders", ":nope"))
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_state_machine_does_not_exist(), "{err:?}");
        let err = sfn
            .create_state_machine()
            .name("broken")
            .definition(r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Gone"}}}"#)
            .role_arn(ROLE)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_invalid_definition(), "{err:?}");
        let listed = sfn
            .list_executions()
            .state_machine_arn(&m)
            .status_filter(ExecutionStatus::Succeeded)
            .send()
            .await
            .unwrap();
        let mut names: Vec<&str> = listed.executions().iter().map(|x| x.name()).collect();
        names.sort_unstable();
        assert_eq!(names, ["o1", "o2"]);
    });
}

#[test]
fn versions_aliases_children_activities_and_test_state() {
    let serve = Serve::start();
    runtime().block_on(async {
        let sfn = client(&serve.url);

        // versions and aliases: an alias routes to the version it names
        let one = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}});
        let two = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": true}}});
        let m = create(&sfn, "versioned", &one).await;
        let v1 = sfn
            .publish_state_machine_version()
            .state_machine_arn(&m)
            .description("first")
            .send()
            .await
            .unwrap()
            .state_machine_version_arn()
            .to_string();
        let v2 = sfn
            .update_state_machine()
            .state_machine_arn(&m)
            .definition(two.to_string())
            .publish(true)
            .send()
            .await
            .unwrap()
            .state_machine_version_arn()
            .unwrap()
            .to_string();
        assert_eq!((v1.clone(), v2.clone()), (format!("{m}:1"), format!("{m}:2")));
        let versions = sfn
            .list_state_machine_versions()
            .state_machine_arn(&m)
            .send()
            .await
            .unwrap();
        let listed: Vec<&str> = versions
            .state_machine_versions()
            .iter()
            .map(|v| v.state_machine_version_arn())
            .collect();
        assert_eq!(listed, [v2.as_str(), v1.as_str()]);
        let route = |v: &str| {
            RoutingConfigurationListItem::builder()
                .state_machine_version_arn(v)
                .weight(100)
                .build()
                .unwrap()
        };
        let alias = sfn
            .create_state_machine_alias()
            .name("live")
            .routing_configuration(route(&v1))
            .send()
            .await
            .unwrap()
            .state_machine_alias_arn()
            .to_string();
        let d = ended(&sfn, &start(&sfn, &alias, None, "{}").await).await;
        assert_eq!(output(&d), json!(1));
        assert_eq!(d.state_machine_alias_arn(), Some(alias.as_str()));
        assert_eq!(d.state_machine_version_arn(), Some(v1.as_str()));
        sfn.update_state_machine_alias()
            .state_machine_alias_arn(&alias)
            .routing_configuration(route(&v2))
            .send()
            .await
            .unwrap();
        let d = ended(&sfn, &start(&sfn, &alias, None, "{}").await).await;
        assert_eq!(output(&d), json!(2));
        let described = sfn
            .describe_state_machine_alias()
            .state_machine_alias_arn(&alias)
            .send()
            .await
            .unwrap();
        assert_eq!(described.name(), Some("live"));
        let aliases = sfn
            .list_state_machine_aliases()
            .state_machine_arn(&m)
            .send()
            .await
            .unwrap();
        assert_eq!(aliases.state_machine_aliases().len(), 1);
        sfn.delete_state_machine_alias()
            .state_machine_alias_arn(&alias)
            .send()
            .await
            .unwrap();

        // a child execution (states:startExecution.sync:2) on the same service
        let child = create(
            &sfn,
            "child",
            &json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.v"}, "End": true}}}),
        )
        .await;
        let parent = create(
            &sfn,
            "parent",
            &json!({"StartAt": "S", "States": {"S": {
                "Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child, "Input": {"v": 7}},
                "ResultSelector": {"out.$": "$.Output", "arn.$": "$.ExecutionArn"}, "End": true}}}),
        )
        .await;
        let d = ended(&sfn, &start(&sfn, &parent, None, "{}").await).await;
        assert_eq!(*d.status(), ExecutionStatus::Succeeded, "{d:?}");
        let out = output(&d);
        assert_eq!(out["out"], json!({"got": 7}));
        let child_arn = out["arn"].as_str().unwrap();
        let c = sfn
            .describe_execution()
            .execution_arn(child_arn)
            .send()
            .await
            .unwrap();
        assert_eq!((c.status(), c.state_machine_arn()), (&ExecutionStatus::Succeeded, child.as_str()));

        // activities: a worker long-polls GetActivityTask and answers
        let act = sfn
            .create_activity()
            .name("review")
            .send()
            .await
            .unwrap()
            .activity_arn()
            .to_string();
        let with_activity = create(
            &sfn,
            "with-activity",
            &json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": act, "End": true}}}),
        )
        .await;
        let worker = {
            let sfn = sfn.clone();
            let act = act.clone();
            tokio::spawn(async move {
                let task = sfn
                    .get_activity_task()
                    .activity_arn(&act)
                    .worker_name("w1")
                    .send()
                    .await
                    .unwrap();
                let input: Value = serde_json::from_str(task.input().unwrap()).unwrap();
                sfn.send_task_success()
                    .task_token(task.task_token().unwrap())
                    .output(json!({"reviewed": input["doc"]}).to_string())
                    .send()
                    .await
                    .unwrap();
            })
        };
        // The worker polls first: the long poll must deliver a task that arrives later.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let e = start(&sfn, &with_activity, None, r#"{"doc": "x"}"#).await;
        tokio::time::timeout(Duration::from_secs(30), worker)
            .await
            .unwrap()
            .unwrap();
        let d = ended(&sfn, &e).await;
        assert_eq!(output(&d), json!({"reviewed": "x"}));
        let described = sfn
            .describe_activity()
            .activity_arn(&act)
            .send()
            .await
            .unwrap();
        assert_eq!(described.name(), "review");
        let listed = sfn.list_activities().send().await.unwrap();
        assert_eq!(listed.activities().len(), 1);
        sfn.delete_activity().activity_arn(&act).send().await.unwrap();
        let err = sfn
            .describe_activity()
            .activity_arn(&act)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_activity_does_not_exist(), "{err:?}");

        // TestState: one state, no machine
        let t = sfn
            .test_state()
            .definition(json!({"Type": "Pass", "Parameters": {"x.$": "$.a"}, "Next": "After"}).to_string())
            .role_arn(ROLE)
            .input(r#"{"a": 5}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(t.status(), Some(&TestExecutionStatus::Succeeded));
        assert_eq!(
            serde_json::from_str::<Value>(t.output().unwrap()).unwrap(),
            json!({"x": 5})
        );
        let t = sfn
            .test_state()
            .definition(json!({"Type": "Fail", "Error": "Bad", "Cause": "why"}).to_string())
            .role_arn(ROLE)
            .send()
            .await
            .unwrap();
        assert_eq!(
            (t.status(), t.error(), t.cause()),
            (Some(&TestExecutionStatus::Failed), Some("Bad"), Some("why"))
        );
        // The SDK's typed view of the verdicts and of inspectionData: a mocked failure a
        // retrier would retry (one retry made), then one its catcher takes (retries spent).
        let task = json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2, "IntervalSeconds": 3}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "Next": "Done"})
        .to_string();
        let busy = MockInput::builder()
            .error_output(MockErrorOutput::builder().error("Busy").cause("later").build())
            .build();
        let answer = |count: i32| {
            sfn.test_state()
                .definition(task.clone())
                .input(r#"{"a": 1}"#)
                .inspection_level(InspectionLevel::Debug)
                .mock(busy.clone())
                .state_configuration(
                    TestStateConfiguration::builder()
                        .retrier_retry_count(count)
                        .build(),
                )
                .send()
        };
        let t = answer(1).await.unwrap();
        assert_eq!(t.status(), Some(&TestExecutionStatus::Retriable));
        let d = t.inspection_data().unwrap();
        let e = d.error_details().unwrap();
        assert_eq!(
            (e.retry_index(), e.retry_backoff_interval_seconds(), e.catch_index()),
            (Some(0), Some(6), None)
        );
        assert_eq!(
            serde_json::from_str::<Value>(d.after_parameters().unwrap()).unwrap(),
            json!({"FunctionName": "f", "Payload": {"a": 1}})
        );
        let t = answer(2).await.unwrap();
        assert_eq!(
            (t.status(), t.next_state(), t.error()),
            (Some(&TestExecutionStatus::CaughtError), Some("Handle"), Some("Busy"))
        );
        assert_eq!(
            t.inspection_data().unwrap().error_details().unwrap().catch_index(),
            Some(0)
        );
        let err = sfn
            .test_state()
            .definition(json!({"Type": "Pass", "End": true}).to_string())
            .mock(MockInput::builder().result("{}").build())
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_validation_exception(), "{err:?}");
    });
}
