package nexus.policies.literal_secret

import rego.v1

test_literal_password if {
	findings := deny with input as {"states": [{"name": "Call", "definition": {"Parameters": {"Headers": {"X-Api-Key": "abcd1234"}}}}]}
	some f in findings
	f.path == ["states", 0, "definition", "Parameters", "Headers", "X-Api-Key"]
}

test_paths_placeholders_ids_and_paging_tokens_are_fine if {
	count(deny) == 0 with input as {"states": [{"name": "Call", "definition": {"Parameters": {
		"Password.$": "$.password",
		"ApiKey": "${ApiKey}",
		"ClientSecret": "{{resolve:secretsmanager:prod/app:SecretString:client}}",
		"SecretId": "prod/app",
		"NextToken": "abcdefgh",
		"AccessToken": "{% $states.input.token %}",
	}}}]}
}
