#!/usr/bin/env bash
# A Python virtual environment with PyYAML (built on libyaml), the oracle of the differential
# YAML test (schema/tests/schema/pyyaml_differential.rs). Prints the interpreter's path; .ci/run
# exports it as NEXUS_PYYAML_PYTHON. Idempotent: an existing environment is reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${NEXUS_PYYAML_VENV:-$root/target/pyyaml-venv}"
if ! "$venv/bin/python" -c 'import yaml' >/dev/null 2>&1; then
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian ships venv separately.
    if command -v apt-get >/dev/null 2>&1; then
      SUDO=""; [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
      { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null; } >&2
    fi
    python3 -m venv "$venv" >&2
  fi
  "$venv/bin/python" -m pip install -q 'PyYAML==6.0.3' >&2
fi
echo "$venv/bin/python"
