package nexus.policies.hardcoded_arn

import rego.v1

test_account_and_region_in_function_arn if {
	findings := deny with input as {"states": [{"name": "A", "strings": [{"path": ["Resource"], "value": "arn:aws:lambda:us-east-1:123456789012:function:charge"}]}]}
	codes := {f.code | some f in findings}
	codes == {"NX307", "NX308"}
	some f in findings
	f.path == ["states", 0, "definition", "Resource"]
}

test_nested_parameters_are_searched if {
	findings := deny with input as {"states": [{"name": "A", "strings": [{"path": ["Parameters", "Targets", 0, "Arn"], "value": "arn:aws:sqs:eu-west-1:123456789012:q"}]}]}
	some f in findings
	f.path == ["states", 0, "definition", "Parameters", "Targets", 0, "Arn"]
}

test_account_free_arns_are_fine if {
	count(deny) == 0 with input as {"states": [{"name": "A", "strings": [
		{"path": ["Resource"], "value": "arn:aws:states:::lambda:invoke"},
		{"path": ["Parameters", "FunctionName"], "value": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:f"},
		{"path": ["Parameters", "Note"], "value": "arn:x"},
	]}]}
}
