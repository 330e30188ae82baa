#!/usr/bin/env bash
# The exit-code table (README "Exit codes"), one row per documented
# situation: every situation the table names is run here through the real
# CLI and must give its code, so the table and the commands cannot drift
# apart (the same situation once gave 1 in one command and 2 in another).
#   exit_codes_test.sh PATH/TO/custody
set -uo pipefail
C=$(readlink -f "${1:?usage: exit_codes_test.sh PATH/TO/custody}")
T=$(mktemp -d /tmp/custody-exit.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
umask 077
export CUSTODY_STATE_DIR="$T/state"
source "$(dirname "$(readlink -f "$0")")/testlib.sh"

for n in alice bob carol dave; do echo "pass-$n" > $n.pass; done
for n in alice bob carol dave; do $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null; done
for n in bob carol dave; do $C id public $n.id > $n.pub; done
A="--as alice.id --passphrase-file alice.pass"
B="--as bob.id --passphrase-file bob.pass"
K="--as carol.id --passphrase-file carol.pass"
$C init v.vault $A >/dev/null
$C grant v.vault $A --to bob.pub --clearance confidential >/dev/null
$C grant v.vault $A --to carol.pub --clearance secret --role officer >/dev/null
echo memo > memo.txt
REG_S=$($C add v.vault memo.txt $A --level secret 2>/dev/null)
REG_C=$($C add v.vault memo.txt $A --level confidential 2>/dev/null)

echo "== 0 success"
expect 0 "a command that works" -- $C ls v.vault $A

echo "== 1 other failure: destination exists, vault locked, I/O"
echo x > exists.out
expect 1 "extract to an existing file" -- $C extract v.vault "$REG_C" $A --out exists.out
expect 1 "init over an existing vault" -- $C init v.vault $A
expect 1 "id new over an existing identity" -- $C id new --out alice.id --name X --passphrase-file alice.pass
expect 1 "copy to an existing file" -- $C copy v.vault "$REG_C" $A --to Bob --scope s --out exists.out
expect 1 "extract into a directory holding the name already" -- $C extract v.vault "$REG_C" $A --out-dir .
# Another writer: an extraction to a pipe nobody reads holds the vault's
# write lock while it waits for the pipe (a 4 MiB document fills it).
head -c 4000000 /dev/urandom > big.bin
REG_BIG=$($C add v.vault big.bin $A --level internal 2>/dev/null)
mkfifo held
$C extract v.vault "$REG_BIG" $A --out - >held 2>/dev/null &
LOCKER=$!
exec 9<held   # open the reader end, read nothing: the extraction blocks, locked
# Wait until the extraction holds the vault's lock (an OFD lock on its
# inode, as /proc/locks shows it) before trying a write. Trying writes
# while it starts raced it: under ASan a slow-starting extraction found the
# vault locked by one of the trying adds, gave up, and left no writer.
ino=$(stat -c %i v.vault)
for _ in $(seq 240); do
  grep -qE ":0*$ino " /proc/locks && break
  kill -0 $LOCKER 2>/dev/null || break
  sleep 0.25
done
grep -qE ":0*$ino " /proc/locks && ok "the extraction holds the vault's lock" || bad "the extraction never took the lock"
expect 1 "a vault locked by another writer" -- $C add v.vault memo.txt $A --level internal
has err "locked by another custody process" "the message says the vault is locked"
cat <&9 >/dev/null; exec 9<&-
wait $LOCKER

echo "== 2 usage"
expect 2 "an unknown flag" -- $C ls v.vault $A --frob
expect 2 "an unknown command" -- $C frobnicate
expect 2 "an unknown level" -- $C add v.vault memo.txt $A --level cosmic
expect 2 "a bad argument (a date)" -- $C due v.vault --at 2026-13-45
expect 2 "a file name that is not UTF-8" -- $C add v.vault memo.txt $A --level internal --name "$(printf 'x\xff')"
expect 2 "destroy not confirmed (no terminal, no --yes)" -- setsid $C destroy v.vault "$REG_C" $A --witness carol.id --witness-passphrase-file carol.pass --reason r </dev/null
$C copy v.vault "$REG_C" $A --to Bob --scope s --out c1.txt >/dev/null 2>&1
expect 2 "destroy with copies outstanding" -- $C destroy v.vault "$REG_C" $A --witness carol.id --witness-passphrase-file carol.pass --reason r --yes
$C return v.vault "$REG_C/1" $A >/dev/null 2>&1
expect 2 "a copy already returned" -- $C return v.vault "$REG_C/1" $A
expect 2 "the witness is the officer (destroy)" -- $C destroy v.vault "$REG_C" $A --witness alice.id --witness-passphrase-file alice.pass --reason r --yes
$C declassify v.vault "$REG_S" --review --to internal --reason "r" $A >/dev/null 2>&1
expect 2 "a declassification approved by its reviewer" -- $C declassify v.vault "$REG_S" --approve $A
expect 2 "a declassification reviewed twice" -- $C declassify v.vault "$REG_S" --review --to internal --reason "again" $K
$C declassify v.vault "$REG_S" --withdraw --reason r $A >/dev/null 2>&1
$C handled v.vault "$REG_C" $A >/dev/null 2>&1
expect 2 "a document handled twice" -- $C handled v.vault "$REG_C" $A
chmod 644 bob.pass
expect 2 "a passphrase file others can read" -- $C ls v.vault $B
chmod 600 bob.pass

echo "== 3 authentication"
echo wrong > wrong.pass
expect 3 "a wrong passphrase" -- $C ls v.vault --as alice.id --passphrase-file wrong.pass
expect 3 "an identity not in the roster" -- $C ls v.vault --as dave.id --passphrase-file dave.pass
expect 3 "not an officer" -- $C grant v.vault $B --to dave.pub --clearance internal

echo "== 4 not cleared"
expect 4 "extract above the clearance" -- $C extract v.vault "$REG_S" $B --out s.out
expect 4 "add above the clearance" -- $C add v.vault memo.txt $B --level secret

echo "== 5 integrity"
head -c 70000 /dev/urandom > junk.vault
expect 5 "not a vault" -- $C audit junk.vault
cp v.vault flip.vault
python3 - flip.vault <<'PY'
import sys
p = sys.argv[1]; d = bytearray(open(p, "rb").read())
d[len(d) // 2] ^= 0xff
open(p, "wb").write(bytes(d))
PY
expect 5 "audit of a tampered vault" -- $C audit flip.vault

echo "== 6 not found"
expect 6 "a document that does not exist" -- $C extract v.vault S-1999-99999 $A --out nf.out
expect 6 "a copy number that does not exist" -- $C return v.vault "$REG_C/9" $A
expect 6 "a file that does not exist" -- $C add v.vault /nonexistent/file $A --level internal
expect 6 "a vault that does not exist" -- $C ls /nonexistent/v.vault $A
expect 6 "no declassification pending to approve" -- $C declassify v.vault "$REG_S" --approve $K
expect 6 "log --reg matching nothing" -- $C log v.vault --reg S-1999-99999

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
