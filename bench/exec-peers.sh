#!/usr/bin/env bash
# bench/exec-peers.sh — `nexus run` side by side with the local ASL executors a user would
# otherwise pick (LocalStack's Step Functions interpreter, moto, aws-local-stepfunctions), on
# the shared peer workloads: W1 a chain of 1,000 Pass states, W2 a Map over 1,000 items with a
# Choice inside, W3 1,000 sequential executions of a 5-state machine.
#
#   bench/exec-peers.sh [--reps N] [--peers als,moto,localstack] [--no-peers]
#
# The peers are installed by ../shared/peers/run_exec_peers.sh (see ../shared/PEERS.md) into
# $EXECPEERS_DIR: a fresh temporary folder, removed at the end, unless EXECPEERS_DIR is set
# (then it is kept and reused). Nothing of the peers is committed. nexus is built in release.
#
# Two measurements per workload and tool:
#   in-process     the execution alone, inside the tool (peers: their drivers' exec_ms /
#                  total_ms; nexus: engine/examples/bench.rs, history off as `nexus run` has
#                  it without --history)
#   whole process  start to end of one process doing the workload (peers: driver + server
#                  start; nexus: `nexus run`, W3 with --input-lines), lint included
# and the ratio peer/nexus. Results go to $OUT (default bench/results/exec-peers.md).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PEERS_DIR=${NEXUS_PEERS_DIR:-$ROOT/../shared/peers}
W=$PEERS_DIR/workloads
REPS=3
PEERS=als,moto,localstack
RUN_PEERS=1
while [ $# -gt 0 ]; do
  case $1 in
    --reps) REPS=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    --no-peers) RUN_PEERS=0; shift ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
[ -d "$W" ] || { echo "peer workloads not found at $W (set NEXUS_PEERS_DIR)" >&2; exit 2; }

if [ -z "${EXECPEERS_DIR:-}" ]; then
  EXECPEERS_DIR=$(mktemp -d /tmp/nexus-exec-peers.XXXXXX)
  trap 'rm -rf "$EXECPEERS_DIR"' EXIT
fi
export EXECPEERS_DIR
mkdir -p "$HERE/results"
OUT=${OUT:-$HERE/results/exec-peers.md}
NX=$EXECPEERS_DIR/nexus
mkdir -p "$NX"

echo "== building nexus (release)" >&2
(cd "$ROOT" && cargo build --release -q -p nexus-cli && cargo build --release -q -p nexus-engine --example bench)
BIN=$ROOT/target/release/nexus

NEXUS_LOAD=$(cut -d' ' -f1 /proc/loadavg)
export NEXUS_LOAD
echo "== load before the run: $(cut -d' ' -f1-3 /proc/loadavg) (2 cores; other load inflates every tool's timings)" >&2
echo "== nexus in-process" >&2
"$ROOT/target/release/examples/bench" "$W" --reps "$REPS" >"$NX/inproc.jsonl"
cat "$NX/inproc.jsonl" >&2

echo "== nexus whole process" >&2
# Timed from Python (fork/exec to exit, the process's whole life) rather than with `date`
# around the command, whose own process start-ups added 2-5 ms to every figure. One warm-up
# run per workload first (page cache), as the peers' drivers also start warm.
python3 - "$BIN" "$W" "$NX" "$REPS" >"$NX/whole.jsonl" <<'PY'
import json, subprocess, sys, time
bin_, w, nx, reps = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
for wl in ("W1", "W2", "W3"):
    if wl == "W3":
        cmd = [bin_, "run", f"{w}/W3.json", "--input-lines", f"{w}/W3.inputs.jsonl"]
        out = f"{nx}/W3.out.jsonl"
    else:
        cmd = [bin_, "run", f"{w}/{wl}.json", "--input-file", f"{w}/{wl}.input.json", "-f", "json"]
        out = f"{nx}/{wl}.out.json"
    with open(out, "w") as f:
        subprocess.run(cmd, stdout=f, check=False)
    for r in range(1, reps + 1):
        with open(out, "w") as f:
            t0 = time.perf_counter()
            subprocess.run(cmd, stdout=f, check=False)
            t1 = time.perf_counter()
        if wl == "W3":
            got = [json.loads(l)["output"] for l in open(out)]
            exp = [json.loads(l) for l in open(f"{w}/W3.expected.jsonl") if l.strip()]
        else:
            got = json.load(open(out))["output"]
            exp = json.load(open(f"{w}/{wl}.expected.json"))
        print(json.dumps({"wl": wl, "rep": r, "whole_s": round(t1 - t0, 5), "ok": got == exp}))
PY
cat "$NX/whole.jsonl" >&2

