package nexus.policies.action_compensation

import rego.v1

test_transfer_without_compensation if {
	findings := deny with input as {"file": {"kind": "nexus"}, "states": [{"name": "Pay", "action": "execute-transfer-function", "compensation": null}]}
	some f in findings
	f.path == ["states", 0, "action"]
}

test_compensated_or_read_only_actions_are_fine if {
	count(deny) == 0 with input as {"file": {"kind": "nexus"}, "states": [
		{"name": "Pay", "action": "execute-transfer-function", "compensation": {"action": "reverse-transfer"}},
		{"name": "Check", "action": "check-balance-function", "compensation": null},
	]}
}

test_asl_documents_are_ignored if {
	count(deny) == 0 with input as {"file": {"kind": "asl"}, "states": [{"name": "Pay", "action": "execute-transfer", "compensation": null}]}
}

test_patterns_are_configurable if {
	count(deny) == 1 with input as {"file": {"kind": "nexus"}, "states": [{"name": "Pay", "action": "frobnicate", "compensation": null}]}
		with data.nexus.config.state_changing_actions as ["^frob"]
}
