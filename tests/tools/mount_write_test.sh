#!/usr/bin/env bash
# End-to-end tests of writing through `custody mount` (issue 10, format v8):
# files created with ordinary tools become documents, writes to a document
# make its next version, folders, renames, EXDEV across levels, rm
# withdraws (then restore or destroy), editors' temporary files never reach
# the register, POSIX behaviour (append, truncate, extend, holes, writes in
# the middle, mmap, fsync, rename over) checked against a model of random
# operations, fio's crc32c verification across a remount, two appenders,
# kill -9 of the daemon mid-write, and what the ledger and audit show.
# Needs root or fuse3's fusermount3, /dev/fuse, fio and python3.
# Usage: mount_write_test.sh PATH/TO/custody [SEED]
# The vault is mw.vault, not v.vault: ctest runs this beside mount_test.sh,
# whose `pgrep -f "custody mount v.vault m "` (its kill -9 case) must not
# find this test's daemon, nor this test's find that one.
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: mount_write_test.sh PATH/TO/custody [SEED]}
C=$(readlink -f "$C")
SEED=${2:-$RANDOM}
T=$(mktemp -d /tmp/custody-mountw.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
cleanup() {
  for d in "$T"/m*; do mountpoint -q "$d" 2>/dev/null && umount -l "$d"; done
  pkill -KILL -f "custody mount $T" 2>/dev/null
  [ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
source "$TESTLIB"
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }
errno_of() { python3 -c 'import errno,os,sys
try:
    exec(sys.argv[1]); print("0")
except OSError as e: print(errno.errorcode[e.errno])' "$1"; }
if [ ! -e /dev/fuse ]; then echo "FAIL /dev/fuse is missing"; exit 1; fi

for n in alice bob dave erin; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass
for n in alice bob dave erin; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
D="--as dave.id --passphrase-file dave.pass"
E="--as erin.id --passphrase-file erin.pass"
$C init mw.vault $A >/dev/null
$C grant mw.vault $A --to bob.pub --clearance top-secret --role officer >/dev/null
$C grant mw.vault $A --to dave.pub --clearance internal >/dev/null
$C grant mw.vault $A --to erin.pub --role auditor >/dev/null
echo "registered before the mount" > before.txt
REG_BEFORE=$($C add mw.vault before.txt $A --level secret)
mountw() { expect 0 "$1" -- $C mount mw.vault m $2; mountpoint -q m || bad "m is not a mount point"; }
unmountw() { expect 0 "${1:-unmount}" -- $C unmount m; mountpoint -q m && bad "still mounted"; }
reg_of() { python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.custody.reg_no").decode())' "$1" 2>/dev/null; }
mkdir m src

# --- new files of every size around the 1 MiB chunk become documents
: > src/empty.bin
printf x > src/one.bin
head -c 1048575 /dev/urandom > src/chunk-1.bin
head -c 1048576 /dev/urandom > src/chunk.bin
head -c 1048577 /dev/urandom > src/chunk+1.bin
head -c $((50 * 1024 * 1024)) /dev/urandom > src/big.bin
mountw "mount read-write as an officer" "$A"
$C log mw.vault > out; has out "access read-write" "the ledger shows a read-write mount"
for f in empty.bin one.bin chunk-1.bin chunk.bin chunk+1.bin big.bin; do
  cp src/$f m/secret/$f && ok "cp $f in" || bad "cp $f"
done
sync m/secret/big.bin   # fsync: stored before it returns
for f in empty.bin one.bin chunk-1.bin chunk.bin chunk+1.bin big.bin; do
  same src/$f m/secret/$f "read back $f ($(stat -c %s src/$f) bytes)"
done
$C ls mw.vault $A > out   # a read while mounted sees the last commit
has out "big.bin" "fsync stored big.bin before it returned"
REG_BIG=$(reg_of m/secret/big.bin)
[ -n "$REG_BIG" ] && ok "the new document has a number ($REG_BIG)" || bad "no reg_no xattr on big.bin"

# --- folders (sealed paths), POSIX writes
mkdir -p m/secret/projects/alpha && ok "mkdir -p in a level's folder" || bad "mkdir -p"
echo "plan" > m/secret/projects/alpha/plan.txt
echo "line 1" > m/confidential/log.txt
echo "line 2" >> m/confidential/log.txt
printf 'line 1\nline 2\n' > want; same want m/confidential/log.txt "O_APPEND appends"
printf 'abcdefghij' > m/confidential/mid.txt
printf 'XY' | dd of=m/confidential/mid.txt bs=1 seek=3 conv=notrunc status=none
[ "$(cat m/confidential/mid.txt)" = "abcXYfghij" ] && ok "a write in the middle" || bad "middle: $(cat m/confidential/mid.txt)"
truncate -s 4 m/confidential/mid.txt; [ "$(cat m/confidential/mid.txt)" = "abcX" ] && ok "truncate shrinks" || bad "shrink: $(cat m/confidential/mid.txt)"
truncate -s 8 m/confidential/mid.txt; printf 'abcX\0\0\0\0' > want; same want m/confidential/mid.txt "truncate extends with zeros"
python3 - m/confidential/sparse.bin <<'EOF'
import os, sys
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
os.pwrite(fd, b"end", 3 * 1024 * 1024)   # a hole of 3 MiB, then 3 bytes
os.fsync(fd); os.close(fd)
EOF
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if len(d)==3*1024*1024+3 and d[:-3]==bytes(3*1024*1024) and d[-3:]==b"end" else 1)' m/confidential/sparse.bin \
  && ok "a sparse file reads zeros in its hole" || bad "sparse file"
python3 - m/confidential/mmap.bin <<'EOF'
import mmap, os, sys
with open(sys.argv[1], "wb") as f: f.write(b"." * 8192)
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 8192)
    m[100:105] = b"MMAP!"; m[8000:8003] = b"end"; m.flush(); m.close()
EOF
python3 -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if d[100:105]==b"MMAP!" and d[8000:8003]==b"end" and len(d)==8192 else 1)' m/confidential/mmap.bin \
  && ok "an mmap write, then munmap, reads back" || bad "mmap write"
# Two appenders at once: every line arrives, none torn.
( for i in $(seq 200); do echo "a $i" >> m/internal/two.txt; done ) &
( for i in $(seq 200); do echo "b $i" >> m/internal/two.txt; done ) &
wait
[ "$(grep -c '^[ab] [0-9]*$' m/internal/two.txt)" = 400 ] && ok "two appenders: 400 whole lines" || bad "two appenders: $(wc -l < m/internal/two.txt) lines"
# A reader during a write sees a prefix of what is written, never other bytes.
python3 - m/confidential/growing.bin <<'EOF' && ok "a reader during a write sees only written bytes" || bad "reader during a write"
import os, sys, threading
path, block = sys.argv[1], bytes(range(256)) * 4096
fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
bad = []
def read():
    try:
        for _ in range(50):
            d = open(path, "rb").read()
            if d != (block * 8)[:len(d)]: bad.append(len(d))
    except OSError as e:
        bad.append(str(e))
t = threading.Thread(target=read); t.start()
for _ in range(8): os.write(fd, block)
t.join(); os.close(fd)
sys.exit(1 if bad else 0)
EOF

# --- the model: random writes, reads, truncates, fsyncs, reopenings and
# renames against the same operations on a file in memory
echo "model seed $SEED (rerun: mount_write_test.sh CUSTODY $SEED)"
python3 - m/top-secret "$SEED" <<'EOF' && ok "random operations match the model (seed $SEED)" || bad "model test failed (seed $SEED)"
import os, random, sys
root, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
model = {}      # name -> bytearray
fds = {}
CH = 1 << 20
def sizes(): return rnd.choice([1, 7, 4096, CH - 1, CH, CH + 1, rnd.randrange(1, 3 * CH)])
for step in range(300):
    names = sorted(model)
    op = rnd.choice(["create", "write", "write", "read", "truncate", "fsync", "reopen", "rename"] if names else ["create"])
    if op == "create" or not names:
        name = "f%d" % step
        fds[name] = os.open(os.path.join(root, name), os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600)
        model[name] = bytearray(); continue
    name = rnd.choice(names); fd = fds[name]; m = model[name]
    if op == "write":
        off = rnd.randrange(0, len(m) + CH); data = os.urandom(sizes())
        os.pwrite(fd, data, off)
        if off > len(m): m.extend(bytes(off - len(m)))
        m[off:off + len(data)] = data
    elif op == "read":
        off = rnd.randrange(0, len(m) + 10); n = sizes()
        got = os.pread(fd, n, off)
        if got != bytes(m[off:off + n]):
            print("step %d: read %s at %d (%d bytes) differs" % (step, name, off, n)); sys.exit(1)
    elif op == "truncate":
        n = rnd.randrange(0, len(m) + CH); os.ftruncate(fd, n)
        del m[n:]; m.extend(bytes(n - len(m)))
    elif op == "fsync":
        os.fsync(fd)
    elif op == "reopen":
        os.close(fd); fds[name] = os.open(os.path.join(root, name), os.O_RDWR)
    elif op == "rename":
        new = "r%d" % step
        os.rename(os.path.join(root, name), os.path.join(root, new))
        model[new] = model.pop(name); fds[new] = fds.pop(name)
for name, fd in fds.items(): os.close(fd)
for name, m in model.items():
    if open(os.path.join(root, name), "rb").read() != bytes(m):
        print("final content of %s differs" % name); sys.exit(1)
open(os.path.join(root, ".model"), "w").write("\n".join(sorted(model)))
EOF
mkdir -p model; cp -a m/top-secret/. model/ 2>/dev/null; rm -rf model/.custody

# --- a large file is sealed as it is written (Draft, README "Mount"): the
# daemon's memory stays bounded, no plaintext or named file lands beside
# the vault, and writes, reads and truncates into the sealed part still
# behave as POSIX says.
PID=$(pgrep -f "custody mount mw.vault m ")
before_files=$(ls -A "$T" | wc -l)
dd if=/dev/urandom of=src/stream.bin bs=1M count=300 status=none
dd if=src/stream.bin of=m/confidential/stream.bin bs=1M status=none
hwm=$(awk '/VmHWM/ {print $2}' /proc/$PID/status)
if ldd "$C" 2>/dev/null | grep -q libasan; then
  # ASan keeps freed memory in its quarantine (256 MiB) and maps shadow
  # memory: its peak says nothing about the daemon's.
  echo "skip the daemon's peak memory (an ASan build: $((hwm / 1024)) MiB)"
elif [ "$hwm" -lt $((128 * 1024)) ]; then ok "writing 300 MiB peaks at $((hwm / 1024)) MiB of daemon memory (<= 128)"
else bad "writing 300 MiB took the daemon to $((hwm / 1024)) MiB"; fi
[ "$(ls -A "$T" | wc -l)" = "$before_files" ] && ok "nothing new beside the vault while a file streams in" || bad "new files: $(ls -A "$T")"
same src/stream.bin m/confidential/stream.bin "the 300 MiB file reads back"
python3 - m/confidential/sealed-edit.bin src/sealed-edit.expected <<'PYEOF' && ok "writes, reads and truncates into sealed chunks match a model" || bad "sealed-chunk edits"
import os, sys
CH = 1 << 20
m = bytearray(os.urandom(5 * CH + 123))
fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR | os.O_TRUNC, 0o600)
os.write(fd, m)                                   # chunks 0-4 sealed as it grows
def check(what):
    if os.pread(fd, len(m) + 10, 0) != bytes(m): print("differs after", what); sys.exit(1)
