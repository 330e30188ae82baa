#!/usr/bin/env bash
# End-to-end tests of `custody mount` (issue 10): a real FUSE mount of a
# real vault, read with ordinary tools (cat, cmp, dd, ls, xattrs); the
# ledger's mount, open and unmount events; clearance (an uncleared level's
# folder does not exist; an auditor sees numbers only); writes to a --ro
# mount refused with EROFS (writing: mount_write_test.sh); a damaged chunk is EIO for its range only; unmount by `custody
# unmount`, SIGTERM, idle timeout, and a daemon killed with SIGKILL.
# Needs root or fuse3's fusermount3, and /dev/fuse.
# Usage: mount_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: mount_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-mount.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
M="$T/m"
cleanup() {
  for d in "$T"/m*; do mountpoint -q "$d" 2>/dev/null && umount -l "$d"; done
  pkill -KILL -f "custody mount $T" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
source "$TESTLIB"
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }
xattr() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], sys.argv[2]).decode())' "$1" "$2"; }
if [ ! -e /dev/fuse ]; then echo "FAIL /dev/fuse is missing"; exit 1; fi

for n in alice dave erin; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass   # passphrase files others can read are refused
for n in alice dave erin; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
D="--as dave.id --passphrase-file dave.pass"
E="--as erin.id --passphrase-file erin.pass"
$C init v.vault $A >/dev/null
$C grant v.vault $A --to dave.pub --clearance internal >/dev/null
$C grant v.vault $A --to erin.pub --role auditor >/dev/null

# Sizes around the 1 MiB chunk, and one of 50 MiB (added last: see the damage case).
mkdir src src/dup
: > src/empty.bin
printf x > src/one.bin
head -c 1048575 /dev/urandom > src/chunk-1.bin
head -c 1048576 /dev/urandom > src/chunk.bin
head -c 1048577 /dev/urandom > src/chunk+1.bin
echo "first report" > src/report.txt
echo "second report, same name" > src/dup/report.txt
printf 'name bytes \xff\xfe' > "src/bad-$(printf '\xff')name.txt"
echo "staff memo" > src/memo.txt
declare -A REG
for f in empty.bin one.bin chunk-1.bin chunk.bin chunk+1.bin report.txt; do
  REG[$f]=$($C add v.vault src/$f $A --level secret)
done
REG_DUP=$($C add v.vault src/dup/report.txt $A --level secret)
# A name that is not UTF-8 is refused at add (--name gives one); a name
# holding a control character is stored exactly and shown with '_'.
REG_BAD=$($C add v.vault src/bad-*name.txt $A --level secret --name "$(printf 'bad-\033name.txt')")
REG_MEMO=$($C add v.vault src/memo.txt $A --level internal)
# fio's own verification: files written with crc32c block headers, in
# block sizes 4 KiB-2 MiB that cross the 1 MiB chunks, read back through
# the mount in the same blocks (and 4 KiB ones in random order).
mkdir fio
fio --name=seq --filename=fio/seq.dat --size=24M --rw=write --bsrange=4k-2M --verify=crc32c \
    --do_verify=0 --output=/dev/null
fio --name=rand --filename=fio/rand.dat --size=8M --rw=write --bs=4k --verify=crc32c \
    --do_verify=0 --output=/dev/null
REG_FIO=$($C add v.vault fio/seq.dat fio/rand.dat $A --level confidential | tr '\n' ' ')
head -c $((50 * 1024 * 1024)) /dev/urandom > src/big.bin
REG_BIG=$($C add v.vault src/big.bin $A --level secret)
ok "vault set up: ${#REG[@]} + 3 documents"

# --- a member cleared for every level
mkdir m
expect 0 "mount as an officer, read-only (daemon)" -- $C mount v.vault m $A --ro
has err "mounted" "the mount says where"
mountpoint -q m && ok "m is a mount point" || bad "m is not a mount point"
grep -q " fuse.custody custody:$T/v.vault " /proc/self/mountinfo && ok "mountinfo names the vault" || bad "mountinfo: $(grep custody /proc/self/mountinfo)"
[ "$(ls m | tr '\n' ' ')" = "confidential internal secret top-secret " ] && ok "one folder per level" || bad "levels: $(ls m)"
for f in empty.bin one.bin chunk-1.bin chunk.bin chunk+1.bin big.bin; do
  same src/$f m/secret/$f "round trip of $f ($(stat -c %s src/$f) bytes)"
