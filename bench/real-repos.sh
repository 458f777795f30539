#!/usr/bin/env bash
# nexus lint on public repositories of real Step Functions workflows: how many files it
# finds errors in, by code, so each error can be judged (real mistake or false alarm).
#
#   bench/real-repos.sh [DIR] [NEXUS_BIN]
#
# DIR (default /tmp/nexus-real-repos) holds clones of the repositories below; a missing one is
# cloned (shallow) from GitHub. Nothing is vendored. NEXUS_BIN defaults to the release build,
# then the debug build, of this checkout.
#
# Prints, per repository: workflow files, files with an error; then every
# error (file, code, message), and a count by code. Then the `*.asl.*` definition files
# named one by one without their templates (what a pre-commit hook passes), and their errors. The README's false-alarm rate is the
# share of the files with an error whose errors were judged (against the AWS documentation)
# not to be mistakes AWS would reject.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
DIR=${1:-/tmp/nexus-real-repos}
BIN=${2:-}
if [ -z "$BIN" ]; then
  for b in "$HERE/target/release/nexus" "$HERE/target/debug/nexus" \
           "${CARGO_TARGET_DIR:-/nonexistent}/release/nexus" "${CARGO_TARGET_DIR:-/nonexistent}/debug/nexus"; do
    [ -x "$b" ] && { BIN=$b; break; }
  done
fi
[ -x "$BIN" ] || { echo "build nexus first (cargo build --release -p nexus-cli)" >&2; exit 2; }
REPOS="aws-samples/step-functions-workflows-collection aws-samples/aws-stepfunctions-examples serverless-operations/serverless-step-functions"
mkdir -p "$DIR"
for r in $REPOS; do
  name=${r#*/}
  [ -d "$DIR/$name" ] || git clone -q --depth 1 "https://github.com/$r" "$DIR/$name"
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for r in $REPOS; do
  name=${r#*/}
  # Exit status 1 means findings, which is what we count; 2 is a tool failure.
  set +e
  (cd "$DIR" && "$BIN" lint "$name" --format json >"$out/$name.json" 2>"$out/$name.err")
  rc=$?
  set -e
  [ "$rc" -le 1 ] || { echo "nexus failed on $name (exit $rc):" >&2; cat "$out/$name.err" >&2; exit 2; }
  # The same definition files named one by one, without their templates, as a pre-commit
  # hook passes the changed files.
  mapfile -d '' defs < <(cd "$DIR" && find "$name" -path '*/.git' -prune -o -type f \( -name '*.asl.json' \
    -o -name '*.asl.yaml' -o -name '*.asl.yml' -o -name '*.asl' \) -print0 | sort -z)
  set +e
  if [ "${#defs[@]}" -gt 0 ]; then
    (cd "$DIR" && "$BIN" lint --format json "${defs[@]}" >"$out/$name.alone.json" 2>"$out/$name.alone.err")
  else
    echo '{"files": [], "diagnostics": []}' >"$out/$name.alone.json"
  fi
  rc=$?
  set -e
  [ "$rc" -le 1 ] || { echo "nexus failed on $name, files alone (exit $rc):" >&2; cat "$out/$name.alone.err" >&2; exit 2; }
done
python3 - "$out" $REPOS <<'PY'
import collections, json, sys
out, repos = sys.argv[1], sys.argv[2:]
by_code = collections.Counter()
totals = collections.Counter()
errors = []
for r in repos:
    name = r.split("/", 1)[1]
    data = json.load(open(f"{out}/{name}.json"))
    workflows = sum(1 for f in data["files"] if f.get("format"))
    errs = [d for d in data["diagnostics"] if d["severity"] == "error"]
    err_files = {d["path"] for d in errs}
    for d in errs:
        by_code[d["code"]] += 1
        errors.append((d["path"], d["line"], d["code"], d["message"]))
    warn = sum(1 for d in data["diagnostics"] if d["severity"] == "warning")
    print(f"{name}: {workflows} workflow files, {len(err_files)} with an error, {len(errs)} errors, {warn} warnings")
    totals["workflows"] += workflows
    totals["err_files"] += len(err_files)
    totals["errors"] += len(errs)
print(f"total: {totals['workflows']} workflow files, {totals['err_files']} with an error, {totals['errors']} errors")
alone = collections.Counter()
alone_errors = []
for r in repos:
    name = r.split("/", 1)[1]
    data = json.load(open(f"{out}/{name}.alone.json"))
    errs = [d for d in data["diagnostics"] if d["severity"] == "error"]
    alone["files"] += sum(1 for f in data["files"] if f.get("format"))
    alone["err_files"] += len({d["path"] for d in errs})
    alone["nx264"] += sum(1 for d in data["diagnostics"] if d["code"] == "NX264")
    alone_errors += [(d["path"], d["line"], d["code"], d["message"]) for d in errs]
print(f"definition files linted alone: {alone['files']}, {alone['err_files']} with an error, "
      f"{alone['nx264']} placeholders named with their template (NX264)")
print()
for path, line, code, msg in errors:
    print(f"{path}:{line or ''}: {code} {msg}")
print()
for code, n in sorted(by_code.items()):
    print(f"{code}\t{n}")
print()
print("errors of the definition files linted alone:")
for path, line, code, msg in alone_errors:
    print(f"{path}:{line or ''}: {code} {msg}")
PY
