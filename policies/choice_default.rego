# NX312 choice-without-default: a Choice with no `Default` fails the execution with
# `States.NoChoiceMatched` on any input that none of its rules matches.
package nexus.policies.choice_default

import rego.v1

deny contains finding if {
	some i in input.index.by_kind.Choice
	s := input.states[i]
	not s.definition.Default
	finding := {
		"code": "NX312",
		"msg": sprintf("Choice `%s` has no Default: an input no rule matches fails the execution with States.NoChoiceMatched", [s.name]),
		"path": ["states", i],
	}
}