check("the write")
patch = os.urandom(3000); os.pwrite(fd, patch, CH + 5); m[CH + 5:CH + 5 + 3000] = patch
check("a write into sealed chunk 1")
os.write(fd, b"")
more = os.urandom(2 * CH); os.pwrite(fd, more, len(m)); m += more   # sealed again past it
check("growing again")
os.ftruncate(fd, 2 * CH + 7); del m[2 * CH + 7:]
check("a truncate into a sealed chunk")
os.ftruncate(fd, 4 * CH); m.extend(bytes(4 * CH - len(m)))
check("extending with a hole")
os.fsync(fd)                                      # stored: version 1
tail = os.urandom(CH); os.pwrite(fd, tail, 6 * CH); m.extend(bytes(6 * CH - len(m))); m += tail
check("writing on after the store")
os.close(fd)
if open(sys.argv[1], "rb").read() != bytes(m): print("final content differs"); sys.exit(1)
open(sys.argv[2], "wb").write(m)
PYEOF

# fio writes through the mount with crc32c block headers, 4 KiB-2 MiB
# blocks across the chunks, verified now and again after a remount.
fio --name=seq --filename=m/confidential/seq.dat --size=24M --rw=write --bsrange=4k-2M --verify=crc32c \
    --output=fio.out; rc=$?
