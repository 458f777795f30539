"""Driver of bench/serve-peers.sh: executions per second and start-to-complete latency of a
Step Functions–compatible endpoint, through boto3 (what a test suite sees).

  python serve_bench.py --endpoint URL --peer NAME [--latency N] [--throughput N] [--clients C]

One Standard state machine of 5 states (Pass, Choice, Pass, Pass, Succeed). Latency: N
executions one after another, each timed from the StartExecution call to the first
DescribeExecution that reports it ended (polled without pause). Throughput, two ways, each with
C client processes at once and N executions on a machine of its own:
- closed loop: each client starts an execution and polls DescribeExecution until it ended,
  then starts the next (two or more calls per execution: the client's own cost weighs);
- open loop: each client only starts its executions, one after another; one poller then calls
  ListExecutions(statusFilter=RUNNING, maxResults=1) until none is left. Executions per second =
  N / (first start to the poll that saw none running); one call per execution, so what is
  measured is the server's work, not the client's. Every execution must then be listed
  SUCCEEDED.
`--no-check` (the null server of bench/null_sfn.py) skips the SUCCEEDED counts.
Prints one JSON line.
"""

import argparse
import json
import multiprocessing
import statistics
import time

import boto3
import botocore.config

DEF = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": {"n": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.a.n", "NumericEquals": 1, "Next": "C"}], "Default": "D"},
        "C": {"Type": "Pass", "Parameters": {"x.$": "$.a.n"}, "ResultPath": "$.c", "Next": "D"},
        "D": {"Type": "Pass", "Next": "E"},
        "E": {"Type": "Succeed"},
    },
}


def client(endpoint):
    return boto3.client(
        "stepfunctions", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 1}, inject_host_prefix=False,
                                      max_pool_connections=64, read_timeout=120),
    )


def one(sfn, arn, name):
    t0 = time.perf_counter()
    e = sfn.start_execution(stateMachineArn=arn, name=name, input='{"k": 1}')["executionArn"]
    while True:
        d = sfn.describe_execution(executionArn=e)
        if d["status"] != "RUNNING":
            return time.perf_counter() - t0, d["status"]


def ready(_):
    return True


def starter(job):
    endpoint, arn, k, n = job
    c = client(endpoint)
    errors = []
    for j in range(n):
        try:
            c.start_execution(stateMachineArn=arn, name="ol-%d-%d" % (k, j), input='{"k": 1}')
        except Exception as e:  # noqa: BLE001 - reported, not raised
            errors.append(repr(e))
    return errors


def listed(sfn, arn, status):
    n, token = 0, None
    while True:
        kw = {"nextToken": token} if token else {}
        page = sfn.list_executions(stateMachineArn=arn, statusFilter=status, maxResults=1000, **kw)
        n += len(page["executions"])
        token = page.get("nextToken")
        if not token:
            return n


def worker(job):
    endpoint, arn, k, n = job
    c = client(endpoint)
    errors = []
    try:
        for j in range(n):
            _, status = one(c, arn, "tp-%d-%d" % (k, j))
            if status != "SUCCEEDED":
                errors.append(status)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        errors.append(repr(e))
    return errors


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100.0 * (len(xs) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--latency", type=int, default=200)
    ap.add_argument("--throughput", type=int, default=400)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--no-check", action="store_true")
    a = ap.parse_args()
    sfn = client(a.endpoint)

    def machine(tag):
        return sfn.create_state_machine(name="bench%s%d" % (tag, int(time.time() * 1000)), definition=json.dumps(DEF),
                                        roleArn="arn:aws:iam::123456789012:role/bench")["stateMachineArn"]

    t0 = time.perf_counter()
    arn = machine("")
    create_s = time.perf_counter() - t0
    one(sfn, arn, "warm")  # first execution: lazy set-up in some peers
    lat, bad = [], 0
    for i in range(a.latency):
        s, status = one(sfn, arn, "lat-%d" % i)
        lat.append(s)
        bad += status != "SUCCEEDED"
    per = [a.throughput // a.clients + (1 if i < a.throughput % a.clients else 0) for i in range(a.clients)]
    # Client processes, not threads: one Python process (the GIL) could not keep a fast
    # server busy, and the measure would be the client's.
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(a.clients) as pool:
        pool.map(ready, range(a.clients))  # processes up and importing done before timing
        t0 = time.perf_counter()
        results = pool.map(worker, [(a.endpoint, arn, k, per[k]) for k in range(a.clients)])
        wall = time.perf_counter() - t0
        ol_arn = machine("ol")
        t0 = time.perf_counter()
        started = pool.map(starter, [(a.endpoint, ol_arn, k, per[k]) for k in range(a.clients)])
        while sfn.list_executions(stateMachineArn=ol_arn, statusFilter="RUNNING", maxResults=1)["executions"]:
            pass
        ol_wall = time.perf_counter() - t0
    errors = [e for r in results for e in r] + [e for r in started for e in r]
    ol_bad = 0 if a.no_check else a.throughput - listed(sfn, ol_arn, "SUCCEEDED")
    print(json.dumps({
        "peer": a.peer,
        "create_s": round(create_s, 3),
        "latency_n": len(lat),
        "p50_ms": round(pct(lat, 50) * 1000, 2),
        "p99_ms": round(pct(lat, 99) * 1000, 2),
        "mean_ms": round(statistics.mean(lat) * 1000, 2),
        "not_succeeded": bad + len(errors),
        "throughput_n": a.throughput,
        "clients": a.clients,
        "exec_per_s": round(a.throughput / wall, 1),
        "open_exec_per_s": round(a.throughput / ol_wall, 1),
        "open_not_succeeded": ol_bad,
        "errors": errors[:3],
    }), flush=True)


if __name__ == "__main__":
    main()
