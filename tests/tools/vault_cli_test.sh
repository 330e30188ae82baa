#!/usr/bin/env bash
# End-to-end tests of the custody CLI on real files: the contract of issue 2
# (every command, every documented exit code, every bad input) and document
# destruction. Usage: vault_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: vault_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-cli.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"   # the in-flight register of extractions: never the real home
MNT=""
cleanup() {
  [ -n "$MNT" ] && { umount "$MNT" 2>/dev/null; rmdir "$MNT" 2>/dev/null; }
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
source "$TESTLIB"
# Automatic registration numbers carry the current UTC year (S-<year>-00001).
year=$(date -u +%Y)
hasnt(){ if grep -q -- "$2" "$1"; then bad "$3: '$2' found in $1"; else ok "$3"; fi; }
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }

for n in alice bob carol dave; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass   # passphrase files others can read are refused
expect 0 "id new" -- $C id new --out alice.id --name "Alice 王 Officer" --kdf interactive --passphrase-file alice.pass
for n in bob carol dave; do $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null; done
expect 0 "id public needs no passphrase" -- $C id public bob.id
has out "^age1" "public line starts with an age1 recipient"
has out "ed25519:" "public line carries the signing key"
$C id public bob.id > bob.pub; $C id public carol.id > carol.pub; $C id public dave.id > dave.pub
expect 1 "id new refuses to overwrite" -- $C id new --out alice.id --name X --kdf interactive --passphrase-file alice.pass

A="--as alice.id --passphrase-file alice.pass"
B="--as bob.id --passphrase-file bob.pass"
expect 0 "init" -- $C init v.vault $A --label "Office 3, drive 7"
expect 1 "init refuses an existing vault" -- $C init v.vault $A
expect 2 "init rejects duplicate levels" -- $C init w.vault $A --levels a,b,a
expect 0 "init with a custom level profile" -- $C init w.vault $A --levels public,restricted
expect 2 "grant with an unknown level lists the valid ones" -- $C grant v.vault $A --to bob.pub --clearance cosmic
has err "internal, confidential, secret, top-secret" "unknown level message lists the levels"
expect 0 "grant bob confidential" -- $C grant v.vault $A --to bob.pub --clearance confidential
expect 0 "grant carol officer secret" -- $C grant v.vault $A --to carol.pub --clearance secret --role officer
expect 3 "a staff member cannot grant" -- $C grant v.vault $B --to dave.pub --clearance internal
# A low-order X25519 key (here the all-zero point) has no shared secret: a
# slot sealed to it could never be opened, so the grant is refused.
LOW="age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z $(cut -d' ' -f2 dave.pub) Zero"
expect 2 "grant to a low-order X25519 key is refused" -- $C grant v.vault $A --to "$LOW" --clearance internal
has err "low-order" "the refusal says the key is a low-order point"
has err "Zero" "the refusal names the member"
# (ulimit: a build without the bound fails with bad_alloc, not by eating RAM)
expect 2 "a public identity file is read with a bound (--to /dev/zero)" -- \
  timeout 60 $C grant v.vault $A --to /dev/zero --clearance internal
has err "larger than 4096 bytes" "the refusal says the file is too large"
# Passphrase files: refused when others may read them (as ssh refuses keys),
# accepted from a pipe, a descriptor or stdin ("-").
cp alice.pass open.pass; chmod 644 open.pass
expect 2 "a passphrase file readable by others is refused" -- \
  $C ls v.vault --as alice.id --passphrase-file open.pass
has err "chmod 600 open.pass" "the refusal says how to fix it"
has err "0644" "the refusal shows the mode"
expect 0 "a passphrase from a pipe is accepted" -- $C ls v.vault --as alice.id --passphrase-file <(cat alice.pass)
expect 0 "a passphrase on stdin (-) is accepted" -- $C ls v.vault --as alice.id --passphrase-file - < alice.pass

