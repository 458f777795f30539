# NX317 role-trusts-anyone: the execution role of the machine, declared in the same template,
# has a trust policy (AssumeRolePolicyDocument) that lets any principal assume it.
package nexus.policies.role_trust

import rego.v1

deny contains finding if {
	role := input.deployment.Role
	some i, statement in statements(role.AssumeRolePolicyDocument)
	statement.Effect == "Allow"
	wildcard(statement.Principal)
	finding := {
		"code": "NX317",
		"msg": sprintf("the execution role `%s` can be assumed by any principal (`Principal` is `*`)", [role.LogicalId]),
		"path": array.concat(["deployment", "Role", "AssumeRolePolicyDocument", "Statement"], index(role.AssumeRolePolicyDocument, i)),
	}
}

statements(doc) := doc.Statement if is_array(doc.Statement)

statements(doc) := [doc.Statement] if is_object(doc.Statement)

# A single statement object (not a list) has no index.
index(doc, i) := [i] if is_array(doc.Statement)

index(doc, _) := [] if is_object(doc.Statement)

wildcard(p) if p == "*"

wildcard(p) if {
	some kind in ["AWS", "Service", "Federated"]
	anyone(p[kind])
}

anyone(v) if v == "*"

anyone(v) if {
	is_array(v)
	"*" in v
}