[ $rc -eq 0 ] && ! grep -q "verify failed" fio.out && ok "fio write + verify, 4 KiB-2 MiB blocks" || bad "fio write: rc $rc $(grep -m1 'verify' fio.out)"
fio --name=rand --filename=m/confidential/rand.dat --size=8M --rw=randwrite --bs=4k --verify=crc32c \
    --output=fio.out; rc=$?
[ $rc -eq 0 ] && ! grep -q "verify failed" fio.out && ok "fio random 4 KiB writes + verify" || bad "fio randwrite: rc $rc"

# --- rename, EXDEV, editors' saves, temporary files, rm
REG_PLAN=$(reg_of m/secret/projects/alpha/plan.txt)
mv m/secret/projects/alpha/plan.txt m/secret/projects/plan-v1.txt && ok "rename within a level" || bad "rename"
mv m/secret/projects m/secret/archive && ok "a folder renamed" || bad "folder rename"
[ "$(errno_of 'os.rename("m/secret/archive/plan-v1.txt", "m/internal/plan.txt")')" = EXDEV ] && ok "rename across levels is EXDEV" || bad "cross-level rename allowed"
[ "$(errno_of 'os.mkdir("m/newlevel")')" = EACCES ] && ok "no folder at the top (levels are not made by mkdir)" || bad "mkdir at the top"
[ "$(errno_of 'open("m/secret/.custody/x","w")')" != 0 ] && ok "the .custody folder is read-only" || bad ".custody writable"
# vim's save (backupcopy=no): probe file, rename aside, write anew, fsync, remove the backup.
REG_BEFORE_SHOWN=$(reg_of m/secret/before.txt)
( cd m/secret && : > 4913 && rm 4913 && mv before.txt before.txt~ && printf 'edited in vim\n' > before.txt && sync before.txt \
  && echo swap > .before.txt.swp && rm before.txt~ .before.txt.swp ) && ok "vim-style save" || bad "vim-style save"
