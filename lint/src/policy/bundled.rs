//! The bundled policy pack: Rego files in `policies/` (embedded with `include_str!`), one
//! package `nexus.policies.<file>` each, and the metadata of their NX3xx codes (what
//! `nexus rules` lists). A bundled finding carries its `code`; its name and default severity
//! come from here, so severity stays configurable without touching the Rego.

use nexus_schema::{Code, Severity};

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
];

static TASK_WITHOUT_TIMEOUT: RuleMeta = RuleMeta {
    code: Code("NX301"),
    name: "task-without-timeout",
    severity: Severity::Warning,
    summary: "A Task without `TimeoutSeconds` or `TimeoutSecondsPath`.",
    docs: "## What it does\nFinds Task states with neither `TimeoutSeconds` nor `TimeoutSecondsPath`.\n## Why is this bad?\nThe ASL default is 99999999 seconds: a worker that hangs keeps the execution (and what waits on it) stuck for years, and nothing alarms. AWS best practice: \"Use timeouts to avoid stuck executions\".\n## Example\n`{\"Type\": \"Task\", \"Resource\": \"arn:aws:states:::lambda:invoke\", \"End\": true}`; add `\"TimeoutSeconds\": 30`.",
    aws_code: None,
};
static CALLBACK_WITHOUT_HEARTBEAT: RuleMeta = RuleMeta {
    code: Code("NX302"),
    name: "callback-without-heartbeat",
    severity: Severity::Warning,
    summary: "A `.waitForTaskToken` or activity Task without `HeartbeatSeconds`.",
    docs: "## What it does\nFinds Tasks that wait for a callback (`.waitForTaskToken` resources and activities) with neither `HeartbeatSeconds` nor `HeartbeatSecondsPath`.\n## Why is this bad?\nIf the worker holding the token dies, nothing ever calls back: the execution waits until its timeout. A heartbeat fails it with `States.HeartbeatTimeout` soon after the worker stops reporting.\n## Example\n`\"Resource\": \"arn:aws:states:::sqs:sendMessage.waitForTaskToken\"` without `\"HeartbeatSeconds\": 60`.",
    aws_code: None,
};
static LAMBDA_WITHOUT_TRANSIENT_RETRY: RuleMeta = RuleMeta {
    code: Code("NX303"),
    name: "lambda-without-transient-retry",
    severity: Severity::Warning,
    summary: "A Lambda Task that does not retry the transient Lambda service errors.",
    docs: "## What it does\nFinds Lambda Tasks (`lambda:invoke` integrations and function ARNs) whose retriers do not cover `Lambda.ServiceException`, `Lambda.AWSLambdaException`, `Lambda.SdkClientException` and `Lambda.TooManyRequestsException` (directly, or through `States.ALL`/`States.TaskFailed`).\n## Why is this bad?\nThese errors come from the Lambda service, not your code, and pass on retry. AWS recommends a retrier for them on every Lambda Task (\"Handle transient Lambda service exceptions\"); without it a throttle fails the execution.\n## Example\n`\"Retry\": [{\"ErrorEquals\": [\"Lambda.ServiceException\", \"Lambda.AWSLambdaException\", \"Lambda.SdkClientException\", \"Lambda.TooManyRequestsException\"], \"IntervalSeconds\": 1, \"MaxAttempts\": 3, \"BackoffRate\": 2}]`.",
    aws_code: None,
};
static TASK_WITHOUT_CATCH_ALL: RuleMeta = RuleMeta {
    code: Code("NX304"),
    name: "task-without-catch-all",
    severity: Severity::Info,
    summary: "A Task with no `States.ALL` catcher.",
    docs: "## What it does\nFinds Tasks without a `Catch` entry whose `ErrorEquals` includes `States.ALL`.\n## Why is this bad?\nAn error no retrier absorbs fails the whole execution, skipping any cleanup or notification path. A catch-all makes the failure path explicit.\n## Example\nA Task with `Retry` but no `\"Catch\": [{\"ErrorEquals\": [\"States.ALL\"], \"Next\": \"HandleFailure\"}]`.",
    aws_code: None,
};
static TOO_FEW_RETRIES: RuleMeta = RuleMeta {
    code: Code("NX305"),
    name: "too-few-retries",
    severity: Severity::Warning,
    summary: "A retrier with fewer attempts than the configured minimum.",
    docs: "## What it does\nFinds retriers whose `MaxAttempts` (default 3) is above 0 and below `min_retries` (policy data `nexus.config.min_retries`, default 2). `MaxAttempts: 0` (never retry) is deliberate and allowed.\n## Why is this bad?\nOne retry rarely outlasts a transient fault; teams that agree on a minimum want it enforced everywhere.\n## Example\n`{\"ErrorEquals\": [\"States.Timeout\"], \"MaxAttempts\": 1}` with the default minimum of 2.",
    aws_code: None,
};
static MAP_WITHOUT_MAX_CONCURRENCY: RuleMeta = RuleMeta {
    code: Code("NX306"),
    name: "map-without-max-concurrency",
    severity: Severity::Warning,
    summary: "A Map without `MaxConcurrency` (or with 0, no limit).",
    docs: "## What it does\nFinds Map states with neither `MaxConcurrency` nor `MaxConcurrencyPath`, or with `MaxConcurrency: 0`.\n## Why is this bad?\nWithout a limit every item starts at once (up to the service maximum), which throttles or overloads the functions and databases the iterations call.\n## Example\n`{\"Type\": \"Map\", \"ItemsPath\": \"$.items\", ...}`; add `\"MaxConcurrency\": 10`.",
    aws_code: None,
};
static HARD_CODED_ACCOUNT_ID: RuleMeta = RuleMeta {
    code: Code("NX307"),
    name: "hard-coded-account-id",
    severity: Severity::Warning,
    summary: "An ARN with a literal AWS account id.",
    docs: "## What it does\nFinds strings in a state (Resource, Parameters, Arguments, ...) that are ARNs with a 12-digit account id.\n## Why is this bad?\nThe definition only works in that account: promoting it from staging to production needs an edit, and reviews leak account ids. Use definition substitutions (`${AccountId}`) or the account-free `arn:aws:states:::` integrations.\n## Example\n`\"Resource\": \"arn:aws:lambda:us-east-1:123456789012:function:charge\"`.",
    aws_code: None,
};
static HARD_CODED_REGION: RuleMeta = RuleMeta {
    code: Code("NX308"),
    name: "hard-coded-region",
    severity: Severity::Info,
    summary: "An ARN with a literal region.",
    docs: "## What it does\nFinds strings in a state that are ARNs naming a region (`us-east-1`, `eu-west-2`, ...).\n## Why is this bad?\nThe definition cannot be deployed to another region unchanged; a failover region copy silently calls the original one.\n## Example\n`\"FunctionName\": \"arn:aws:lambda:eu-west-1:123456789012:function:charge\"`.",
    aws_code: None,
};
static ACTION_WITHOUT_COMPENSATION: RuleMeta = RuleMeta {
    code: Code("NX309"),
    name: "action-without-compensation",
    severity: Severity::Warning,
    summary: "A state-changing NEXUS action without `compensate`.",
    docs: "## What it does\nFinds NEXUS states whose `action` changes something (its name contains create, update, delete, put, execute, transfer, charge, pay, refund, send, ...; patterns configurable as `nexus.config.state_changing_actions`) and that have no `on_failure.compensate`.\n## Why is this bad?\nWhen a later step fails, the saga undoes completed steps through their compensations. A state-changing step without one leaves money moved or records written with nothing to reverse them.\n## Example\n`action: execute-transfer-function` without `on_failure: {compensate: reverse-transfer}`.",
    aws_code: None,
};
static WAIT_TOO_LONG: RuleMeta = RuleMeta {
    code: Code("NX310"),
    name: "wait-too-long",
    severity: Severity::Warning,
    summary: "A Wait longer than the configured bound.",
    docs: "## What it does\nFinds Wait states whose literal `Seconds` exceeds `max_wait_seconds` (policy data `nexus.config.max_wait_seconds`, default 86400).\n## Why is this bad?\nSuch waits are usually a unit mistake (milliseconds written as seconds), and long sleeps in a workflow are better served by a schedule: they keep executions open and count against quotas.\n## Example\n`{\"Type\": \"Wait\", \"Seconds\": 3600000, \"Next\": \"Poll\"}`.",
    aws_code: None,
};
static WORKFLOW_WITHOUT_TIMEOUT: RuleMeta = RuleMeta {
    code: Code("NX311"),
    name: "workflow-without-timeout",
    severity: Severity::Info,
    summary: "A workflow without a top-level `TimeoutSeconds`.",
    docs: "## What it does\nFinds state machines whose top level has no `TimeoutSeconds`.\n## Why is this bad?\nA Standard execution then runs up to the service maximum of one year; a stuck one is found only by its bill.\n## Example\n`{\"StartAt\": \"A\", \"States\": {...}}`; add `\"TimeoutSeconds\": 3600`.",
    aws_code: None,
};

