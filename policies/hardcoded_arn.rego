# NX307 hard-coded-account-id and NX308 hard-coded-region: ARNs written with a literal
# account id or region tie the definition to one account and region.
package nexus.policies.hardcoded_arn

import rego.v1

# `input.index.arns` lists the strings in ARN form of every state's own fields (nested
# machines are states of their own, so each ARN is reported once, at its state), already
# split into partition, service, region, account and resource: a rule that iterated every
# state's `strings` and split each ARN in Rego was most of the pack's cost on a large
# definition (issue 18). Account and region are checked with `trim` and `split`, not
# `regex.match`, which builds a fresh matcher cache on every call in regorus.

deny contains finding if {
	some a in input.index.arns
	account(a.account)
	finding := {
		"code": "NX307",
		"msg": sprintf("state `%s` hard-codes AWS account %s in `%s`", [input.states[a.state].name, a.account, a.value]),
		"path": array.concat(["states", a.state, "definition"], a.path),
	}
}

deny contains finding if {
	some a in input.index.arns
	region(a.region)
	finding := {
		"code": "NX308",
		"msg": sprintf("state `%s` hard-codes region %s in `%s`", [input.states[a.state].name, a.region, a.value]),
		"path": array.concat(["states", a.state, "definition"], a.path),
	}
}

# `^[0-9]{12}$`
account(a) if {
	count(a) == 12
	trim(a, "0123456789") == ""
}

# `^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`: `us-east-1`, `us-gov-west-1`,
# `us-iso-east-1`, `us-isob-east-1`.
# Each check written out in the body: a call of a helper function costs regorus's virtual
# machine ~3,500 instructions, once per ARN (issue 18).
region(r) if {
	segs := split(r, "-")
	count(segs) == 3
	count(segs[0]) == 2
	trim(segs[0], "abcdefghijklmnopqrstuvwxyz") == ""
	segs[1] != ""
	trim(segs[1], "abcdefghijklmnopqrstuvwxyz") == ""
	segs[2] != ""
	trim(segs[2], "0123456789") == ""
}

region(r) if {
	segs := split(r, "-")
	count(segs) == 4
	count(segs[0]) == 2
	trim(segs[0], "abcdefghijklmnopqrstuvwxyz") == ""
	partition_infix(segs[1])
	segs[2] != ""
	trim(segs[2], "abcdefghijklmnopqrstuvwxyz") == ""
	segs[3] != ""
	trim(segs[3], "0123456789") == ""
}

partition_infix(x) if x == "gov"

partition_infix(x) if {
	startswith(x, "iso")
	trim(x, "abcdefghijklmnopqrstuvwxyz") == ""
}
