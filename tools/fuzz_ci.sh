#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tools/fuzz/) with AddressSanitizer and
# UndefinedBehaviorSanitizer and runs each for a bounded time, seeded from
# real vaults and identity files. Fails on any crash, sanitizer report,
# timeout or out-of-memory, and (unless FUZZ_MIN_EXECS=0) on a harness
# slower than FUZZ_MIN_EXECS executions per second (default 1000; lower
# per-harness floors below).
#
#   tools/fuzz_ci.sh [SECONDS_PER_HARNESS]        # default 30
#   FUZZ_BUILD_DIR=build-fuzz FUZZ_CORPUS_DIR=... tools/fuzz_ci.sh 3600   # long run
#
# Needs: g++ 12, libclang-rt-14-dev (libFuzzer runtime), and the project's
# build dependencies. See tools/fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-${FUZZ_SECONDS:-30}}
build=${FUZZ_BUILD_DIR:-build-fuzz}
min_execs=${FUZZ_MIN_EXECS:-1000}
harnesses=(superblock record identity vault checkpoint catalog)
# Per-harness floors below FUZZ_MIN_EXECS. A floor catches a pathological
# slowdown (a harness made ten times slower, fuzzing nothing), not noise:
# the rate of the three harnesses that open whole vaults depends on the
# machine and on how far the fresh corpus's inputs get, and a clean CI run
# on a fresh machine measured vault 269, checkpoint 51 and catalog 878
# exec/s where this 2-core machine measured 524-1354, 85-250 and 1500+.
# So each floor sits near a fifth of the lowest rate seen on any machine.
# checkpoint: every execution verifies real Ed25519 signatures (Open
# replays the authority chain; Audit, run whenever Open fails, replays and
# verifies the whole ledger), a few ms in libsodium. vault: every execution
# is a whole Audit and an Open of the input (two container opens, the
# replay, the catalog tree audit). catalog: every execution audits a paged
# tree and its pages.
declare -A floor=([checkpoint]=12 [vault]=60 [catalog]=200)

if [ -z "${FUZZ_SKIP_BUILD:-}" ]; then  # FUZZ_SKIP_BUILD=1: use an existing $FUZZ_BUILD_DIR
  cmake -S . -B "$build" -DCUSTODY_FUZZ=ON -DCUSTODY_SANITIZE=ON -DCUSTODY_BUILD_TESTS=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  make -C "$build" -j"$(nproc)" fuzz_seed_gen $(printf '%s_fuzz ' "${harnesses[@]}") >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/custody-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
corpus_root=${FUZZ_CORPUS_DIR:-$work/corpus}
"$build/tools/fuzz/fuzz_seed_gen" "$work/seeds" >/dev/null

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

status=0
total=0
printf '%-11s %10s %12s %8s %s\n' harness seconds executions exec/s result
for h in "${harnesses[@]}"; do
  mkdir -p "$corpus_root/$h" "$work/artifacts"
  log="$work/$h.log"
  rc=0
  # -malloc_limit_mb: no single allocation may exceed 512 MiB, whatever the
  # input claims (hostile lengths must be bounded before allocation).
  "$build/tools/fuzz/${h}_fuzz" -max_total_time="$secs" -use_value_profile=1 -timeout=10 \
    -rss_limit_mb=2560 -malloc_limit_mb=512 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/$h-" "$corpus_root/$h" "$work/seeds/$h" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  execs=${execs:-0}
  rate=${rate:-0}
  total=$((total + execs))
  result=ok
  h_min=$min_execs
  if [ -n "${floor[$h]:-}" ] && [ "${floor[$h]}" -lt "$h_min" ]; then h_min=${floor[$h]}; fi
  if [ "$rc" -ne 0 ]; then
    result="FAILED (exit $rc)"
    status=1
    tail -60 "$log" >&2
    ls "$work/artifacts" >&2 || true
    if [ -n "${FUZZ_ARTIFACTS_DIR:-}" ]; then mkdir -p "$FUZZ_ARTIFACTS_DIR"; cp "$work"/artifacts/* "$FUZZ_ARTIFACTS_DIR"/ 2>/dev/null || true; fi
  elif [ "$min_execs" -gt 0 ] && [ "$rate" -lt "$h_min" ]; then
    result="TOO SLOW (< $h_min exec/s)"
    status=1
  fi
  printf '%-11s %10s %12s %8s %s\n' "$h" "$secs" "$execs" "$rate" "$result"
done
echo "total executions: $total"
exit $status
