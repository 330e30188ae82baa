#!/usr/bin/env bash
# Mutation run: are the security-critical checks of Custody guarded by tests?
#
# Usage:
#   tools/mutation/run.sh [--worktree] [--keep] [ID...]
#
#   ID...        run only these mutants (ids from tools/mutation/mutants.txt);
#                default: all of them
#   --worktree   mutate a copy of the working tree as it is (tracked and
#                untracked, non-ignored files) instead of HEAD
#   --keep       keep the scratch directory (printed at the end)
#   --list       list the mutants and exit
#
# Environment:
#   MUTATION_WORK  scratch directory to use (and keep): reusing one makes the
#                  next run incremental (only the files that changed since are
#                  rebuilt); default a fresh mktemp -d under $TMPDIR, removed
#                  at the end
#   MUTATION_JOBS  build and ctest parallelism (default 2)
#   MUTATION_TIMEOUT  per-test timeout in seconds (default 300)
#   MUTATION_TARGETS  the binaries to build (default "ledger_tests catalog_tests
#                  vault_ops_tests tamper_tests custody": the v2 mutants
#                  are killed by the vectors and the CLI rollback test)
#
# What it does: copies the source (git archive HEAD, or the working tree with
# --worktree) into $MUTATION_WORK/src — the tree it is run from is never
# touched — configures one Release build in $MUTATION_WORK/build (Ninja if
# available), builds the test binaries the mutants are judged by
# ($MUTATION_TARGETS) and runs every mutant's tests
# once unmutated (the baseline must pass). Then for each mutant: apply its
# snippet (tools/mutation/mutate.py; "mutant N no longer applies" stops the
# run), rebuild incrementally, run its ctest -R subset, revert. A mutant is
# KILLED if a test fails, STILLBORN (counted as killed, shown apart) if it
# does not build, SURVIVED otherwise. Prints a table and "killed K of N";
# exits 1 if any mutant survived, 2 on a setup error.
#
# About 6 minutes on 2 shared cores from scratch (4 of them the first
# build), under 2 minutes with a reused MUTATION_WORK. See docs/MUTATION.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel)"
mutants_file="$here/mutants.txt"
mutate=(python3 "$here/mutate.py")
jobs="${MUTATION_JOBS:-2}"
timeout="${MUTATION_TIMEOUT:-300}"
read -r -a targets <<< "${MUTATION_TARGETS:-ledger_tests catalog_tests vault_ops_tests tamper_tests custody}"

use_worktree=0 keep=0 ids=()
for arg in "$@"; do
  case "$arg" in
    --worktree) use_worktree=1 ;;
    --keep) keep=1 ;;
    --list) "${mutate[@]}" list "$mutants_file"; exit 0 ;;
    -h|--help) sed -n '2,38p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) ids+=("$arg") ;;
  esac
done

if [[ -n "${MUTATION_WORK:-}" ]]; then
  work="$MUTATION_WORK"; keep=1; mkdir -p "$work"
else
  work="$(mktemp -d "${TMPDIR:-/tmp}/custody-mutation.XXXXXX")"
fi
[[ $keep == 1 ]] || trap 'rm -rf "$work"' EXIT
log="$work/logs"; mkdir -p "$log"
start=$(date +%s)
say() { printf '[%4ds] %s\n' $(( $(date +%s) - start )) "$*"; }

# --- the copy of the source -------------------------------------------------
fresh="$work/fresh"; rm -rf "$fresh"; mkdir -p "$fresh"
if [[ $use_worktree == 1 ]]; then
  (cd "$repo" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) | tar -xf - -C "$fresh"
  what="working tree of $repo"
else
  git -C "$repo" archive HEAD | tar -xf - -C "$fresh"
  what="HEAD $(git -C "$repo" rev-parse --short HEAD) of $repo"
fi
# Rewrite only changed files into src, so a reused build stays incremental.
"${mutate[@]}" sync "$fresh" "$work/src" >/dev/null
rm -rf "$fresh"
src="$work/src" build="$work/build"
say "mutating $what in $src"

