"""`nexus deploy` against a Step Functions endpoint: the scenario of the CLI's e2e tests
(tests/cli/deploy_e2e.rs), checked with boto3 instead of nexus itself.

    python scripts/deploy-e2e.py NEXUS_BINARY ENDPOINT_URL

Steps: create (with tracing and a tag), no-op redeploy, dry-run diff, update (definition and
logging), publish + alias, canary weights (90/10), promotion, and errors (lint refusal, bad role
ARN, type change). Prints one line per check and a summary; exits 1 when a check failed.
"""

import json
import os
import subprocess
import sys
import tempfile

import boto3
import botocore.config

NEXUS, ENDPOINT = sys.argv[1], sys.argv[2]
REGION = "us-east-1"
ROLE = "arn:aws:iam::000000000000:role/nexus-deploy-e2e"
LOG_GROUP = "arn:aws:logs:us-east-1:000000000000:log-group:nexus-deploy-e2e:*"
NAME = "nexus-deploy-e2e-%d" % os.getpid()

ENV = dict(os.environ)
ENV.update(
    AWS_ACCESS_KEY_ID="test",
    AWS_SECRET_ACCESS_KEY="test",
    AWS_REGION=REGION,
    AWS_EC2_METADATA_DISABLED="true",
)
for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
    ENV.pop(k, None)

sfn = boto3.client(
    "stepfunctions",
    endpoint_url=ENDPOINT,
    region_name=REGION,
    aws_access_key_id="test",
    aws_secret_access_key="test",
    config=botocore.config.Config(retries={"max_attempts": 2}),
)

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok)))
    print("%s  %s%s" % ("PASS" if ok else "FAIL", name, "" if ok else ": " + str(detail)[:2000]))


def deploy(workdir, *args):
    p = subprocess.run(
        [NEXUS, "deploy", "--endpoint-url", ENDPOINT, *args],
        cwd=workdir,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return p.returncode, p.stdout, p.stderr


def workflow(state):
    return (
        'version: "1.0"\nname: orders\ntimeout_seconds: 300\nstates:\n'
        "  - name: %s\n    type: pass\n    result: {ok: true}\n    end: true\n" % state
    )


def main():
    work = tempfile.mkdtemp(prefix="nexus-deploy-e2e-")
    flow = os.path.join(work, "orders.nexus.yaml")
    with open(flow, "w") as f:
        f.write(workflow("Accept"))
    base = ["orders.nexus.yaml", "--name", NAME, "--role-arn", ROLE, "--format", "json"]

    code, out, err = deploy(work, *base, "--tracing", "--tag", "team=payments")
    check("create: exit 0", code == 0, err)
    arn = json.loads(out)["deployments"][0]["arn"] if code == 0 else None
    if arn is None:
        return
    m = sfn.describe_state_machine(stateMachineArn=arn)
    check("create: definition deployed", json.loads(m["definition"])["StartAt"] == "Accept", m["definition"])
    check("create: tracing on", m.get("tracingConfiguration", {}).get("enabled") is True, m.get("tracingConfiguration"))
    tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    check("create: tagged", {"key": "team", "value": "payments"} in tags, tags)
    revision = m.get("revisionId")

    code, out, err = deploy(work, *base, "--tracing", "--tag", "team=payments")
    check("no-op redeploy: action none", code == 0 and json.loads(out)["deployments"][0]["action"] == "none", out + err)
    check("no-op redeploy: revision unchanged", sfn.describe_state_machine(stateMachineArn=arn).get("revisionId") == revision)

    with open(flow, "w") as f:
        f.write(workflow("Receive"))
    code, out, err = deploy(work, *base[:-2], "--dry-run")
    check("dry run: diff printed", code == 0 and '+  "StartAt": "Receive",' in out, out + err)
    check(
        "dry run: nothing changed",
        json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])["StartAt"] == "Accept",
    )

    code, out, err = deploy(
        work, *base, "--log-level", "ALL", "--log-group-arn", LOG_GROUP, "--include-execution-data"
    )
    d = json.loads(out)["deployments"][0] if code == 0 else {}
    check("update: exit 0, action update", d.get("action") == "update", out + err)
    m = sfn.describe_state_machine(stateMachineArn=arn)
    check("update: definition changed", json.loads(m["definition"])["StartAt"] == "Receive", m["definition"])
    check("update: logging ALL with data", m.get("loggingConfiguration", {}).get("level") == "ALL"
          and m["loggingConfiguration"].get("includeExecutionData") is True, m.get("loggingConfiguration"))

    code, out, err = deploy(work, *base, "--alias", "live", "--description", "first")
    d = json.loads(out)["deployments"][0] if code == 0 else {}
    v1 = (d.get("version") or {}).get("arn")
    check("publish + alias: exit 0", code == 0 and v1, out + err)
    alias_arn = arn + ":live"
    if v1:
        r = sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)["routingConfiguration"]
        check("publish + alias: 100% on the version", r == [{"stateMachineVersionArn": v1, "weight": 100}], r)

    code, out, err = deploy(work, *base, "--alias", "live")
    check("alias redeploy: nothing to do", code == 0 and json.loads(out)["deployments"][0]["action"] == "none", out + err)

    with open(flow, "w") as f:
        f.write(workflow("Ship"))
    code, out, err = deploy(work, *base, "--alias", "live=new:10")
    d = json.loads(out)["deployments"][0] if code == 0 else {}
    v2 = (d.get("version") or {}).get("arn")
    check("canary: exit 0", code == 0 and v2, out + err)
    if v1 and v2:
        r = sorted(
            (x["stateMachineVersionArn"], x["weight"])
            for x in sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)["routingConfiguration"]
        )
        check("canary: 90/10", r == sorted([(v1, 90), (v2, 10)]), r)
        code, out, err = deploy(work, *base, "--alias", "live")
        r = sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)["routingConfiguration"]
        check("promote: 100% on the new version", code == 0 and r == [{"stateMachineVersionArn": v2, "weight": 100}], r)

    with open(os.path.join(work, "broken.asl.json"), "w") as f:
        f.write('{"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}')
    code, out, err = deploy(work, "broken.asl.json", "--name", NAME + "-broken", "--role-arn", ROLE)
    check("lint errors refuse the deploy (exit 1)", code == 1 and "refuse the deploy" in err, err)
    code, out, err = deploy(work, "orders.nexus.yaml", "--name", NAME + "-badrole", "--role-arn", "not-a-role")
    check("bad role ARN: exit 2 with AWS's error", code == 2 and "CreateStateMachine failed" in err, err)
    code, out, err = deploy(work, "orders.nexus.yaml", "--name", NAME, "--type", "express")
    check("type change refused: exit 2", code == 2 and "cannot become EXPRESS" in err, err)

    try:
        for a in sfn.list_state_machine_aliases(stateMachineArn=arn).get("stateMachineAliases", []):
            sfn.delete_state_machine_alias(stateMachineAliasArn=a["stateMachineAliasArn"])
        sfn.delete_state_machine(stateMachineArn=arn)
    except Exception as e:  # cleanup only
        print("note: cleanup: %s" % e)


try:
    main()
except Exception as e:  # an unexpected answer is a failed check, not a traceback
    check("scenario ran to the end", False, repr(e))
failed = [n for n, ok in results if not ok]
print("\n%d/%d checks passed against %s" % (len(results) - len(failed), len(results), ENDPOINT))
sys.exit(1 if failed or not results else 0)
