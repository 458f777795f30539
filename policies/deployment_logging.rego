# NX315 execution-logging-off: a Standard machine whose deployment (template resource or
# nexus.toml [deploy.<name>]) does not log its executions with their data to CloudWatch Logs.
# Without it there is no audit trail of what each execution received and returned once the
# execution history expires (90 days after the execution closes).
package nexus.policies.deployment_logging

import rego.v1

levels := {"ALL", "ERROR", "FATAL"}

deny contains finding if {
	d := input.deployment
	d.Type == "STANDARD"
	reason := problem(d.LoggingConfiguration)
	finding := {
		"code": "NX315",
		"msg": sprintf("the Standard state machine is deployed %s", [reason]),
		"path": ["deployment", "LoggingConfiguration"],
	}
}

problem(l) := "without a LoggingConfiguration (execution logging is OFF)" if l == null

problem(l) := "with execution logging OFF" if {
	is_object(l)
	off(l)
}

problem(l) := "with logs that leave out the execution data (IncludeExecutionData is not true)" if {
	is_object(l)
	not off(l)
	no_data(l)
}

# A level that is an intrinsic function (a template parameter) cannot be judged here.
off(l) if not l.Level

off(l) if l.Level == "OFF"

off(l) if {
	is_string(l.Level)
	not upper(l.Level) in levels
}

no_data(l) if not l.IncludeExecutionData

no_data(l) if l.IncludeExecutionData == "false"
