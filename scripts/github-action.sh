#!/usr/bin/env bash
# The lint step of the nexus GitHub Action (action.yml), kept in a script so it can be run and
# tested outside GitHub with the variables GitHub sets:
#   INPUT_PATHS       whitespace-separated paths/globs (default ".")
#   INPUT_POLICY      whitespace-separated policy directories (optional)
#   INPUT_FORMAT      output format (default "github": annotations + job summary)
#   INPUT_FAIL_ON     error | warning | never (default "error")
#   INPUT_SARIF_FILE  also write SARIF here, for github/codeql-action/upload-sarif (optional)
#   NEXUS             the nexus binary (default: `nexus` on PATH)
#   GITHUB_OUTPUT     gets `exit-code=N`; GITHUB_STEP_SUMMARY gets the Markdown summary
set -uo pipefail

nexus="${NEXUS:-nexus}"
read -r -a paths <<<"${INPUT_PATHS:-.}"
[ "${#paths[@]}" -eq 0 ] && paths=(.)

args=(lint --format "${INPUT_FORMAT:-github}" --fail-on "${INPUT_FAIL_ON:-error}")
read -r -a policies <<<"${INPUT_POLICY:-}"
for p in "${policies[@]}"; do
  args+=(--policy "$p")
done

"$nexus" "${args[@]}" -- "${paths[@]}"
status=$?

if [ -n "${INPUT_SARIF_FILE:-}" ] && [ "$status" -ne 2 ]; then
  # A second, quiet run for code scanning: no summary, never failing on findings.
  sarif_args=(lint --format sarif --fail-on never --output "$INPUT_SARIF_FILE")
  for p in "${policies[@]}"; do
    sarif_args+=(--policy "$p")
  done
  if ! GITHUB_STEP_SUMMARY="" "$nexus" "${sarif_args[@]}" -- "${paths[@]}"; then
    echo "::warning title=nexus::could not write SARIF to $INPUT_SARIF_FILE"
  fi
fi

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  echo "exit-code=$status" >>"$GITHUB_OUTPUT"
fi
exit "$status"
