#!/usr/bin/env bash
# Mount benchmark (issue 10). Usage: tools/bench/mount_bench.sh [CUSTODY_BIN]
# Same tmpfs, same bytes, one run, interleaved, BENCH_REPS times (median and
# range reported), against gocryptfs and securefs (Debian packages):
#   cold sequential read of a 1 GiB file (dd bs=1M, page cache dropped first)
#   ls -lR of 10,000 files of 4 KiB, then reading all of them (cat)
#   sequential write of the 1 GiB file (dd bs=1M conv=fsync) through the mount
#   10,000 creates of 4 KiB in 100 folders (cp -r, then an fsync of each file,
#   so custody's background registration is inside the time)
# The read side's files go into custody by `custody add` (one commit).
# Reported: peer time / custody time (>1: custody faster) and each daemon's
# peak RSS (VmHWM, reset once the mount is up: the unlock is not the work)
# after the run.
# Environment: BENCH_SIZE_MIB=1024 BENCH_REPS=5 BENCH_FILES=10000 (the vault and the
# peers keep every write: about 4 GiB of tmpfs per rep)
set -euo pipefail
CUSTODY=$(readlink -f "${1:-build/tools/custody}")
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
REPS=${BENCH_REPS:-5}
FILES=${BENCH_FILES:-10000}
for t in gocryptfs securefs; do command -v $t >/dev/null || { echo "$t not installed (apt-get install $t)" >&2; exit 2; }; done
[ "$(id -u)" = 0 ] || { echo "run as root (drop_caches)" >&2; exit 2; }

W=$(mktemp -d /dev/shm/mount_bench.XXXXXX)
cleanup() {
  for d in "$W"/mnt-*; do mountpoint -q "$d" 2>/dev/null && umount -l "$d"; done
  rm -rf "$W"
}
trap cleanup EXIT INT TERM HUP
cp "$CUSTODY" "$W/custody"; C() { "$W/custody" "$@"; }
export CUSTODY_STATE_DIR=$W/state
cd "$W"
now() { date +%s.%N; }
t() { local s e; s=$(now); "$@" >/dev/null 2>&1; e=$(now); awk -v s="$s" -v e="$e" 'BEGIN{printf "%.4f", e-s}'; }
sorted() { printf '%s\n' $1 | sort -g; }
median() { sorted "$1" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
range() { echo "$(sorted "$1" | head -1)-$(sorted "$1" | tail -1)"; }
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
rss() { awk '/VmHWM/ {print int($2/1024) " MiB"}' /proc/$1/status 2>/dev/null || echo "?"; }

echo "mount_bench: ${SIZE_MIB} MiB file, $FILES small files, $REPS reps, tmpfs $W" >&2
head -c $((SIZE_MIB << 20)) /dev/urandom > big.bin
mkdir small
for d in $(seq 0 99); do mkdir small/d$d; done
python3 - "$FILES" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    with open(f"small/d{i % 100}/f{i}.txt", "wb") as f:
        f.write(os.urandom(4096))
PY

# custody: one vault, the big file and the small ones added in two commits.
echo pw > pass; chmod 600 pass
C id new --out me.id --name Bench --kdf interactive --passphrase-file pass >/dev/null
C init v.vault --as me.id --passphrase-file pass >/dev/null
C add v.vault big.bin --as me.id --passphrase-file pass --level secret >/dev/null
find small -name '*.txt' -print0 | xargs -0 "$W/custody" add v.vault --as me.id --passphrase-file pass --level internal >/dev/null
mkdir mnt-custody
# gocryptfs and securefs: the same files copied in once.
mkdir go-cipher mnt-go sec-data mnt-sec
gocryptfs -q -init -extpass "echo pw" -scryptn 10 go-cipher >/dev/null
securefs create --pass pw sec-data >/dev/null 2>&1
go_mount() { gocryptfs -q -extpass "echo pw" go-cipher mnt-go; reset_peak "$(pgrep -f "gocryptfs.*go-cipher")"; }
sec_mount() { securefs mount -b --pass pw sec-data mnt-sec >/dev/null 2>&1; for i in $(seq 50); do mountpoint -q mnt-sec && break; sleep 0.1; done; reset_peak "$(pgrep -f "securefs mount")"; }
# The peak RSS counts from after the mount: each daemon's unlock (custody's
# Argon2id identity takes 64 MiB for a moment) is not what the work costs.
# Writing 5 to clear_refs resets VmHWM (proc(5)).
reset_peak() { echo 5 > /proc/$1/clear_refs; }
cu_mount() { C mount v.vault mnt-custody --as me.id --passphrase-file pass 2>/dev/null; reset_peak "$(pgrep -f "custody mount v.vault mnt-custody")"; }
go_mount; cp big.bin mnt-go/; cp -r small mnt-go/; umount mnt-go
sec_mount; cp big.bin mnt-sec/; cp -r small mnt-sec/; umount mnt-sec

declare -A READ LS CAT WRITE CREATE
for r in $(seq "$REPS"); do
  for fs in custody go sec; do
    case $fs in
      custody) cu_mount; big=mnt-custody/secret/big.bin; tree=mnt-custody/internal ;;
      go) go_mount; big=mnt-go/big.bin; tree=mnt-go/small ;;
      sec) sec_mount; big=mnt-sec/big.bin; tree=mnt-sec/small ;;
    esac
    drop
    READ[$fs]+="$(t dd if=$big of=/dev/null bs=1M) "
    LS[$fs]+="$(t ls -lR $tree) "
    CAT[$fs]+="$(t bash -c "find $tree -type f -print0 | xargs -0 cat > /dev/null") "
    wdir=$(dirname "$tree")
    [ $fs = custody ] && wdir=mnt-custody/confidential
    WRITE[$fs]+="$(t dd if=big.bin of=$wdir/w$r.bin bs=1M conv=fsync) "
    CREATE[$fs]+="$(t bash -c "cp -r small $wdir/c$r && find $wdir/c$r -type f -print0 | xargs -0 sync") "
    case $fs in
      custody) pid=$(pgrep -f "custody mount v.vault mnt-custody"); RSS_custody=$(rss $pid); C unmount mnt-custody 2>/dev/null ;;
      go) pid=$(pgrep -f "gocryptfs.*go-cipher"); RSS_go=$(rss $pid); umount mnt-go ;;
      sec) pid=$(pgrep -f "securefs mount"); RSS_sec=$(rss $pid); umount mnt-sec ;;
    esac
  done
