# NX313 catch-discards-input: a JSONPath catcher without `ResultPath` replaces the state's
# whole input with the error object, so the states after the catcher lose the data they need
# to clean up or report (AWS: "use ResultPath to keep the input and add the error").
package nexus.policies.catch_result_path

import rego.v1

deny contains finding if {
	some i in input.index.with_catch
	s := input.states[i]
	s.query_language != "JSONata"
	some j, c in s.catch
	c.result_path == null
	not explicit_null(s, j)
	finding := {
		"code": "NX313",
		"msg": sprintf("the catcher of `%s` for %v has no ResultPath: the error object replaces the state input", [s.name, c.errors]),
		"path": ["states", i, "catch", j],
	}
}

# `"ResultPath": null` is written on purpose (keep the input, drop the error).
explicit_null(s, j) if {
	some k, _ in s.definition.Catch[j]
	k == "ResultPath"
}
