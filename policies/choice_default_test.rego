package nexus.policies.choice_default

import rego.v1

test_choice_without_default if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Choice": [0]}}, "states": [{"name": "C", "kind": "Choice", "definition": {"Type": "Choice", "Choices": []}}]}
}

test_choice_with_default_and_other_kinds if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Choice": [0], "Pass": [1]}}, "states": [
		{"name": "C", "kind": "Choice", "definition": {"Type": "Choice", "Default": "D"}},
		{"name": "D", "kind": "Pass", "definition": {"Type": "Pass"}},
	]}
}
