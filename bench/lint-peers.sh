#!/usr/bin/env bash
# Lint benchmark: nexus against the linters a Step Functions user would otherwise pick
# (asl-validator, the AWS Toolkit's ASL language service, cfn-lint), side by side in one go,
# whole-process timings of release builds, over ../shared/conformance.
#
#   bench/lint-peers.sh [--per-file N] [--reps R]
#
# The generated definitions come from bench/gen-definition.py (3,000, 6,000 and 12,000
# states; 12,000 is ~5 MB), to check that linting time grows linearly with size.
#
# Peers are installed into $NEXUS_BENCH_DIR (default /tmp/nexus-bench) from npm and PyPI by
# this script; nothing is committed. Prints a table of times and ratios (peer / nexus).
# --per-file N: also time one process per file over the first N files (default 20).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${NEXUS_SHARED:-$HERE/../shared}
D=${NEXUS_BENCH_DIR:-/tmp/nexus-bench}
PER_FILE=20
REPS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --per-file) PER_FILE=$2; shift 2 ;;
    --reps) REPS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -d "$SHARED/conformance" ] || { echo "needs $SHARED/conformance" >&2; exit 2; }
mkdir -p "$D"

log() { echo "[bench] $*" >&2; }

# --- install peers ---------------------------------------------------------------------------
if [ ! -x "$D/npm/node_modules/.bin/asl-validator" ] || [ ! -d "$D/npm/node_modules/amazon-states-language-service" ]; then
  log "npm install asl-validator@4.0.0 amazon-states-language-service@1.16.1"
  npm install --prefix "$D/npm" --no-audit --no-fund asl-validator@4.0.0 amazon-states-language-service@1.16.1 >"$D/npm.log" 2>&1
fi
if [ ! -x "$D/venv/bin/cfn-lint" ]; then
  log "pip install cfn-lint==1.58.0"
  python3 -m venv "$D/venv" && "$D/venv/bin/pip" install -q cfn-lint==1.58.0 >"$D/pip.log" 2>&1
fi
log "cargo build --release -p nexus-cli"
(cd "$HERE" && cargo build --release -q -p nexus-cli)
NEXUS=$HERE/target/release/nexus

# --- corpus ----------------------------------------------------------------------------------
CORPUS=$D/corpus
rm -rf "$CORPUS" "$D/cfn"
mkdir -p "$CORPUS" "$D/cfn"
python3 - "$SHARED/conformance" "$CORPUS" "$D/cfn" <<'PY'
import json, os, sys, shutil
src, out, cfn = sys.argv[1:4]
n = 0
files = []
for root, _, names in os.walk(src):
    for name in sorted(names):
        p = os.path.join(root, name)
        if name == "definition.json" or (root.startswith(os.path.join(src, "lint")) and name.endswith(".json") and name != "manifest.json"):
            try:
                v = json.load(open(p))
            except Exception:
                continue  # asl-validator aborts the whole run on one non-JSON file
            n += 1
            dst = os.path.join(out, f"case{n:04d}.asl.json")
            shutil.copyfile(p, dst)
            t = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"StateMachine": {
                "Type": "AWS::StepFunctions::StateMachine",
                "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/example", "Definition": v}}}}
            json.dump(t, open(os.path.join(cfn, f"case{n:04d}.json"), "w"))
