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

covered(s, e) if {
	some r in s.retry
	r.max_attempts > 0
	some x in r.errors
	x in {e, "States.ALL", "States.TaskFailed"}
}

deny contains finding if {
	some i, s in input.states
	s.kind == "Task"
	s.integration == "lambda"
	missing := [e | some e in transient; not covered(s, e)]
	count(missing) > 0
	finding := {
		"code": "NX303",
		"msg": sprintf("Lambda task `%s` does not retry %s", [s.name, concat(", ", missing)]),
		"path": ["states", i],
	}
}