static CHOICE_WITHOUT_DEFAULT: RuleMeta = RuleMeta {
    code: Code("NX312"),
    name: "choice-without-default",
    severity: Severity::Warning,
    summary: "A Choice state without `Default`.",
    docs: "## What it does\nFinds Choice states with no `Default`.\n## Why is this bad?\nWhen no rule matches, Step Functions fails the execution with `States.NoChoiceMatched`. Inputs change over time (a new status value, a missing field); an explicit `Default` (to a Fail state with a clear error, if nothing else) makes that path a decision instead of an accident.\n## Example\n`{\"Type\": \"Choice\", \"Choices\": [{\"Variable\": \"$.status\", \"StringEquals\": \"ok\", \"Next\": \"Done\"}]}`; add `\"Default\": \"UnknownStatus\"`.",
    aws_code: None,
};
static CATCH_DISCARDS_INPUT: RuleMeta = RuleMeta {
    code: Code("NX313"),
    name: "catch-discards-input",
    severity: Severity::Info,
    summary: "A JSONPath catcher without `ResultPath`: the error replaces the input.",
    docs: "## What it does\nFinds `Catch` entries of JSONPath states that have no `ResultPath` (an explicit `\"ResultPath\": null` is accepted).\n## Why is this bad?\nWithout `ResultPath` the catcher's output is the error object alone (`{\"Error\", \"Cause\"}`): the state after it no longer sees the order id, the user, or whatever it needs to compensate or notify. AWS recommends `ResultPath` (for example `$.error`) to keep the input and add the error.\n## Example\n`\"Catch\": [{\"ErrorEquals\": [\"States.ALL\"], \"Next\": \"Refund\"}]`; add `\"ResultPath\": \"$.error\"`.",
    aws_code: None,
};
static SECRET_IN_DEFINITION: RuleMeta = RuleMeta {
    code: Code("NX314"),
    name: "secret-in-definition",
    severity: Severity::Warning,
    summary: "A literal secret (password, API key, token) in a payload.",
    docs: "## What it does\nFinds payload fields (`Parameters`, `Arguments`, `ItemSelector`, `ResultSelector`, Pass `Result`, `Assign`, `Output`) whose key names a credential (password, secret, API key, access key, private key, authorization, access/auth/session token) and whose value is a literal string, not a path, JSONata expression, template placeholder or `{{resolve:...}}` dynamic reference. Secret ids, names and ARNs and paging tokens are not flagged.\n## Why is this bad?\nThe definition sits in version control and is readable by anyone who can describe the state machine; its values show up in every execution's history. Keep secrets in Secrets Manager or Parameter Store and read them at run time.\n## Example\n`\"Headers\": {\"X-Api-Key\": \"sk_live_4f9a...\"}`; use `\"ApiKey\": \"{{resolve:secretsmanager:prod/api:SecretString:key}}\"` or fetch it with `arn:aws:states:::aws-sdk:secretsmanager:getSecretValue`.",
    aws_code: None,
};

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
    ]
}

/// The metadata of a bundled code.
pub fn meta(code: &str) -> Option<&'static RuleMeta> {
    metas().into_iter().find(|m| m.code.as_str() == code)
}
