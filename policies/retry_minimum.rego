# NX305 too-few-retries: a retrier with fewer attempts than `data.nexus.config.min_retries`
# (default 2). `MaxAttempts: 0` is a deliberate "never retry this error" and is allowed.
package nexus.policies.retry_minimum

import rego.v1

default min_retries := 2

min_retries := n if {
	n := data.nexus.config.min_retries
	is_number(n)
}

deny contains finding if {
	some i in input.index.with_retry
	s := input.states[i]
	some j, r in s.retry
	r.max_attempts > 0
	r.max_attempts < min_retries
	finding := {
		"code": "NX305",
		"msg": sprintf("state `%s` retries %v only %d time(s), fewer than %d", [s.name, r.errors, r.max_attempts, min_retries]),
		"path": ["states", i, "retry", j, "max_attempts"],
	}
}