[ "$(cat m/secret/before.txt)" = "edited in vim" ] && ok "the saved content reads" || bad "after vim save: $(cat m/secret/before.txt)"
[ "$(reg_of m/secret/before.txt)" = "$REG_BEFORE" ] && ok "and is the same document ($REG_BEFORE)" || bad "vim save made $(reg_of m/secret/before.txt)"
# gedit / most editors: write a temporary file, rename it over the original.
printf 'version 3\n' > m/secret/.goutputstream-X1Y2
mv m/secret/.goutputstream-X1Y2 m/secret/before.txt && ok "rename over a document" || bad "rename over"
[ "$(cat m/secret/before.txt)" = "version 3" ] && ok "the new content reads" || bad "after rename over: $(cat m/secret/before.txt)"
echo "lock" > m/secret/.~lock.report.odt#
echo "emacs" > "m/secret/#draft.txt#"
rm "m/secret/#draft.txt#"
echo "to be removed" > m/secret/gone.txt; sync m/secret/gone.txt
REG_GONE=$(reg_of m/secret/gone.txt)
rm m/secret/gone.txt && ok "rm of a document" || bad "rm"
[ -e m/secret/gone.txt ] && bad "removed document still shown" || ok "the removed document is no longer in its folder"
echo "kept" > m/secret/kept.txt
unmountw "unmount after writing"

