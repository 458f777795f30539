# NX301 task-without-timeout: a Task with neither TimeoutSeconds nor TimeoutSecondsPath.
# ASL: the default is 99999999 seconds, so a stuck worker holds the execution for years.
package nexus.policies.task_timeout

import rego.v1

deny contains finding if {
	some i in input.index.by_kind.Task
	s := input.states[i]
	s.timeout_seconds == null
	s.timeout_seconds_path == null
	finding := {
		"code": "NX301",
		"msg": sprintf("task `%s` has no timeout", [s.name]),
		"path": ["states", i],
	}
}
