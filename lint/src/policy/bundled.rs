//! The bundled policy pack: Rego files in `policies/` (embedded with `include_str!`), one
//! package `nexus.policies.<file>` each, and the metadata of their NX3xx codes (what
//! `nexus rules` lists). A bundled finding carries its `code`; its name and default severity
//! come from here, so severity stays configurable without touching the Rego.

use crate::rule::RuleMeta;

/// One embedded policy file.
pub struct BundledFile {
    /// File name under `policies/`.
    pub name: &'static str,
    pub source: &'static str,
    /// Its `*_test.rego`.
    pub test: &'static str,
    /// Codes its findings use.
    pub codes: &'static [&'static str],
}

macro_rules! bundled {
    ($name:literal, [$($code:literal),*]) => {
        BundledFile {
            name: concat!($name, ".rego"),
            source: include_str!(concat!("../../../policies/", $name, ".rego")),
            test: include_str!(concat!("../../../policies/", $name, "_test.rego")),
            codes: &[$($code),*],
        }
    };
}

/// Every bundled policy file.
pub static FILES: &[BundledFile] = &[
    bundled!("task_timeout", ["NX301"]),
    bundled!("callback_heartbeat", ["NX302"]),
    bundled!("lambda_transient_retry", ["NX303"]),
    bundled!("task_catch_all", ["NX304"]),
    bundled!("retry_minimum", ["NX305"]),
    bundled!("map_concurrency", ["NX306"]),
    bundled!("hardcoded_arn", ["NX307", "NX308"]),
    bundled!("action_compensation", ["NX309"]),
    bundled!("wait_too_long", ["NX310"]),
    bundled!("workflow_timeout", ["NX311"]),
    bundled!("choice_default", ["NX312"]),
    bundled!("catch_result_path", ["NX313"]),
    bundled!("literal_secret", ["NX314"]),
    bundled!("deployment_logging", ["NX315"]),
    bundled!("deployment_tracing", ["NX316"]),
    bundled!("role_trust", ["NX317"]),
];

nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Task states with neither `TimeoutSeconds` nor `TimeoutSecondsPath`.
    /// ## Why is this bad?
    /// The ASL default is 99999999 seconds: a worker that hangs keeps the execution (and what waits
    /// on it) stuck for years, and nothing alarms. AWS best practice: "Use timeouts to avoid stuck
    /// executions".
    /// ## Example
    /// `{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}`; add
    /// `"TimeoutSeconds": 30`.
    static TASK_WITHOUT_TIMEOUT = {
        code: NX301,
        name: "task-without-timeout",
        severity: Warning,
        summary: "A Task without `TimeoutSeconds` or `TimeoutSecondsPath`.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Tasks that wait for a callback (`.waitForTaskToken` resources and activities) with
    /// neither `HeartbeatSeconds` nor `HeartbeatSecondsPath`.
    /// ## Why is this bad?
    /// If the worker holding the token dies, nothing ever calls back: the execution waits until its
    /// timeout. A heartbeat fails it with `States.HeartbeatTimeout` soon after the worker stops
    /// reporting.
    /// ## Example
    /// `"Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken"` without
    /// `"HeartbeatSeconds": 60`.
    static CALLBACK_WITHOUT_HEARTBEAT = {
        code: NX302,
        name: "callback-without-heartbeat",
        severity: Warning,
        summary: "A `.waitForTaskToken` or activity Task without `HeartbeatSeconds`.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Lambda Tasks (`lambda:invoke` integrations and function ARNs) whose retriers do not
    /// cover `Lambda.ServiceException`, `Lambda.AWSLambdaException`, `Lambda.SdkClientException`
    /// and `Lambda.TooManyRequestsException` (directly, or through
    /// `States.ALL`/`States.TaskFailed`).
    /// ## Why is this bad?
    /// These errors come from the Lambda service, not your code, and pass on retry. AWS recommends
    /// a retrier for them on every Lambda Task ("Handle transient Lambda service exceptions");
    /// without it a throttle fails the execution.
    /// ## Example
    /// `"Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException",
    /// "Lambda.SdkClientException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 1,
    /// "MaxAttempts": 3, "BackoffRate": 2}]`.
    static LAMBDA_WITHOUT_TRANSIENT_RETRY = {
        code: NX303,
        name: "lambda-without-transient-retry",
        severity: Warning,
        summary: "A Lambda Task that does not retry the transient Lambda service errors.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Tasks without a `Catch` entry whose `ErrorEquals` includes `States.ALL`.
    /// ## Why is this bad?
    /// An error no retrier absorbs fails the whole execution, skipping any cleanup or notification
    /// path. A catch-all makes the failure path explicit.
    /// ## Example
    /// A Task with `Retry` but no `"Catch": [{"ErrorEquals": ["States.ALL"], "Next":
    /// "HandleFailure"}]`.
    static TASK_WITHOUT_CATCH_ALL = {
        code: NX304,
        name: "task-without-catch-all",
        severity: Info,
        summary: "A Task with no `States.ALL` catcher.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds retriers whose `MaxAttempts` (default 3) is above 0 and below `min_retries` (policy
    /// data `nexus.config.min_retries`, default 2). `MaxAttempts: 0` (never retry) is deliberate
    /// and allowed.
    /// ## Why is this bad?
    /// One retry rarely outlasts a transient fault; teams that agree on a minimum want it enforced
    /// everywhere.
    /// ## Example
    /// `{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1}` with the default minimum of 2.
    static TOO_FEW_RETRIES = {
        code: NX305,
        name: "too-few-retries",
        severity: Warning,
        summary: "A retrier with fewer attempts than the configured minimum.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Map states with neither `MaxConcurrency` nor `MaxConcurrencyPath`, or with
    /// `MaxConcurrency: 0`.
    /// ## Why is this bad?
    /// Without a limit every item starts at once (up to the service maximum), which throttles or
    /// overloads the functions and databases the iterations call.
    /// ## Example
    /// `{"Type": "Map", "ItemsPath": "$.items", ...}`; add `"MaxConcurrency": 10`.
    static MAP_WITHOUT_MAX_CONCURRENCY = {
        code: NX306,
        name: "map-without-max-concurrency",
        severity: Warning,
        summary: "A Map without `MaxConcurrency` (or with 0, no limit).",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds strings in a state (Resource, Parameters, Arguments, ...) that are ARNs with a
    /// 12-digit account id.
    /// ## Why is this bad?
    /// The definition only works in that account: promoting it from staging to production needs an
    /// edit, and reviews leak account ids. Use definition substitutions (`${AccountId}`) or the
    /// account-free `arn:aws:states:::` integrations.
    /// ## Example
    /// `"Resource": "arn:aws:lambda:us-east-1:123456789012:function:charge"`.
    static HARD_CODED_ACCOUNT_ID = {
        code: NX307,
        name: "hard-coded-account-id",
        severity: Warning,
        summary: "An ARN with a literal AWS account id.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds strings in a state that are ARNs naming a region (`us-east-1`, `eu-west-2`, ...).
    /// ## Why is this bad?
    /// The definition cannot be deployed to another region unchanged; a failover region copy
    /// silently calls the original one.
    /// ## Example
    /// `"FunctionName": "arn:aws:lambda:eu-west-1:123456789012:function:charge"`.
    static HARD_CODED_REGION = {
        code: NX308,
        name: "hard-coded-region",
        severity: Info,
        summary: "An ARN with a literal region.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds NEXUS states whose `action` changes something (its name contains create, update,
    /// delete, put, execute, transfer, charge, pay, refund, send, ...; patterns configurable as
    /// `nexus.config.state_changing_actions`) and that have no `on_failure.compensate`.
    /// ## Why is this bad?
    /// When a later step fails, the saga undoes completed steps through their compensations. A
    /// state-changing step without one leaves money moved or records written with nothing to
    /// reverse them.
    /// ## Example
    /// `action: execute-transfer-function` without `on_failure: {compensate: reverse-transfer}`.
    static ACTION_WITHOUT_COMPENSATION = {
        code: NX309,
        name: "action-without-compensation",
        severity: Warning,
        summary: "A state-changing NEXUS action without `compensate`.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Wait states whose literal `Seconds` exceeds `max_wait_seconds` (policy data
    /// `nexus.config.max_wait_seconds`, default 86400).
    /// ## Why is this bad?
    /// Such waits are usually a unit mistake (milliseconds written as seconds), and long sleeps in
    /// a workflow are better served by a schedule: they keep executions open and count against
    /// quotas.
    /// ## Example
    /// `{"Type": "Wait", "Seconds": 3600000, "Next": "Poll"}`.
    static WAIT_TOO_LONG = {
        code: NX310,
        name: "wait-too-long",
        severity: Warning,
        summary: "A Wait longer than the configured bound.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds state machines whose top level has no `TimeoutSeconds`.
    /// ## Why is this bad?
    /// A Standard execution then runs up to the service maximum of one year; a stuck one is found
    /// only by its bill.
    /// ## Example
    /// `{"StartAt": "A", "States": {...}}`; add `"TimeoutSeconds": 3600`.
    static WORKFLOW_WITHOUT_TIMEOUT = {
        code: NX311,
        name: "workflow-without-timeout",
        severity: Info,
        summary: "A workflow without a top-level `TimeoutSeconds`.",
    }
}

nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Choice states with no `Default`.
    /// ## Why is this bad?
    /// When no rule matches, Step Functions fails the execution with `States.NoChoiceMatched`.
    /// Inputs change over time (a new status value, a missing field); an explicit `Default` (to a
    /// Fail state with a clear error, if nothing else) makes that path a decision instead of an
    /// accident.
    /// ## Example
    /// `{"Type": "Choice", "Choices": [{"Variable": "$.status", "StringEquals": "ok", "Next":
    /// "Done"}]}`; add `"Default": "UnknownStatus"`.
    static CHOICE_WITHOUT_DEFAULT = {
        code: NX312,
        name: "choice-without-default",
        severity: Warning,
        summary: "A Choice state without `Default`.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds `Catch` entries of JSONPath states that have no `ResultPath` (an explicit
    /// `"ResultPath": null` is accepted).
    /// ## Why is this bad?
    /// Without `ResultPath` the catcher's output is the error object alone (`{"Error", "Cause"}`):
    /// the state after it no longer sees the order id, the user, or whatever it needs to compensate
    /// or notify. AWS recommends `ResultPath` (for example `$.error`) to keep the input and add the
    /// error.
    /// ## Example
    /// `"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Refund"}]`; add `"ResultPath":
    /// "$.error"`.
    static CATCH_DISCARDS_INPUT = {
        code: NX313,
        name: "catch-discards-input",
        severity: Info,
        summary: "A JSONPath catcher without `ResultPath`: the error replaces the input.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds payload fields (`Parameters`, `Arguments`, `ItemSelector`, `ResultSelector`, Pass
    /// `Result`, `Assign`, `Output`) whose key names a credential (password, secret, API key,
    /// access key, private key, authorization, access/auth/session token) and whose value is a
    /// literal string, not a path, JSONata expression, template placeholder or `{{resolve:...}}`
    /// dynamic reference. Secret ids, names and ARNs and paging tokens are not flagged.
    /// ## Why is this bad?
    /// The definition sits in version control and is readable by anyone who can describe the state
    /// machine; its values show up in every execution's history. Keep secrets in Secrets Manager or
    /// Parameter Store and read them at run time.
    /// ## Example
    /// `"Headers": {"X-Api-Key": "sk_live_4f9a..."}`; use `"ApiKey":
    /// "{{resolve:secretsmanager:prod/api:SecretString:key}}"` or fetch it with
    /// `arn:aws:states:::aws-sdk:secretsmanager:getSecretValue`.
    static SECRET_IN_DEFINITION = {
        code: NX314,
        name: "secret-in-definition",
        severity: Warning,
        summary: "A literal secret (password, API key, token) in a payload.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds Standard state machines whose deployment settings (the CloudFormation
    /// `LoggingConfiguration`, SAM `Logging`, Serverless `loggingConfig`, or the `log_level`
    /// and `include_execution_data` of a nexus.toml `[deploy.<name>]` section) do not log
    /// executions with their data: no logging configuration, level `OFF`, or
    /// `IncludeExecutionData` not `true`. Checked only where the deployment is known (templates
    /// and `nexus deploy`); a level given as a template parameter is not judged.
    /// ## Why is this bad?
    /// A Standard execution's history is deleted 90 days after it closes, and it is the only
    /// record of what the execution received and returned. CloudWatch Logs with execution data
    /// are the audit trail (AWS Security Hub control StepFunctions.1 asks for logging).
    /// ## Example
    /// `LoggingConfiguration: {Level: ALL, IncludeExecutionData: true, Destinations:
    /// [{CloudWatchLogsLogGroup: {LogGroupArn: !GetAtt Logs.Arn}}]}`; with `nexus deploy`:
    /// `--log-level ALL --include-execution-data --log-group-arn ARN`.
    static EXECUTION_LOGGING_OFF = {
        code: NX315,
        name: "execution-logging-off",
        severity: Warning,
        summary: "A Standard machine deployed without execution logging that includes the data.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds state machines whose deployment settings (CloudFormation `TracingConfiguration`,
    /// SAM `Tracing`, Serverless `tracingConfig`, nexus.toml `tracing`) do not enable AWS
    /// X-Ray tracing. Checked only where the deployment is known (templates and `nexus
    /// deploy`).
    /// ## Why is this bad?
    /// Without tracing, a slow or failing execution cannot be followed into the Lambda
    /// functions and services it calls; X-Ray shows each state and call on one timeline.
    /// ## Example
    /// `TracingConfiguration: {Enabled: true}`; with `nexus deploy`: `--tracing`.
    static TRACING_DISABLED = {
        code: NX316,
        name: "tracing-disabled",
        severity: Warning,
        summary: "A state machine deployed without X-Ray tracing.",
    }
}
nexus_schema::declare_code! {
    /// ## What it does
    /// Finds state machines whose execution role is an `AWS::IAM::Role` of the same template
    /// (`RoleArn: !GetAtt Role.Arn`, SAM `Role`, Serverless `role`) with a trust policy
    /// statement that allows any principal: `Principal: "*"` or `{"AWS": "*"}`.
    /// ## Why is this bad?
    /// Anyone who can call STS (in any account, unless a condition narrows it) can assume the
    /// role and act with every permission the workflow has. The role should trust
    /// `states.amazonaws.com` only.
    /// ## Example
    /// `AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: "*", Action:
    /// sts:AssumeRole}]}`; use `Principal: {Service: states.amazonaws.com}`.
    static ROLE_TRUSTS_ANYONE = {
        code: NX317,
        name: "role-trusts-anyone",
        severity: Warning,
        summary: "The execution role's trust policy lets any principal assume it.",
    }
}

/// Metadata of every bundled policy code, in code order.
pub fn metas() -> Vec<&'static RuleMeta> {
    vec![
        &TASK_WITHOUT_TIMEOUT,
        &CALLBACK_WITHOUT_HEARTBEAT,
        &LAMBDA_WITHOUT_TRANSIENT_RETRY,
        &TASK_WITHOUT_CATCH_ALL,
        &TOO_FEW_RETRIES,
        &MAP_WITHOUT_MAX_CONCURRENCY,
        &HARD_CODED_ACCOUNT_ID,
        &HARD_CODED_REGION,
        &ACTION_WITHOUT_COMPENSATION,
        &WAIT_TOO_LONG,
        &WORKFLOW_WITHOUT_TIMEOUT,
        &CHOICE_WITHOUT_DEFAULT,
        &CATCH_DISCARDS_INPUT,
        &SECRET_IN_DEFINITION,
        &EXECUTION_LOGGING_OFF,
        &TRACING_DISABLED,
        &ROLE_TRUSTS_ANYONE,
    ]
}

/// The metadata of a bundled code.
pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    metas().into_iter().find(|m| m.code.as_str() == code)
}