done
[ "$(stat -c %s m/secret/big.bin)" = $((50 * 1024 * 1024)) ] && ok "size shown" || bad "size of big.bin"
same src/memo.txt m/internal/memo.txt "internal document in its folder"
[ "$(xattr m/secret/chunk.bin user.custody.reg_no)" = "${REG[chunk.bin]}" ] && ok "reg_no xattr" || bad "xattr: $(xattr m/secret/chunk.bin user.custody.reg_no 2>&1)"
[ "$(xattr m/secret/chunk.bin user.custody.level)" = "secret" ] && ok "level xattr" || bad "level xattr"
has m/secret/.custody/index "${REG[chunk.bin]}	chunk.bin	1048576" "the level's index lists number, name, size"
# Two documents named report.txt: both shown, neither hides the other.
same src/report.txt "m/secret/report (${REG[report.txt]}).txt" "first of two same-named documents"
same src/dup/report.txt "m/secret/report ($REG_DUP).txt" "second of two same-named documents"
[ -e m/secret/report.txt ] && bad "an ambiguous name is shown" || ok "no ambiguous name"
BADNAME=$(grep "^$REG_BAD	" m/secret/.custody/index | cut -f2)
[ "$BADNAME" = "bad-_name.txt" ] && ok "a name holding a control character is shown with '_'" || bad "shown as '$BADNAME'"
python3 -c 'import os,sys; [n.encode("utf-8") for n in os.listdir(sys.argv[1])]' m/secret && ok "every name in the listing is valid UTF-8" || bad "a listing with a broken name"
same "src/bad-$(printf '\xff')name.txt" "m/secret/$BADNAME" "the name shown opens the document"
# Partial reads across chunk boundaries, as a program seeking would do them.
for off in 0 4095 1048575 1048576 2097151 52000000; do
  dd if=m/secret/big.bin bs=1 skip=$off count=70000 iflag=skip_bytes,count_bytes status=none > part.out
  dd if=src/big.bin bs=1 skip=$off count=70000 iflag=skip_bytes,count_bytes status=none > part.src
  same part.src part.out "70000 bytes at offset $off"
done
fio --name=seq --filename=m/confidential/seq.dat --size=24M --rw=read --bsrange=4k-2M \
    --verify=crc32c --output=fio.out; rc=$?
[ $rc -eq 0 ] && ! grep -q "verify failed" fio.out && ok "fio --verify=crc32c, 4 KiB-2 MiB blocks, sequential" || bad "fio: $(grep -m1 'verify failed' fio.out) rc $rc"
fio --name=rand --filename=m/confidential/rand.dat --size=8M --rw=randread --bs=4k \
    --verify=crc32c --output=fio.out; rc=$?
[ $rc -eq 0 ] && ! grep -q "verify failed" fio.out && ok "fio --verify=crc32c, 4 KiB blocks in random order" || bad "fio random: $(grep -m1 'verify failed' fio.out) rc $rc"
# Writes to a --ro mount are refused, the kernel saying EROFS.
touch m/secret/new.txt 2>err; has err "Read-only file system" "creating a file: EROFS"
(echo more >> m/secret/one.bin) 2>err; has err "Read-only file system" "appending: EROFS"
rm -f m/secret/one.bin 2>err; has err "Read-only file system" "unlink: EROFS"
mv m/secret/one.bin m/internal/ 2>err; [ -s err ] && ok "rename refused: $(head -c 80 err)" || bad "rename accepted"
expect 1 "a second writer while mounted is refused (the vault is locked)" -- $C add v.vault src/memo.txt $A --level internal
has err "locked" "the refusal says the vault is locked"
expect 0 "custody unmount" -- $C unmount m
mountpoint -q m && bad "still mounted" || ok "unmounted"

expect 0 "log after the session" -- $C log v.vault
has out "mounted" "the ledger shows the mount"
has out "host $(hostname)" "and the host"
OPENED=$(awk '$3 == "opened"' out | wc -l)
[ "$OPENED" -eq 12 ] && ok "one open event per document read (12)" || bad "$OPENED open events: $(awk '$3 == "opened" {print $4}' out | tr '\n' ' ')"
has out "unmounted" "the ledger shows the unmount"
has out "documents opened 12" "which counts the documents opened"
has out "reason unmount" "and why it ended"
expect 0 "audit after the session is clean" -- $C audit v.vault

