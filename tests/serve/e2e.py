"""End-to-end tests of `nexus serve` with real clients: boto3 and the AWS CLI.

Run by tests/serve/run.sh (which makes the venv): python e2e.py NEXUS_BINARY
Every scenario spawns or reuses a `nexus serve` on a free 127.0.0.1 port with a fresh data
directory; the crash test kills it with SIGKILL and starts it again on the same directory.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import boto3
import botocore.config
from botocore.exceptions import ClientError

NEXUS = os.path.abspath(sys.argv[1])
ROLE = "arn:aws:iam::123456789012:role/test"
FAILURES = []


class Server:
    def __init__(self, data_dir, *extra):
        self.data_dir = data_dir
        self.extra = list(extra)
        self.proc = None
        self.url = None

    def start(self):
        self.proc = subprocess.Popen(
            [NEXUS, "serve", "--port", "0", "--data-dir", self.data_dir, "--activity-poll", "5"]
            + self.extra,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stderr.readline()
        if "listening on " not in line:
            raise RuntimeError("nexus serve did not start: " + line + self.proc.stderr.read())
        self.url = line.split("listening on ")[1].split()[0]
        # Drain stderr so the server never blocks on a full pipe.
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def client(self):
        return boto3.client(
            "stepfunctions",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            # StartSyncExecution has the endpoint host prefix `sync-`, which an IP address cannot
            # take: clients of a local endpoint turn host prefixes off (as with LocalStack).
            config=botocore.config.Config(retries={"max_attempts": 1}, read_timeout=70, inject_host_prefix=False),
        )


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def error_code(fn, *a, **kw):
    try:
        fn(*a, **kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    return None, 200


def wait_status(sfn, arn, timeout=30, want=None):
    end = time.time() + timeout
    while time.time() < end:
        d = sfn.describe_execution(executionArn=arn)
        if d["status"] != "RUNNING" and (want is None or d["status"] == want):
            return d
        time.sleep(0.05)
    return sfn.describe_execution(executionArn=arn)


def history(sfn, arn, **kw):
    events, token = [], None
    while True:
        args = dict(executionArn=arn, maxResults=3, **kw)
        if token:
            args["nextToken"] = token
        page = sfn.get_execution_history(**args)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            return events


def machine(sfn, name, definition, **kw):
    return sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn=ROLE, **kw
    )["stateMachineArn"]


PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": 1}, "ResultPath": "$.r", "End": True}}}


def basics(sfn):
    arn = machine(sfn, "basic", PASS)
    d = sfn.describe_state_machine(stateMachineArn=arn)
    check(d["name"] == "basic" and json.loads(d["definition"]) == PASS, "describe_state_machine")
    e = sfn.start_execution(stateMachineArn=arn, name="e1", input='{"a": 1}')
    d = wait_status(sfn, e["executionArn"])
    check(d["status"] == "SUCCEEDED", "basic execution succeeded: %s" % d)
    check(json.loads(d["output"]) == {"a": 1, "r": {"ok": 1}}, "basic output")
    # AWS: the same name and input as a RUNNING execution gives that execution; a closed one,
    # or other input, is ExecutionAlreadyExists. A Wait keeps the first one running (the Pass
    # machine above may already have finished, whatever the machine's speed).
    slow = machine(sfn, "basic-wait", {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3, "End": True}}})
    w = sfn.start_execution(stateMachineArn=slow, name="w1", input='{"a": 1}')
    again = sfn.start_execution(stateMachineArn=slow, name="w1", input='{"a": 1}')
    check(again["executionArn"] == w["executionArn"], "idempotent start while running")
    code, status = error_code(sfn.start_execution, stateMachineArn=slow, name="w1", input='{"a": 2}')
    check((code, status) == ("ExecutionAlreadyExists", 400), "name reuse with other input: %s" % code)
    code, status = error_code(sfn.start_execution, stateMachineArn=arn, name="e1", input='{"a": 1}')
    check((code, status) == ("ExecutionAlreadyExists", 400), "name reuse after the end: %s" % code)
    h = history(sfn, e["executionArn"])
    types = [x["type"] for x in h]
    check(types == ["ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"], "history %s" % types)
    r = sfn.get_execution_history(executionArn=e["executionArn"], reverseOrder=True, includeExecutionData=False)
    check(r["events"][0]["type"] == "ExecutionSucceeded", "reverseOrder")
    check("output" not in r["events"][0].get("executionSucceededEventDetails", {}), "includeExecutionData=false")
    for i in range(5):
        sfn.start_execution(stateMachineArn=arn, name="many-%d" % i)
    seen, token = [], None
    while True:
        kw = {"stateMachineArn": arn, "maxResults": 2}
        if token:
            kw["nextToken"] = token
        p = sfn.list_executions(**kw)
        seen += [x["name"] for x in p["executions"]]
        token = p.get("nextToken")
        if not token:
            break
    check(len(seen) == 6 and len(set(seen)) == 6, "list_executions pagination %s" % seen)
    check(seen[0] == "many-4", "newest first")
    ok = sfn.list_executions(stateMachineArn=arn, statusFilter="SUCCEEDED")["executions"]
    check(all(x["status"] == "SUCCEEDED" for x in ok), "status filter")
    check(any(m["name"] == "basic" for m in sfn.list_state_machines()["stateMachines"]), "list_state_machines")
    # errors, in AWS's shape
    bogus = arn.replace("basic", "nope")
    check(error_code(sfn.describe_state_machine, stateMachineArn=bogus) == ("StateMachineDoesNotExist", 400), "unknown machine")
    check(error_code(sfn.describe_state_machine, stateMachineArn="not-an-arn")[0] == "InvalidArn", "bad arn")
    bad = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}}
    check(error_code(machine, sfn, "bad", bad)[0] == "InvalidDefinition", "invalid definition")
    check(error_code(sfn.start_execution, stateMachineArn=arn, input="{nope")[0] == "InvalidExecutionInput", "bad input")
    big = json.dumps({"x": "y" * (256 * 1024)})
    check(error_code(sfn.start_execution, stateMachineArn=arn, input=big)[0] == "ValidationException", "too large input")
    check(error_code(sfn.send_task_success, taskToken="forged", output="{}")[0] == "InvalidToken", "bad token")
    req = urllib.request.Request(sfn.meta.endpoint_url + "/", data=b"{not json",
                                 headers={"X-Amz-Target": "AWSStepFunctions.ListStateMachines",
                                          "Content-Type": "application/x-amz-json-1.0"})
    try:
        urllib.request.urlopen(req)
        check(False, "malformed JSON accepted")
    except urllib.error.HTTPError as e:
        body = json.loads(e.read())
        check(e.code == 400 and body["__type"] == "SerializationException", "malformed JSON: %s" % body)
    # validation from nexus's lint
    v = sfn.validate_state_machine_definition(definition=json.dumps(bad))
    check(v["result"] == "FAIL" and any(x["location"] == "/States/A/Next" and x["code"] == "MISSING_TRANSITION_TARGET"
                                        for x in v["diagnostics"]), "validate %s" % v)
    v = sfn.validate_state_machine_definition(definition=json.dumps(PASS))
    check(v["result"] == "OK", "validate ok")


def callbacks(sfn):
    d = {"StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
        "HeartbeatSeconds": 30, "Next": "Done"}, "Done": {"Type": "Pass", "End": True}}}
    arn = machine(sfn, "callback", d)
    tokens = {}
    for name in ["ok", "fail", "stop"]:
        e = sfn.start_execution(stateMachineArn=arn, name=name)["executionArn"]
        for _ in range(200):
            ev = [x for x in history(sfn, e) if x["type"] == "TaskScheduled"]
            if ev:
                params = json.loads(ev[0]["taskScheduledEventDetails"]["parameters"])
                tokens[name] = (e, params["MessageBody"]["token"])
                break
            time.sleep(0.02)
    check(len(tokens) == 3 and len({t for _, t in tokens.values()}) == 3, "distinct tokens")
    sfn.send_task_heartbeat(taskToken=tokens["ok"][1])
    sfn.send_task_success(taskToken=tokens["ok"][1], output='{"paid": true}')
    d = wait_status(sfn, tokens["ok"][0])
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"paid": True}, "callback success %s" % d)
    check(error_code(sfn.send_task_success, taskToken=tokens["ok"][1], output="{}")[0] == "TaskDoesNotExist", "closed token")
    sfn.send_task_failure(taskToken=tokens["fail"][1], error="Card.Declined", cause="no funds")
    d = wait_status(sfn, tokens["fail"][0])
    check(d["status"] == "FAILED" and d["error"] == "Card.Declined", "callback failure %s" % d)
    sfn.stop_execution(executionArn=tokens["stop"][0], error="Stopped", cause="by test")
    d = sfn.describe_execution(executionArn=tokens["stop"][0])
    check(d["status"] == "ABORTED" and d["error"] == "Stopped", "stop %s" % d)
    check(history(sfn, tokens["stop"][0])[-1]["type"] == "ExecutionAborted", "aborted event")
    hb = {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                                           "Parameters": {"t.$": "$$.Task.Token"}, "HeartbeatSeconds": 1, "End": True}}}
    e = sfn.start_execution(stateMachineArn=machine(sfn, "heartbeat", hb))["executionArn"]
    d = wait_status(sfn, e, timeout=10)
    check(d["status"] == "FAILED" and d["error"] == "States.HeartbeatTimeout", "heartbeat timeout %s" % d)


def last_token(sfn, arn, count):
    """The task token of the `count`-th TaskScheduled event of an execution (waits for it)."""
    for _ in range(300):
        ev = [x for x in history(sfn, arn) if x["type"] == "TaskScheduled"]
        if len(ev) >= count:
            return json.loads(ev[count - 1]["taskScheduledEventDetails"]["parameters"])["t"]
        time.sleep(0.02)
    return None


def redrive(sfn):
    d = {"StartAt": "Prepare", "States": {
        "Prepare": {"Type": "Pass", "Result": "ready", "ResultPath": "$.prep", "Next": "Charge"},
        "Charge": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                   "Parameters": {"t.$": "$$.Task.Token", "redrives.$": "$$.Execution.RedriveCount"},
                   "ResultPath": "$.charge", "End": True}}}
    arn = machine(sfn, "redrivable", d)
    e = sfn.start_execution(stateMachineArn=arn, name="r1", input='{"order": 7}')["executionArn"]
    sfn.send_task_failure(taskToken=last_token(sfn, e, 1), error="Card.Declined", cause="no funds")
    d1 = wait_status(sfn, e)
    check(d1["status"] == "FAILED" and d1["redriveStatus"] == "REDRIVABLE" and d1["redriveCount"] == 0,
          "failed execution is redrivable %s" % d1)
    r = sfn.redrive_execution(executionArn=e)
    check("redriveDate" in r, "redrive answer %s" % r)
    d2 = sfn.describe_execution(executionArn=e)
    check(d2["status"] == "RUNNING" and d2["redriveCount"] == 1 and "redriveDate" in d2, "redriven running %s" % d2)
    check(error_code(sfn.redrive_execution, executionArn=e)[0] == "ExecutionNotRedrivable", "running not redrivable")
    token = last_token(sfn, e, 2)
    sched = [x for x in history(sfn, e) if x["type"] == "TaskScheduled"]
    check(json.loads(sched[-1]["taskScheduledEventDetails"]["parameters"])["redrives"] == 1, "$$.Execution.RedriveCount")
    sfn.send_task_success(taskToken=token, output='{"paid": true}')
    d3 = wait_status(sfn, e)
    check(d3["status"] == "SUCCEEDED" and json.loads(d3["output"]) == {"order": 7, "prep": "ready", "charge": {"paid": True}},
          "redriven execution succeeded %s" % d3)
    check(d3["redriveStatus"] == "NOT_REDRIVABLE" and "SUCCEEDED" in d3["redriveStatusReason"], "succeeded not redrivable")
    h = history(sfn, e)
    types = [x["type"] for x in h]
    check(types.count("PassStateEntered") == 1 and types.count("ExecutionRedriven") == 1
          and types.index("ExecutionFailed") < types.index("ExecutionRedriven") and types[-1] == "ExecutionSucceeded",
          "redrive history %s" % types)
    check([x["id"] for x in h] == list(range(1, len(h) + 1)), "redrive history ids")
    red = [x for x in h if x["type"] == "ExecutionRedriven"][0]
    check(red["executionRedrivenEventDetails"]["redriveCount"] == 1, "ExecutionRedriven details %s" % red)
    check(error_code(sfn.redrive_execution, executionArn=e)[0] == "ExecutionNotRedrivable", "succeeded not redrivable")
    listed = sfn.list_executions(stateMachineArn=arn, redriveFilter="REDRIVEN")["executions"]
    check([x["name"] for x in listed] == ["r1"] and listed[0]["redriveCount"] == 1, "redriveFilter %s" % listed)
    # A stopped (ABORTED) execution is redriven too.
    e2 = sfn.start_execution(stateMachineArn=arn, name="r2")["executionArn"]
    last_token(sfn, e2, 1)
    sfn.stop_execution(executionArn=e2, error="Stopped")
    sfn.redrive_execution(executionArn=e2)
    sfn.send_task_success(taskToken=last_token(sfn, e2, 2), output='{"late": true}')
    d4 = wait_status(sfn, e2)
    check(d4["status"] == "SUCCEEDED" and json.loads(d4["output"])["charge"] == {"late": True}, "aborted redriven %s" % d4)
    check(error_code(sfn.redrive_execution, executionArn=e2.replace(":r2", ":nope"))[0] == "ExecutionDoesNotExist",
          "redrive unknown execution")


def map_runs(sfn):
    d = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "MaxConcurrency": 2, "ToleratedFailureCount": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Check", "States": {
                              "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 3, "Next": "Bad"}],
                                        "Default": "Good"},
                              "Bad": {"Type": "Fail", "Error": "Odd"},
                              "Good": {"Type": "Pass", "End": True}}},
        "End": True}}}
    arn = machine(sfn, "distributed", d)
    e = sfn.start_execution(stateMachineArn=arn, input="[1, 2, 3, 4]")["executionArn"]
    r = wait_status(sfn, e)
    check(r["status"] == "SUCCEEDED", "distributed map %s" % r)
    runs = sfn.list_map_runs(executionArn=e)["mapRuns"]
    check(len(runs) == 1 and runs[0]["stateMachineArn"] == arn + "/Fan", "list_map_runs %s" % runs)
    started = [x for x in history(sfn, e) if x["type"] == "MapRunStarted"]
    check(started and started[0]["mapRunStartedEventDetails"]["mapRunArn"] == runs[0]["mapRunArn"], "MapRunStarted arn")
    m = sfn.describe_map_run(mapRunArn=runs[0]["mapRunArn"])
    c = m["itemCounts"]
    check(m["status"] == "SUCCEEDED" and m["executionArn"] == e and m["maxConcurrency"] == 2
          and m["toleratedFailureCount"] == 1, "describe_map_run %s" % m)
    check((c["total"], c["succeeded"], c["failed"], c["pending"], c["running"]) == (4, 3, 1, 0, 0), "item counts %s" % c)
    other = sfn.start_execution(stateMachineArn=arn, input="[1]")["executionArn"]
    wait_status(sfn, other)
    check(sfn.list_map_runs(executionArn=other)["mapRuns"][0]["mapRunArn"] != runs[0]["mapRunArn"], "map run arns are unique")
    check(error_code(sfn.describe_map_run, mapRunArn=runs[0]["mapRunArn"][:-4] + "ffff")[0] == "ResourceNotFound", "unknown map run")


def update_map_run(sfn):
    """UpdateMapRun on a running Map Run: a failure the Map state does not tolerate is
    tolerated after the update, and the raised maxConcurrency starts the other children at
    once (their activity tasks are all waiting together)."""
    act = sfn.create_activity(name="map-item")["activityArn"]
    d = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "MaxConcurrency": 1,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": act, "End": True}}},
        "End": True}}}
    arn = machine(sfn, "updatable", d)
    e = sfn.start_execution(stateMachineArn=arn, input="[1, 2, 3, 4]")["executionArn"]
    first = sfn.get_activity_task(activityArn=act)
    runs = []
    for _ in range(200):
        runs = sfn.list_map_runs(executionArn=e)["mapRuns"]
        if runs:
            break
        time.sleep(0.02)
    run = runs[0]["mapRunArn"]
    m = sfn.describe_map_run(mapRunArn=run)
    check(m["status"] == "RUNNING" and m["maxConcurrency"] == 1 and m["toleratedFailureCount"] == 0, "map run before update %s" % m)
    check(error_code(sfn.update_map_run, mapRunArn=run, toleratedFailurePercentage=101.0)[0] == "ValidationException",
          "percentage above 100 refused")
    check(error_code(sfn.update_map_run, mapRunArn=run[:-4] + "ffff", maxConcurrency=2)[0] == "ResourceNotFound",
          "unknown map run")
    sfn.update_map_run(mapRunArn=run, maxConcurrency=3, toleratedFailureCount=2)
    m = sfn.describe_map_run(mapRunArn=run)
    check(m["maxConcurrency"] == 3 and m["toleratedFailureCount"] == 2, "describe after update %s" % m)
    sfn.send_task_failure(taskToken=first["taskToken"], error="Item.Bad", cause="first item")
    # The three other children now run together: each poll finds a task right away.
    t0 = time.time()
    rest = [sfn.get_activity_task(activityArn=act) for _ in range(3)]
    check(all(r.get("taskToken") for r in rest) and time.time() - t0 < 4, "raised concurrency runs the rest together")
    sfn.send_task_failure(taskToken=rest[0]["taskToken"], error="Item.Bad")
    for r in rest[1:]:
        sfn.send_task_success(taskToken=r["taskToken"], output="{}")
    d = wait_status(sfn, e)
    check(d["status"] == "SUCCEEDED", "two failures tolerated after the update %s" % d)
    m = sfn.describe_map_run(mapRunArn=run)
    check(m["status"] == "SUCCEEDED" and m["itemCounts"]["failed"] == 2, "map run after update %s" % m)
    check(error_code(sfn.update_map_run, mapRunArn=run, maxConcurrency=5)[0] == "ValidationException",
          "a finished map run is not updated")


def redrive_timed_out(sfn):
    """AWS: a redrive resets the state machine level timeout; the redriven attempt has the
    whole TimeoutSeconds again: 3 s allowed, two Waits of 2 s; the redrive runs the second
    Wait again within a fresh 3 s."""
    d = {"TimeoutSeconds": 3, "StartAt": "A", "States": {
        "A": {"Type": "Wait", "Seconds": 2, "Next": "B"},
        "B": {"Type": "Wait", "Seconds": 2, "Next": "Done"},
        "Done": {"Type": "Pass", "Result": "done", "End": True}}}
    arn = machine(sfn, "timeouts", d)
    e = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    r = wait_status(sfn, e)
    check(r["status"] == "TIMED_OUT" and r["redriveStatus"] == "REDRIVABLE", "timed out first %s" % r)
    sfn.redrive_execution(executionArn=e)
    r = wait_status(sfn, e)
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) == "done", "redriven within a fresh timeout %s" % r)
    types = [x["type"] for x in history(sfn, e)]
    check(types.count("WaitStateEntered") == 3 and "ExecutionTimedOut" in types, "timed-out redrive history %s" % types)


def partial_redrive(sfn):
    """AWS RedriveExecution: a redriven Parallel runs only its branches that failed or were
    aborted, and a redriven Distributed Map redrives its Map Run: only the child executions
    that did not succeed run again (MapRunRedriven; DescribeMapRun counts the redrive)."""
    cb = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": {"t.$": "$$.Task.Token"}, "End": True}
    d = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "Left", "States": {"Left": cb}},
        {"StartAt": "Right", "States": {"Right": cb}}]}}}
    arn = machine(sfn, "partial", d)
    e = sfn.start_execution(stateMachineArn=arn, name="p1")["executionArn"]
    first = {}
    for _ in range(300):
        sched = [x for x in history(sfn, e) if x["type"] == "TaskScheduled"]
        if len(sched) == 2:
            break
        time.sleep(0.02)
    tokens = [json.loads(x["taskScheduledEventDetails"]["parameters"])["t"] for x in sched]
    # The branch of each token: the state the TaskStateEntered before it names.
    h = history(sfn, e)
    by_id = {x["id"]: x for x in h}
    for x, t in zip(sched, tokens):
        first[by_id[x["previousEventId"]]["stateEnteredEventDetails"]["name"]] = t
    check(sorted(first) == ["Left", "Right"], "both branches scheduled %s" % first)
    sfn.send_task_success(taskToken=first["Left"], output='{"left": 1}')
    for _ in range(300):
        if any(x["type"] == "TaskSucceeded" for x in history(sfn, e)):
            break
        time.sleep(0.02)
    sfn.send_task_failure(taskToken=first["Right"], error="Right.Down")
    check(wait_status(sfn, e)["status"] == "FAILED", "parallel failed first")
    sfn.redrive_execution(executionArn=e)
    token = last_token(sfn, e, 3)
    types = [x["type"] for x in history(sfn, e)]
    after = types[types.index("ExecutionRedriven"):]
    check(after.count("TaskScheduled") == 1, "only the failed branch runs again %s" % after)
    sfn.send_task_success(taskToken=token, output='{"right": 2}')
    d = wait_status(sfn, e)
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == [{"left": 1}, {"right": 2}],
          "redriven parallel keeps the successful branch's output %s" % d)

    # Item 3 fails in the first attempt only (a redriven child execution counts the redrive).
    m = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "MaxConcurrency": 1, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "Check", "States": {
                              "Check": {"Type": "Choice", "Choices": [{"And": [
                                  {"Variable": "$", "NumericEquals": 3},
                                  {"Variable": "$$.Execution.RedriveCount", "NumericEquals": 0}],
                                  "Next": "Bad"}], "Default": "Good"},
                              "Bad": {"Type": "Fail", "Error": "Three"},
                              "Good": {"Type": "Pass", "End": True}}}}}}
    arn = machine(sfn, "partial-map", m)
    e = sfn.start_execution(stateMachineArn=arn, input="[1, 2, 3, 4]")["executionArn"]
    r = wait_status(sfn, e)
    check(r["status"] == "FAILED" and r.get("error") == "Three", "distributed map failed first %s" % r)
    run = sfn.list_map_runs(executionArn=e)["mapRuns"][0]["mapRunArn"]
    c = sfn.describe_map_run(mapRunArn=run)["itemCounts"]
    check((c["succeeded"], c["failed"]) == (2, 1), "map run counts before the redrive %s" % c)
    sfn.redrive_execution(executionArn=e)
    r = wait_status(sfn, e)
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) == [1, 2, 3, 4], "redriven map run %s" % r)
    h = history(sfn, e)
    red = [x for x in h if x["type"] == "MapRunRedriven"]
    check(len(red) == 1 and red[0]["mapRunRedrivenEventDetails"] == {"mapRunArn": run, "redriveCount": 1},
          "MapRunRedriven %s" % red)
    mr = sfn.describe_map_run(mapRunArn=run)
    c = mr["itemCounts"]
    check(mr["status"] == "SUCCEEDED" and mr["redriveCount"] == 1 and "redriveDate" in mr
          and (c["total"], c["succeeded"], c["failed"]) == (4, 4, 0), "describe redriven map run %s" % mr)


def timeout_while_waiting(sfn):
    """The machine's TimeoutSeconds ends the execution at its deadline while a callback that
    never comes is pending (not only between states)."""
    d = {"TimeoutSeconds": 2, "StartAt": "Wait", "States": {"Wait": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"t.$": "$$.Task.Token"}, "End": True}}}
    arn = machine(sfn, "callback-timeout", d)
    t0 = time.time()
    e = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    token = last_token(sfn, e, 1)
    r = wait_status(sfn, e, timeout=15)
    took = time.time() - t0
    check(r["status"] == "TIMED_OUT" and 1.8 <= took < 6, "callback timed out at the deadline %s after %.1fs" % (r, took))
    types = [x["type"] for x in history(sfn, e)]
    check(types[-1] == "ExecutionTimedOut" and "TaskSubmitted" in types, "timeout history %s" % types)
    check(error_code(sfn.send_task_success, taskToken=token, output="{}")[0] is not None, "token closed by the timeout")


def logging_configuration(sfn):
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/x:*"
    ok = {"level": "ALL", "includeExecutionData": True,
          "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group}}]}
    arn = machine(sfn, "logged", PASS, loggingConfiguration=ok)
    check(sfn.describe_state_machine(stateMachineArn=arn)["loggingConfiguration"]["level"] == "ALL", "logging kept")
    code = error_code(machine, sfn, "logged-2", PASS, loggingConfiguration={"level": "ERROR"})[0]
    check(code == "InvalidLoggingConfiguration", "level without destination: %s" % code)
    bad = dict(ok, destinations=[{"cloudWatchLogsLogGroup": {"logGroupArn": group[:-2]}}])
    code = error_code(machine, sfn, "logged-3", PASS, loggingConfiguration=bad)[0]
    check(code == "InvalidLoggingConfiguration", "log group ARN without :*: %s" % code)
    code = error_code(sfn.update_state_machine, stateMachineArn=arn, loggingConfiguration={"level": "FATAL"})[0]
    check(code == "InvalidLoggingConfiguration", "update checks logging too: %s" % code)


def versions_aliases(sfn):
    arn = machine(sfn, "versioned", PASS, publish=True)
    v1 = sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"][0]["stateMachineVersionArn"]
    two = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": True}}}
    v2 = sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(two), publish=True)["stateMachineVersionArn"]
    check(v1.endswith(":1") and v2.endswith(":2"), "version arns %s %s" % (v1, v2))
    alias = sfn.create_state_machine_alias(name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}])["stateMachineAliasArn"]
    e = sfn.start_execution(stateMachineArn=alias, input="{}")["executionArn"]
    d = wait_status(sfn, e)
    check(json.loads(d["output"]) == {"r": {"ok": 1}} and d.get("stateMachineAliasArn") == alias, "alias routes to v1 %s" % d)
    sfn.update_state_machine_alias(stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}])
    d = wait_status(sfn, sfn.start_execution(stateMachineArn=alias)["executionArn"])
    check(json.loads(d["output"]) == 2, "alias now routes to v2")
    d = wait_status(sfn, sfn.start_execution(stateMachineArn=v1)["executionArn"])
    check(json.loads(d["output"]) == {"r": {"ok": 1}}, "version arn runs v1")
    check(sfn.describe_state_machine_alias(stateMachineAliasArn=alias)["name"] == "live", "describe alias")
    check(len(sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"]) == 1, "list aliases")
    sfn.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "pay"}])
    check(sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "pay"}], "tags")
    sfn.untag_resource(resourceArn=arn, tagKeys=["team"])
    check(sfn.list_tags_for_resource(resourceArn=arn)["tags"] == [], "untag")


def children(sfn):
    child = machine(sfn, "child", {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"got.$": "$.v"}, "End": True}}})
    failing = machine(sfn, "failing", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "child failed"}}})
    for suffix, want in [(".sync", "string"), (".sync:2", "json"), ("", "plain")]:
        d = {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution" + suffix,
                                               "Parameters": {"StateMachineArn": child, "Input": {"v": 7}}, "End": True}}}
        p = machine(sfn, "parent" + suffix.replace(".", "-").replace(":", "-"), d)
        r = wait_status(sfn, sfn.start_execution(stateMachineArn=p)["executionArn"])
        out = json.loads(r.get("output", "null")) or {}
        if want == "string":
            check(r["status"] == "SUCCEEDED" and json.loads(out["Output"]) == {"got": 7}, "child .sync %s" % r)
        elif want == "json":
            check(r["status"] == "SUCCEEDED" and out["Output"] == {"got": 7}, "child .sync:2 %s" % r)
        else:
            check(r["status"] == "SUCCEEDED" and ":execution:child:" in out["ExecutionArn"], "child plain %s" % r)
    d = {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                                           "Parameters": {"StateMachineArn": failing}, "End": True}}}
    r = wait_status(sfn, sfn.start_execution(stateMachineArn=machine(sfn, "parent-fail", d))["executionArn"])
    check(r["status"] == "FAILED" and r["error"] == "States.TaskFailed", "failing child fails the task %s" % r)


def activities(sfn):
    act = sfn.create_activity(name="review")["activityArn"]
    d = {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": act, "End": True}}}
    arn = machine(sfn, "with-activity", d)

    def worker():
        t = sfn.get_activity_task(activityArn=act, workerName="w1")
        if t.get("taskToken"):
            inp = json.loads(t["input"])
            sfn.send_task_success(taskToken=t["taskToken"], output=json.dumps({"reviewed": inp["doc"]}))

    th = threading.Thread(target=worker)
    th.start()
    time.sleep(0.2)  # the worker polls first: the long poll must deliver the task
    e = sfn.start_execution(stateMachineArn=arn, input='{"doc": "x"}')["executionArn"]
    th.join(30)
    d = wait_status(sfn, e)
    check(d["status"] == "SUCCEEDED" and json.loads(d["output"]) == {"reviewed": "x"}, "activity %s" % d)
    check(any(a["name"] == "review" for a in sfn.list_activities()["activities"]), "list activities")
    t0 = time.time()
    empty = sfn.get_activity_task(activityArn=act)
    check("taskToken" not in empty and time.time() - t0 >= 4, "empty long poll waits")


def express_and_test_state(sfn):
    arn = machine(sfn, "express", PASS, type="EXPRESS")
    r = sfn.start_sync_execution(stateMachineArn=arn, input='{"a": 2}')
    check(r["status"] == "SUCCEEDED" and json.loads(r["output"]) == {"a": 2, "r": {"ok": 1}}, "sync execution %s" % r)
    # StartExecution on an EXPRESS machine: asynchronous, no name idempotency, not described,
    # listed nor given a history (AWS: Express executions are observable through logs only).
    a = sfn.start_execution(stateMachineArn=arn, name="same", input="{}")
    b = sfn.start_execution(stateMachineArn=arn, name="same", input='{"other": 1}')
    check(":express:express:same" in a["executionArn"] and "startDate" in b, "express start_execution %s" % a)
    check(error_code(sfn.describe_execution, executionArn=a["executionArn"])[0] == "InvalidArn", "express not described")
    check(error_code(sfn.get_execution_history, executionArn=a["executionArn"])[0] == "InvalidArn", "express no history")
    check(error_code(sfn.list_executions, stateMachineArn=arn)[0] == "StateMachineTypeNotSupported", "express not listed")
    cb = {"StartAt": "W", "States": {"W": {
        "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"t.$": "$$.Task.Token"}, "End": True}}}
    code = error_code(machine, sfn, "express-callback", cb, type="EXPRESS")[0]
    check(code == "InvalidDefinition", "express refuses .waitForTaskToken: %s" % code)
    t = sfn.test_state(definition=json.dumps({"Type": "Pass", "Parameters": {"x.$": "$.a"}, "End": True}),
                       roleArn=ROLE, input='{"a": 5}')
    check(t["status"] == "SUCCEEDED" and json.loads(t["output"]) == {"x": 5}, "test_state %s" % t)
    # The verdicts of a failing Task (TestState API reference): a retrier with retries left
    # makes it RETRIABLE, a spent one hands it to the catcher (CAUGHT_ERROR, nextState), with
    # inspectionData at DEBUG: the data steps as JSON text, errorDetails as an object.
    task = json.dumps({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"}, "QueryLanguage": "JSONata",
                       "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2, "IntervalSeconds": 3}],
                       "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle"}], "Next": "Done"})
    busy = {"errorOutput": {"error": "Busy", "cause": "later"}}
    t = sfn.test_state(definition=task, input='{"a": 1}', inspectionLevel="DEBUG", mock=busy,
                       stateConfiguration={"retrierRetryCount": 1})
    d = t.get("inspectionData", {})
    check(t["status"] == "RETRIABLE" and "output" not in t and "nextState" not in t
          and d.get("errorDetails") == {"retryIndex": 0, "retryBackoffIntervalSeconds": 6}
          and json.loads(d.get("afterArguments", "null")) == {"FunctionName": "f", "Payload": {"a": 1}}
          and json.loads(d.get("input", "null")) == {"a": 1}, "test_state RETRIABLE %s" % t)
    t = sfn.test_state(definition=task, input='{"a": 1}', inspectionLevel="DEBUG", mock=busy,
                       stateConfiguration={"retrierRetryCount": 2})
    check(t["status"] == "CAUGHT_ERROR" and t.get("nextState") == "Handle" and t.get("error") == "Busy"
          and t["inspectionData"].get("errorDetails") == {"retryIndex": 0, "catchIndex": 0}, "test_state CAUGHT_ERROR %s" % t)
    t = sfn.test_state(definition=task, input='{"a": 1}', mock={"result": '{"Payload": 7}'})
    check(t["status"] == "SUCCEEDED" and t.get("nextState") == "Done" and json.loads(t["output"]) == {"Payload": 7}
          and "inspectionData" not in t, "test_state INFO %s" % t)
    try:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), mock={"result": "{}"})
        err = None
    except ClientError as e:
        err = (e.response["Error"]["Code"], e.response["Error"]["Message"], e.response["ResponseMetadata"]["HTTPStatusCode"])
    check(err == ("ValidationException", "State type 'Pass' is not supported when a mock is specified", 400),
          "test_state refuses a mocked Pass: %s" % (err,))


def aws_cli(url, venv_bin):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    aws = os.path.join(venv_bin, "aws")
    out = subprocess.run([aws, "stepfunctions", "list-state-machines", "--endpoint-url", url],
                         capture_output=True, text=True, env=env)
    check(out.returncode == 0 and "basic" in out.stdout, "aws cli list-state-machines: %s %s" % (out.stdout[:200], out.stderr[:300]))
    out = subprocess.run([aws, "stepfunctions", "describe-execution", "--endpoint-url", url, "--execution-arn",
                          "arn:aws:states:us-east-1:123456789012:execution:basic:nope"], capture_output=True, text=True, env=env)
    check(out.returncode != 0 and "ExecutionDoesNotExist" in out.stderr, "aws cli error: %s" % out.stderr[:300])


def metrics(url):
    text = urllib.request.urlopen(url + "/metrics").read().decode()
    check("nexus_executions_started_total" in text and 'nexus_executions_ended_total{status="SUCCEEDED"}' in text, "metrics")


def crash(tmp):
    """Kill -9 during many running executions; after a restart every one ends as an
    uninterrupted run would, and no Task that completed before the kill runs again."""
    counter = os.path.join(tmp, "calls.txt")
    script = os.path.join(tmp, "task.py")
    with open(script, "w") as f:
        f.write("import json,sys\nd=json.load(sys.stdin)\n"
                "open(%r,'a').write(d['id']+'\\n')\nprint(json.dumps({'n': d['n'] * 2}))\n" % counter)
    handlers = os.path.join(tmp, "handlers.json")
    with open(handlers, "w") as f:
        json.dump({"double": {"exec": [sys.executable, script]}}, f)
    d = {"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
              "Parameters": {"id.$": "$$.Execution.Name", "n.$": "$.n"}, "ResultPath": "$.t", "Next": "W"},
        "W": {"Type": "Wait", "Seconds": 2, "Next": "Out"},
        "Out": {"Type": "Pass", "Parameters": {"n.$": "$.t.n"}, "End": True}}}
    data = os.path.join(tmp, "crash-data")
    s = Server(data, "--handlers", handlers).start()
    sfn = s.client()
    arn = machine(sfn, "crashy", d)
    n = 20
    arns = [sfn.start_execution(stateMachineArn=arn, name="c%d" % i, input=json.dumps({"n": i}))["executionArn"] for i in range(n)]
    # Wait until every Task has run (all executions are in their Wait state), then kill.
    end = time.time() + 30
    while time.time() < end:
        if os.path.exists(counter) and len(open(counter).read().split()) >= n:
            break
        time.sleep(0.05)
    time.sleep(0.2)
    s.kill9()
    calls_before = sorted(open(counter).read().split())
    s2 = Server(data, "--handlers", handlers).start()
    sfn = s2.client()
    outs = [wait_status(sfn, a, timeout=30) for a in arns]
    for i, o in enumerate(outs):
        check(o["status"] == "SUCCEEDED" and json.loads(o["output"]) == {"n": 2 * i}, "crash: c%d %s" % (i, o))
    calls_after = sorted(open(counter).read().split())
    check(calls_after == calls_before and len(calls_after) == n, "crash: no task re-run (%d calls)" % len(calls_after))
    hist = history(sfn, arns[0])
    check([x["id"] for x in hist] == list(range(1, len(hist) + 1)) and hist[-1]["type"] == "ExecutionSucceeded", "crash: one history")
    log = os.path.join(data, "executions", "crashy", "c0.jsonl")
    v = subprocess.run([NEXUS, "log", "verify", log], capture_output=True, text=True)
    check(v.returncode == 0 and "head " in v.stdout, "nexus log verify: %s %s" % (v.stdout, v.stderr))
    s2.stop()


def conformance(tmp):
    """Every AWS-recorded case of ../shared/conformance/sfn (except TestState and mock
    configuration cases) through the API, on a virtual clock: the same status, output, error
    and history events as `nexus run` gives for the same definition, input and names."""
    root = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "conformance", "sfn")
    if not os.path.isdir(root):
        print("(no conformance corpus at %s; skipped)" % root)
        return
    s = Server(os.path.join(tmp, "conf-data"), "--virtual-clock").start()
    sfn = s.client()
    cases = sorted(
        os.path.join(root, cat, c)
        for cat in os.listdir(root) if cat not in ("test_state", "local_mocking")
        for c in os.listdir(os.path.join(root, cat))
    )
    same = differ = 0
    for i, case in enumerate(cases):
        defn = open(os.path.join(case, "definition.json")).read()
        if "waitForTaskToken" in defn or ":activity:" in defn or "states:startExecution" in defn:
            continue  # the service runs these itself (callbacks, activities, children)
        inp_path = os.path.join(case, "input.json")
        inp = json.dumps(json.load(open(inp_path))) if os.path.exists(inp_path) else "{}"
        name = "m%d" % i
        path = os.path.join(tmp, name + ".asl.json")
        open(path, "w").write(defn)
        run = subprocess.run([NEXUS, "run", path, "--format", "json", "--input", inp, "--name", "e",
                              "--history", path + ".history.json"], capture_output=True, text=True)
        try:
            arn = machine(sfn, name, json.loads(defn))
        except ClientError as e:
            ok = run.returncode == 2 and e.response["Error"]["Code"] == "InvalidDefinition"
            same += ok
            differ += not ok
            if not ok:
                print("conformance: %s: create %s, nexus run exit %d" % (case, e.response["Error"]["Code"], run.returncode))
            continue
        e = sfn.start_execution(stateMachineArn=arn, name="e", input=inp)["executionArn"]
        d = wait_status(sfn, e, timeout=10)
        got = {"status": d["status"]}
        if "output" in d:
            got["output"] = json.loads(d["output"])
        for k in ("error", "cause"):
            if k in d:
                got[k] = d[k]
        want = json.loads(run.stdout) if run.stdout.strip() else {"exit": run.returncode, "stderr": run.stderr[:200]}
        hist = [dict(x) for x in history(sfn, e)]
        local = json.load(open(path + ".history.json")) if os.path.exists(path + ".history.json") else []
        def strip(evs):
            # Timestamps differ by construction; so does the role (the API's is the machine's).
            out = []
            for ev in evs:
                ev = {k: v for k, v in ev.items() if k != "timestamp"}
                if "executionStartedEventDetails" in ev:
                    ev["executionStartedEventDetails"] = {k: v for k, v in ev["executionStartedEventDetails"].items() if k != "roleArn"}
                out.append(ev)
            return out
        # Random intrinsics and the context object (start time, role) differ between any two
        # runs; for those only the status must agree.
        nondeterministic = any(t in defn for t in ("$$", "MathRandom", "UUID", "$states.context"))
        if nondeterministic and got.get("status") == want.get("status"):
            got = want
        elif got == want and strip(hist) != strip(local):
            diff = [(a, b) for a, b in zip(strip(hist), strip(local)) if a != b][:1]
            got = {"history": diff or "lengths %d vs %d" % (len(hist), len(local))}
        if got == want:
            same += 1
        else:
            differ += 1
            print("conformance: %s differs\n  api: %s\n  run: %s" % (case, str(got)[:300], str(want)[:300]))
    s.stop()
    print("conformance through the API: %d same as nexus run, %d different" % (same, differ))
    check(differ == 0, "conformance: %d case(s) differ from nexus run" % differ)


def main():
    venv_bin = os.path.dirname(sys.executable)
    with tempfile.TemporaryDirectory() as tmp:
        s = Server(os.path.join(tmp, "data")).start()
        try:
            sfn = s.client()
            for scenario in [basics, callbacks, redrive, redrive_timed_out, partial_redrive, timeout_while_waiting, map_runs, update_map_run, versions_aliases,
                             children, activities, express_and_test_state, logging_configuration]:
                print("==", scenario.__name__, flush=True)
                try:
                    scenario(sfn)
                except Exception as e:  # a scenario that crashes is a failure, the others still run
                    check(False, "%s raised %r" % (scenario.__name__, e))
            print("== aws cli, metrics", flush=True)
            aws_cli(s.url, venv_bin)
            metrics(s.url)
        finally:
            s.stop()
        print("== restart keeps finished executions", flush=True)
        s = Server(os.path.join(tmp, "data")).start()
        try:
            sfn = s.client()
            arn = "arn:aws:states:us-east-1:123456789012:execution:basic:e1"
            check(sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED", "described after restart")
        finally:
            s.stop()
        print("== crash", flush=True)
        crash(tmp)
        print("== conformance corpus through the API", flush=True)
        conformance(tmp)
    if FAILURES:
        print("%d failure(s)" % len(FAILURES))
        sys.exit(1)
    print("all serve e2e checks passed")


if __name__ == "__main__":
    main()
