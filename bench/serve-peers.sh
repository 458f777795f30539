#!/usr/bin/env bash
# bench/serve-peers.sh — `nexus serve` side by side with the Step Functions–compatible local
# services a test suite would otherwise point boto3 at: moto's server mode and LocalStack (host
# mode, no Docker). Same boto3 driver (bench/serve_bench.py), same machine, one run:
# start-to-complete latency p50/p99 of sequential executions, executions per second with
# concurrent clients (closed loop: start then poll each; open loop: start them all, completion
# seen through ListExecutions), and the server's CPU time per execution (user + system, of its
# process tree, from /proc: what the server itself spent, whatever the load of the machine).
# The `null` peer (bench/null_sfn.py: constant answers, runs nothing) is the harness's own
# floor: no server can be measured faster than it through this driver.
#
#   bench/serve-peers.sh [--latency N] [--throughput N] [--clients C] [--peers null,nexus,moto,localstack]
#
# Peers are installed with pip into $SERVEPEERS_DIR (a fresh temporary folder removed at the
# end, unless SERVEPEERS_DIR is set: then it is kept and reused): moto[server,stepfunctions]
# 5.2.5 and localstack-core[runtime] 2026.3.0 (needs Python >= 3.12), the versions of
# ../shared/PEERS.md. nexus is built in release (or NEXUS_BIN). Servers listen on 127.0.0.1 and
# are stopped by PID. Results: $OUT (default bench/results/serve-peers.md).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LAT=200
TP=400
CLIENTS=8
PEERS=null,nexus,moto,localstack
while [ $# -gt 0 ]; do
  case $1 in
    --latency) LAT=$2; shift 2 ;;
    --throughput) TP=$2; shift 2 ;;
    --clients) CLIENTS=$2; shift 2 ;;
    --peers) PEERS=$2; shift 2 ;;
    *) sed -n '2,20p' "$0"; exit 2 ;;
  esac
done
OUT=${OUT:-$ROOT/bench/results/serve-peers.md}
if [ -z "${SERVEPEERS_DIR:-}" ]; then
  SERVEPEERS_DIR=$(mktemp -d /tmp/nexus-serve-peers.XXXXXX)
  CLEANUP=1
else
  mkdir -p "$SERVEPEERS_DIR"
  CLEANUP=0