head -c 5000000 /dev/urandom > big.bin; echo "memo body" > memo.txt; : > empty.txt
printf 'TOPSECRET-CONTENT-%s' {1..1000} > ts.txt
expect 0 "add at secret (two files, one commit)" -- $C add v.vault big.bin memo.txt $A --level secret --title "Operation Title"
has out "S-$year-00001" "automatic registration numbers"
REG_BIG=$(sed -n 1p out); REG_MEMO=$(sed -n 2p out)
expect 0 "add an empty file at internal" -- $C add v.vault empty.txt $B --level internal --reg-no "IN/2026/7"
expect 0 "add at top-secret" -- $C add v.vault ts.txt $A --level top-secret --title "Crown Jewels"
REG_TS=$(cat out)
expect 4 "staff cannot add above the clearance" -- $C add v.vault memo.txt $B --level secret
expect 2 "duplicate --reg-no refused" -- $C add v.vault memo.txt $B --level internal --reg-no "IN/2026/7"

expect 0 "ls as officer" -- $C ls v.vault $A
has out "Crown Jewels" "officer sees top-secret titles"
expect 0 "ls as bob (confidential)" -- $C ls v.vault $B --json
has out "IN/2026/7" "bob sees his internal document"
hasnt out "Operation Title" "secret titles are absent for bob"
hasnt out "$REG_BIG" "secret registration numbers are absent for bob"
hasnt out "Crown Jewels" "top-secret titles are absent for bob"

expect 0 "extract bit-exact" -- $C extract v.vault "$REG_BIG" $A --out big.out --purpose "review"
same big.bin big.out "extracted file equals the original"
expect 0 "extract an empty document" -- $C extract v.vault "IN/2026/7" $B --out empty.out
same empty.txt empty.out "empty file round-trips"
expect 0 "extract to stdout" -- $C extract v.vault "$REG_MEMO" $A --out -
same memo.txt out "stdout extraction is exact"
expect 1 "extract refuses to overwrite without --force" -- $C extract v.vault "$REG_BIG" $A --out big.out
has err "already exists" "overwrite refusal names the problem"
expect 0 "extract --force replaces" -- $C extract v.vault "$REG_MEMO" $A --out big.out --force
same memo.txt big.out "forced extract wrote the new content"
ls -A | grep -q "^\.custody-tmp-" && bad "no partial files left behind" || ok "no partial files left behind"

# Bad input: every refusal leaves the vault byte-for-byte unchanged.
cp v.vault before.vault
expect 3 "wrong passphrase" -- $C ls v.vault --as alice.id --passphrase-file bob.pass
has err "wrong passphrase" "wrong passphrase message"
expect 3 "identity not in the roster" -- $C extract v.vault "$REG_MEMO" --as dave.id --passphrase-file dave.pass --out x
has err "not in the roster" "roster message names the problem"
expect 4 "extract above clearance" -- $C extract v.vault "$REG_TS" $B --out x
expect 6 "extract of an unknown document" -- $C extract v.vault S-1999-00042 $A --out x
expect 2 "add with unknown level" -- $C add v.vault memo.txt $A --level cosmic
expect 6 "add of a missing file" -- $C add v.vault nosuch.txt $A --level internal
has err "nosuch.txt" "missing-file message names the file"
expect 2 "add of a directory" -- $C add v.vault /tmp $A --level internal
expect 6 "missing vault" -- $C ls nosuch.vault $A
expect 6 "missing identity file" -- $C ls v.vault --as nosuch.id --passphrase-file alice.pass
expect 2 "unknown flag" -- $C ls v.vault $A --frobnicate
expect 2 "--passphrase on argv does not exist" -- $C ls v.vault --as alice.id --passphrase secret
same before.vault v.vault "refused commands left the vault byte-for-byte unchanged"
[ -e x ] && bad "refused extract created no output" || ok "refused extract created no output"