if [[ ${#ids[@]} -eq 0 ]]; then
  mapfile -t ids < <("${mutate[@]}" list "$mutants_file" | cut -f1)
fi
declare -A name file tests
while IFS=$'\t' read -r id n f t; do name[$id]=$n; file[$id]=$f; tests[$id]=$t; done \
  < <("${mutate[@]}" list "$mutants_file")
for id in "${ids[@]}"; do
  [[ -n "${name[$id]:-}" ]] || { echo "no mutant $id in $mutants_file" >&2; exit 2; }
done
"${mutate[@]}" check "$mutants_file" "$src" || exit 2

# --- baseline ---------------------------------------------------------------
generator=()
[[ -f "$build/CMakeCache.txt" ]] || { command -v ninja >/dev/null && generator=(-G Ninja); }
say "configuring and building (Release, -j$jobs; the first build takes a while)"
if ! cmake -S "$src" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCUSTODY_WERROR=OFF \
      >"$log/configure.log" 2>&1 ||
   ! cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$log/baseline-build.log" 2>&1; then
  echo "the unmutated tree does not build; see $log/" >&2; exit 2
fi
# One ctest run per distinct regex (CMake's regular expressions allow only
# a few groups, so the regexes cannot be joined into one).
mapfile -t regexes < <(for id in "${ids[@]}"; do printf '%s\n' "${tests[$id]}"; done | sort -u)
say "baseline: running every mutant's tests on the unmutated build"
exclude=() broken=()
: >"$log/baseline-tests.log"
for re in "${regexes[@]}"; do
  (cd "$build" && ctest -R "$re" --no-tests=error -j"$jobs" --timeout "$timeout" --output-on-failure) \
    >>"$log/baseline-tests.log" 2>&1 || true
done
if grep -q 'No tests were found' "$log/baseline-tests.log"; then
  echo "a mutant's tests: regex matches no test; see $log/baseline-tests.log" >&2; exit 2
fi
# A test that already fails unmutated cannot judge a mutant: leave it out,
# loudly. If no test passes, something is wrong with the setup: stop.
mapfile -t broken < <(grep -E '^[[:space:]]*[0-9]+ - ' "$log/baseline-tests.log" |
                      sed -E 's/^[[:space:]]*[0-9]+ - //; s/ \(.*$//' | sort -u)
passed=$(grep -E 'Test *#.*Passed' "$log/baseline-tests.log" | sed -E 's/.*Test *#[0-9]+: ([^ ]+).*/\1/' | sort -u | grep -c . || true)
if [[ $passed -eq 0 ]]; then
  echo "no test passes on the unmutated tree; see $log/baseline-tests.log" >&2; exit 2
fi
if [[ ${#broken[@]} -gt 0 ]]; then
  exclude_re="$(for t in "${broken[@]}"; do printf '^%s$\n' "$(printf '%s' "$t" | sed -E 's/[][\.*^$+?(){}|]/\\&/g')"; done | paste -sd'|')"
  exclude=(-E "$exclude_re")
  say "WARNING: ${#broken[@]} test(s) fail on the unmutated tree and are left out of every mutant's run:"
  for t in "${broken[@]}"; do echo "         $t"; done
fi
say "baseline: $passed distinct tests pass"

# --- the mutants --------------------------------------------------------------
declare -A result detail
killed=0 stillborn=0 survived=0
for id in "${ids[@]}"; do
  t0=$(date +%s)
  "${mutate[@]}" apply "$mutants_file" "$src" "$id" || exit 2
  if ! cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$log/mutant-$id-build.log" 2>&1; then
    result[$id]=STILLBORN detail[$id]="does not build"
    stillborn=$((stillborn + 1))
  elif (cd "$build" && ctest -R "${tests[$id]}" "${exclude[@]}" --no-tests=error -j"$jobs" --timeout "$timeout") \
         >"$log/mutant-$id-tests.log" 2>&1; then
    ran=$(grep -c 'Test *#' "$log/mutant-$id-tests.log" || true)
    result[$id]=SURVIVED detail[$id]="all $ran tests pass"
    survived=$((survived + 1))
  else
    ran=$(grep -c 'Test *#' "$log/mutant-$id-tests.log" || true)
    failed=$(grep -E '^[[:space:]]*[0-9]+ - ' "$log/mutant-$id-tests.log" | sed -E 's/^[[:space:]]*[0-9]+ - //; s/ \(.*$//' || true)
    nfail=$(printf '%s\n' "$failed" | grep -c . || true)
    first=$(printf '%s\n' "$failed" | head -2 | paste -sd',' | sed 's/,/, /g')
    more=""; if [[ $nfail -gt 2 ]]; then more=", ..."; fi
    result[$id]=KILLED detail[$id]="$nfail of $ran failed: $first$more"
    [[ $ran -gt 0 ]] || detail[$id]="no test ran (regex matches nothing?)"
    killed=$((killed + 1))
  fi
  "${mutate[@]}" revert "$mutants_file" "$src" "$id"
  say "mutant $id ${name[$id]}: ${result[$id]} ($(( $(date +%s) - t0 ))s)"
done
# Leave the build matching the unmutated source for the next reuse.
cmake --build "$build" -j"$jobs" --target "${targets[@]}" >"$log/final-build.log" 2>&1 || true

# --- report -------------------------------------------------------------------
echo
printf '%-3s %-36s %-38s %-9s %s\n' ID MUTANT FILE RESULT DETAIL
for id in "${ids[@]}"; do
  printf '%-3s %-36s %-38s %-9s %s\n' "$id" "${name[$id]}" "${file[$id]}" "${result[$id]}" "${detail[$id]}"
done
total=${#ids[@]}
echo
echo "killed $((killed + stillborn)) of $total ($stillborn stillborn, $survived survived) in $(( $(date +%s) - start ))s"
[[ $keep == 1 ]] && echo "scratch directory kept: $work (logs in $log)"
[[ $survived -eq 0 ]]
