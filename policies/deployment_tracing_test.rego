package nexus.policies.deployment_tracing

import rego.v1

test_no_tracing if {
	count(deny) == 1 with input as {"deployment": {"Type": "STANDARD", "TracingConfiguration": null}}
	count(deny) == 1 with input as {"deployment": {"Type": "EXPRESS", "TracingConfiguration": {"Enabled": false}}}
	count(deny) == 1 with input as {"deployment": {"Type": "EXPRESS", "TracingConfiguration": {}}}
}

test_tracing_on_is_fine if {
	count(deny) == 0 with input as {"deployment": {"Type": "STANDARD", "TracingConfiguration": {"Enabled": true}}}
	count(deny) == 0 with input as {"deployment": {"Type": "STANDARD", "TracingConfiguration": {"Enabled": {"Ref": "Tracing"}}}}
}

test_plain_files_are_not_checked if {
	count(deny) == 0 with input as {"deployment": null}
	count(deny) == 0 with input as {}
}
