# NX316 tracing-disabled: a machine whose deployment (template resource or nexus.toml
# [deploy.<name>]) does not turn on AWS X-Ray tracing, so a slow or failing execution cannot
# be followed into the services it calls.
package nexus.policies.deployment_tracing

import rego.v1

deny contains finding if {
	d := input.deployment
	is_object(d)
	off(d.TracingConfiguration)
	finding := {
		"code": "NX316",
		"msg": "the state machine is deployed without X-Ray tracing (TracingConfiguration.Enabled is not true)",
		"path": ["deployment", "TracingConfiguration"],
	}
}

off(t) if t == null

# `Enabled` given as a template parameter (an object) cannot be judged here.
off(t) if {
	is_object(t)
	not t.Enabled
}

off(t) if t.Enabled == "false"