fi
D=$SERVEPEERS_DIR
PID=""
# SIGTERM, then SIGKILL after 20 s (LocalStack can hang in its shutdown).
stop() {
  local i
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do kill -0 "$PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
  fi
}
finish() { stop; if [ "$CLEANUP" = 1 ]; then rm -rf "$D"; fi; }
trap finish EXIT
log() { echo "== $*" >&2; }
wait_http() { local i; for ((i = 0; i < $2 * 5; i++)); do curl -s -m 2 -o /dev/null "$1" && return 0; sleep 0.2; done; return 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- install ----
if [ ! -x "$D/venv-moto/bin/moto_server" ]; then
  log "pip: moto[server,stepfunctions]==5.2.5 boto3"
  python3 -m venv "$D/venv-moto"
  "$D/venv-moto/bin/pip" install -q --disable-pip-version-check 'moto[server,stepfunctions]==5.2.5' boto3 >"$D/pip-moto.log" 2>&1 \
    || { log "moto install failed, see $D/pip-moto.log"; exit 1; }
fi
PY=$D/venv-moto/bin/python
if [[ ,$PEERS, == *,localstack,* ]] && [ ! -f "$D/venv-ls/.ok" ]; then
  py=""
  for c in python3.13 python3.12 "$HOME/.pyenv/versions/3.13"*/bin/python3 "$HOME/.pyenv/versions/3.12"*/bin/python3 python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then py=$c; break; fi
  done
  if [ -n "$py" ]; then
    log "pip ($py): localstack-core[runtime]==2026.3.0"
    rm -rf "$D/venv-ls"
    { "$py" -m venv "$D/venv-ls" && "$D/venv-ls/bin/pip" install -q --disable-pip-version-check 'localstack-core[runtime]==2026.3.0' \
        && "$D/venv-ls/bin/pip" install -q 'cbor2<6' service-identity && touch "$D/venv-ls/.ok"; } >"$D/pip-ls.log" 2>&1 \
      || log "LocalStack install failed, see $D/pip-ls.log"
  else
    log "no Python >= 3.12: LocalStack skipped"
  fi
fi
if [[ ,$PEERS, == *,localstack,* ]] && [ ! -s "$D/ls-server.pem" ]; then
  # LocalStack's own self-signed-cert code fails with the pyOpenSSL it resolves to; give it one.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/ls-key.pem" -out "$D/ls-cert.pem" -days 365 \
    -subj "/CN=localhost" >/dev/null 2>&1 && cat "$D/ls-key.pem" "$D/ls-cert.pem" >"$D/ls-server.pem"
fi
NEXUS=${NEXUS_BIN:-}
if [ -z "$NEXUS" ]; then
  (cd "$ROOT" && cargo build --release -q -p nexus-cli)
  NEXUS=${CARGO_TARGET_DIR:-$ROOT/target}/release/nexus
fi

# ---- run ----
RES=$D/results.jsonl
: >"$RES"
# CPU time (user + system, clock ticks) of a process and its descendants.
ticks() {
  local p t=0 kids
  for p in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
    kids=$(pgrep -P "$p" | tr '\n' ' ')
    [ -n "$kids" ] && t=$((t + $(ticks $kids)))
  done
  echo "$t"
}
HZ=$(getconf CLK_TCK)
# Executions each driver run starts: a warm-up, the latency ones, closed and open loop.
EXECS=$((1 + LAT + 2 * TP))
run_peer() { # name url [driver flags]
  local name=$1 url=$2 t0 t1 line
  shift 2
  log "$name: latency $LAT, throughput $TP with $CLIENTS clients"
  t0=$(ticks "$PID")
  if line=$("$PY" "$HERE/serve_bench.py" --endpoint "$url" --peer "$name" --latency "$LAT" --throughput "$TP" --clients "$CLIENTS" "$@"); then
    t1=$(ticks "$PID")
    echo "$line" | "$PY" -c 'import json, sys; r = json.loads(sys.stdin.read()); r["server_cpu_ms"] = round((int(sys.argv[1]) * 1000.0 / int(sys.argv[2])) / int(sys.argv[3]), 3); print(json.dumps(r))' \
      "$((t1 - t0))" "$HZ" "$EXECS" >>"$RES"
  else
    log "$name: driver failed"
    echo "{\"peer\": \"$name\", \"failed\": true}" >>"$RES"
  fi
}
IFS=, read -ra LIST <<<"$PEERS"
for p in "${LIST[@]}"; do
  port=$(free_port)
  flags=()
  case $p in
    null)
      "$PY" "$HERE/null_sfn.py" "$port" 2>"$D/null.log" &
      PID=$!
      wait_http "http://127.0.0.1:$port/" 30 || { log "null endpoint did not start"; stop; continue; }
      flags=(--no-check)
      ;;
    nexus)
      "$NEXUS" serve --port "$port" --data-dir "$D/nexus-data" 2>"$D/nexus.log" &
      PID=$!
      wait_http "http://127.0.0.1:$port/metrics" 30 || { log "nexus did not start"; stop; continue; }
      ;;
    moto)
      "$D/venv-moto/bin/moto_server" -H 127.0.0.1 -p "$port" >"$D/moto.log" 2>&1 &
      PID=$!
      wait_http "http://127.0.0.1:$port/moto-api/" 60 || { log "moto_server did not start"; stop; continue; }
      # without this switch moto accepts StartExecution but never runs the machine
      curl -s -m 5 -X POST -H 'Content-Type: application/json' \
        -d '{"stepfunctions": {"execute_state_machine": true}}' "http://127.0.0.1:$port/moto-api/config" >/dev/null
      ;;
    localstack)
      [ -f "$D/venv-ls/.ok" ] || { log "LocalStack not installed: skipped"; echo '{"peer": "localstack", "failed": true, "why": "not installed"}' >>"$RES"; continue; }
      rm -rf "$D/ls-fs"; mkdir -p "$D/ls-fs" "$D/xdg-cache"
      env OVERRIDE_IN_DOCKER=0 GATEWAY_SERVER=hypercorn GATEWAY_LISTEN="127.0.0.1:$port" \
        SERVICES=stepfunctions,events DNS_ADDRESS=0 FILESYSTEM_ROOT="$D/ls-fs" \
        CUSTOM_SSL_CERT_PATH="$D/ls-server.pem" DISABLE_EVENTS=1 XDG_CACHE_HOME="$D/xdg-cache" \
        "$D/venv-ls/bin/python" -m localstack.runtime.main >"$D/localstack.log" 2>&1 &
      PID=$!
      wait_http "http://127.0.0.1:$port/_localstack/health" 120 || { log "LocalStack did not start (see $D/localstack.log)"; stop; echo '{"peer": "localstack", "failed": true, "why": "did not start"}' >>"$RES"; continue; }
      ;;
    *) log "unknown peer $p"; continue ;;
  esac
  run_peer "$p" "http://127.0.0.1:$port" "${flags[@]}"
  stop
