#!/usr/bin/env bash
# nexus against LocalStack's AWS-recorded Step Functions snapshot tests: a local check, not a
# test (the snapshots are LocalStack's, Apache-2.0, never copied into this repository).
#
#   bench/localstack-parity/run.sh [NEXUS_BIN]
#
# Unpacks localstack/localstack's tests/aws/services/stepfunctions (from LS_GIT, a git
# directory, default the mirror /work/.mirror/localstack+localstack/repo; or a GitHub clone)
# into LS_DIR (default /tmp/ls-snap), then:
#   1. extract.py: every snapshot test whose execution history AWS recorded and whose
#      definition is one template file as written (parametrized tests resolved by their ids);
#   2. run.py: `nexus run` on each, status/output/error/cause against the recording
#      (recorder placeholders such as <ArnPart_0idx> match anything; Tasks need handlers and
#      report "No handler", which is expected);
#   3. teststate_replay.py: every test_state snapshot test (181 recorded entries) run as it is
#      written, once through `nexus test-state` and once through `nexus serve` with boto3,
#      each answer against the recorded response (inspectionData and API errors included).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BIN=${1:-$HERE/../../target/debug/nexus}
LS_DIR=${LS_DIR:-/tmp/ls-snap}
LS_GIT=${LS_GIT:-/work/.mirror/localstack+localstack/repo}
if [ ! -d "$LS_DIR/tests/aws/services/stepfunctions" ]; then
  mkdir -p "$LS_DIR"
  git --git-dir="$LS_GIT" archive HEAD tests/aws/services/stepfunctions | tar -x -C "$LS_DIR"
fi
export LS_DIR LS_CASES=${LS_CASES:-$LS_DIR/cases.json} NEXUS_BIN=$BIN
python3 "$HERE/extract.py"
python3 "$HERE/run.py" "$BIN"
python3 "$HERE/teststate_replay.py" "$BIN" cli
python3 "$HERE/teststate_replay.py" "$BIN" serve
