#!/usr/bin/env bash
# The lint step of the nexus GitHub Action (action.yml), kept in a script so it can be run and
# tested outside GitHub with the variables GitHub sets:
#   INPUT_PATHS              files, directories or globs, one per line (spaces stay part of a
#                            path); default "."
#   INPUT_ARGS               more `nexus lint` flags, split like a shell would (quotes group):
#                            `--fail-on warning --policy "my policies"`
#   INPUT_WORKING_DIRECTORY  run from here (paths are relative to it); default: the workspace
#   INPUT_SARIF_FILE         also write SARIF here, for github/codeql-action/upload-sarif
#   INPUT_TEST               also run `nexus test`: "true" (test files under the working
#                            directory) or test files/directories one per line; "" or "false":
#                            lint only
#   NEXUS                    the nexus binary (default: `nexus` on PATH)
#   GITHUB_OUTPUT            gets exit-code, errors, warnings, notes (and test-exit-code)
#   GITHUB_STEP_SUMMARY      gets the Markdown summary (from nexus itself)
set -uo pipefail

nexus="${NEXUS:-nexus}"
if [ -n "${INPUT_WORKING_DIRECTORY:-}" ]; then
  cd "$INPUT_WORKING_DIRECTORY" || {
    echo "::error title=nexus::working-directory \`$INPUT_WORKING_DIRECTORY\` does not exist"
    exit 2
  }
fi

# One path per line; surrounding blanks are YAML indentation, not part of the path.
# (Sets the array `lines`; no namerefs, so the bash 3.2 of macOS runners reads it too.)
read_lines() {
  lines=()
  local line
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line%$'\r'}"
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    [ -n "$line" ] && lines+=("$line")
  done <<<"$1"
}

read_lines "${INPUT_PATHS:-.}"
paths=(${lines[@]+"${lines[@]}"})
[ "${#paths[@]}" -eq 0 ] && paths=(.)

# xargs splits like a shell (quotes and backslashes) without evaluating anything.
args=()
if [ -n "${INPUT_ARGS:-}" ]; then
  while IFS= read -r -d '' a; do
    args+=("$a")
  done < <(printf '%s' "$INPUT_ARGS" | xargs printf '%s\0') || {
    echo "::error title=nexus::cannot split \`args\` (unbalanced quotes?): $INPUT_ARGS"
    exit 2
  }
fi

"$nexus" lint "${args[@]}" -- "${paths[@]}"
status=$?

# Counts for the step outputs, and SARIF when asked: quiet runs that never fail on findings
# and write no second job summary. Findings are counted over the same paths and flags.
counts_file="$(mktemp)"
if [ "$status" -ne 2 ] &&
  GITHUB_STEP_SUMMARY="" "$nexus" lint "${args[@]}" --format json --fail-on never --force --output "$counts_file" -- "${paths[@]}" >/dev/null; then
  count() { grep -o "\"$1\": [0-9]*" "$counts_file" | tail -n 1 | grep -o '[0-9]*$'; }
  errors="$(count errors)" warnings="$(count warnings)" notes="$(count notes)"
else
  errors="" warnings="" notes=""
fi
rm -f "$counts_file"

if [ -n "${INPUT_SARIF_FILE:-}" ] && [ "$status" -ne 2 ]; then
  if ! GITHUB_STEP_SUMMARY="" "$nexus" lint "${args[@]}" --format sarif --fail-on never --force --output "$INPUT_SARIF_FILE" -- "${paths[@]}" >/dev/null; then
    echo "::warning title=nexus::could not write SARIF to $INPUT_SARIF_FILE"
  fi
fi

# Workflow unit tests (`nexus test`, docs/testing.md) after the lint, when asked: failures
# are annotated at the failing expectation; the step fails with the worse of the two codes.
test_status=""
case "${INPUT_TEST:-}" in
  "" | false) ;;
  *)
    lines=()
    [ "$INPUT_TEST" != true ] && read_lines "$INPUT_TEST"
    "$nexus" test -- ${lines[@]+"${lines[@]}"}
    test_status=$?
    ;;
esac

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$status"
    echo "errors=$errors"
    echo "warnings=$warnings"
    echo "notes=$notes"
    [ -n "$test_status" ] && echo "test-exit-code=$test_status"
  } >>"$GITHUB_OUTPUT"
fi
if [ -n "$test_status" ] && [ "$test_status" -gt "$status" ]; then
  exit "$test_status"
fi
exit "$status"