# A second writer while one holds the vault.
python3 - v.vault <<'PY' &
import fcntl, os, struct, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))  # F_OFD_SETLK
open("locked", "w").close()
time.sleep(5)
PY
LOCKER=$!
for _ in $(seq 50); do [ -e locked ] && break; sleep 0.1; done
expect 1 "second writer is refused" -- $C add v.vault memo.txt $A --level internal
has err "locked by another custody process" "lock message is clear"
expect 0 "a reader still lists while the writer holds the lock" -- $C ls v.vault $A
kill $LOCKER 2>/dev/null; wait $LOCKER 2>/dev/null
same before.vault v.vault "the locked-out writer changed nothing"

# Not a vault; truncated vault; torn tail.
head -c 20000 /dev/urandom > junk.vault
expect 5 "a file that is not a vault" -- $C ls junk.vault $A
has err "not a Custody vault" "not-a-vault message"
expect 5 "audit of a file that is not a vault" -- $C audit junk.vault
head -c 9000 v.vault > trunc.vault
expect 5 "truncated vault" -- $C ls trunc.vault $A
# A copy written on its own is a fork of the original (FORMAT.md §5.9):
# each copy below has its own client state.
cp v.vault torn.vault; head -c 3000 /dev/urandom >> torn.vault
expect 0 "torn tail: opens at the last commit" -- env CUSTODY_STATE_DIR="$T/state-torn" $C ls torn.vault $A
has out "Crown Jewels" "torn-tail vault still lists everything"
expect 0 "torn tail: audit passes" -- env CUSTODY_STATE_DIR="$T/state-torn" $C audit torn.vault
expect 0 "torn tail: later add works" -- env CUSTODY_STATE_DIR="$T/state-torn" $C add torn.vault memo.txt $A --level internal
expect 0 "torn tail: audit after add" -- env CUSTODY_STATE_DIR="$T/state-torn" $C audit torn.vault

