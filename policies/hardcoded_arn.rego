# NX307 hard-coded-account-id and NX308 hard-coded-region: ARNs written with a literal
# account id or region tie the definition to one account and region.
package nexus.policies.hardcoded_arn

import rego.v1

# `strings` holds a state's own string values (nested machines are states of their own),
# so each ARN is reported once, at its state. Account and region are checked with `trim` and
# `split`, not `regex.match`: regorus builds a fresh matcher cache on every `regex.match`
# call (~25,000 instructions), which made this policy a quarter of the pack on a large
# definition (issue 18).

deny contains finding if {
	some i, s in input.states
	some str in s.strings
	startswith(str.value, "arn:")
	parts := split(str.value, ":")
	count(parts) >= 6
	some hit in hits(parts)
	finding := {
		"code": hit[0],
		"msg": sprintf("state `%s` hard-codes %s %s in `%s`", [s.name, hit[1], hit[2], str.value]),
		"path": array.concat(["states", i, "definition"], str.path),
	}
}

# One pass over the strings for both codes: [code, what, value] for each finding of an ARN.
hits(parts) := {h | account(parts[4]); h := ["NX307", "AWS account", parts[4]]} | {h | region(parts[3]); h := ["NX308", "region", parts[3]]}

# `^[0-9]{12}$`
account(a) if {
	count(a) == 12
	trim(a, "0123456789") == ""
}

# `^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`: `us-east-1`, `us-gov-west-1`,
# `us-iso-east-1`, `us-isob-east-1`.
region(r) if {
	segs := split(r, "-")
	count(segs) == 3
	count(segs[0]) == 2
	letters(segs[0])
	letters(segs[1])
	digits(segs[2])
}

region(r) if {
	segs := split(r, "-")
	count(segs) == 4
	count(segs[0]) == 2
	letters(segs[0])
	partition_infix(segs[1])
	letters(segs[2])
	digits(segs[3])
}

partition_infix(x) if x == "gov"

partition_infix(x) if {
	startswith(x, "iso")
	trim(x, "abcdefghijklmnopqrstuvwxyz") == ""
}

letters(x) if {
	x != ""
	trim(x, "abcdefghijklmnopqrstuvwxyz") == ""
}

digits(x) if {
	x != ""
	trim(x, "0123456789") == ""
}
