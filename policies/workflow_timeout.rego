# NX311 workflow-without-timeout: without a top-level TimeoutSeconds a Standard execution
# can run for a year (the service maximum) before anyone notices it is stuck.
package nexus.policies.workflow_timeout

import rego.v1

deny contains finding if {
	input.workflow.timeout_seconds == null
	finding := {
		"code": "NX311",
		"msg": "the workflow has no overall TimeoutSeconds",
		"path": ["workflow", "timeout_seconds"],
	}
}