# A flipped byte inside one document's ciphertext.
cp v.vault flip.vault
OFF=$(python3 - flip.vault <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
# The 5 MB random file dominates the vault; flip a byte in its middle.
print(len(data) // 3)
PY
)
printf '\xff' | dd of=flip.vault bs=1 seek="$OFF" conv=notrunc status=none
python3 -c "
import sys; a=open('v.vault','rb').read(); b=open('flip.vault','rb').read()
sys.exit(0 if a!=b else 1)" && ok "byte flipped" || { printf '\x00' | dd of=flip.vault bs=1 seek="$OFF" conv=notrunc status=none; ok "byte flipped (to 0)"; }
expect 5 "extract of the damaged document fails with exit 5" -- env CUSTODY_STATE_DIR="$T/state-flip" $C extract flip.vault "$REG_BIG" $A --out dmg.out
has err "$REG_BIG" "the damage message names the registration number"
[ -e dmg.out ] && bad "no partial output for a damaged document" || ok "no partial output for a damaged document"
expect 0 "other documents still extract" -- env CUSTODY_STATE_DIR="$T/state-flip" $C extract flip.vault "$REG_TS" $A --out ts.out
same ts.txt ts.out "undamaged document is exact"
expect 5 "audit reports the damage" -- env CUSTODY_STATE_DIR="$T/state-flip" $C audit flip.vault --json
has out "\"damaged_documents\":\[\"$REG_BIG\"\]" "audit lists exactly the damaged document"

# Full disk during add: a small real filesystem.
MNT=$(mktemp -d /tmp/custody-small.XXXXXX)
if mount -t tmpfs -o size=3m tmpfs "$MNT" 2>/dev/null; then
  $C init "$MNT/s.vault" $A >/dev/null && $C add "$MNT/s.vault" memo.txt $A --level internal >/dev/null
  cp "$MNT/s.vault" small-before.vault
  expect 1 "add on a full disk fails with exit 1" -- $C add "$MNT/s.vault" big.bin $A --level internal
  has err "no space" "full-disk message says no space"
  same small-before.vault "$MNT/s.vault" "full disk: the vault is as it was"
  expect 0 "full disk: earlier documents still extract" -- $C extract "$MNT/s.vault" "I-$year-00001" $A --out -
  same memo.txt out "full disk: earlier document exact"
  umount "$MNT"
else
  bad "could not mount a small tmpfs for the full-disk test"
fi
rmdir "$MNT"; MNT=""

# Revoke: the key of every level bob held rotates; he is out; others still read.
expect 0 "revoke bob" -- $C revoke v.vault $A --to bob.pub
expect 3 "revoked identity is refused" -- $C ls v.vault $B
expect 0 "officer still extracts after rotation" -- $C extract v.vault "IN/2026/7" $A --out e2.out
same empty.txt e2.out "re-wrapped document exact"
expect 0 "carol (secret) still extracts after rotation" -- $C extract v.vault "$REG_BIG" --as carol.id --passphrase-file carol.pass --out c.out
same big.bin c.out "carol's extract exact"
expect 0 "audit after revoke" -- $C audit v.vault

# The roster: who is in, with the public lines grant, revoke and copy take;
# a member may be named by roster name or fingerprint instead.
expect 0 "roster needs no identity" -- $C roster v.vault
has out "$(cat carol.pub)" "the roster prints Carol's public line"
has out "REVOKED" "a revoked member is marked"
expect 0 "roster --json" -- $C roster v.vault --json
python3 - out "$(cat carol.pub)" <<'PY' && ok "roster --json: members as objects with their public lines" || bad "roster --json wrong: $(head -c 300 out)"
import json, sys
roster = json.load(open(sys.argv[1]))
carol = [m for m in roster if m["name"] == "Carol"][0]
assert carol["public"] == sys.argv[2] and carol["role"] == "officer" and carol["clearance"] == "secret"
assert carol["revoked"] is False and len(carol["fingerprint"]) == 16
assert roster[-1]["name"] == "Bob" and roster[-1]["revoked"] is True
PY
expect 0 "grant dave secret" -- $C grant v.vault $A --to dave.pub --clearance secret
expect 0 "dave reads a secret document" -- $C extract v.vault "$REG_MEMO" --as dave.id --passphrase-file dave.pass --out dave1.out
expect 0 "lower dave to internal, naming him by roster name" -- $C grant v.vault $A --to Dave --clearance internal
expect 4 "dave no longer reads secret" -- $C extract v.vault "$REG_MEMO" --as dave.id --passphrase-file dave.pass --out dave2.out
expect 0 "dave still lists internal" -- $C ls v.vault --as dave.id --passphrase-file dave.pass --json
has out '"IN/2026/7"' "dave sees the internal document"
expect 0 "the lowering is a revoke and a grant in the ledger" -- $C log v.vault --json
python3 - out <<'PY' && ok "the ledger shows Dave revoked, then granted internal" || bad "no revoke+grant for Dave: $(tail -c 600 out)"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
acts = [(e["kind"], e.get("clearance", "")) for e in ev if "Dave" in json.dumps(e)]
assert acts[-2][0] == "revoked" and acts[-1] == ("granted", "internal"), acts
PY
expect 0 "audit after lowering" -- $C audit v.vault
DAVE_FP=$($C roster v.vault --json | python3 -c 'import json,sys; print([m["fingerprint"] for m in json.load(sys.stdin) if m["name"]=="Dave"][0])')
expect 6 "revoke of an unknown fingerprint" -- $C revoke v.vault $A --to 0123456789abcdef
expect 0 "revoke dave by fingerprint" -- $C revoke v.vault $A --to "$DAVE_FP"
expect 3 "dave is out" -- $C ls v.vault --as dave.id --passphrase-file dave.pass

# Destroy with a witness.
cp v.vault pre-destroy.vault
expect 3 "destroy by staff is refused" -- $C destroy v.vault "$REG_MEMO" --as dave.id --passphrase-file dave.pass --witness alice.id --witness-passphrase-file alice.pass --reason x
expect 2 "destroy with the officer as witness is refused" -- $C destroy v.vault "$REG_MEMO" $A --witness alice.id --witness-passphrase-file alice.pass --reason x
same pre-destroy.vault v.vault "refused destroys changed nothing"
SECRET_CT=$(python3 - v.vault <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
print(len(d))
PY
)
# Every check that needs no key comes before any passphrase is asked: with
# no passphrase file and no terminal, a wrong number or a staff officer
# still gets its own error, not "no terminal to ask for the passphrase".
expect 6 "destroy of a number not in the vault fails before any passphrase" -- $C destroy v.vault "S-1999-99999" --as alice.id --witness carol.id --reason x </dev/null
has err "no document S-1999-99999" "the keyless check names the missing document"
expect 3 "destroy by staff fails before any passphrase" -- $C destroy v.vault "$REG_MEMO" --as dave.id --witness alice.id --reason x </dev/null
# Destroy shows what it destroys and wants the number typed back: with no
# terminal and no --yes nothing happens; typed wrong on a terminal,
# nothing happens; typed right, it is destroyed.
expect 2 "destroy without a terminal and without --yes is refused" -- setsid $C destroy v.vault "$REG_BIG" $A --witness carol.id --witness-passphrase-file carol.pass --reason "superseded" </dev/null
has err "no terminal to confirm on" "the refusal says why"
has err "about to destroy $REG_BIG (secret)" "destroy names the document and its level first"
same pre-destroy.vault v.vault "an unconfirmed destroy changed nothing"
printf 'S-2026-0000\n' | script -qec "$C destroy v.vault $REG_BIG $A --witness carol.id --witness-passphrase-file carol.pass --reason superseded" /dev/null >tty.out 2>&1 && bad "a mistyped confirmation destroyed" || ok "a mistyped confirmation is refused"
grep -q "not confirmed" tty.out && ok "the mistyped confirmation says so" || bad "no 'not confirmed' in: $(cat tty.out)"
grep -q "Type $REG_BIG to destroy it" tty.out && ok "the terminal is asked for the number" || bad "no prompt in: $(cat tty.out)"
same pre-destroy.vault v.vault "a mistyped confirmation changed nothing"
printf '%s\n' "$REG_BIG" | script -qec "$C destroy v.vault $REG_BIG $A --witness carol.id --witness-passphrase-file carol.pass --reason superseded" /dev/null >tty.out 2>&1 && ok "the number typed back on a terminal destroys" || bad "typed confirmation failed: $(cat tty.out)"
grep -q "destroyed $REG_BIG (witness Carol)" tty.out && ok "destroy with witness says what it did" || bad "no 'destroyed' line in: $(cat tty.out)"
expect 6 "extract of a destroyed document" -- $C extract v.vault "$REG_BIG" $A --out gone.out
has err "destroyed on" "destroyed message says when"
has err "Alice" "destroyed message says by whom"
expect 0 "audit verifies after destroy" -- $C audit v.vault --json
has out '"documents_destroyed":1' "audit counts the destruction"
python3 - big.bin pre-destroy.vault v.vault <<'PY' && ok "no 64-byte run of the destroyed ciphertext remains" || bad "destroyed ciphertext still present"
import sys
pre = open(sys.argv[2], "rb").read(); post = open(sys.argv[3], "rb").read()
# Sample 64-byte windows of the old ciphertext region that differ between
# the two files; none of the old bytes may survive anywhere in the new file.
diff = [i for i in range(0, min(len(pre), len(post)) - 64, 4096) if pre[i:i+64] != post[i:i+64]]
assert len(diff) > 1000, len(diff)
sys.exit(1 if any(pre[i:i+64] in post for i in diff[::50]) else 0)
PY

# Rollback: an older copy of the drive is a valid vault by itself; the anchor
# recorded by an earlier audit catches it.
cp v.vault rollback-old.vault
expect 0 "add after taking an old copy" -- $C add v.vault memo.txt $A --level internal
expect 0 "audit records an anchor" -- $C audit v.vault --json
ANCHOR=$(python3 -c "import json,sys; print(json.load(open('out'))['anchor'])")
expect 0 "audit --expect passes on the same vault" -- $C audit v.vault --expect "$ANCHOR"
expect 5 "audit --expect catches a rolled-back copy" -- $C audit rollback-old.vault --expect "$ANCHOR"
has out "rolled back" "rollback message names the problem"
expect 2 "audit --expect rejects a malformed anchor" -- $C audit v.vault --expect nonsense

# Compaction: the dead space goes, the ledger stays, the old file is wiped.
cp v.vault pre-compact.vault
ln v.vault old-inode.vault
expect 3 "compact by staff is refused" -- $C compact v.vault --as dave.id --passphrase-file dave.pass
same pre-compact.vault v.vault "refused compaction changed nothing"
expect 0 "compact" -- $C compact v.vault $A
OLD=$(stat -c %s pre-compact.vault); NEW=$(stat -c %s v.vault)
[ "$NEW" -lt $((OLD / 2)) ] && ok "compaction dropped the destroyed document's space ($OLD -> $NEW)" || bad "compaction did not shrink the vault ($OLD -> $NEW)"
python3 -c "import sys; d=open('old-inode.vault','rb').read(); sys.exit(0 if d and not d.strip(b'\0') else 1)" \
  && ok "the old file's blocks were overwritten with zeros" || bad "old file still holds data after compaction"
expect 0 "audit after compaction" -- $C audit v.vault --json
has out '"documents_destroyed":1' "the destruction is still on record after compaction"
expect 0 "documents extract after compaction" -- $C extract v.vault "$REG_TS" $A --out ts2.out
same ts.txt ts2.out "compacted document exact"
expect 0 "the compacted vault accepts new documents" -- $C add v.vault memo.txt $A --level secret
expect 0 "audit after add to the compacted vault" -- $C audit v.vault
ls -A | grep -q "^\.custody-tmp-" && bad "no temporary compaction files left" || ok "no temporary compaction files left"

# Text that is not UTF-8: a proto3 string holding such bytes serializes but
# never parses back, so one signed into the ledger would make the vault
# unreadable. Names and titles must come back exactly as given, so one that
# is not UTF-8 is refused at add (exit 2, naming the file, nothing stored)
# and --name gives the document a name; other text is refused unchanged.
printf 'odd name\n' > "odd-$(printf '\xff\xfe').txt"
cp v.vault pre-odd.vault
expect 2 "a file whose name is not UTF-8 is refused" -- $C add v.vault odd-*.txt $A --level internal
has err 'odd-\\xff\\xfe.txt.* is not UTF-8 text; give the document a name with --name' "the refusal names the file, escaped, and the way out"
same pre-odd.vault v.vault "the refused add changed nothing"
expect 2 "a title that is not UTF-8 is refused" -- $C add v.vault memo.txt $A --level internal --title "$(printf 'bad \xff')"
expect 2 "a file name that is a path is refused" -- $C add v.vault memo.txt $A --level internal --name "a/b"
expect 2 "a file name of 256 bytes is refused" -- $C add v.vault memo.txt $A --level internal --name "$(head -c 256 /dev/zero | tr '\0' n)"
same pre-odd.vault v.vault "the refused adds changed nothing"
expect 0 "with --name it is added" -- $C add v.vault odd-*.txt $A --level internal --name "odd-名前.txt"
REG_ODD=$(cat out)
expect 0 "and listed" -- $C ls v.vault $A --json
has out '"file_name":"odd-名前.txt"' "under the name given, exactly"
expect 0 "and extracted" -- $C extract v.vault "$REG_ODD" $A --out odd.out
same odd-*.txt odd.out "the document added under --name is exact"
# A title with terminal controls cannot rewrite what an officer sees: ls
# prints it escaped, one row; --json keeps it exact.
expect 0 "a title with escapes, a carriage return and a newline is added" -- $C add v.vault memo.txt $A --level internal --title "$(printf 'real\r\033[2KS-2026-99999 fake\nrow\xe2\x80\xae')"
REG_CTL=$(cat out)
expect 0 "listed" -- $C ls v.vault $A
python3 - out "$REG_CTL" <<'PY' && ok "ls prints the title escaped on its own row" || bad "ls printed terminal controls: $(grep -a "$REG_CTL" out | od -c | head -5)"
import sys
text = open(sys.argv[1], "rb").read()
rows = [r for r in text.split(b"\n") if sys.argv[2].encode() in r]
assert len(rows) == 1, rows
row = rows[0]
assert b"\r" not in row and b"\x1b" not in row and "\u202e".encode() not in row, row
assert row.endswith(b"real\\r\\e[2KS-2026-99999 fake\\nrow\\u202e"), row
assert b"fake\n" not in text
PY
expect 0 "listed as JSON" -- $C ls v.vault $A --json
python3 - out "$REG_CTL" <<'PY' && ok "--json keeps the title exact" || bad "--json title not exact"
import json, sys
docs = {d["reg_no"]: d for d in json.load(open(sys.argv[1]))}
assert docs[sys.argv[2]]["title"] == "real\r\x1b[2KS-2026-99999 fake\nrow\u202e", docs[sys.argv[2]]["title"]
PY
# A title is secret: --title warns that argv is public; --title-file and
# --title - keep it off the command line.
expect 0 "a title on the command line works, with a warning" -- $C add v.vault memo.txt $A --level internal --title "On argv"
has err "warning: --title puts the title on the command line" "--title warns"
printf 'From a file\nnot this line\n' > title.txt
expect 0 "--title-file reads the first line" -- $C add v.vault memo.txt $A --level internal --title-file title.txt
REG_TF=$(cat out)
hasnt err "warning" "--title-file does not warn"
printf 'From stdin\n' | $C add v.vault memo.txt $A --level internal --title - >out 2>err && ok "--title - reads standard input" || bad "--title -: $(cat err)"
REG_TS_IN=$(cat out)
expect 0 "listed" -- $C ls v.vault $A --json
python3 - out "$REG_TF" "$REG_TS_IN" <<'PY' && ok "the titles from a file and from stdin are stored exactly" || bad "titles from file/stdin wrong"
import json, sys
docs = {d["reg_no"]: d for d in json.load(open(sys.argv[1]))}
assert docs[sys.argv[2]]["title"] == "From a file", docs[sys.argv[2]]
assert docs[sys.argv[3]]["title"] == "From stdin", docs[sys.argv[3]]
PY
head -c 5000 /dev/zero | tr '\0' t > long-title.txt
expect 2 "a title longer than 4096 bytes is refused" -- $C add v.vault memo.txt $A --level internal --title-file long-title.txt
expect 6 "a title file that is not there is not found, named" -- $C add v.vault memo.txt $A --level internal --title-file /nonexistent/t
has err "/nonexistent/t" "the error names the title file"

# extract restores stored names: several documents into a directory, a
# 255-byte name included (the temporary file's name does not grow with it).
mkdir outd
LONG=$(head -c 251 /dev/zero | tr '\0' L).txt
cp memo.txt "$LONG"
expect 0 "a file with a 255-byte name is added" -- $C add v.vault "$LONG" $A --level internal
REG_LONG=$(cat out)
expect 2 "--out takes one document" -- $C extract v.vault "$REG_LONG" "$REG_ODD" $A --out x.out
expect 0 "extract two documents into a directory under their stored names" -- $C extract v.vault "$REG_LONG" "$REG_ODD" $A --out-dir outd
same memo.txt "outd/$LONG" "the 255-byte name is restored, content exact"
same odd-*.txt "outd/odd-名前.txt" "the name given with --name is restored, content exact"
has out "outd/odd-名前.txt" "extract prints each path it wrote"
cp v.vault pre-outdir.vault
expect 1 "extract into a directory refuses an existing file before extracting anything" -- $C extract v.vault "$REG_ODD" "$REG_LONG" $A --out-dir outd
has err "already exists" "the refusal names the file"
same pre-outdir.vault v.vault "the refused batch recorded nothing"
(cd outd && rm -f -- "$LONG" && $C extract ../v.vault "$REG_LONG" --as ../alice.id --passphrase-file ../alice.pass >/dev/null) && cmp -s memo.txt "outd/$LONG" && ok "with neither --out nor --out-dir, extract writes into the current directory" || bad "extract into the current directory"
cp v.vault pre-utf8.vault
expect 2 "a purpose that is not UTF-8 is refused" -- $C extract v.vault "$REG_ODD" $A --out odd2.out --purpose "$(printf 'bad \xff')"
has err "purpose given is not valid UTF-8" "the refusal names the field"
same pre-utf8.vault v.vault "the refused extraction changed nothing"
[ -e odd2.out ] && bad "a refused extraction wrote a file" || ok "no file for the refused extraction"
expect 0 "the vault still opens and audits" -- $C audit v.vault

# Progress goes to a terminal only: on a pty, a long add shows bytes and a
# rate and the unlock says so; through a pipe, and with -q, nothing.
truncate -s 1G sparse.bin   # long enough (over a second) for the first progress line on any machine
script -qec "$C add v.vault sparse.bin $A --level internal" /dev/null >tty.out 2>&1 && ok "a long add on a terminal" || bad "add on a pty failed: $(tail -c 300 tty.out)"
grep -aq "unlocking identity alice.id" tty.out && ok "the unlock says so on a terminal" || bad "no unlocking line: $(tail -c 300 tty.out | od -c | head)"
grep -aq "adding 1 file: .* of 1.0 GiB (.*%), .*/s" tty.out && ok "a long add shows bytes, percentage and rate on a terminal" || bad "no progress line: $(tail -c 300 tty.out | od -c | head)"
script -qec "$C -q add v.vault sparse.bin $A --level internal" /dev/null >tty.out 2>&1
grep -aq "adding 1 file\|unlocking" tty.out && bad "-q still shows progress" || ok "-q silences progress"
expect 0 "through a pipe" -- $C add v.vault sparse.bin $A --level internal
[ -s err ] && bad "progress printed to a pipe: $(head -c 200 err)" || ok "no progress through a pipe"
rm -f sparse.bin

# --help on every command.
for cmd in "id new" "id public" init grant revoke roster add ls extract destroy compact audit; do
  $C $cmd --help >out 2>&1 && grep -q "Exit codes" out && ok "--help for $cmd documents exit codes" || bad "--help for $cmd"
done
$C --help >out 2>&1
[ "$(grep -c "Exit codes" out)" -eq 1 ] && ok "top-level help states the exit codes once" || bad "top-level help states the exit codes $(grep -c "Exit codes" out) times"
grep -q "^custody\b\|Usage: custody " out && ! grep -q "/custody " out && ok "help calls the program custody, not its build path" || bad "help names: $(head -2 out)"
# CLI11's own errors in custody's form, naming the bad word.
expect 2 "an unknown command" -- $C frobnicate
has err "^custody: error: unknown command 'frobnicate'" "the error names the word"
has err "^custody: hint: 'custody --help' lists the commands" "and gives a hint"
expect 2 "a typo of a command" -- $C extrakt v.vault
has err "did you mean 'extract'" "a near miss is suggested"
expect 2 "an unknown flag" -- $C ls v.vault --as alice.id --frob
has err "^custody: error: .*--frob" "the error names the flag"
has err "'custody ls --help' lists the options" "the hint names the command's help"
expect 2 "no command" -- $C
has err "^custody: error: a command is required" "no command says so"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