done

# ---- report ----
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
"$PY" - "$RES" "$OUT" "$LOAD" "$LAT" "$TP" "$CLIENTS" <<'PYEOF'
import json, sys
res, out, load, lat, tp, clients = sys.argv[1:]
rows = [json.loads(l) for l in open(res) if l.strip()]
ok = {r["peer"]: r for r in rows if not r.get("failed")}
nx = ok.get("nexus")
lines = ["# nexus serve vs moto server vs LocalStack (boto3)", "",
         "`bench/serve-peers.sh --latency %s --throughput %s --clients %s`; load average at the end: %s." % (lat, tp, clients, load),
         "One 5-state Standard machine. Latency: StartExecution to the first DescribeExecution that sees it ended. "
         "Closed loop: %s client processes, each starting an execution and polling it to its end, then the next. "
         "Open loop: the clients only start executions; one poller waits through ListExecutions(RUNNING) until none runs. "
         "Server CPU: user + system time of the server's processes per execution started (from /proc; less sensitive "
         "to the machine's load than the wall-clock figures, though the kernel's share varies with the file system's state). "
         "`null` (bench/null_sfn.py) answers at once and runs nothing: the harness's floor." % clients, "",
         "| peer | p50 ms | p99 ms | exec/s closed loop | exec/s open loop | server CPU ms/execution | not SUCCEEDED | create s |",
         "| --- | --- | --- | --- | --- | --- | --- | --- |"]
for r in rows:
    if r.get("failed"):
        lines.append("| %s | failed: %s | | | | | | |" % (r["peer"], r.get("why", "see log")))
    else:
        bad = r["not_succeeded"] + r.get("open_not_succeeded", 0)
        lines.append("| %s | %.2f | %.2f | %.1f | %.1f | %.3f | %s | %.3f |" % (
            r["peer"], r["p50_ms"], r["p99_ms"], r["exec_per_s"], r["open_exec_per_s"], r["server_cpu_ms"],
            "-" if r["peer"] == "null" else bad, r["create_s"]))
peers = {p: r for p, r in ok.items() if p not in ("nexus", "null")}
if nx and peers:
    lines += ["", "Ratios (peer / nexus; higher is better for nexus):", ""]
    for p, r in peers.items():
        lines.append("- %s: p50 latency %.1fx, p99 latency %.1fx, closed-loop throughput %.1fx, open-loop throughput %.1fx, server CPU per execution %.1fx" % (
            p, r["p50_ms"] / nx["p50_ms"], r["p99_ms"] / nx["p99_ms"], nx["exec_per_s"] / r["exec_per_s"],
            nx["open_exec_per_s"] / r["open_exec_per_s"], r["server_cpu_ms"] / max(nx["server_cpu_ms"], 1e-3)))
    # Issue #16's goal: at least 10x the fastest peer (lowest latency, highest throughput).
    best_p50 = min(peers.values(), key=lambda r: r["p50_ms"])
    best_tp = max(peers.values(), key=lambda r: r["open_exec_per_s"])
    best_cpu = min(peers.values(), key=lambda r: r["server_cpu_ms"])
    x_lat = best_p50["p50_ms"] / nx["p50_ms"]
    x_tp = nx["open_exec_per_s"] / best_tp["open_exec_per_s"]
    x_cpu = best_cpu["server_cpu_ms"] / max(nx["server_cpu_ms"], 1e-3)
    lines += ["", "Against the fastest peer: p50 latency %.1fx (%s), open-loop throughput %.1fx (%s), server CPU per execution %.1fx (%s); goal 10x on latency and throughput: %s." % (
        x_lat, best_p50["peer"], x_tp, best_tp["peer"], x_cpu, best_cpu["peer"], "met" if min(x_lat, x_tp) >= 10 else "NOT met")]
    null = ok.get("null")
    if null:
        lines += ["", "Harness floor (null endpoint): p50 %.2f ms, open loop %.1f executions/s; 10x the fastest peer would need p50 %.2f ms and %.1f executions/s." % (
            null["p50_ms"], null["open_exec_per_s"], best_p50["p50_ms"] / 10, best_tp["open_exec_per_s"] * 10)]
open(out, "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PYEOF