# --- what the register and the ledger say
expect 0 "ls" -- $C ls mw.vault $A
for f in empty.bin one.bin chunk-1.bin chunk.bin chunk+1.bin big.bin plan-v1.txt log.txt kept.txt; do has out " $f" "$f is registered"; done
has out "(in archive/)" "a document's folder (renamed) is listed"
grep -q "swp\|4913\|lock\|goutputstream\|#draft\|before.txt~" out && bad "a temporary file was registered: $(grep 'swp\|4913\|lock\|goutput\|draft\|~' out)" || ok "no temporary file was registered"
has out "$REG_BEFORE .*(version 3)" "the edited document is at version 3"
has out "$REG_GONE .*(withdrawn" "the removed document is withdrawn, still registered"
expect 0 "log" -- $C log mw.vault
has out "renamed .*$REG_PLAN" "the rename is in the ledger"
has out "revised .*$REG_BEFORE .*version 2" "version 2 is in the ledger"
has out "revised .*$REG_BEFORE .*version 3" "version 3 is in the ledger"
has out "withdrawn .*$REG_GONE" "the withdrawal is in the ledger"
grep "opened" out | grep -q "$REG_BIG" && bad "a document written in the session is recorded as opened" || ok "writing a document is not recorded as opening it"
expect 0 "due lists the withdrawn document" -- $C due mw.vault
has out "withdrawn .*$REG_GONE" "for an officer to decide"
expect 0 "extract the 50 MiB document written through the mount" -- $C extract mw.vault $REG_BIG $A --out big.out
same src/big.bin big.out "extracted content"
expect 0 "ls" -- $C ls mw.vault $A
REG_STREAM=$(awk '/ stream.bin/ {print $1}' out)
REG_EDIT=$(awk '/ sealed-edit.bin/ {print $1}' out)
expect 0 "extract the 300 MiB document sealed as it was written" -- $C extract mw.vault "$REG_STREAM" $A --out stream.out
same src/stream.bin stream.out "its extracted content"
expect 0 "extract the document edited in its sealed chunks" -- $C extract mw.vault "$REG_EDIT" $A --out edit.out
same src/sealed-edit.expected edit.out "its extracted content (version 2)"
expect 0 "audit after writing is clean" -- $C audit mw.vault

# --- after a remount: folders, content, fio's verification
mountw "remount" "$A"
[ -f m/secret/archive/plan-v1.txt ] && ok "the folder and the renamed file are back" || bad "archive: $(ls -R m/secret | head -20)"
[ "$(cat m/secret/before.txt)" = "version 3" ] && ok "the latest version is shown" || bad "remount: $(cat m/secret/before.txt)"
for f in $(cat model/.model); do same model/$f m/top-secret/$f "model file $f after the remount"; done
fio --name=seq --filename=m/confidential/seq.dat --size=24M --rw=read --bsrange=4k-2M --verify=crc32c \
    --verify_only --output=fio.out; rc=$?
[ $rc -eq 0 ] && ! grep -q "verify failed" fio.out && ok "fio --verify_only after the remount" || bad "fio verify_only: rc $rc"
[ -e m/secret/gone.txt ] && bad "a withdrawn document is shown" || ok "a withdrawn document is not shown"
# kill -9 mid-write: what was stored stays, a half-written file is absent.
echo "stored before the kill" > m/secret/stored.txt; sync m/secret/stored.txt
python3 - m/secret/half.bin <<'EOF' &
import os, sys, time
fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o600)
os.write(fd, b"x" * (4 << 20)); time.sleep(60)
EOF
WRITER=$!
sleep 1
PID=$(pgrep -f "custody mount mw.vault m ")
kill -KILL $PID
for i in $(seq 50); do kill -0 $PID 2>/dev/null || break; sleep 0.1; done
kill $WRITER 2>/dev/null; wait $WRITER 2>/dev/null
expect 0 "unmount after the kill" -- $C unmount m
expect 0 "audit after the kill is clean" -- $C audit mw.vault
$C ls mw.vault $A > out
has out " stored.txt" "a file stored before the kill is registered"
grep -q "half.bin" out && bad "a half-written file was registered" || ok "the file being written at the kill is absent"

# A session that reads many documents holds only the open ones' keys (each
# locked key is a few memory maps; 16,000 documents read once exhausted
# vm.max_map_count and killed the daemon).
mountw "mount to read many documents" "$A"
mkdir m/internal/many
for i in $(seq 400); do echo "note $i" > m/internal/many/n$i.txt; done
sync m/internal/many/n400.txt
PID=$(pgrep -f "custody mount mw.vault m ")
MAPS_BEFORE=$(wc -l < /proc/$PID/maps)
for i in $(seq 400); do cat m/internal/many/n$i.txt > /dev/null; done
MAPS_AFTER=$(wc -l < /proc/$PID/maps)
[ $((MAPS_AFTER - MAPS_BEFORE)) -lt 100 ] && ok "reading 400 documents leaves the daemon's maps as they were ($MAPS_BEFORE -> $MAPS_AFTER)" \
  || bad "the daemon's memory maps grew from $MAPS_BEFORE to $MAPS_AFTER reading 400 documents"
