package nexus.policies.retry_minimum

import rego.v1

test_one_attempt_is_too_few if {
	findings := deny with input as {"index": {"with_retry": [0]}, "states": [{"name": "A", "retry": [{"errors": ["States.Timeout"], "max_attempts": 1}]}]}
	some f in findings
	f.path == ["states", 0, "retry", 0, "max_attempts"]
}

test_minimum_is_configurable if {
	count(deny) == 1 with input as {"index": {"with_retry": [0]}, "states": [{"name": "A", "retry": [{"errors": ["X"], "max_attempts": 3}]}]}
		with data.nexus.config.min_retries as 5
}

test_zero_and_enough_are_fine if {
	count(deny) == 0 with input as {"index": {"with_retry": [0]}, "states": [{"name": "A", "retry": [{"errors": ["X"], "max_attempts": 0}, {"errors": ["Y"], "max_attempts": 2}]}]}
}