print(n)
PY
FILES=("$CORPUS"/*.asl.json)
CFN=("$D"/cfn/*.json)
log "${#FILES[@]} definitions"

# --- timing ----------------------------------------------------------------------------------
now() { date +%s.%N; }
# median of REPS runs of a command, in seconds
time_cmd() {
  local ts=()
  for _ in $(seq "$REPS"); do
    local a b
    a=$(now); "$@" >/dev/null 2>&1 || true; b=$(now)
    ts+=("$(echo "$b - $a" | bc -l)")
  done
  printf '%s\n' "${ts[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}
per_file() {  # per_file CMD...: one process per file over the first PER_FILE files, total seconds
  local a b
  a=$(now)
  for f in "${FILES[@]:0:$PER_FILE}"; do "$@" "$f" >/dev/null 2>&1 || true; done
  b=$(now)
  echo "$b - $a" | bc -l
}
per_file_cfn() {
  local a b
  a=$(now)
  for f in "${CFN[@]:0:$PER_FILE}"; do "$D/venv/bin/cfn-lint" -f json "$f" >/dev/null 2>&1 || true; done
  b=$(now)
  echo "$b - $a" | bc -l
}
ASLV=$D/npm/node_modules/.bin/asl-validator
ASLV_ARGS=()
for f in "${FILES[@]}"; do ASLV_ARGS+=(--json-path "$f"); done
asls() { NODE_PATH=$D/npm/node_modules node "$SHARED/peers/asls_driver.js" "$@"; }
aslv1() { "$ASLV" --json-path "$1"; }

log "one process over the corpus (median of $REPS)"
t_nexus=$(time_cmd "$NEXUS" lint --format json "$CORPUS")
t_nexus_nb=$(time_cmd "$NEXUS" lint --no-bundled --format json "$CORPUS")
t_asls=$(time_cmd asls "${FILES[@]}")
t_cfn=$(time_cmd "$D/venv/bin/cfn-lint" -f json "${CFN[@]}")
t_aslv=$(time_cmd "$ASLV" "${ASLV_ARGS[@]}")

log "one process per file over $PER_FILE files"
p_nexus=$(per_file "$NEXUS" lint --format json)
p_nexus_nb=$(per_file "$NEXUS" lint --no-bundled --format json)
p_asls=$(per_file asls)
p_aslv=$(per_file aslv1)
p_cfn=$(per_file_cfn)

# --- the big generated definition (and two smaller ones, for linearity) ---------------------
for n in 3000 6000 12000; do
  python3 "$HERE/bench/gen-definition.py" "$n" "$D/big-$n.asl.json"
done
BIG=$D/big-12000.asl.json
big_size=$(stat -c %s "$BIG")
t_big=$(time_cmd "$NEXUS" lint --format json "$BIG")
t_big_nb=$(time_cmd "$NEXUS" lint --no-bundled --format json "$BIG")
t_big3_nb=$(time_cmd "$NEXUS" lint --no-bundled --format json "$D/big-3000.asl.json")
t_big6_nb=$(time_cmd "$NEXUS" lint --no-bundled --format json "$D/big-6000.asl.json")
t_big3=$(time_cmd "$NEXUS" lint --format json "$D/big-3000.asl.json")
t_big6=$(time_cmd "$NEXUS" lint --format json "$D/big-6000.asl.json")
t_empty=$(time_cmd "$NEXUS" lint --format json "$HERE/fixtures/valid/asl/order-pipeline.asl.json")

ratio() { echo "scale=1; $1 / $2" | bc -l; }
ms() { echo "scale=1; $1 * 1000 / 1" | bc -l; }
echo
echo "corpus: ${#FILES[@]} definitions from ../shared/conformance (median of $REPS runs)"
echo
echo "nexus (validation) = \`nexus lint --no-bundled\`: every NX0xx-NX2xx check, as the peers do;"
echo "nexus (default) adds the bundled NX3xx best-practice pack (Rego, regorus)."
echo "Ratios: peer time / nexus (validation) time, and in brackets / nexus (default)."
echo
echo "| tool | one process, all files | ratio | one process per file ($PER_FILE files) | ratio |"
echo "| --- | --- | --- | --- | --- |"
echo "| nexus (validation) | $(ms "$t_nexus_nb") ms | 1 | $(ms "$p_nexus_nb") ms | 1 |"
echo "| nexus (default) | $(ms "$t_nexus") ms | $(ratio "$t_nexus" "$t_nexus_nb")x | $(ms "$p_nexus") ms | $(ratio "$p_nexus" "$p_nexus_nb")x |"
echo "| AWS Toolkit ASL language service 1.16.1 | $(ms "$t_asls") ms | $(ratio "$t_asls" "$t_nexus_nb")x ($(ratio "$t_asls" "$t_nexus")x) | $(ms "$p_asls") ms | $(ratio "$p_asls" "$p_nexus_nb")x ($(ratio "$p_asls" "$p_nexus")x) |"
echo "| cfn-lint 1.58.0 | $(ms "$t_cfn") ms | $(ratio "$t_cfn" "$t_nexus_nb")x ($(ratio "$t_cfn" "$t_nexus")x) | $(ms "$p_cfn") ms | $(ratio "$p_cfn" "$p_nexus_nb")x ($(ratio "$p_cfn" "$p_nexus")x) |"
echo "| asl-validator 4.0.0 | $(ms "$t_aslv") ms | $(ratio "$t_aslv" "$t_nexus_nb")x ($(ratio "$t_aslv" "$t_nexus")x) | $(ms "$p_aslv") ms | $(ratio "$p_aslv" "$p_nexus_nb")x ($(ratio "$p_aslv" "$p_nexus")x) |"
echo
echo "generated definitions (whole process, median of $REPS; a one-state file takes $(ms "$t_empty") ms):"
echo "| states | nexus (validation) | nexus (default) |"
echo "| --- | --- | --- |"
echo "| 3,000 | $(ms "$t_big3_nb") ms | $(ms "$t_big3") ms |"
echo "| 6,000 | $(ms "$t_big6_nb") ms | $(ms "$t_big6") ms |"
echo "| 12,000 ($((big_size / 1024)) KiB) | $(ms "$t_big_nb") ms | $(ms "$t_big") ms |"
