package nexus.policies.workflow_timeout

import rego.v1

test_missing_timeout if {
	count(deny) == 1 with input as {"workflow": {"timeout_seconds": null}}
}

test_timeout_is_fine if {
	count(deny) == 0 with input as {"workflow": {"timeout_seconds": 3600}}
}
