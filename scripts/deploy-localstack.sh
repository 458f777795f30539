#!/usr/bin/env bash
# `nexus deploy` against LocalStack's Step Functions, run in host mode (no docker): the
# runtime from PyPI (`localstack-core[runtime]`) in a venv this script makes, started as
# `python -m localstack.runtime.main` on a free 127.0.0.1 port. Then scripts/deploy-e2e.py runs
# the same scenario as the CLI's e2e tests against it and reports each check.
#
#   scripts/deploy-localstack.sh [NEXUS_BINARY]     (built with `--features aws` if missing)
#   scripts/deploy-localstack.sh --serve [NEXUS]   (the same scenario against `nexus serve`)
#
# Exit: 0 every check passed, 1 a check failed, 3 LocalStack could not be started here (the
# reason is printed; its log is kept).
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
against=localstack
if [ "${1:-}" = "--serve" ]; then
  against=serve
  shift
fi
bin="${1:-$target/debug/nexus}"
if [ ! -x "$bin" ] || ! "$bin" deploy --help >/dev/null 2>&1 || "$bin" deploy /dev/null 2>&1 | grep -q 'features aws'; then
  echo "== building nexus with the aws feature"
  cargo build -p nexus-cli --features aws
  bin="$target/debug/nexus"
fi
venv="${NEXUS_LOCALSTACK_VENV:-$target/localstack-venv}"
python="${PYTHON:-python3}"
LOCALSTACK_VERSION="${LOCALSTACK_VERSION:-2026.3.0}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import localstack.runtime.main, boto3' 2>/dev/null; then
  echo "== making $venv (localstack-core[runtime]==$LOCALSTACK_VERSION, from PyPI)"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "localstack-core[runtime]==$LOCALSTACK_VERSION"
fi
if [ "$against" = localstack ]; then
  # LocalStack's runtime finds its parts through entry points and skips any that fail to
  # import, then reports only "No component plugins found": import them here to get the reason.
  if ! why=$("$venv/bin/python" -c 'import localstack.aws.components, localstack.services.stepfunctions.provider' 2>&1); then
    echo "error: LocalStack $LOCALSTACK_VERSION cannot run in host mode with $("$venv/bin/python" --version) here:" >&2
    echo "$why" | tail -n 3 >&2
    echo "(2026.x releases need Python >= 3.12; set PYTHON=python3.12 or LOCALSTACK_VERSION; with docker, \`localstack start\` and run scripts/deploy-e2e.py against http://127.0.0.1:4566)" >&2
    exit 3
  fi
fi
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
log="$work/server.log"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

if [ "$against" = serve ]; then
  echo "== nexus serve on 127.0.0.1:$port"
  "$bin" serve --port "$port" --data-dir "$work/data" >"$log" 2>&1 &
  pid=$!
  health="http://127.0.0.1:$port/"
else
  echo "== LocalStack $LOCALSTACK_VERSION (host mode, stepfunctions only) on 127.0.0.1:$port"
  GATEWAY_LISTEN="127.0.0.1:$port" SERVICES=stepfunctions EAGER_SERVICE_LOADING=1 \
    LOCALSTACK_VOLUME_DIR="$work/volume" FILESYSTEM_ROOT="$work/fs" DISABLE_EVENTS=1 \
    "$venv/bin/python" -m localstack.runtime.main >"$log" 2>&1 &
  pid=$!
  health="http://127.0.0.1:$port/_localstack/health"
fi
up=""
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  if "$venv/bin/python" - "$health" <<'EOF' 2>/dev/null; then up=1; break; fi
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass  # an HTTP answer (nexus serve answers GET / with 4xx) means it is up
EOF
  sleep 1
done
if [ -z "$up" ]; then
  echo "error: $against did not start on 127.0.0.1:$port (the last lines of its log follow; full log: $log)" >&2
  tail -n 30 "$log" >&2 || true
  trap - EXIT
  cleanup
  exit 3
fi
echo "== scripts/deploy-e2e.py against $against"
status=0
"$venv/bin/python" scripts/deploy-e2e.py "$bin" "http://127.0.0.1:$port" || status=$?
exit "$status"
