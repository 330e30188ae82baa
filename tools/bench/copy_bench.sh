#!/usr/bin/env bash
# Sealed-copy benchmark (issue 9). Usage: tools/bench/copy_bench.sh [CUSTODY_BIN]
#   default binary: build/tools/custody
# Measures, on the same bytes, in one run, interleaved, BENCH_REPS times:
#   custody copy --sealed (a 1 GiB document to an age recipient)  vs  age -r
#   custody open (that sealed copy)                              vs  age -d
# Targets: both ratios (peer time / custody time) >= 1.0. custody's fixed
# per-command cost (process start, vault open, Argon2id unlock, commit) is
# measured on an empty document and subtracted, as in vault_bench.sh.
# Environment: BENCH_SIZE_MIB=1024  BENCH_REPS=3  BENCH_FIXED_REPS=5
#   BENCH_DIR=/dev/shm  where the files go. On tmpfs `age -d` is slowed by
#   its output landing on fresh tmpfs pages (README); BENCH_DIR=/tmp puts
#   them on the disk (in the page cache), where age runs at its usual speed.
set -euo pipefail
CUSTODY=$(readlink -f "${1:-build/tools/custody}")
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
REPS=${BENCH_REPS:-3}
FIXED_REPS=${BENCH_FIXED_REPS:-5}
[ -x "$CUSTODY" ] || { echo "not executable: $CUSTODY" >&2; exit 2; }
command -v age >/dev/null && command -v age-keygen >/dev/null || { echo "age not installed" >&2; exit 2; }

W=$(mktemp -d "${BENCH_DIR:-/dev/shm}/copy_bench.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM HUP
cp "$CUSTODY" "$W/custody"; C() { "$W/custody" "$@"; }   # a rebuild cannot swap it mid-run
export CUSTODY_STATE_DIR=$W/state
now() { date +%s.%N; }
t() { local s e; s=$(now); "$@" >/dev/null 2>&1; e=$(now); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.4f", e-s}'; }
sorted() { printf '%s\n' $1 | sort -g; }
minof() { sorted "$1" | head -1; }
maxof() { sorted "$1" | tail -1; }
median() { sorted "$1" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
calc() { awk "BEGIN{printf \"$1\", $2}"; }

echo "bench-passphrase" > "$W/pass"; chmod 600 "$W/pass"   # others-readable passphrase files are refused
A="--as $W/o.id --passphrase-file $W/pass"
C id new --out "$W/o.id" --name "Bench Officer" --kdf interactive --passphrase-file "$W/pass" >/dev/null
C id new --out "$W/r.id" --name "Bench Recipient" --kdf interactive --passphrase-file "$W/pass" >/dev/null
C id public "$W/r.id" > "$W/r.pub"
C id export-age "$W/r.id" --out "$W/r.key" --passphrase-file "$W/pass" 2>/dev/null
RECIPIENT=$(grep -o 'age1[0-9a-z]*' "$W/r.key" | head -1)
C init "$W/v.vault" $A >/dev/null
head -c $((SIZE_MIB * 1048576)) /dev/urandom > "$W/big.bin"
: > "$W/empty"
REG=$(C add "$W/v.vault" "$W/big.bin" $A --level secret)
REG0=$(C add "$W/v.vault" "$W/empty" $A --level secret)
cat "$W/big.bin" > /dev/null   # warm the page cache for age's input

# custody's fixed cost: a sealed copy of an empty document, and opening it.
fixed_copy="" fixed_open=""
for i in $(seq 1 "$FIXED_REPS"); do
  fixed_copy+=" $(t C copy "$W/v.vault" "$REG0" $A --to "$W/r.pub" --sealed --scope bench --out "$W/e$i.age")"
  fixed_open+=" $(t C open "$W/e$i.age" --as "$W/r.id" --passphrase-file "$W/pass" --out "$W/e$i.out")"
  rm -f "$W/e$i.out"
done
FC=$(median "$fixed_copy"); FO=$(median "$fixed_open")

copy="" agee="" open="" aged="" rc="" ro=""
for i in $(seq 1 "$REPS"); do
  a=$(t age -r "$RECIPIENT" -o "$W/peer$i.age" "$W/big.bin")
  c=$(t C copy "$W/v.vault" "$REG" $A --to "$W/r.pub" --sealed --scope bench --out "$W/c$i.age")
  cmp -s <(age -d -i "$W/r.key" "$W/c$i.age") "$W/big.bin" || { echo "sealed copy $i does not open to the document" >&2; exit 1; }
  d=$(t age -d -i "$W/r.key" -o "$W/peer$i.out" "$W/peer$i.age")
  o=$(t C open "$W/c$i.age" --as "$W/r.id" --passphrase-file "$W/pass" --out "$W/open$i.out")
  cmp -s "$W/open$i.out" "$W/big.bin" || { echo "custody open $i is not the document" >&2; exit 1; }
  c=$(calc "%.4f" "$c - $FC"); o=$(calc "%.4f" "$o - $FO")
  agee+=" $a"; copy+=" $c"; aged+=" $d"; open+=" $o"
  rc+=" $(calc "%.3f" "$a / $c")"; ro+=" $(calc "%.3f" "$d / $o")"
  rm -f "$W/peer$i.age" "$W/peer$i.out" "$W/open$i.out" "$W/c$i.age" "$W/c$i.age.marking"
done
mib=$SIZE_MIB
echo "sealed copy of $mib MiB in $W, $REPS interleaved runs (custody fixed cost subtracted: copy $FC s, open $FO s)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '  age -r        %s-%s s  (%s-%s MiB/s)\n' "$(minof "$agee")" "$(maxof "$agee")" \
  "$(calc "%.0f" "$mib / $(maxof "$agee")")" "$(calc "%.0f" "$mib / $(minof "$agee")")"
printf '  custody copy  %s-%s s\n' "$(minof "$copy")" "$(maxof "$copy")"
printf '  ratio age/custody %s-%s (target >= 1.0)\n' "$(minof "$rc")" "$(maxof "$rc")"
printf '  age -d        %s-%s s  (%s-%s MiB/s)\n' "$(minof "$aged")" "$(maxof "$aged")" \
  "$(calc "%.0f" "$mib / $(maxof "$aged")")" "$(calc "%.0f" "$mib / $(minof "$aged")")"
printf '  custody open  %s-%s s\n' "$(minof "$open")" "$(maxof "$open")"
printf '  ratio age/custody %s-%s (target >= 1.0)\n' "$(minof "$ro")" "$(maxof "$ro")"
