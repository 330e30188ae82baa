#!/usr/bin/env bash
# Wipe throughput of custody against dd, shred and nwipe on the same loop
# device (direct I/O, backed by a file on the real disk, never tmpfs).
#
# Usage: wipe_bench.sh PATH/TO/custody [SIZE_MIB (default 1024)] [REPEATS (default 3)]
# Needs root and losetup; shred and nwipe are measured when installed.
#
# Every tool writes the same device; each measurement is repeated REPEATS
# times interleaved with the others and the best run is kept, because a
# shared machine's disk and CPUs are noisy. custody's own timings come from
# its --json report (write and verify phases, each including its final
# fdatasync); dd is run without conv=fdatasync, as the targets ask, so the
# comparison is, if anything, unfavourable to custody. nwipe is slow and
# reports no byte count when interrupted, so it runs on its own smaller
# device (NWIPE_MIB) under `timeout` (NWIPE_SECONDS); the output says so.
#
# Then the two ratios of issue 12 point 12, per repetition and interleaved
# (REPEATS times, page cache dropped before each read), printed as a range:
#   verify: `custody cert verify CERT --device DEV` (wall time of the whole
#           command) against `dd if=DEV iflag=direct bs=1M of=/dev/null`
#           run right before and right after it (their mean);
#   random: `custody wipe --method random --verify off` (write phase from its
#           --json report, final fdatasync included) against
#           `dd if=/dev/zero of=DEV oflag=direct bs=1M` right before it and
#           after the reads (their mean; the reads need the random pass).
# Order in each repetition: dd write, custody random wipe, dd read, custody
# cert verify --device, dd read, dd write.
# Each line shows the load average, as the machine is shared. WIPE_BENCH_RATIOS_ONLY=1
# skips the best-of table above them (and shred and nwipe).
set -uo pipefail
C=$(readlink -f "${1:?usage: wipe_bench.sh PATH/TO/custody [SIZE_MIB] [REPEATS]}")
SIZE_MIB=${2:-1024}
REPEATS=${3:-3}
NWIPE_SECONDS=${NWIPE_SECONDS:-180}
DIR=$(mktemp -d "${CUSTODY_BENCH_DIR:-/var/tmp}/custody-wipe-bench.XXXXXX")
L=""
cleanup() { [ -n "$L" ] && losetup -d "$L" 2>/dev/null; rm -rf "$DIR"; }
trap cleanup EXIT
fstype=$(stat -f -c %T "$DIR")
[ "$fstype" = tmpfs ] && { echo "error: $DIR is on tmpfs; set CUSTODY_BENCH_DIR to a real disk"; exit 2; }

IMG=$DIR/bench.img
# Allocate for real so no tool pays for first-write allocation.
dd if=/dev/zero of="$IMG" bs=1M count="$SIZE_MIB" status=none conv=fsync
L=$(losetup --find --show --direct-io=on "$IMG") || exit 1
BYTES=$((SIZE_MIB << 20))
echo "device $L: $SIZE_MIB MiB loop (direct-io) on $IMG ($fstype), $(nproc) CPUs, best of $REPEATS"

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / s / 1e6; else print 0 }'; }
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a > b ? a : b) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

dd_write=0 dd_read=0 shred_w=0
declare -A cw cv
methods="zero random"
for m in $methods; do cw[$m]=0; cv[$m]=0; done
for r in $(seq "$REPEATS"); do
  [ "${WIPE_BENCH_RATIOS_ONLY:-0}" = 1 ] && break
  t0=$(now); dd if=/dev/zero of="$L" bs=1M oflag=direct status=none 2>/dev/null; t1=$(now)
  dd_write=$(best "$dd_write" "$(mbps $BYTES "$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}')")")
  t0=$(now); dd if="$L" of=/dev/null bs=1M iflag=direct status=none; t1=$(now)
  dd_read=$(best "$dd_read" "$(mbps $BYTES "$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}')")")
  for m in $methods; do
    out=$("$C" wipe "$L" --yes --method "$m" --verify last --json 2>/dev/null) || { echo "custody wipe failed"; exit 1; }
    w=$(echo "$out" | sed -n 's/.*"write_bytes_per_second":\([0-9]*\).*/\1/p')
    v=$(echo "$out" | sed -n 's/.*"verify_bytes_per_second":\([0-9]*\).*/\1/p')
    cw[$m]=$(best "${cw[$m]}" "$((w / 1000000))")
    cv[$m]=$(best "${cv[$m]}" "$((v / 1000000))")
  done
  if command -v shred >/dev/null; then
    t0=$(now); shred -n1 "$L"; t1=$(now)
    shred_w=$(best "$shred_w" "$(mbps $BYTES "$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}')")")
  fi
