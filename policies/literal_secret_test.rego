package nexus.policies.literal_secret

import rego.v1

test_literal_api_key if {
	findings := deny with input as {"index": {"arns": [], "strings_by_key": {"X-Api-Key": [{"state": 0, "path": ["Parameters", "Headers", "X-Api-Key"], "value": "abcd1234"}]}}, "states": [{"name": "Call", "strings": [{"path": ["Parameters", "Headers", "X-Api-Key"], "value": "abcd1234"}]}]}
	some f in findings
	f.path == ["states", 0, "definition", "Parameters", "Headers", "X-Api-Key"]
}

test_paths_placeholders_ids_paging_tokens_and_other_fields_are_fine if {
	count(deny) == 0 with input as {"index": {"arns": [], "strings_by_key": {"Password.$": [{"state": 0, "path": ["Parameters", "Password.$"], "value": "$.password"}], "ApiKey": [{"state": 0, "path": ["Parameters", "ApiKey"], "value": "${ApiKey}"}], "ClientSecret": [{"state": 0, "path": ["Parameters", "ClientSecret"], "value": "{{resolve:secretsmanager:prod/app:SecretString:client}}"}], "SecretId": [{"state": 0, "path": ["Parameters", "SecretId"], "value": "prod/app"}], "NextToken": [{"state": 0, "path": ["Parameters", "NextToken"], "value": "abcdefgh"}], "AccessToken": [{"state": 0, "path": ["Arguments", "AccessToken"], "value": "{% $states.input.token %}"}], "Comment": [{"state": 0, "path": ["Comment"], "value": "password: hunter22"}]}}, "states": [{"name": "Call", "strings": [
		{"path": ["Parameters", "Password.$"], "value": "$.password"},
		{"path": ["Parameters", "ApiKey"], "value": "${ApiKey}"},
		{"path": ["Parameters", "ClientSecret"], "value": "{{resolve:secretsmanager:prod/app:SecretString:client}}"},
		{"path": ["Parameters", "SecretId"], "value": "prod/app"},
		{"path": ["Parameters", "NextToken"], "value": "abcdefgh"},
		{"path": ["Arguments", "AccessToken"], "value": "{% $states.input.token %}"},
		{"path": ["Comment"], "value": "password: hunter22"},
	]}]}
}
