#!/usr/bin/env bash
# Load-independent lint cost (issue 18): instructions counted by callgrind for a whole
# `nexus lint` process, without the bundled Rego pack (--no-bundled) and with it (default),
# on one small conformance definition and on generated definitions (bench/gen-definition.py),
# plus the peak memory (maximum resident set) of the same runs outside valgrind. The machine is
# shared, so wall times are noisy; instruction counts are not.
#
#   bench/callgrind.sh [NEXUS] [STATES ...]      (default: the release build; 1000 12000)
#
# Writes bench/results/callgrind.md (and prints it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${NEXUS_SHARED:-$HERE/../shared}
cd "$HERE"
if [ $# -gt 0 ] && [ -x "$1" ]; then
  NEXUS=$1
  shift
else
  cargo build --release -q -p nexus-cli
  NEXUS="${CARGO_TARGET_DIR:-$HERE/target}/release/nexus"
fi
[ $# -gt 0 ] || set -- 1000 12000
command -v valgrind >/dev/null || { echo "needs valgrind" >&2; exit 2; }
ONE="$SHARED/conformance/sfn/assign/test_assign_base__test_assign_in_choice_CONDITION_FALSE/definition.json"
[ -f "$ONE" ] || { echo "needs $ONE" >&2; exit 2; }
WORK=$(mktemp -d /tmp/nexus-callgrind.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
for n in "$@"; do python3 bench/gen-definition.py "$n" "$WORK/s$n.asl.json"; done

instructions() { # file, extra args...
  local f=$1
  shift
  valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" \
    "$NEXUS" lint --format json --fail-on never "$@" "$f" >/dev/null 2>"$WORK/cg.err"
  awk '/^(summary|totals):/ {print $2; exit}' "$WORK/cg.out"
}
peak_kb() { # file, extra args...
  local f=$1
  shift
  /usr/bin/time -f "%M" "$NEXUS" lint --format json --fail-on never "$@" "$f" 2>&1 >/dev/null | tail -1
}

OUT="$HERE/bench/results/callgrind.md"
mkdir -p "$HERE/bench/results"
{
  echo "# nexus lint: instructions (callgrind) and peak memory"
  echo
  echo "\`bench/callgrind.sh $*\`, $(date -u +%Y-%m-%d), load $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "| definition | --no-bundled: instructions | default: instructions | pack cost (default / --no-bundled) | peak RSS --no-bundled | peak RSS default | default KB/state |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  row() { # label, file, states
    local a b ma mb
    a=$(instructions "$2" --no-bundled)
    b=$(instructions "$2")
    ma=$(peak_kb "$2" --no-bundled)
    mb=$(peak_kb "$2")
    python3 -c "import sys; a,b,ma,mb,n=map(int,sys.argv[2:]); print(f'| {sys.argv[1]} | {a:,} | {b:,} | {b/a:.2f}x | {ma/1024:.0f} MB | {mb/1024:.0f} MB | ' + (f'{mb/n:.1f} |' if n > 1 else '- |'))" "$1" "$a" "$b" "$ma" "$mb" "$3"
  }
  row "one conformance file" "$ONE" 1
  for n in "$@"; do row "$n states ($(( $(stat -c %s "$WORK/s$n.asl.json") / 1024 )) KB)" "$WORK/s$n.asl.json" "$n"; done
} | tee "$OUT"