# --- a member cleared for internal only
mkdir m2
expect 0 "mount as staff cleared for internal" -- $C mount v.vault m2 $D
[ "$(ls m2)" = "internal" ] && ok "only the internal folder exists" || bad "folders: $(ls m2)"
[ -e m2/secret ] && bad "an uncleared level's folder exists" || ok "no secret folder"
same src/memo.txt m2/internal/memo.txt "staff reads their level"
grep -q "chunk" m2/internal/.custody/index && bad "index names a secret document" || ok "index holds only the level's documents"
PID=$(pgrep -f "custody mount v.vault m2")
kill -TERM $PID
for i in $(seq 50); do mountpoint -q m2 || break; sleep 0.1; done
for i in $(seq 50); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
mountpoint -q m2 && bad "SIGTERM did not unmount" || ok "SIGTERM unmounts"
$C log v.vault > out
has out "reason signal" "an unmount by signal is recorded as such"

# --- an auditor: numbers, levels, states, no names, no content
mkdir m3
expect 0 "mount as an auditor" -- $C mount v.vault m3 $E
[ "$(ls m3 | tr '\n' ' ')" = "confidential internal secret top-secret " ] && ok "the auditor sees every level's folder" || bad "auditor folders: $(ls m3)"
[ -z "$(ls m3/secret)" ] && ok "and no document in it" || bad "auditor sees: $(ls m3/secret)"
has m3/secret/.custody/index "$REG_BIG	secret	held" "the auditor's index lists numbers and states"
grep -q "big.bin\|report" m3/secret/.custody/index && bad "the auditor's index shows a name" || ok "no names in the auditor's index"
$C unmount m3 >/dev/null 2>&1

# --- idle timeout (0.05 minutes = 3 s)
expect 0 "mount with --idle 0.05" -- $C mount v.vault m $A --idle 0.05
for i in $(seq 100); do mountpoint -q m || break; sleep 0.1; done
mountpoint -q m && bad "still mounted after the idle time" || ok "idle mount unmounted itself"
for i in $(seq 50); do $C log v.vault > out 2>/dev/null && grep -q "reason idle" out && break; sleep 0.1; done
has out "reason idle" "an idle unmount is recorded as such"

# --- a damaged chunk: EIO for its range, the rest readable, logged
SIZE=$(stat -c %s v.vault)
AT=$((SIZE - 8 * 1024 * 1024))   # inside the 50 MiB document's extent, added last
dd if=v.vault of=byte.orig bs=1 skip=$AT count=1 status=none
printf '\x01' | cmp -s - byte.orig && printf '\x02' > byte.bad || printf '\x01' > byte.bad
dd if=byte.bad of=v.vault bs=1 seek=$AT conv=notrunc status=none
$C mount v.vault m $A --foreground 2> mount.log &
for i in $(seq 100); do mountpoint -q m && break; sleep 0.1; done
head -c 1048576 m/secret/big.bin > head.out 2>/dev/null
head -c 1048576 src/big.bin > head.src
same head.src head.out "the start of a damaged document reads"
tail -c 1048576 m/secret/big.bin > tail.out 2>/dev/null
tail -c 1048576 src/big.bin > tail.src
same tail.src tail.out "its end reads"
cat m/secret/big.bin > /dev/null 2>err; has err "Input/output error" "the damaged range is EIO"
same src/chunk.bin m/secret/chunk.bin "other documents are unaffected"
$C unmount m >/dev/null 2>&1
wait
has mount.log "failed authentication" "the damaged chunk is logged"
expect 5 "audit of the damaged vault reports it" -- $C audit v.vault
has out "$REG_BIG" "naming the damaged document"
dd if=byte.orig of=v.vault bs=1 seek=$AT conv=notrunc status=none   # the damage repaired in place

# --- a daemon killed with SIGKILL: the vault is at its last commit
expect 0 "mount again" -- $C mount v.vault m $A
cat m/secret/one.bin > /dev/null
PID=$(pgrep -f "custody mount v.vault m ")
kill -KILL $PID
for i in $(seq 50); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
expect 0 "custody unmount cleans up after a killed daemon" -- $C unmount m
expect 0 "audit after the kill is clean" -- $C audit v.vault
expect 0 "every document committed before is intact" -- $C extract v.vault $REG_BIG $A --out big.out
same src/big.bin big.out "the 50 MiB document after the kill"
$C log v.vault > out
[ "$(awk '$3 == "mounted"' out | wc -l)" -gt "$(awk '$3 == "unmounted"' out | wc -l)" ] && ok "the killed session has no unmount event" || bad "mount/unmount counts"

# --- bad input
expect 6 "mount on a directory that does not exist" -- $C mount v.vault nowhere $A
expect 6 "unmount of a directory that is no custody mount" -- $C unmount src
expect 3 "mount with a wrong passphrase" -- bash -c "echo wrong > wrong.pass; chmod 600 wrong.pass; $C mount v.vault m --as alice.id --passphrase-file wrong.pass"
mountpoint -q m && bad "mounted with a wrong passphrase" || ok "nothing mounted"

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
