#!/usr/bin/env bash
# Times only `custody ls` and `custody audit` on an existing vault, interleaving two binaries.
# Usage:
#   tools/bench/ls_audit_bench.sh build DIR N [CUSTODY_BIN]   # build DIR/scale.vault with N docs
#   tools/bench/ls_audit_bench.sh time DIR OLD_BIN NEW_BIN      # BENCH_REPS (3) interleaved runs
# `build` makes the same vault as scale_bench.sh (owner officer, 8-byte files at level secret,
# added in chunks of BENCH_BATCH=50000 per `custody add`). DIR is best on tmpfs (/dev/shm); it
# is kept so that many timing runs can reuse one vault. `time` prints, per binary, ls total
# (owner, every document, to /dev/null) in s and audit in s and events/s, as min–max, and
# whether the two binaries' audit reports are byte for byte the same.
set -euo pipefail
mode=$1; D=$2
PF=$D/pass
P() { echo --as "$D/owner.key" --passphrase-file "$PF"; }
el() { awk -v s="$1" -v e="$2" 'BEGIN{printf "%.4f", e-s}'; }
case $mode in
build)
  N=$3; CUSTODY=$(readlink -f "${4:-build/tools/custody}"); BATCH=${BENCH_BATCH:-50000}
  mkdir -p "$D"; cp "$CUSTODY" "$D/custody.build"; CUSTODY=$D/custody.build
  echo "bench-passphrase" >"$PF"; chmod 600 "$PF"
  export CUSTODY_STATE_DIR=$D/state.owner
  "$CUSTODY" id new --out "$D/owner.key" --name owner --kdf interactive --passphrase-file "$PF" >/dev/null
  V=$D/scale.vault
  "$CUSTODY" init "$V" $(P) >/dev/null
  have=0
  while [ "$have" -lt "$N" ]; do
    a=$((have + 1)); b=$((have + BATCH)); [ "$b" -gt "$N" ] && b=$N
    rm -rf "$D/chunk"; mkdir "$D/chunk"
    (cd "$D/chunk" && seq -f '%07g' "$a" "$b" | split -l 1 -a 7 -d --numeric-suffixes="$a" - d)
    s=$EPOCHREALTIME
    (cd "$D/chunk" && ls | xargs -s 2000000 -n "$BATCH" "$CUSTODY" add "$V" $(P) --level secret >/dev/null)
    echo "built $b docs (+$((b - a + 1)) in $(el "$s" "$EPOCHREALTIME") s)" >&2
    rm -rf "$D/chunk"; have=$b
  done ;;
time)
  OLD=$D/custody.old; NEW=$D/custody.new; cp "$3" "$OLD"; cp "$4" "$NEW"
  REPS=${BENCH_REPS:-3}; V=$D/scale.vault
  declare -A R
  for r in $(seq "$REPS"); do
    for b in old new; do
      bin=$D/custody.$b
      s=$EPOCHREALTIME; CUSTODY_STATE_DIR=$D/state.$b "$bin" ls "$V" $(P) >/dev/null
      R[$b.ls]="${R[$b.ls]:-} $(el "$s" "$EPOCHREALTIME")"
      s=$EPOCHREALTIME; out=$("$bin" audit "$V"); t=$(el "$s" "$EPOCHREALTIME")
      printf '%s\n' "$out" >"$D/audit.$b.out"
      k=$(sed -n 's/^ledger *\([0-9]*\) events.*/\1/p' <<<"$out")
      R[$b.au]="${R[$b.au]:-} $t"; R[$b.eps]="${R[$b.eps]:-} $(awk -v k="$k" -v t="$t" 'BEGIN{printf "%.0f", k/t}')"
      echo "rep $r $b: ls ${R[$b.ls]##* } s, audit $t s ($k events, ${R[$b.eps]##* } ev/s)" >&2
    done
  done
  mm() { printf '%s\n' $1 | sort -g | sed -n '1p;$p' | paste -sd-; }
  echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg)"
  cmp -s "$D/audit.old.out" "$D/audit.new.out" && echo "audit output: identical" || echo "audit output: DIFFERS"
  for b in old new; do
    echo "$b: ls total $(mm "${R[$b.ls]}") s; audit $(mm "${R[$b.au]}") s, $(mm "${R[$b.eps]}") ev/s"
  done ;;
*) echo "usage: $0 build DIR N [BIN] | time DIR OLD NEW" >&2; exit 2 ;;
esac
