# NX306 map-without-max-concurrency: a Map without MaxConcurrency (or with 0, which means
# "no limit") starts an iteration per item at once and floods what the items call.
package nexus.policies.map_concurrency

import rego.v1

deny contains finding if {
	some i in input.index.by_kind.Map
	s := input.states[i]
	s.max_concurrency == null
	s.max_concurrency_path == null
	finding := {
		"code": "NX306",
		"msg": sprintf("Map `%s` has no MaxConcurrency: every item runs at once", [s.name]),
		"path": ["states", i],
	}
}

deny contains finding if {
	some i in input.index.by_kind.Map
	s := input.states[i]
	s.max_concurrency == 0
	finding := {
		"code": "NX306",
		"msg": sprintf("Map `%s` sets MaxConcurrency to 0, which means no limit", [s.name]),
		"path": ["states", i, "max_concurrency"],
	}
}
