# NX304 task-without-catch-all: a Task with no `States.ALL` catcher fails the whole
# execution on any error its retriers do not absorb.
package nexus.policies.task_catch_all

import rego.v1

deny contains finding if {
	some i in input.index.by_kind.Task
	s := input.states[i]
	not s.has_catch_all
	# A NEXUS `compensate` is a catch-all path: export lowers it to a `States.ALL` catcher.
	not has_compensation(s)
	finding := {
		"code": "NX304",
		"msg": sprintf("task `%s` has no catch-all (`States.ALL`) error path", [s.name]),
		"path": ["states", i],
	}
}

has_compensation(s) if {
	s.compensation != null
}
