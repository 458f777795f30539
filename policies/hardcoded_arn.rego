# NX307 hard-coded-account-id and NX308 hard-coded-region: ARNs written with a literal
# account id or region tie the definition to one account and region.
package nexus.policies.hardcoded_arn

import rego.v1

arn_parts(v) := parts if {
	is_string(v)
	startswith(v, "arn:")
	parts := split(v, ":")
	count(parts) >= 6
}

deny contains finding if {
	some i, s in input.states
	walk(s.definition, [p, v])
	parts := arn_parts(v)
	regex.match(`^[0-9]{12}$`, parts[4])
	finding := {
		"code": "NX307",
		"msg": sprintf("state `%s` hard-codes AWS account %s in `%s`", [s.name, parts[4], v]),
		"path": array.concat(["states", i, "definition"], p),
	}
}

deny contains finding if {
	some i, s in input.states
	walk(s.definition, [p, v])
	parts := arn_parts(v)
	regex.match(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`, parts[3])
	finding := {
		"code": "NX308",
		"msg": sprintf("state `%s` hard-codes region %s in `%s`", [s.name, parts[3], v]),
		"path": array.concat(["states", i, "definition"], p),
	}
}