done

# nwipe runs on its own smaller device (NWIPE_MIB, default 256) so that it
# can finish within NWIPE_SECONDS; throughput = device size / wall time when
# its log says "Erased", else 0 (reported as "did not finish").
NWIPE_MIB=${NWIPE_MIB:-64}
nwipe_run() {  # method -> "MB/s"
  local img=$DIR/nwipe.img log=$DIR/nwipe-$1.log nl t0 t1
  dd if=/dev/zero of="$img" bs=1M count="$NWIPE_MIB" status=none conv=fsync
  nl=$(losetup --find --show --direct-io=on "$img") || { echo 0; return; }
  t0=$(now)
  timeout "$NWIPE_SECONDS" nwipe --autonuke --nogui --nowait --method="$1" --verify=off --noblank \
    --logfile="$log" "$nl" >/dev/null 2>&1
  t1=$(now)
  losetup -d "$nl"
  if grep -a -q "Erased" "$log" 2>/dev/null; then
    mbps $((NWIPE_MIB << 20)) "$(awk -v a=$t0 -v b=$t1 'BEGIN{print b-a}')"
  else
    echo 0
  fi
}
nw_zero=0 nw_prng=0
if command -v nwipe >/dev/null && [ "${WIPE_BENCH_RATIOS_ONLY:-0}" != 1 ]; then
  nw_zero=$(nwipe_run zero)
  nw_prng=$(nwipe_run prng)
fi

if [ "${WIPE_BENCH_RATIOS_ONLY:-0}" != 1 ]; then
echo
printf "%-34s %8s\n" "tool" "MB/s"
printf "%-34s %8s\n" "dd bs=1M oflag=direct (write)" "$dd_write"
printf "%-34s %8s\n" "dd bs=1M iflag=direct (read)" "$dd_read"
for m in $methods; do
  printf "%-34s %8s\n" "custody wipe --method $m (write)" "${cw[$m]}"
  printf "%-34s %8s\n" "custody verify of $m (read)" "${cv[$m]}"
done
[ "$shred_w" != 0 ] && printf "%-34s %8s\n" "shred -n1 (random, 1 pass)" "$shred_w"
if command -v nwipe >/dev/null; then
  printf "%-34s %8s   (own %s MiB device, cap %ss; 0 = did not finish)\n" "nwipe --method=zero" "$nw_zero" "$NWIPE_MIB" "$NWIPE_SECONDS"
  printf "%-34s %8s   (own %s MiB device, cap %ss; 0 = did not finish)\n" "nwipe --method=prng" "$nw_prng" "$NWIPE_MIB" "$NWIPE_SECONDS"
fi
echo
echo "ratios (target: write >= 0.95 x dd write, verify >= 0.95 x dd read, > shred, > nwipe)"
for m in $methods; do
  echo "  custody $m write / dd write      = $(ratio "${cw[$m]}" "$dd_write")"
  echo "  custody $m verify / dd read      = $(ratio "${cv[$m]}" "$dd_read")"
done
[ "$shred_w" != 0 ] && echo "  custody random / shred -n1       = $(ratio "${cw[random]}" "$shred_w")"
[ "$nw_zero" != 0 ] && echo "  custody zero / nwipe zero        = $(ratio "${cw[zero]}" "$nw_zero")"
[ "$nw_prng" != 0 ] && echo "  custody random / nwipe prng      = $(ratio "${cw[random]}" "$nw_prng")"
fi

