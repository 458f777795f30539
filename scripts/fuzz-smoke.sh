#!/usr/bin/env bash
# The fuzz smoke of CI (issue #12; docs/fuzzing.md), about a minute and a half:
# - with FUZZ_LIBFUZZER=1 and a nightly toolchain: every libFuzzer target of fuzz/ for
#   FUZZ_SECONDS (default 10) each, from corpora seeded from fixtures/ (cargo-fuzz is installed
#   from crates.io if missing). Opt-in: the instrumented build of the targets takes longer
#   than the smoke itself on a 2-core runner;
# - always: the stable property-based harnesses (every test whose path names `fuzz`) with
#   PROPTEST_CASES (default 2000) cases each, reusing the test binaries `cargo test` built.
# A crash fails the script; libFuzzer leaves the input under fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-10}"

echo "== stable fuzz harnesses (PROPTEST_CASES=${PROPTEST_CASES:-2000})"
PROPTEST_CASES="${PROPTEST_CASES:-2000}" cargo test --workspace -q fuzz

if [ "${FUZZ_LIBFUZZER:-0}" != 1 ]; then
  echo "== libFuzzer targets skipped (FUZZ_LIBFUZZER=1 runs them; docs/fuzzing.md)"
  exit 0
fi
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "== libFuzzer targets skipped: no nightly toolchain (docs/fuzzing.md)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked -q
fi
python3 fuzz/seed.py >/dev/null
cd fuzz
# One build for every target; each run below only links against it.
cargo +nightly fuzz build -O
for target in $(cargo +nightly fuzz list); do
  echo "== cargo fuzz run $target (${seconds} s)"
  cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 2>&1 \
    | grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+== ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
  # A crash exits non-zero and leaves an artifact; PIPESTATUS keeps the fuzzer's status.
  if [ -n "$(ls -A "artifacts/$target" 2>/dev/null)" ]; then
    echo "error: $target found a crash: $(ls "artifacts/$target")" >&2
    exit 1
  fi
done
