#!/usr/bin/env bash
# Size curves (issue 18): wall time and peak memory (maximum resident set) of one nexus
# process per command, on generated definitions from 1,000 to 50,000 states, to show that
# every command stays linear: lint (ASL JSON, with and without the bundled pack; the migrated
# NEXUS YAML), migrate, export, and run (a chain of Pass states).
#
#   bench/size-curves.sh [NEXUS] [STATES ...]     (default: the release build; 1000 5000 12000 25000 50000)
#
# The definitions come from `bench/gen-definition.py --compact` (~240 bytes per state; the
# indented form would pass nexus's 16 MiB input bound, NX007, at ~39,000 states). Writes
# bench/results/size-curves.md: per command and size the time, the peak memory, and both per
# state; linear means the per-state columns stay flat as the size grows. Wall times are as
# noisy as the machine; the file records the load average.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
cd "$HERE"
if [ $# -gt 0 ] && [ -x "$1" ]; then
  NEXUS=$1
  shift
else
  cargo build --release -q -p nexus-cli
  NEXUS="${CARGO_TARGET_DIR:-$HERE/target}/release/nexus"
fi
[ $# -gt 0 ] || set -- 1000 5000 12000 25000 50000
WORK=$(mktemp -d /tmp/nexus-sizes.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
OUT=$HERE/bench/results/size-curves.md
python3 - "$NEXUS" "$WORK" "$OUT" "$@" <<'PY'
import json, os, subprocess, sys, time
nexus, work, out, sizes = sys.argv[1], sys.argv[2], sys.argv[3], [int(x) for x in sys.argv[4:]]
here = os.getcwd()

def measure(cmd):
    """(seconds, peak KB) of one process, from /usr/bin/time."""
    r = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    last = r.stderr.strip().splitlines()[-1].split()
    if r.returncode not in (0, 1):
        sys.exit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return float(last[0]), int(last[1])

load_before = open("/proc/loadavg").read().split()[:3]
rows = []
for n in sizes:
    asl = os.path.join(work, f"g{n}.asl.json")
    subprocess.run([sys.executable, os.path.join(here, "bench", "gen-definition.py"), "--compact", str(n), asl], check=True)
    yml = os.path.join(work, f"g{n}.nexus.yaml")
    back = os.path.join(work, f"g{n}.back.asl.json")
    chain = os.path.join(work, f"p{n}.asl.json")
    states = {f"P{i}": ({"Type": "Pass", "Next": f"P{i + 1}"} if i + 1 < n else {"Type": "Pass", "End": True}) for i in range(n)}
    json.dump({"StartAt": "P0", "States": states}, open(chain, "w"), separators=(",", ":"))
    lint = [nexus, "lint", "--format", "json", "--fail-on", "never"]
    cmds = [
        ("lint ASL JSON, default", lint + [asl], asl),
        ("lint ASL JSON, --no-bundled", lint + ["--no-bundled", asl], asl),
        ("migrate stepfunctions", [nexus, "migrate", "stepfunctions", "--input", asl, "-o", yml, "--force"], asl),
        ("lint NEXUS YAML, default", lint + [yml], yml),
        ("export asl", [nexus, "export", "asl", yml, "-o", back, "--force", "--no-lint"], yml),
        ("run (Pass chain)", [nexus, "run", chain, "--format", "json", "--max-transitions", str(10 * n),
                              "--max-events", str(10 * n)], chain),
    ]
    for label, cmd, f in cmds:
        t, kb = measure(cmd)
        rows.append((label, n, os.path.getsize(f), t, kb))
        print(f"[sizes] {label} {n}: {t:.2f} s {kb / 1024:.0f} MB", file=sys.stderr)
load_after = open("/proc/loadavg").read().split()[:3]

lines = ["# Size curves: one process per command, 1,000 to 50,000 states", "",
         f"`bench/size-curves.sh {' '.join(map(str, sizes))}`, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, "
         f"release build, one run each; load average {' '.join(load_before)} before, {' '.join(load_after)} after. "
         "Definitions: `bench/gen-definition.py --compact` (lint, migrate, export) and a chain of Pass states (run). "
         "Linear = the per-state columns stay flat.", "",
         "| command | states | input | time | µs per state | peak RSS | KB per state |",
         "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for label, n, size, t, kb in rows:
    lines.append(f"| {label} | {n:,} | {size / 1024:,.0f} KB | {t * 1000:,.0f} ms | {t * 1e6 / n:,.1f} | {kb / 1024:,.0f} MB | {kb / n:,.2f} |")
text = "\n".join(lines) + "\n"
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out + ".tmp", "w").write(text)
os.replace(out + ".tmp", out)
print(text)
PY
