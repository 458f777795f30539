#!/usr/bin/env bash
# Every peer of issue 18 against nexus, side by side in ONE interleaved run (issue 18, "Done
# when"): each repetition runs every measurement once, in the same order, so a change of load
# hits all tools alike; the tables give medians of the repetitions, whole-process wall times,
# release build, and the load average before and after.
#
#   bench/peers.sh [--reps N] [--out FILE]          (default 3, bench/results/peers.md)
#
# Measurements:
#   lint, one process over the conformance corpus   nexus default / --no-bundled, statelint,
#                                                   the AWS Toolkit ASL language service
#   lint, one process over a 40-file sample          + cfn-lint and asl-validator (they need
#                                                   52 s and 202 s for the whole corpus)
#   lint, one process per file (20 files)            nexus default / --no-bundled, statelint
#   lint, generated definitions (1,000, 12,000)      nexus default / --no-bundled, statelint
#   run W1, W2, W3 (../shared/peers/workloads)       nexus run (W3: --input-lines), statebox,
#                                                   aws-local-stepfunctions (their drivers)
# Peers (../shared/PEERS.md) are installed into $NEXUS_BENCH_DIR (default /tmp/nexus-peers):
# npm and PyPI packages by this script; statelint and j2119 from source, from git directories
# given as $STATELINT_GIT and $J2119_GIT (default: the mirrors in /work/.mirror); ruby with
# apt-get when missing. A peer that cannot be installed is left out of the tables, and the
# script says so. Nothing of the peers is committed. Each measurement is preceded by one untimed
# run of its first command (a warm-up: see the note at the loop). Takes 5-10 minutes on the 2-core machine.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${NEXUS_SHARED:-$HERE/../shared}
D=${NEXUS_BENCH_DIR:-/tmp/nexus-peers}
REPS=3
OUT=$HERE/bench/results/peers.md
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    *) sed -n '2,24p' "$0" >&2; exit 2 ;;
  esac
done
[ -d "$SHARED/conformance" ] || { echo "needs $SHARED/conformance" >&2; exit 2; }
mkdir -p "$D"
log() { echo "[peers] $*" >&2; }

# --- install ---------------------------------------------------------------------------------
NPM=$D/npm/node_modules
if [ ! -d "$NPM/asl-validator" ] || [ ! -d "$NPM/amazon-states-language-service" ] \
  || [ ! -d "$NPM/aws-local-stepfunctions" ] || [ ! -d "$NPM/@wmfs/statebox" ]; then
  log "npm install (asl-validator, language service, aws-local-stepfunctions, statebox)"
  npm install --prefix "$D/npm" --no-audit --no-fund asl-validator@4.0.0 \
    amazon-states-language-service@1.16.1 aws-local-stepfunctions@3.0.0 \
    @wmfs/statebox@1.118.0 >"$D/npm.log" 2>&1 || log "npm install failed: see $D/npm.log"
fi
if [ ! -x "$D/venv/bin/cfn-lint" ]; then
  log "pip install cfn-lint==1.58.0"
  { python3 -m venv "$D/venv" && "$D/venv/bin/pip" install -q cfn-lint==1.58.0; } >"$D/pip.log" 2>&1 \
    || log "cfn-lint install failed: see $D/pip.log"
fi
if ! command -v ruby >/dev/null && [ "$(id -u)" = 0 ]; then
  log "apt-get install ruby (for statelint)"
  apt-get install -y -q ruby >"$D/apt.log" 2>&1 || log "ruby install failed: see $D/apt.log"
