# NX307 hard-coded-account-id and NX308 hard-coded-region: ARNs written with a literal
# account id or region tie the definition to one account and region.
package nexus.policies.hardcoded_arn

import rego.v1

# `strings` holds a state's own string values (nested machines are states of their own),
# so each ARN is reported once, at its state.
arns contains [i, str.path, parts] if {
	some i, s in input.states
	some str in s.strings
	startswith(str.value, "arn:")
	parts := split(str.value, ":")
	count(parts) >= 6
}

deny contains finding if {
	some [i, p, parts] in arns
	regex.match(`^[0-9]{12}$`, parts[4])
	finding := {
		"code": "NX307",
		"msg": sprintf("state `%s` hard-codes AWS account %s in `%s`", [input.states[i].name, parts[4], concat(":", parts)]),
		"path": array.concat(["states", i, "definition"], p),
	}
}

deny contains finding if {
	some [i, p, parts] in arns
	regex.match(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`, parts[3])
	finding := {
		"code": "NX308",
		"msg": sprintf("state `%s` hard-codes region %s in `%s`", [input.states[i].name, parts[3], concat(":", parts)]),
		"path": array.concat(["states", i, "definition"], p),
	}
}
