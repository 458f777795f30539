package nexus.policies.callback_heartbeat

import rego.v1

test_token_task_without_heartbeat if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Approve", "kind": "Task", "wait_for_task_token": true, "is_activity": false, "heartbeat_seconds": null, "heartbeat_seconds_path": null}]}
}

test_activity_without_heartbeat if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Task": [0]}}, "states": [{"name": "Work", "kind": "Task", "wait_for_task_token": false, "is_activity": true, "heartbeat_seconds": null, "heartbeat_seconds_path": null}]}
}

test_heartbeat_or_plain_task_is_fine if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0, 1]}}, "states": [
		{"name": "A", "kind": "Task", "wait_for_task_token": true, "is_activity": false, "heartbeat_seconds": 60, "heartbeat_seconds_path": null},
		{"name": "B", "kind": "Task", "wait_for_task_token": false, "is_activity": false, "heartbeat_seconds": null, "heartbeat_seconds_path": null},
	]}
}