fi
STATELINT_GIT=${STATELINT_GIT:-/work/.mirror/awslabs+statelint/repo}
J2119_GIT=${J2119_GIT:-/work/.mirror/awslabs+j2119/repo}
for p in statelint:$STATELINT_GIT j2119:$J2119_GIT; do
  name=${p%%:*} git=${p#*:}
  if [ ! -d "$D/$name/lib" ] && [ -d "$git" ]; then
    mkdir -p "$D/$name" && git --git-dir="$git" archive HEAD | tar -x -C "$D/$name"
  fi
done

log "cargo build --release -p nexus-cli"
(cd "$HERE" && cargo build --release -q -p nexus-cli)
NEXUS=${CARGO_TARGET_DIR:-$HERE/target}/release/nexus

# --- inputs ----------------------------------------------------------------------------------
CORPUS=$D/corpus
rm -rf "$CORPUS" "$D/cfn" && mkdir -p "$CORPUS" "$D/cfn"
python3 - "$SHARED/conformance" "$CORPUS" "$D/cfn" <<'PY'
import json, os, shutil, sys
src, out, cfn = sys.argv[1:4]
n = 0
for root, dirs, names in sorted(os.walk(src)):
    dirs.sort()
    for name in sorted(names):
        p = os.path.join(root, name)
        lint = root.startswith(os.path.join(src, "lint"))
        if not (name == "definition.json" or (lint and name.endswith(".json") and name != "manifest.json")):
            continue
        try:
            v = json.load(open(p))
        except Exception:
            continue  # asl-validator aborts a whole run on one file that is not JSON
        n += 1
        shutil.copyfile(p, os.path.join(out, f"case{n:04d}.asl.json"))
        t = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"StateMachine": {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/example", "Definition": v}}}}
        json.dump(t, open(os.path.join(cfn, f"case{n:04d}.json"), "w"))
PY
for n in 1000 12000; do python3 "$HERE/bench/gen-definition.py" "$n" "$D/gen-$n.asl.json"; done

python3 - "$NEXUS" "$D" "$SHARED/peers" "$REPS" "$OUT" <<'PY'
import glob, os, shutil, statistics, subprocess, sys, time
nexus, d, peers, reps, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
files = sorted(glob.glob(os.path.join(d, "corpus", "*.asl.json")))
cfn = sorted(glob.glob(os.path.join(d, "cfn", "*.json")))
sample = files[:: max(1, len(files) // 40)][:40]
sample_cfn = [os.path.join(d, "cfn", os.path.basename(f).replace(".asl.json", ".json")) for f in sample]
per_file = files[:20]
npm = os.path.join(d, "npm", "node_modules")
work = os.path.join(d, "work")
os.makedirs(work, exist_ok=True)
W = os.path.join(peers, "workloads")
lint = [nexus, "lint", "--format", "json", "--fail-on", "never"]
ruby = shutil.which("ruby")
statelint_ok = ruby and os.path.isdir(os.path.join(d, "statelint", "lib")) and os.path.isdir(os.path.join(d, "j2119", "lib"))
statelint = [ruby or "ruby", "-I", os.path.join(d, "j2119", "lib"), "-I", os.path.join(d, "statelint", "lib")]
have = {
    "statelint": statelint_ok,
    "asls": os.path.isdir(os.path.join(npm, "amazon-states-language-service")),
    "aslv": os.path.exists(os.path.join(npm, ".bin", "asl-validator")),
    "cfn-lint": os.path.exists(os.path.join(d, "venv", "bin", "cfn-lint")),
    "statebox": os.path.isdir(os.path.join(npm, "@wmfs", "statebox")),
    "als": os.path.isdir(os.path.join(npm, "aws-local-stepfunctions")),
}
missing = [k for k, v in have.items() if not v]

def many(cmd, fs):
    return [cmd + [f] for f in fs]

# (group, row label, tool, [commands]); a measurement is the sum of its commands' wall times.
M = []
def add(group, row, tool, cmds, peer=None):
    if peer is None or have[peer]:
        M.append((group, row, tool, cmds))
all_label = f"one process, {len(files)} conformance definitions"
M_rows = [
    (all_label, files, True),
    (f"one process, {len(sample)}-file sample", sample, False),
]
for row, fs, whole in M_rows:
    add("lint", row, "nexus (default)", [lint + fs])
    add("lint", row, "nexus --no-bundled", [lint + ["--no-bundled"] + fs])
    add("lint", row, "statelint", [statelint + [os.path.join(peers, "statelint_batch.rb")] + fs], "statelint")
    add("lint", row, "ASL language service 1.16.1", [["node", os.path.join(peers, "asls_driver.js")] + fs], "asls")
    if not whole:
        add("lint", row, "cfn-lint 1.58.0", [[os.path.join(d, "venv", "bin", "cfn-lint"), "-f", "json"] + sample_cfn], "cfn-lint")
        aslv = [os.path.join(npm, ".bin", "asl-validator")]
        for f in fs:
            aslv += ["--json-path", f]
        add("lint", row, "asl-validator 4.0.0", [aslv], "aslv")
row = f"one process per file, {len(per_file)} files"
add("lint", row, "nexus (default)", many(lint, per_file))
add("lint", row, "nexus --no-bundled", many(lint + ["--no-bundled"], per_file))
add("lint", row, "statelint", many(statelint + [os.path.join(d, "statelint", "bin", "statelint")], per_file), "statelint")
for n in (1000, 12000):
    g = os.path.join(d, f"gen-{n}.asl.json")
    row = f"generated definition, {n:,} states ({os.path.getsize(g) // 1024:,} KB)"
    add("lint", row, "nexus (default)", [lint + [g]])
    add("lint", row, "nexus --no-bundled", [lint + ["--no-bundled", g]])
    add("lint", row, "statelint", [statelint + [os.path.join(d, "statelint", "bin", "statelint"), g]], "statelint")
for wl in ("W1", "W2", "W3"):
    row = {"W1": "W1: 1,000 Pass states", "W2": "W2: Map over 1,000 items", "W3": "W3: 1,000 small executions"}[wl]
    if wl == "W3":
        cmd = [nexus, "run", os.path.join(W, "W3.json"), "--input-lines", os.path.join(W, "W3.inputs.jsonl")]
    else:
        cmd = [nexus, "run", os.path.join(W, f"{wl}.json"), "--input-file", os.path.join(W, f"{wl}.input.json"), "--format", "json"]
    add("run", row, "nexus run", [cmd])
    add("run", row, "statebox 1.118.0", [["node", os.path.join(peers, "exec", "statebox_driver.cjs"), npm, W, work, wl]], "statebox")
    add("run", row, "aws-local-stepfunctions 3.0.0",
        [["node", os.path.join(peers, "exec", "als_driver.mjs"), os.path.join(npm, "aws-local-stepfunctions", "build", "main.node.esm.js"), W, work, wl]], "als")

env = dict(os.environ, NODE_PATH=npm)
def run(cmds):
    t = 0.0
    for c in cmds:
        a = time.perf_counter()
        subprocess.run(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        t += time.perf_counter() - a
    return t

load_before = open("/proc/loadavg").read().split()[:3]
times = {i: [] for i in range(len(M))}
started = time.time()
for r in range(reps):
    for i, (_, row, tool, cmds) in enumerate(M):
        # One untimed run of the measurement's first command right before it: on this
        # virtual machine the first process after an idle moment or after another large
        # process runs up to 3x slower (measured: nexus's 20-file row 170 ms right after
        # asl-validator, 106 ms otherwise; a 1.5 s pause made it worse, not better), and
        # whichever tool came first in the order took that penalty.
        run(cmds[:1])
        times[i].append(run(cmds))
    print(f"[peers] repetition {r + 1}/{reps} done ({time.time() - started:.0f} s)", file=sys.stderr)
load_after = open("/proc/loadavg").read().split()[:3]

med = {i: statistics.median(ts) for i, ts in times.items()}
rows = {}
for i, (group, row, tool, _) in enumerate(M):
    rows.setdefault((group, row), []).append((tool, med[i]))
lines = ["# nexus and its peers, one interleaved run", "",
         f"`bench/peers.sh --reps {reps}`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; release build; "
         f"whole-process wall times, median of {reps} interleaved repetitions; "
         f"load average {' '.join(load_before)} before, {' '.join(load_after)} after "
         f"({os.cpu_count()} cores). Ratio = tool time / nexus time (for lint: / nexus default).", ""]
if missing:
    lines += [f"Not installed here, so not measured: {', '.join(missing)}.", ""]
for group in ("lint", "run"):
    lines += [f"## {group}", "", "| measurement | tool | time | ratio to nexus |", "| --- | --- | ---: | ---: |"]
    for (g, row), tools in rows.items():
        if g != group:
            continue
        base = dict(tools).get("nexus (default)", dict(tools).get("nexus run"))
        for tool, t in tools:
            ratio = f"{t / base:.1f}x" if base else "-"
            lines.append(f"| {row} | {tool} | {t * 1000:,.0f} ms | {ratio} |")
    lines.append("")
text = "\n".join(lines)
os.makedirs(os.path.dirname(out), exist_ok=True)
tmp = out + ".tmp"
open(tmp, "w").write(text)
os.replace(tmp, out)
print(text)
PY
