package nexus.policies.task_catch_all

import rego.v1

test_task_without_catch_all if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "A", "kind": "Task", "has_catch_all": false}]}
}

test_catch_all_or_other_kinds_are_fine if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0], "Pass": [1]}}, "states": [{"name": "A", "kind": "Task", "has_catch_all": true}, {"name": "B", "kind": "Pass", "has_catch_all": false}]}
}

test_compensation_is_a_failure_path if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Pay", "kind": "Task", "has_catch_all": false, "compensation": {"action": "refund"}}]}
}
