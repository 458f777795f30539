# NX302 callback-without-heartbeat: a `.waitForTaskToken` or activity Task without
# HeartbeatSeconds/HeartbeatSecondsPath waits for a lost worker until its timeout.
package nexus.policies.callback_heartbeat

import rego.v1

callback(s) if s.wait_for_task_token == true

callback(s) if s.is_activity == true

deny contains finding if {
	some i in input.index.by_kind.Task
	s := input.states[i]
	callback(s)
	s.heartbeat_seconds == null
	s.heartbeat_seconds_path == null
	finding := {
		"code": "NX302",
		"msg": sprintf("task `%s` waits for a callback but has no heartbeat", [s.name]),
		"path": ["states", i],
	}
}
