#!/usr/bin/env bash
# Policy benchmark (issue 4): what the bundled Rego pack (and a user policy directory) adds to
# `nexus lint`, release build, whole process, over the 510 AWS-executed definitions of
# ../shared/conformance/sfn.
#
#   bench/policies.sh [--reps R] [--per-file N]
#
# Prints, for one process over all files and for one process per file (first N files), the
# time per file without policies (--no-bundled), with the bundled pack, and with the pack plus
# the conftest-style user policies of fixtures/policies/, and the ratios to "without".
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${NEXUS_SHARED:-$HERE/../shared}
REPS=5
PER_FILE=100
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    --per-file) PER_FILE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -d "$SHARED/conformance/sfn" ] || { echo "needs $SHARED/conformance/sfn" >&2; exit 2; }
cd "$HERE"
cargo build --release -q -p nexus-cli
NEXUS="$HERE/target/release/nexus"
python3 - "$NEXUS" "$SHARED/conformance/sfn" "$REPS" "$PER_FILE" "$HERE/fixtures/policies" <<'PY'
import os, statistics, subprocess, sys, time
nexus, corpus, reps, per_file, user = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
files = sorted(os.path.join(d, f) for d, _, fs in os.walk(corpus) for f in fs if f == "definition.json")
modes = {
    "without policies": ["--no-bundled"],
    "bundled pack": [],
    "bundled + user Rego": ["--policy", os.path.join(user, "conftest-v1"), "--policy", os.path.join(user, "conftest-v0")],
}
def run(args):
    t = time.perf_counter()
    r = subprocess.run([nexus, "lint", "--format", "json", "--fail-on", "never", *args],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if r.returncode not in (0, 1):
        sys.exit(f"nexus failed ({r.returncode}): {' '.join(args[:6])} ...")
    return time.perf_counter() - t
print(f"{len(files)} definitions; median of {reps} runs; release build")
print(f"{'mode':24} {'one process: ms/file':>22} {'ratio':>7} {'process per file: ms/file':>27} {'ratio':>7}")
base = None
for name, extra in modes.items():
    one = statistics.median(run(extra + files) for _ in range(reps)) / len(files)
    sample = files[:per_file]
    per = statistics.median(sum(run(extra + [f]) for f in sample) for _ in range(max(1, reps // 2))) / len(sample)
    if base is None:
        base = (one, per)
    print(f"{name:24} {one*1000:22.3f} {one/base[0]:7.2f} {per*1000:27.3f} {per/base[1]:7.2f}")
PY
