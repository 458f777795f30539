package nexus.policies.map_concurrency

import rego.v1

test_map_without_limit if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Map": [0]}}, "states": [{"name": "M", "kind": "Map", "max_concurrency": null, "max_concurrency_path": null}]}
}

test_zero_means_unlimited if {
	findings := deny with input as {"index": {"by_kind": {"Map": [0]}}, "states": [{"name": "M", "kind": "Map", "max_concurrency": 0, "max_concurrency_path": null}]}
	some f in findings
	f.path == ["states", 0, "max_concurrency"]
}

test_limited_map_is_fine if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Map": [0, 1]}}, "states": [
		{"name": "M", "kind": "Map", "max_concurrency": 5, "max_concurrency_path": null},
		{"name": "N", "kind": "Map", "max_concurrency": null, "max_concurrency_path": "$.n"},
	]}
}
