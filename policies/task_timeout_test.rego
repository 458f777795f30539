package nexus.policies.task_timeout

import rego.v1

test_task_without_timeout_is_reported if {
	findings := deny with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Charge", "kind": "Task", "timeout_seconds": null, "timeout_seconds_path": null}]}
	some f in findings
	f.code == "NX301"
	f.path == ["states", 0]
}

test_timeout_or_path_is_enough if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0, 1], "Pass": [2]}}, "states": [
		{"name": "A", "kind": "Task", "timeout_seconds": 30, "timeout_seconds_path": null},
		{"name": "B", "kind": "Task", "timeout_seconds": null, "timeout_seconds_path": "$.t"},
		{"name": "C", "kind": "Pass", "timeout_seconds": null, "timeout_seconds_path": null},
	]}
}
