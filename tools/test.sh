#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test:
#   1. the full suite (unit tests, crash harness, SIGKILL test, tamper matrix,
#      test vectors, golden v1 vault, CLI end-to-end on real files and loop
#      devices) on the normal build;
#   2. the fuzz harnesses under ASan + UBSan for a bounded time;
#   3. the whole suite again under ASan + UBSan (crash states reduced; the
#      SIGKILL loop and the extract-under-every-flip sweep only in step 1).
# Needs root (loop devices, mounts). CUSTODY_QUICK=1 runs only step 1.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each step says how long it took, so that a CI log shows where the time goes
# (a full run must stay under 60 minutes on 2 cores).
started=$SECONDS
step() { echo "== $1 ($((SECONDS - started)) s since start)" >&2; }
trap 'step "done"' EXIT
# CI builds with -Werror (CUSTODY_WERROR): a new warning fails the build.
CUSTODY_CMAKE_ARGS="-DCUSTODY_WERROR=ON ${CUSTODY_CMAKE_ARGS:-}" bash tools/setup.sh
root=$(pwd)
build=${CUSTODY_BUILD_DIR:-build}

step "1/3 test suite (set-up and build done)"
# -j: most tests are one process on one core; the suite has no shared fixed
# paths (every test works in its own mktemp directory, loop devices come
# from losetup -f), and it passed whole at -j2 on a loaded 2-core machine.
(cd "$build" && ctest -j"$(nproc)" --output-on-failure --timeout 1200)
[ -n "${CUSTODY_QUICK:-}" ] && exit 0

step "2/3 fuzzing (ASan + UBSan)"
bash tools/fuzz_ci.sh "${FUZZ_SECONDS:-30}"

step "3/3 test suite under ASan + UBSan: build"
CUSTODY_BUILD_DIR=build-asan CUSTODY_CMAKE_ARGS="-DCUSTODY_SANITIZE=ON -DCUSTODY_WERROR=ON" bash tools/setup.sh
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
export CUSTODY_CRASH_STATES=${CUSTODY_CRASH_STATES_ASAN:-2000}
step "3/3 test suite under ASan + UBSan: run"
# Skipped here (they ran in step 1, and take ~10x longer instrumented): the
# SIGKILL loop and the extract-under-every-flip sweep.
(cd "$root/build-asan" && ctest -j"$(nproc)" --output-on-failure --timeout 1800 -E "cli_kill|no flip makes extract")
