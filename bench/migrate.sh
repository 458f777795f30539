#!/usr/bin/env bash
# Migration benchmark: whole-process timings of the release `nexus migrate stepfunctions`
# (and `nexus export asl`) over the sfn corpus, ../shared/conformance/sfn.
#
#   bench/migrate.sh [--reps R]
#
# 1. the whole corpus directory in one process (`--input sfn --output DIR`), best of R runs;
# 2. one process per definition.json (stdout to /dev/null), the whole loop timed;
# 3. one `nexus export asl` process per migrated file, the whole loop timed.
# Output files go to a temporary directory that is removed at the end.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
SFN=${NEXUS_SHARED:-$HERE/../shared}/conformance/sfn
REPS=5
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -d "$SFN" ] || { echo "needs $SFN" >&2; exit 2; }
echo "[bench] cargo build --release -p nexus-cli" >&2
(cd "$HERE" && cargo build --release -q -p nexus-cli)
NEXUS=$HERE/target/release/nexus
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
ms() { echo "($2 - $1) * 1000" | bc -l | xargs printf '%.0f'; }

mapfile -t FILES < <(find "$SFN" -name definition.json | sort)
N=${#FILES[@]}

# 1. One process, the whole directory.
best=""
for r in $(seq "$REPS"); do
  # A fresh output directory each time (deleting the previous one first would time the
  # file system's cleanup too).
  t0=$(now)
  "$NEXUS" migrate stepfunctions -q --input "$SFN" --output "$TMP/out$r" 2>"$TMP/dir.log"
  t1=$(now)
  t=$(ms "$t0" "$t1")
  if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
done
mv "$TMP/out1" "$TMP/out"
written=$(find "$TMP/out" -name '*.nexus.yaml' | wc -l)
bytes=$(find "$TMP/out" -name '*.nexus.yaml' -exec cat {} + | wc -c)

# 2. One process per file.
t0=$(now)
for f in "${FILES[@]}"; do
  "$NEXUS" migrate stepfunctions -q --input "$f" >/dev/null 2>&1 || true
done
t1=$(now)
per_file=$(ms "$t0" "$t1")

# 3. Export every migrated file back, one process each.
mapfile -t OUTS < <(find "$TMP/out" -name '*.nexus.yaml' | sort)
t0=$(now)
for f in "${OUTS[@]}"; do
  "$NEXUS" export asl -q "$f" >/dev/null
done
t1=$(now)
export_ms=$(ms "$t0" "$t1")

cores=$(nproc)
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
echo
echo "nexus migrate benchmark: $N definition.json files ($written state machines, $bytes bytes of YAML written), $cores cores (load $load), release build"
printf '| %-52s | %10s | %12s |\n' "run" "wall (ms)" "per file (ms)"
printf '| %-52s | %10s | %12s |\n' "---" "---:" "---:"
printf '| %-52s | %10s | %12s |\n' "migrate, whole directory, 1 process (best of $REPS)" "$best" "$(echo "$best / $N" | bc -l | xargs printf '%.2f')"
printf '| %-52s | %10s | %12s |\n' "migrate, 1 process per file ($N processes)" "$per_file" "$(echo "$per_file / $N" | bc -l | xargs printf '%.2f')"
printf '| %-52s | %10s | %12s |\n' "export asl, 1 process per file (${#OUTS[@]} processes)" "$export_ms" "$(echo "$export_ms / ${#OUTS[@]}" | bc -l | xargs printf '%.2f')"
