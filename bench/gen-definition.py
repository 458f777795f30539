#!/usr/bin/env python3
"""Generate a large, valid ASL definition for the lint benchmark.

    bench/gen-definition.py [--compact] STATES OUT.asl.json

A chain of STATES states cycling through Pass, Task (Lambda with Retry/Catch), Choice and Wait,
~420 bytes of JSON per state (indented) (12,000 states is ~5 MB), every state reachable, one terminal.
Deterministic: the same STATES gives the same bytes, so sizes and timings compare.
--compact: no indentation, comment padding or 120-character marker (~180 bytes per state), so
that 50,000 states stay under the 16 MiB input bound of nexus (NX007); the indented form
reaches it at ~39,000 states.
"""
import json
import sys


def state(i, n, compact=False):
    nxt = "S%d" % (i + 1)
    kind = i % 4
    if kind == 0:
        s = {"Type": "Pass", "Comment": "pass %d: copies the order and adds a static marker" % i,
             "Parameters": {"index": i, "order.$": "$.order", "tags": ["a", "b", "c"],
                            "marker": {"k": "v" * (1 if compact else 120)}},
             "ResultPath": "$.r%d" % (i % 10)}
    elif kind == 1:
        s = {"Type": "Task", "Comment": "task %d: charges the order" % i,
             "Resource": "arn:aws:states:::lambda:invoke",
             "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:F%d" % (i % 50),
                            "Payload.$": "$"},
             "TimeoutSeconds": 30, "HeartbeatSeconds": 10,
             "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 3,
                        "BackoffRate": 2.0}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
             "ResultPath": "$.t%d" % (i % 10)}
    elif kind == 2:
        s = {"Type": "Choice", "Comment": "choice %d" % i,
             "Choices": [{"Variable": "$.amount", "NumericGreaterThan": i, "Next": nxt},
                         {"Variable": "$.flag", "BooleanEquals": True, "Next": nxt}],
             "Default": nxt}
    else:
        s = {"Type": "Wait", "Comment": "wait %d" % i, "Seconds": 1}
    if not compact:
        s["Comment"] += "; generated for the nexus lint benchmark, padding to a realistic size"
    if kind != 2:
        if i + 1 < n:
            s["Next"] = nxt
        else:
            s["End"] = True
    return s


def main():
    args = sys.argv[1:]
    compact = "--compact" in args
    args = [a for a in args if a != "--compact"]
    n = int(args[0])
    states = {}
    for i in range(n):
        states["S%d" % i] = state(i, n, compact)
    if n % 4 == 3:  # the last state must not be a Choice pointing past the end
        states["S%d" % (n - 1)] = {"Type": "Succeed"}
    states["Failed"] = {"Type": "Fail", "Error": "Generated", "Cause": "a task failed"}
    doc = {"Comment": "generated, %d states" % n, "StartAt": "S0", "TimeoutSeconds": 3600,
           "States": states}
    with open(args[1], "w") as f:
        if compact:
            json.dump(doc, f, separators=(",", ":"))
        else:
            json.dump(doc, f, indent=1)


if __name__ == "__main__":
    main()
