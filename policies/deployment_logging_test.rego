package nexus.policies.deployment_logging

import rego.v1

test_no_logging_configuration if {
	count(deny) == 1 with input as {"deployment": {"Type": "STANDARD", "LoggingConfiguration": null}}
}

test_level_off if {
	count(deny) == 1 with input as {"deployment": {"Type": "STANDARD", "LoggingConfiguration": {"Level": "OFF", "IncludeExecutionData": true}}}
}

test_no_execution_data if {
	count(deny) == 1 with input as {"deployment": {"Type": "STANDARD", "LoggingConfiguration": {"Level": "ALL"}}}
	count(deny) == 1 with input as {"deployment": {"Type": "STANDARD", "LoggingConfiguration": {"Level": "ERROR", "IncludeExecutionData": false}}}
}

test_logging_with_data_is_fine if {
	count(deny) == 0 with input as {"deployment": {"Type": "STANDARD", "LoggingConfiguration": {"Level": "ALL", "IncludeExecutionData": true}}}
}

test_parameterised_level_is_not_judged if {
	count(deny) == 0 with input as {"deployment": {"Type": "STANDARD", "LoggingConfiguration": {"Level": {"Ref": "LogLevel"}, "IncludeExecutionData": true}}}
}

test_express_and_plain_files_are_not_checked if {
	count(deny) == 0 with input as {"deployment": {"Type": "EXPRESS", "LoggingConfiguration": null}}
	count(deny) == 0 with input as {"deployment": null}
	count(deny) == 0 with input as {}
}
