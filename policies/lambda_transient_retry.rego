# NX303 lambda-without-transient-retry: AWS recommends retrying the transient Lambda
# service errors on every Lambda Task ("Handle transient Lambda service exceptions").
package nexus.policies.lambda_transient_retry

import rego.v1

transient := [
	"Lambda.ServiceException",
	"Lambda.AWSLambdaException",
	"Lambda.SdkClientException",
	"Lambda.TooManyRequestsException",
]

deny contains finding if {
	some i in input.index.by_kind.Task
	s := input.states[i]
	s.integration == "lambda"
	# The errors the state's retriers retry, gathered once per state (a check per transient
	# error walked every retrier four times, issue 18).
	retried := {x | some r in s.retry; r.max_attempts > 0; some x in r.errors}
	not retries_everything(retried)
	missing := [e | some e in transient; not e in retried]
	count(missing) > 0
	finding := {
		"code": "NX303",
		"msg": sprintf("Lambda task `%s` does not retry %s", [s.name, concat(", ", missing)]),
		"path": ["states", i],
	}
}

retries_everything(retried) if "States.ALL" in retried

retries_everything(retried) if "States.TaskFailed" in retried
