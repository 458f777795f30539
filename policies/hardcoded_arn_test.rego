package nexus.policies.hardcoded_arn

import rego.v1

test_account_and_region_in_function_arn if {
	findings := deny with input as {"index": {"arns": [{"state": 0, "path": ["Resource"], "value": "arn:aws:lambda:us-east-1:123456789012:function:charge", "partition": "aws", "service": "lambda", "region": "us-east-1", "account": "123456789012", "resource": "function:charge"}], "string_keys": {"Resource": [0]}}, "states": [{"name": "A", "strings": [{"path": ["Resource"], "value": "arn:aws:lambda:us-east-1:123456789012:function:charge"}]}]}
	codes := {f.code | some f in findings}
	codes == {"NX307", "NX308"}
	some f in findings
	f.path == ["states", 0, "definition", "Resource"]
}

test_nested_parameters_are_searched if {
	findings := deny with input as {"index": {"arns": [{"state": 0, "path": ["Parameters", "Targets", 0, "Arn"], "value": "arn:aws:sqs:eu-west-1:123456789012:q", "partition": "aws", "service": "sqs", "region": "eu-west-1", "account": "123456789012", "resource": "q"}], "string_keys": {"Arn": [0]}}, "states": [{"name": "A", "strings": [{"path": ["Parameters", "Targets", 0, "Arn"], "value": "arn:aws:sqs:eu-west-1:123456789012:q"}]}]}
	some f in findings
	f.path == ["states", 0, "definition", "Parameters", "Targets", 0, "Arn"]
}

test_account_free_arns_are_fine if {
	count(deny) == 0 with input as {"index": {"arns": [{"state": 0, "path": ["Resource"], "value": "arn:aws:states:::lambda:invoke", "partition": "aws", "service": "states", "region": "", "account": "", "resource": "lambda:invoke"}, {"state": 0, "path": ["Parameters", "FunctionName"], "value": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:f", "partition": "aws", "service": "lambda", "region": "${AWS", "account": "", "resource": "Region}:${AWS::AccountId}:function:f"}], "string_keys": {"Resource": [0], "FunctionName": [0], "Note": [0]}}, "states": [{"name": "A", "strings": [
		{"path": ["Resource"], "value": "arn:aws:states:::lambda:invoke"},
		{"path": ["Parameters", "FunctionName"], "value": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:f"},
		{"path": ["Parameters", "Note"], "value": "arn:x"},
	]}]}
}

# The `trim`/`split` checks accept exactly what the regular expressions of the rule's
# comments accept.
test_account_shapes if {
	account("123456789012")
	not account("12345678901")
	not account("1234567890123")
	not account("12345678901a")
	not account("a23456789012")
	not account("")
}

test_region_shapes if {
	region("us-east-1")
	region("eu-west-2")
	region("us-gov-west-1")
	region("us-iso-east-1")
	region("us-isob-east-1")
	region("us-gov-1")
	not region("us-east")
	not region("us-east-x")
	not region("use-east-1")
	not region("u-east-1")
	not region("US-east-1")
	not region("us--1")
	not region("us-xyz-west-1")
	not region("us-iso1-east-1")
	not region("us-gov-west-1-2")
	not region("${AWS::Region}")
	not region("")
}
