package nexus.policies.literal_secret

import rego.v1

test_literal_api_key if {
	findings := deny with input as {"index": {"arns": [], "string_keys": {"X-Api-Key": [0]}}, "states": [{"name": "Call", "strings": [{"path": ["Parameters", "Headers", "X-Api-Key"], "value": "abcd1234"}]}]}
	some f in findings
	f.path == ["states", 0, "definition", "Parameters", "Headers", "X-Api-Key"]
}

test_paths_placeholders_ids_paging_tokens_and_other_fields_are_fine if {
	count(deny) == 0 with input as {"index": {"arns": [], "string_keys": {"Password.$": [0], "ApiKey": [0], "ClientSecret": [0], "SecretId": [0], "NextToken": [0], "AccessToken": [0], "Comment": [0]}}, "states": [{"name": "Call", "strings": [
		{"path": ["Parameters", "Password.$"], "value": "$.password"},
		{"path": ["Parameters", "ApiKey"], "value": "${ApiKey}"},
		{"path": ["Parameters", "ClientSecret"], "value": "{{resolve:secretsmanager:prod/app:SecretString:client}}"},
		{"path": ["Parameters", "SecretId"], "value": "prod/app"},
		{"path": ["Parameters", "NextToken"], "value": "abcdefgh"},
		{"path": ["Arguments", "AccessToken"], "value": "{% $states.input.token %}"},
		{"path": ["Comment"], "value": "password: hunter22"},
	]}]}
}
