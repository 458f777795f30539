#!/usr/bin/env bash
# The lint step of the nexus GitHub Action (action.yml), kept in a script so it can be run and
# tested outside GitHub with the variables GitHub sets:
#   INPUT_PATHS              files, directories or globs, one per line (spaces stay part of a
#                            path); default "."
#   INPUT_ARGS               more `nexus lint` flags, split like a shell would (quotes group):
#                            `--fail-on warning --policy "my policies"`
#   INPUT_WORKING_DIRECTORY  run from here (paths are relative to it); default: the workspace
#   INPUT_SARIF_FILE         also write SARIF here, for github/codeql-action/upload-sarif
#   NEXUS                    the nexus binary (default: `nexus` on PATH)
#   GITHUB_OUTPUT            gets exit-code, errors, warnings, notes
#   GITHUB_STEP_SUMMARY      gets the Markdown summary (from nexus itself)
set -uo pipefail

nexus="${NEXUS:-nexus}"
if [ -n "${INPUT_WORKING_DIRECTORY:-}" ]; then
  cd "$INPUT_WORKING_DIRECTORY" || {
    echo "::error title=nexus::working-directory \`$INPUT_WORKING_DIRECTORY\` does not exist"
    exit 2
  }
fi

paths=()
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%$'\r'}"
  # Surrounding blanks are YAML indentation, not part of the path.
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] && paths+=("$line")
done <<<"${INPUT_PATHS:-.}"
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
  GITHUB_STEP_SUMMARY="" "$nexus" lint "${args[@]}" --format json --fail-on never --output "$counts_file" -- "${paths[@]}" >/dev/null; then
  count() { grep -o "\"$1\": [0-9]*" "$counts_file" | tail -n 1 | grep -o '[0-9]*$'; }
  errors="$(count errors)" warnings="$(count warnings)" notes="$(count notes)"
else
  errors="" warnings="" notes=""
fi
rm -f "$counts_file"

if [ -n "${INPUT_SARIF_FILE:-}" ] && [ "$status" -ne 2 ]; then
  if ! GITHUB_STEP_SUMMARY="" "$nexus" lint "${args[@]}" --format sarif --fail-on never --output "$INPUT_SARIF_FILE" -- "${paths[@]}" >/dev/null; then
    echo "::warning title=nexus::could not write SARIF to $INPUT_SARIF_FILE"
  fi
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$status"
    echo "errors=$errors"
    echo "warnings=$warnings"
    echo "notes=$notes"
  } >>"$GITHUB_OUTPUT"
fi
exit "$status"
