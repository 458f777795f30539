package nexus.policies.role_trust

import rego.v1

role(principal) := {"deployment": {"Role": {"LogicalId": "R", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}}}}

test_wildcard_principals if {
	count(deny) == 1 with input as role("*")
	count(deny) == 1 with input as role({"AWS": "*"})
	count(deny) == 1 with input as role({"AWS": ["arn:aws:iam::123456789012:root", "*"]})
}

test_single_statement_object if {
	count(deny) == 1 with input as {"deployment": {"Role": {"LogicalId": "R", "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": "*"}}}}}
}

test_states_service_is_fine if {
	count(deny) == 0 with input as role({"Service": "states.amazonaws.com"})
	count(deny) == 0 with input as {"deployment": {"Role": {"LogicalId": "R", "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Deny", "Principal": "*"}]}}}}
}

test_no_role_is_not_checked if {
	count(deny) == 0 with input as {"deployment": {"Role": null}}
	count(deny) == 0 with input as {}
}