done

mbps() { awk -v s="$1" -v m="$SIZE_MIB" 'BEGIN{printf "%.0f MiB/s", m/s}'; }
printf '%-34s %-22s %-22s %-22s %s\n' "measure (median, range; s)" custody gocryptfs securefs "ratios go/custody, sec/custody"
row() {
  local name=$1; declare -n A=$2
  local c=$(median "${A[custody]}") g=$(median "${A[go]}") s=$(median "${A[sec]}")
  printf '%-34s %-22s %-22s %-22s %s\n' "$name" "$c ($(range "${A[custody]}"))" "$g ($(range "${A[go]}"))" \
    "$s ($(range "${A[sec]}"))" "$(awk -v c=$c -v g=$g -v s=$s 'BEGIN{printf "%.2fx, %.2fx", g/c, s/c}')"
}
row "cold read ${SIZE_MIB} MiB" READ
row "ls -lR $FILES files" LS
row "cat all $FILES files" CAT
row "write ${SIZE_MIB} MiB (conv=fsync)" WRITE
row "$FILES creates in 100 folders" CREATE
echo "read speed (median): custody $(mbps "$(median "${READ[custody]}")"), gocryptfs $(mbps "$(median "${READ[go]}")"), securefs $(mbps "$(median "${READ[sec]}")")"
echo "daemon peak RSS: custody $RSS_custody, gocryptfs $RSS_go, securefs $RSS_sec"
echo "write speed (median): custody $(mbps "$(median "${WRITE[custody]}")"), gocryptfs $(mbps "$(median "${WRITE[go]}")"), securefs $(mbps "$(median "${WRITE[sec]}")")"
echo "custody's read-side folder is flat (one level folder, added by custody add); the peers' files sit in 100 folders; every side's creates go into 100 folders."
