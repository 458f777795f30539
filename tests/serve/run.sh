#!/usr/bin/env bash
# End-to-end tests of `nexus serve` with real clients (boto3 and the AWS CLI from PyPI).
# Makes its own venv (reused between runs), then runs e2e.py against the given binary.
#   tests/serve/run.sh [NEXUS_BINARY]     (default: target/debug/nexus, built if missing)
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
bin="${1:-$target/debug/nexus}"
if [ ! -x "$bin" ]; then
  cargo build -p nexus-cli
fi
venv="${NEXUS_SERVE_VENV:-$target/serve-e2e-venv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import boto3' 2>/dev/null || [ ! -x "$venv/bin/aws" ]; then
  echo "== making $venv (boto3, awscli)"
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check boto3 awscli
fi
exec "$venv/bin/python" tests/serve/e2e.py "$bin"