# --- issue 12 point 12: interleaved ratios, every repetition ------------------
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { print b - a }'; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
printf 'op\n' > "$DIR/op.pass"; chmod 600 "$DIR/op.pass"
export CUSTODY_STATE_DIR=$DIR/state
"$C" id new --out "$DIR/op.id" --name "Bench Operator" --kdf interactive \
  --passphrase-file "$DIR/op.pass" >/dev/null || { echo "custody id new failed"; exit 1; }
echo
echo "interleaved ratios, $REPEATS repetitions (target >= 0.95 every run)"
vr=() wr=() dr=()
for r in $(seq "$REPEATS"); do
  rm -f "$DIR/c.json" "$DIR/c.pdf"
  drop_caches
  t0=$(now); dd if=/dev/zero of="$L" bs=1M oflag=direct status=none 2>/dev/null; t1=$(now)
  ddw=$(elapsed "$t0" "$t1")
  out=$("$C" wipe "$L" --yes --method random --verify off --json --cert "$DIR/c.json" --reason reuse \
    --operator "$DIR/op.id" --operator-passphrase-file "$DIR/op.pass" 2>/dev/null) \
    || { echo "custody wipe --method random failed"; exit 1; }
  w=$(echo "$out" | sed -n 's/.*"write_bytes_per_second":\([0-9]*\).*/\1/p')
  cws=$(awk -v b=$BYTES -v w="$w" 'BEGIN { print b / w }')
  drop_caches
  t0=$(now); dd if="$L" of=/dev/null bs=1M iflag=direct status=none; t1=$(now); ddr1=$(elapsed "$t0" "$t1")
  drop_caches
  t0=$(now); "$C" cert verify "$DIR/c.json" --device "$L" >/dev/null 2>&1 \
    || { echo "custody cert verify --device failed"; exit 1; }
  t1=$(now); cvs=$(elapsed "$t0" "$t1")
  drop_caches
  t0=$(now); dd if="$L" of=/dev/null bs=1M iflag=direct status=none; t1=$(now); ddr2=$(elapsed "$t0" "$t1")
  # The second dd write comes after the reads, which need the random pass.
  t0=$(now); dd if=/dev/zero of="$L" bs=1M oflag=direct status=none 2>/dev/null; t1=$(now)
  ddw2=$(elapsed "$t0" "$t1")
  v=$(awk -v a="$ddr1" -v b="$ddr2" -v c="$cvs" 'BEGIN { printf "%.2f", (a + b) / 2 / c }')
  x=$(awk -v a="$ddw" -v b="$ddw2" -v c="$cws" 'BEGIN { printf "%.2f", (a + b) / 2 / c }')
  # The peer against itself: dd's second read over its first, the same
  # bytes a few seconds apart. Its spread is the disk's noise floor; a
  # custody ratio inside it says nothing either way.
  n=$(awk -v a="$ddr1" -v b="$ddr2" 'BEGIN { printf "%.2f", a / b }')
  vr+=("$v"); wr+=("$x"); dr+=("$n")
  printf '  rep %d (load %s): verify %.2fs vs dd read %.2fs/%.2fs = %sx; random write %.2fs vs dd write %.2fs/%.2fs = %sx\n' \
    "$r" "$(cut -d' ' -f1-3 /proc/loadavg)" "$cvs" "$ddr1" "$ddr2" "$v" "$cws" "$ddw" "$ddw2" "$x"
done
range() { printf '%s\n' "$@" | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 } END { print lo "-" hi }'; }
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
echo "  cert verify --device / dd iflag=direct read:   $(range "${vr[@]}")x (median $(median "${vr[@]}")x)"
echo "  wipe --method random / dd oflag=direct write:  $(range "${wr[@]}")x (median $(median "${wr[@]}")x)"
echo "  noise floor, dd read / the same dd read again: $(range "${dr[@]}")x (median $(median "${dr[@]}")x)"
exit 0
