# NX314 secret-in-definition: a payload field named like a credential (password, secret,
# API key, access token, ...) holding a literal string. Definitions live in version control
# and in every execution's history; secrets belong in Secrets Manager or Parameter Store,
# read at run time or through a `{{resolve:secretsmanager:...}}` dynamic reference.
package nexus.policies.literal_secret

import rego.v1

# Key endings (lower case, `-` and `_` removed) that name a secret value. Ids, names and ARNs
# of secrets (`SecretId`, `SecretArn`) are not secrets; neither are paging or idempotency
# tokens (`NextToken`, `ClientToken`).
suffixes := [
	"password", "passwd", "secret", "clientsecret", "apikey", "accesskey", "secretaccesskey",
	"privatekey", "authorization", "accesstoken", "authtoken", "bearertoken", "apitoken",
	"refreshtoken", "sessiontoken", "secretstring",
]

payload_fields := {"Parameters", "Arguments", "ItemSelector", "ResultSelector", "Result", "Assign", "Output"}

secret_key(k) if {
	is_string(k)
	not endswith(k, ".$")
	norm := lower(replace(replace(k, "_", ""), "-", ""))
	# One builtin call, not a loop over the suffixes: the loop was most of this policy's
	# cost on a large definition (issue 18).
	strings.any_suffix_match(norm, suffixes)
}

literal(v) if {
	is_string(v)
	count(trim_space(v)) >= 4
	not startswith(v, "$")
	not startswith(trim_space(v), "{%")
	not contains(v, "${")
	not contains(v, "#{")
	not contains(v, "{{resolve:")
}

# `input.index.string_keys` lists, per key, the states with a string under that key: the key
# test runs once per distinct key and only those states' strings are searched, not every
# string of every state (issue 18).
deny contains finding if {
	some key, holders in input.index.string_keys
	secret_key(key)
	some i in holders
	s := input.states[i]
	some str in s.strings
	count(str.path) > 1
	str.path[count(str.path) - 1] == key
	str.path[0] in payload_fields
	literal(str.value)
	finding := {
		"code": "NX314",
		"msg": sprintf("state `%s` has a literal secret in `%s` (value not shown)", [s.name, concat(".", [seg | some x in str.path; seg := sprintf("%v", [x])])]),
		"path": array.concat(["states", i, "definition"], str.path),
	}
}
