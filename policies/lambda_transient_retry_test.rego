package nexus.policies.lambda_transient_retry

import rego.v1

test_lambda_without_retry_names_all_four if {
	findings := deny with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Charge", "kind": "Task", "integration": "lambda", "retry": []}]}
	some f in findings
	contains(f.msg, "Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException, Lambda.TooManyRequestsException")
}

test_partial_retrier_names_the_missing_ones if {
	findings := deny with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Charge", "kind": "Task", "integration": "lambda", "retry": [{"errors": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], "max_attempts": 3}]}]}
	some f in findings
	contains(f.msg, "does not retry Lambda.AWSLambdaException, Lambda.SdkClientException")
}

test_states_all_covers_everything if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Charge", "kind": "Task", "integration": "lambda", "retry": [{"errors": ["States.ALL"], "max_attempts": 2}]}]}
}

test_zero_attempts_does_not_count if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Charge", "kind": "Task", "integration": "lambda", "retry": [{"errors": ["States.ALL"], "max_attempts": 0}]}]}
}

test_other_integrations_are_ignored if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Put", "kind": "Task", "integration": "aws-sdk", "retry": []}]}
}
