package nexus.policies.wait_too_long

import rego.v1

test_long_wait if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Wait": [0]}}, "states": [{"name": "W", "kind": "Wait", "seconds": 3600000}]}
}

test_bound_is_configurable if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Wait": [0]}}, "states": [{"name": "W", "kind": "Wait", "seconds": 120}]}
		with data.nexus.config.max_wait_seconds as 60
}

test_short_or_dynamic_waits_are_fine if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Wait": [0, 1]}}, "states": [{"name": "W", "kind": "Wait", "seconds": 60}, {"name": "V", "kind": "Wait", "seconds": null}]}
}
