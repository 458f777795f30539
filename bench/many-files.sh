#!/usr/bin/env bash
# Many-files benchmark (issue 18): `nexus lint` over a folder of N small ASL files, release
# build, whole process, to check the run is linear in the number of files (a monorepo holds
# tens of thousands). Reports of one file are folded by a path map; a linear search per file
# made 40,000 files take 41 s.
#
#   bench/many-files.sh [N ...]        (default: 5000 20000 40000)
#
# Prints, per N, the median of 3 runs (--no-bundled, so the Rego pack does not hide the
# merge), the time per file and the ratio of time per file to the smallest N's (1.0 = linear).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
[ $# -gt 0 ] || set -- 5000 20000 40000
cd "$HERE"
cargo build --release -q -p nexus-cli
NEXUS="${CARGO_TARGET_DIR:-$HERE/target}/release/nexus"
WORK=$(mktemp -d /tmp/nexus-many-files.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$NEXUS" "$WORK" "$@" <<'PY'
import json, os, statistics, subprocess, sys, time
nexus, work, sizes = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
text = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
base = None
for n in sizes:
    d = os.path.join(work, str(n))
    os.makedirs(d)
    for i in range(n):
        with open(os.path.join(d, f"m{i}.asl.json"), "w") as f:
            f.write(text)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([nexus, "lint", "--no-bundled", "-f", "json", d],
                       stdout=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - t)
    med = statistics.median(times)
    per = med / n * 1e6
    base = base or per
    print(f"{n:>7} files  {med:8.3f} s  {per:7.1f} us/file  x{per / base:.2f} per file")
PY