unmountw

# --- restore and destroy of withdrawn documents
expect 3 "staff cannot restore" -- $C restore mw.vault $REG_GONE $D
expect 0 "an officer restores the withdrawn document" -- $C restore mw.vault $REG_GONE $A
expect 2 "restoring a document that is not withdrawn" -- $C restore mw.vault $REG_GONE $A
mountw "mount after the restore" "$A"
[ "$(cat m/secret/gone.txt 2>/dev/null)" = "to be removed" ] && ok "the restored document is back in its folder" || bad "not restored: $(ls m/secret)"
rm m/secret/gone.txt
unmountw
# Earlier versions stay readable (with their own keys) until destroyed.
expect 0 "extract version 1 of the edited document" -- $C extract mw.vault $REG_BEFORE $A --version 1 --out v1.txt
same before.txt v1.txt "version 1 is the content registered before the mount"
expect 0 "extract version 2" -- $C extract mw.vault $REG_BEFORE $A --version 2 --out v2.txt
[ "$(cat v2.txt)" = "edited in vim" ] && ok "version 2 is vim's save" || bad "version 2: $(cat v2.txt)"
expect 6 "a version the document never had" -- $C extract mw.vault $REG_BEFORE $A --version 9 --out v9.txt
has err "no version 9" "the refusal names the version"
[ -e v9.txt ] && bad "a file was written for a missing version" || ok "nothing written for it"
expect 0 "destroy the withdrawn document with a witness" -- $C destroy mw.vault $REG_GONE $A --witness bob.id --witness-passphrase-file bob.pass --reason "withdrawn through the mount" --yes
expect 0 "destroy a document with three versions" -- $C destroy mw.vault $REG_BEFORE $A --witness bob.id --witness-passphrase-file bob.pass --reason "test" --yes
expect 0 "audit: every version's ciphertext and key overwritten" -- $C audit mw.vault
has out "audit: OK" "audit OK after destroying a revised document"
python3 - mw.vault "edited in vim" "version 3" "registered before the mount" <<'EOF' && ok "no version's plaintext is in the file" || bad "plaintext found in the vault file"
import sys
data = open(sys.argv[1], "rb").read()
sys.exit(1 if any(s.encode() in data for s in sys.argv[2:]) else 0)
EOF
expect 0 "compact keeps the other documents' versions" -- $C compact mw.vault $A
expect 0 "audit after compaction" -- $C audit mw.vault

# --- clearance and read-only sessions
mountw "mount as staff cleared for internal" "$D"
[ "$(ls m)" = "internal" ] && ok "staff sees only the internal folder" || bad "staff folders: $(ls m)"
echo "staff note" > m/internal/staff.txt && ok "staff writes in their level" || bad "staff write"
[ "$(errno_of 'os.mkdir("m/secret")')" = EACCES ] && ok "staff cannot make a level's folder" || bad "staff mkdir secret"
unmountw
$C ls mw.vault $A --json > out
python3 -c 'import json,sys; d=[x for x in json.load(open("out")) if x["file_name"]=="staff.txt"]; sys.exit(0 if d and d[0]["level"]=="internal" else 1)' \
  && ok "the staff member's file is an internal document" || bad "staff.txt: $(grep staff out)"
expect 0 "mount as an auditor" -- $C mount mw.vault m $E
touch m/secret/x 2>err; has err "Read-only file system" "an auditor's mount is read-only"
unmountw
expect 0 "mount --ro" -- $C mount mw.vault m $A --ro
(echo x > m/secret/x) 2>err; has err "Read-only file system" "--ro: creating is EROFS"
(echo x >> m/secret/kept.txt) 2>err; has err "Read-only file system" "--ro: appending is EROFS"
unmountw
expect 0 "final audit" -- $C audit mw.vault

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