if [ "$RUN_PEERS" = 1 ]; then
  echo "== peers ($PEERS) into $EXECPEERS_DIR" >&2
  EXECPEERS_SKIP_CARGO=1 bash "$PEERS_DIR/run_exec_peers.sh" install
  bash "$PEERS_DIR/run_exec_peers.sh" run --peers "$PEERS" --workloads W1,W2,W3 --reps "$REPS"
fi

REPS=$REPS python3 - "$NX/inproc.jsonl" "$NX/whole.jsonl" "$EXECPEERS_DIR/results/results.jsonl" "$OUT" <<'PY'
import json, os, statistics, sys
inproc_p, whole_p, peers_p, out_p = sys.argv[1:5]
nx_in = {r["wl"]: r for r in map(json.loads, open(inproc_p))}
nx_whole = {}
for r in map(json.loads, open(whole_p)):
    nx_whole.setdefault(r["wl"], []).append(r)
peers = {}
if os.path.exists(peers_p):
    for r in map(json.loads, open(peers_p)):
        peers.setdefault((r["peer"], r["wl"]), []).append(r)
names = {"als": "aws-local-stepfunctions 3.0.0", "moto": "moto 5.2.5",
         "localstack": "LocalStack 2026.3.0"}

def med(xs):
    xs = [x for x in xs if isinstance(x, (int, float))]
    return statistics.median(xs) if xs else None

def inside_ms(wl, rows):  # the execution alone, in ms
    k = "total_ms" if wl == "W3" else "exec_ms"
    return med([r.get(k) for r in rows])

lines = []
n = {wl: (nx_in[wl]["total_ms"] if wl == "W3" else nx_in[wl]["exec_ms"]) for wl in nx_in}
nw = {wl: med([r["whole_s"] for r in rs]) for wl, rs in nx_whole.items()}
ok = all(r["ok"] for r in nx_in.values()) and all(r["ok"] for rs in nx_whole.values() for r in rs)
lines.append("| tool | W1 1,000 Pass (in / whole) | W2 Map 1,000 (in / whole) | W3 1,000 executions (in / whole) |")
lines.append("| --- | --- | --- | --- |")
def cell(i, w):
    f = lambda v, u, nd: "-" if v is None else (f"{v:,.{nd}f} {u}")
    return f"{f(i, 'ms', 2 if i is not None and i < 10 else 0)} / {f(w, 's', 3 if w is not None and w < 1 else 1)}"
lines.append("| nexus | " + " | ".join(cell(n.get(wl), nw.get(wl)) for wl in ("W1", "W2", "W3")) + " |")
ratios = []
for p in [k for k in names if any(pp == k for pp, _ in peers)]:
    cells = []
    for wl in ("W1", "W2", "W3"):
        rows = [r for r in peers.get((p, wl), []) if str(r.get("check", "")).startswith("OK")]
        i, w = inside_ms(wl, rows), med([r.get("whole_s") for r in rows])
        ri = None if i is None or not n.get(wl) else i / n[wl]
        rw = None if w is None or not nw.get(wl) else w / nw[wl]
        ratios.append((p, wl, ri, rw))
        cells.append(cell(i, w))
    lines.append(f"| {names[p]} | " + " | ".join(cells) + " |")
lines.append("")
lines.append("Ratio peer / nexus (in-process, whole process):")
lines.append("")
lines.append("| peer | W1 | W2 | W3 |")
lines.append("| --- | --- | --- | --- |")
for p in names:
    rs = [r for r in ratios if r[0] == p]
    if not rs:
        continue
    fmt = lambda v: "-" if v is None else f"{v:,.0f}x"
    lines.append(f"| {names[p]} | " + " | ".join(f"{fmt(ri)} / {fmt(rw)}" for _, _, ri, rw in rs) + " |")
lines.append("")
per = {wl: nx_in[wl]["us_per_transition"] for wl in nx_in}
lines.append("nexus per state transition (in-process): " + ", ".join(f"{wl} {v:.2f} µs" for wl, v in per.items())
             + f"; per W3 execution {nx_in['W3']['us_per_exec']:.2f} µs. All outputs correct: {ok}.")
peer_loads = [r.get("load1_at_start") for rs in peers.values() for r in rs]
pl = med(peer_loads)
lines.append("")
lines.append(f"1-minute load average when the runs started (2-core machine): nexus {os.environ.get('NEXUS_LOAD', '?')}, "
             f"peers (median) {pl if pl is not None else '-'}; "
             f"{os.environ.get('REPS', '')} repetitions, medians shown.")
text = "\n".join(lines) + "\n"
open(out_p, "w").write(text)
print(text)
PY
