package nexus.policies.catch_result_path

import rego.v1

test_catch_without_result_path if {
	count(deny) == 1 with input as {"index": {"by_kind": {"Task": [0]}, "with_catch": [0]}, "states": [{"name": "T", "kind": "Task", "query_language": "JSONPath", "catch": [{"errors": ["States.ALL"], "result_path": null}], "definition": {"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]}}]}
}

test_result_path_or_explicit_null_or_jsonata if {
	count(deny) == 0 with input as {"index": {"by_kind": {"Task": [0, 1, 2]}, "with_catch": [0, 1, 2]}, "states": [
		{"name": "A", "kind": "Task", "query_language": "JSONPath", "catch": [{"result_path": "$.error"}], "definition": {"Catch": [{"ResultPath": "$.error"}]}},
		{"name": "B", "kind": "Task", "query_language": "JSONPath", "catch": [{"result_path": null}], "definition": {"Catch": [{"ResultPath": null}]}},
		{"name": "C", "kind": "Task", "query_language": "JSONata", "catch": [{"result_path": null}], "definition": {"Catch": [{}]}},
	]}
}
