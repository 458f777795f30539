# NX309 action-without-compensation: a NEXUS state whose action changes something
# (by its name: create, update, delete, transfer, charge, ...) has no `compensate` to undo it
# when a later step fails. Patterns: `data.nexus.config.state_changing_actions` (regexes).
package nexus.policies.action_compensation

import rego.v1

default patterns := [`(^|[-_.:/])(create|update|delete|put|write|insert|execute|transfer|charge|pay|debit|credit|withdraw|deposit|book|reserve|cancel|refund|send|publish|provision|remove|modify|submit|approve|purchase)([-_.:/]|$)`]

patterns := p if {
	p := data.nexus.config.state_changing_actions
	is_array(p)
}

changes_state(action) if {
	some pat in patterns
	regex.match(pat, lower(action))
}

deny contains finding if {
	input.file.kind == "nexus"
	some i, s in input.states
	is_string(s.action)
	changes_state(s.action)
	s.compensation == null
	finding := {
		"code": "NX309",
		"msg": sprintf("state `%s` runs the state-changing action `%s` without `compensate`", [s.name, s.action]),
		"path": ["states", i, "action"],
	}
}
