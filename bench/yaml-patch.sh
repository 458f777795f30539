#!/usr/bin/env bash
# The cost of the vendored saphyr-parser patch (vendor/saphyr-parser/PATCHED.md): the same
# event parser built twice, patched (vendor/) and unpatched (the patch reversed on a copy), each
# parsing the same large YAML template; callgrind instruction counts (independent of the load
# of a shared machine) and wall-clock times side by side.
#
#   bench/yaml-patch.sh [STATES] [WORKDIR]
#
# STATES (default 12000) sizes the generated definition (bench/gen-definition.py; 12,000 states
# is a 5.8 MB SAM template). WORKDIR (default /tmp/nexus-yaml-patch) holds the two bench crates,
# their release builds and the template; nothing is written in the checkout. Needs python3 with
# PyYAML (scripts/pyyaml-venv.sh) to write the template; valgrind for the instruction counts
# (skipped without it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
STATES=${1:-12000}
W=${2:-/tmp/nexus-yaml-patch}
PY=${PYTHON:-python3}
mkdir -p "$W"
rm -rf "$W/saphyr-unpatched"
cp -r "$HERE/vendor/saphyr-parser" "$W/saphyr-unpatched"
(cd "$W/saphyr-unpatched" && patch -s -R -p1 <nexus-libyaml-leniency.patch)
for v in patched unpatched; do
  if [ "$v" = patched ]; then src="$HERE/vendor/saphyr-parser"; else src="$W/saphyr-unpatched"; fi
  mkdir -p "$W/$v/src"
  cat >"$W/$v/Cargo.toml" <<EOF
[package]
name = "yamlbench-$v"
version = "0.1.0"
edition = "2024"
publish = false
[dependencies]
saphyr-parser = { path = "$src" }
[profile.release]
debug = 1
[workspace]
EOF
  cat >"$W/$v/src/main.rs" <<'EOF'
//! Parses a YAML file N times with saphyr-parser's event parser; prints the event count.
use saphyr_parser::Parser;
fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: yamlbench FILE [N]");
    let n: usize = args.next().map_or(1, |s| s.parse().expect("N is a number"));
    let text = std::fs::read_to_string(&path).expect("readable FILE");
    let mut events = 0usize;
    for _ in 0..n {
        for ev in Parser::new_from_str(&text) {
            ev.expect("the template parses");
            events += 1;
        }
    }
    println!("{events}");
}
EOF
  (cd "$W/$v" && CARGO_TARGET_DIR="$W/target-$v" cargo build --release -q)
done
T="$W/template.yaml"
if [ ! -s "$T" ]; then
  "$PY" "$HERE/bench/gen-definition.py" "$STATES" "$W/def.asl.json"
  "$PY" - "$W/def.asl.json" "$T" <<'PY'
import json, sys, yaml
d = json.load(open(sys.argv[1]))
t = {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
     "Resources": {"Machine": {"Type": "AWS::Serverless::StateMachine",
                               "Properties": {"Type": "STANDARD", "Definition": d}}}}
open(sys.argv[2], "w").write(yaml.safe_dump(t, sort_keys=False, width=100))
PY
fi
echo "template: $T ($(wc -c <"$T") bytes); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for v in patched unpatched; do
  printf '%-10s events: %s\n' "$v" "$("$W/target-$v/release/yamlbench-$v" "$T" 1)"
done
if command -v valgrind >/dev/null; then
  for v in patched unpatched; do
    n=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null \
          "$W/target-$v/release/yamlbench-$v" "$T" 1 2>&1 | sed -n 's/.*Collected : //p')
    printf '%-10s instructions: %s\n' "$v" "$n"
  done
fi
# Wall clock, interleaved so both see the same load: median of 5 runs of 3 parses each.
for i in 1 2 3 4 5; do
  for v in patched unpatched; do
    s=$(date +%s%N)
    "$W/target-$v/release/yamlbench-$v" "$T" 3 >/dev/null
    echo "$v $((($(date +%s%N) - s) / 1000000))"
  done
done | sort -k1,1 -k2,2n | awk '{t[$1] = t[$1] " " $2; c[$1]++; if (c[$1] == 3) m[$1] = $2}
  END {for (v in t) printf "%-10s ms (3 parses), sorted:%s; median %s\n", v, t[v], m[v]}'
