# NX310 wait-too-long: a Wait with literal Seconds above `data.nexus.config.max_wait_seconds`
# (default 86400, one day) is usually a unit mistake (milliseconds) or belongs to a scheduler.
package nexus.policies.wait_too_long

import rego.v1

default max_wait_seconds := 86400

max_wait_seconds := n if {
	n := data.nexus.config.max_wait_seconds
	is_number(n)
}

deny contains finding if {
	some i in input.index.by_kind.Wait
	s := input.states[i]
	is_number(s.seconds)
	s.seconds > max_wait_seconds
	finding := {
		"code": "NX310",
		"msg": sprintf("Wait `%s` pauses %d seconds, more than the %d allowed", [s.name, s.seconds, max_wait_seconds]),
		"path": ["states", i, "seconds"],
	}
}
