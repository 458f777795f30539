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
	# A retrier of `States.ALL` or `States.TaskFailed` covers every transient error.
	not "States.ALL" in retried
	not "States.TaskFailed" in retried
	missing := [e | some e in transient; not e in retried]
	count(missing) > 0
	finding := {
		"code": "NX303",
		"msg": sprintf("Lambda task `%s` does not retry %s", [s.name, concat(", ", missing)]),
		"path": ["states", i],
	}
}
