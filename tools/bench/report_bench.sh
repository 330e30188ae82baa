#!/usr/bin/env bash
# Benchmark of the keyless ledger readers at scale (issue 9, "Speed"):
# `custody report` and `custody copies --outstanding` on a vault of
# BENCH_DOCS documents and BENCH_COPIES tracked copies must take <= 2 s.
# Also times `custody log` (every event, verified) and the report with its
# full audit, for information. Not a timed test: run it by hand.
#
# Usage: tools/bench/report_bench.sh [PATH/TO/custody]
# Knobs: BENCH_DOCS (100000), BENCH_COPIES (100000), BENCH_BATCH (1000
# files per add, copies per `copy --copies`: at most 1000), BENCH_DIR
# (scratch parent, default /dev/shm: syncs are cheap there).
set -euo pipefail
C=$(readlink -f "${1:-build/tools/custody}")
DOCS=${BENCH_DOCS:-100000}
COPIES=${BENCH_COPIES:-100000}
BATCH=${BENCH_BATCH:-1000}
T=$(mktemp -d "${BENCH_DIR:-/dev/shm}/report_bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cp "$C" "$T/custody"; C="$T/custody"
cd "$T"
export CUSTODY_STATE_DIR="$T/state"
echo bench > pass; chmod 600 pass
ID="--as officer.id --passphrase-file pass"
$C id new --out officer.id --name "Officer" --kdf interactive --passphrase-file pass >/dev/null
$C init v.vault $ID >/dev/null
YEAR=$(date -u +%Y)

start=$SECONDS
mkdir files
for ((i = 0; i < DOCS; i += BATCH)); do
  n=$(( DOCS - i < BATCH ? DOCS - i : BATCH ))
  rm -f files/*
  for ((j = 0; j < n; j++)); do echo "$((i + j))" > "files/d$j"; done
  $C add v.vault files/* $ID --level confidential >> regs
done
echo "built $DOCS documents in $((SECONDS - start)) s" >&2
start=$SECONDS
mkdir out
k=0
for ((i = 0; i < COPIES; i += BATCH)); do
  n=$(( COPIES - i < BATCH ? COPIES - i : BATCH ))
  k=$((k + 1))
  reg=$(sed -n "${k}p" regs)
  $C copy v.vault "$reg" $ID --to Officer --copies "$n" --scope bench --out out/c 2>/dev/null
  rm -f out/*
done
echo "issued $COPIES copies in $((SECONDS - start)) s; vault $(du -h v.vault | cut -f1)" >&2

# Median of 3 runs of a keyless command, wall-clock seconds (on a busy
# machine, compare the CPU time /usr/bin/time prints with cpu()).
timed() {
  local runs=()
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N)
    runs+=("$(echo "$t1 - $t0" | bc)")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}
report=$(timed $C report v.vault --year "$YEAR" --no-audit)
outstanding=$(timed $C copies v.vault --outstanding)
log=$(timed $C log v.vault)
cpu() { /usr/bin/time -f '%U+%S' "$@" 2>&1 >/dev/null | tail -1 | bc; }
report_cpu=$(cpu $C report v.vault --year "$YEAR" --no-audit)
outstanding_cpu=$(cpu $C copies v.vault --outstanding)
# The audit verifies every signature and hashes every record: once.
t0=$(date +%s.%N); $C report v.vault --year "$YEAR" > /dev/null || true; t1=$(date +%s.%N)
audited=$(echo "$t1 - $t0" | bc)
verdict() { if (( $(echo "$1 <= 2" | bc) )); then echo "OK (target <= 2 s)"; else echo "OVER (target <= 2 s)"; fi; }
echo "vault: $DOCS documents, $COPIES copies, $($C audit v.vault --json | jq -r .events) events"
echo "report --no-audit      ${report} s (cpu ${report_cpu} s)   $(verdict "$report")"
echo "copies --outstanding   ${outstanding} s (cpu ${outstanding_cpu} s)   $(verdict "$outstanding")"
echo "log (every event)      ${log} s   (information)"
echo "report (with audit)    ${audited} s   (information, one run: the full keyless audit)"
# What one more document costs the file: the format promises O(log n)
# bytes of catalog (FORMAT.md §3.16), whatever the number of copies.
echo one > one
size0=$(stat -c %s v.vault)
t0=$(date +%s.%N); $C add v.vault one $ID --level confidential > /dev/null; t1=$(date +%s.%N)
echo "add one document       $(( $(stat -c %s v.vault) - size0 )) bytes written, $(echo "$t1 - $t0" | bc) s   (information)"
