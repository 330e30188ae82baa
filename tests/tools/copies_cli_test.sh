#!/usr/bin/env bash
# End-to-end tests of tracked and sealed copies (issue 9): the real CLI on
# real files, and the stock `age` binary opening a sealed copy with a key
# `custody id export-age` wrote. Every bad input of the issue, each refused
# one checked to leave the vault byte for byte unchanged.
# Usage: copies_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: copies_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-copies.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
hasnt(){ if grep -q -- "$2" "$1"; then bad "$3: '$2' found in $1"; else ok "$3"; fi; }
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }
# unchanged DESC: the vault is byte for byte what `snap` saved.
snap() { cp v.vault snap.vault; }
unchanged() { same snap.vault v.vault "$1 leaves the vault unchanged"; }
absent() { if [ -e "$1" ]; then bad "$2: $1 exists"; else ok "$2"; fi; }

for n in alice bob carol dave; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass   # passphrase files others can read are refused
for n in alice bob carol dave; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
B="--as bob.id --passphrase-file bob.pass"
K="--as carol.id --passphrase-file carol.pass"   # Carol: outside the roster
$C init v.vault $A >/dev/null
$C grant v.vault $A --to bob.pub --clearance confidential >/dev/null
$C grant v.vault $A --to dave.pub --clearance internal >/dev/null
printf 'SECRET-MEMO-%s\n' {1..20000} > secret.txt     # > one 64 KiB age chunk
echo "confidential note" > conf.txt
REG_S=$($C add v.vault secret.txt $A --level secret)
REG_C=$($C add v.vault conf.txt $A --level confidential)

# --- plaintext copies
expect 0 "plaintext copy to a cleared member, named by name" -- \
  $C copy v.vault "$REG_C" $A --to Bob --scope "Ops room" --purpose briefing --out c1.txt
same conf.txt c1.txt "plaintext copy is the document"
has err "$REG_C/1" "copy number printed"
snap
expect 4 "plaintext copy to a member not cleared for the level is refused" -- \
  $C copy v.vault "$REG_S" $A --to bob.pub --scope "Ops room" --out c2.txt
has err "not cleared for secret" "refusal names the level"
unchanged "the refused plaintext copy"
absent c2.txt "no file for a refused copy"
expect 4 "plaintext copy to someone outside the roster is refused" -- \
  $C copy v.vault "$REG_S" $A --to carol.pub --scope "Liaison" --out c3.txt
has err "sealed copy may go to anyone" "refusal points at --sealed"
unchanged "the refused copy to an outsider"
expect 6 "a copy into a directory that does not exist" -- \
  $C copy v.vault "$REG_C" $A --to Bob --scope "Ops room" --out no-such-dir/c.txt
unchanged "a copy that failed before its file existed records nothing, and"
expect 2 "a sealed copy needs a file for its marking" -- \
  $C copy v.vault "$REG_C" $A --to Bob --sealed --scope "Ops room" --out -
expect 2 "a copy needs a scope" -- $C copy v.vault "$REG_C" $A --to Bob --out c4.txt
expect 6 "copy of a document that does not exist" -- $C copy v.vault NOPE-1 $A --to Bob --scope x --out c5.txt
unchanged "the refused copies"

expect 0 "a plaintext copy to stdout" -- bash -c "$C copy v.vault $REG_C $A --to Bob --scope 'Ops room' --out - > c6.txt"
same conf.txt c6.txt "the copy on stdout is the document"
has err "$REG_C/2" "numbered on"
REG_C_NEXT=3

# --- sealed copies to someone outside the roster
expect 0 "two sealed copies to an outsider named by public line" -- \
  $C copy v.vault "$REG_S" $A --to carol.pub --sealed --copies 2 --scope "Liaison, Ministry" \
     --return-by 2000-01-01 --out s.age
for f in s-1.age s-2.age s-1.age.marking s-2.age.marking; do
  [ -f "$f" ] && ok "$f written" || bad "$f written"
done
has s-1.age "age-encryption.org/v1" "a sealed copy is an age file"
has s-1.age "X25519" "with an X25519 recipient stanza"
has s-1.age.marking "copy 1 of 2" "the marking carries the copy number"
has s-1.age.marking "level secret" "the marking carries the level"
has s-1.age.marking "scope Liaison, Ministry" "the marking carries the scope"
hasnt s-1.age "SECRET-MEMO" "no plaintext in the sealed copy"

expect 0 "id export-age" -- $C id export-age carol.id --out carol.key --passphrase-file carol.pass
has err "warning" "export-age warns on stderr"
[ "$(stat -c %a carol.key)" = 600 ] && ok "exported key is 0600" || bad "exported key is 0600"
has carol.key "^AGE-SECRET-KEY-1" "exported key is an age identity"
expect 1 "export-age refuses to overwrite" -- $C id export-age carol.id --out carol.key --passphrase-file carol.pass
if age -d -i carol.key -o age.out s-1.age 2>age.err; then ok "stock age opens the sealed copy"; else bad "stock age opens the sealed copy: $(cat age.err)"; fi
same secret.txt age.out "age decrypts the document exactly"

expect 0 "custody open decrypts without exporting" -- $C open s-2.age $K --out o2.txt
same secret.txt o2.txt "custody open yields the document"
has err "copy 2 of 2" "open prints the marking first"
has err "Liaison, Ministry" "open prints the scope"
expect 3 "open by someone the copy is not addressed to" -- $C open s-2.age $B --out o3.txt
absent o3.txt "nothing written for the wrong recipient"

# Damaged sealed copies: nothing written (exit 5).
cp s-2.age bad.age; cp s-2.age.marking bad.age.marking
mac_line=$(grep -an '^--- ' bad.age | head -1 | cut -d: -f1)
python3 - bad.age <<'PY'
import sys
p=sys.argv[1]; b=bytearray(open(p,'rb').read())
i=b.index(b'\n--- ')+5
b[i]=ord('A') if b[i]!=ord('A') else ord('B')   # one character of the header MAC
open(p,'wb').write(b)
PY
expect 5 "open refuses a bad header MAC" -- $C open bad.age $K --out o4.txt
has err "MAC" "the refusal names the header MAC"
absent o4.txt "nothing written for a bad header MAC"
cp s-2.age trunc.age; cp s-2.age.marking trunc.age.marking
truncate -s -1 trunc.age
expect 5 "open refuses a truncated final chunk" -- $C open trunc.age $K --out o5.txt
absent o5.txt "nothing written for a truncated copy"
expect 5 "open of a truncated copy to stdout" -- bash -c "$C open trunc.age $K --out - > o6.txt"
[ ! -s o6.txt ] && ok "nothing of a truncated copy reaches stdout" || bad "nothing of a truncated copy reaches stdout"
cp s-2.age forged.age; sed 's/^scope .*/scope Everyone/' s-2.age.marking > forged.age.marking
expect 5 "open refuses an altered marking" -- $C open forged.age $K --out o7.txt
absent o7.txt "nothing written for an altered marking"
# Another copy's file under this copy's marking: a valid age file to the same
# key (anyone can make one), every chunk authentic; only the hash differs.
cp s-1.age swapped.age; cp s-2.age.marking swapped.age.marking
expect 5 "open refuses a file its marking does not name" -- $C open swapped.age $K --out o8.txt
has err "does not match its marking" "the refusal names the marking's hash"
absent o8.txt "nothing written for a file its marking does not name"
expect 5 "open to stdout refuses a file its marking does not name" -- bash -c "$C open swapped.age $K --out - > o9.txt"
[ ! -s o9.txt ] && ok "nothing of a file its marking does not name reaches stdout" \
  || bad "nothing of a file its marking does not name reaches stdout"

# --- listing (keyless)
expect 0 "copies needs no identity" -- $C copies v.vault
has out "$REG_C/1" "plaintext copy listed"
has out "$REG_S/2" "sealed copy listed"
has out "Carol" "recipient listed"
expect 0 "copies --overdue" -- $C copies v.vault --overdue
has out "$REG_S/1" "a copy past its return-by date is overdue"
hasnt out "$REG_C/1" "a copy without a return-by date is not overdue"
expect 0 "copies --json" -- $C copies v.vault --json
has out '"state":"overdue"' "json states"
has out '"recipient_in_roster":false' "json says the sealed copy's recipient is outside the roster"

# --- returns
snap
expect 5 "returning a sealed copy with other bytes" -- $C return v.vault "$REG_S/1" $A --file s-2.age
unchanged "the refused return of other bytes"
expect 2 "returning a sealed copy without its file" -- $C return v.vault "$REG_S/1" $A
expect 3 "a non-officer cannot take a copy back" -- $C return v.vault "$REG_C/1" $B
expect 6 "a copy number that does not exist" -- $C return v.vault "$REG_S/9" $A --file s-1.age
expect 2 "a malformed copy number" -- $C return v.vault "$REG_S" $A
unchanged "the refused returns"
expect 0 "returning the sealed copy as issued" -- $C return v.vault "$REG_S/1" $A --file s-1.age
expect 2 "a plaintext copy has no file to match" -- $C return v.vault "$REG_C/1" $A --file c1.txt
expect 0 "returning the plaintext copy" -- $C return v.vault "$REG_C/1" $A
snap
expect 2 "returning a copy twice" -- $C return v.vault "$REG_S/1" $A --file s-1.age
has err "already returned" "the refusal says it was returned"
unchanged "the second return"
expect 0 "copies --outstanding" -- $C copies v.vault --outstanding
hasnt out "$REG_S/1 " "a returned copy is not outstanding"
has out "$REG_S/2" "the other copy still is"

# --- destroy with copies outstanding
W="--witness dave.id --witness-passphrase-file dave.pass"
snap
expect 2 "destroy refuses with copies outstanding" -- $C destroy v.vault "$REG_S" $A $W --reason "superseded"
has err "$REG_S/2" "the refusal names the outstanding copy"
unchanged "the refused destruction"
expect 0 "destroy --force" -- $C destroy v.vault "$REG_S" $A $W --reason "superseded" --force --yes
expect 0 "copies still listed after the destruction" -- $C copies v.vault --outstanding
has out "$REG_S/2" "an outstanding copy outlives its original"
expect 0 "audit is clean" -- $C audit v.vault
expect 0 "a copy after reopening the vault numbers on" -- \
  $C copy v.vault "$REG_C" $A --to Bob --scope "Ops room" --out c9.txt
has err "$REG_C/$REG_C_NEXT" "numbering continues across commits"
expect 0 "audit is clean at the end" -- $C audit v.vault
expect 0 "compact keeps the copies" -- $C compact v.vault $A
expect 0 "copies after compaction" -- $C copies v.vault
has out "$REG_C/$REG_C_NEXT" "copies listed after compaction"
has out "$REG_S/2" "the destroyed document's outstanding copy too"
expect 0 "audit is clean after compaction" -- $C audit v.vault
ls -A | grep -q "^\.custody-tmp-" && bad "no temporary files left" || ok "no temporary files left"
[ -z "$(ls -A state/inflight 2>/dev/null)" ] && ok "no in-flight entries left" || bad "no in-flight entries left"

for cmd in copy return copies open "id export-age"; do
  $C $cmd --help >out 2>&1 && grep -q "Exit codes" out && ok "--help for $cmd documents exit codes" || bad "--help for $cmd"
done

# --- the age payload's chunk boundaries (sealed on the worker threads, one
# vault chunk = 16 age chunks): empty, one byte, exactly one age chunk, one
# byte over, exactly one vault chunk (1 MiB = 16 age chunks, so the final age
# chunk is full and no empty chunk follows), one byte over it, and several
# vault chunks plus a bit. Each copy opens with the stock age and with
# custody open, to the document's bytes, and is exactly as long as the spec
# says (no empty final chunk).
for size in 0 1 65536 65537 1048576 1048577 3211265; do
  head -c "$size" /dev/urandom > b$size.bin
  reg=$($C add v.vault b$size.bin $A --level secret) || { bad "add $size bytes"; continue; }
  expect 0 "sealed copy of $size bytes" -- $C copy v.vault "$reg" $A --to carol.pub --sealed --scope "Boundary" --out b$size.age
  chunks=$(( size == 0 ? 1 : (size + 65535) / 65536 ))
  header=$(( $(grep -abo -- '^--- ' b$size.age | head -1 | cut -d: -f1) + 48 ))
  want=$(( header + 16 + size + 16 * chunks ))
  [ "$(stat -c %s b$size.age)" -eq "$want" ] && ok "$size bytes: $chunks chunk(s), no empty final chunk" \
    || bad "$size bytes: sealed copy is $(stat -c %s b$size.age) bytes, expected $want"
  if age -d -i carol.key b$size.age > b$size.age.out 2>age.err; then same b$size.bin b$size.age.out "stock age opens the $size-byte copy to the document"
  else bad "stock age opens the $size-byte copy: $(cat age.err)"; fi
  expect 0 "custody open of the $size-byte copy" -- $C open b$size.age $K --out b$size.open
  same b$size.bin b$size.open "custody open gives the $size-byte document"
  expect 0 "custody open of the $size-byte copy to stdout" -- sh -c "$C open b$size.age $K --out - > b$size.stdout"
  same b$size.bin b$size.stdout "custody open to stdout gives the $size-byte document"
  [ "$size" = 3211265 ] && REG_BIG=$reg
done
# The same for a multi-chunk copy (decrypted on the workers while the file is
# hashed): a second copy of the document, under the first one's marking.
expect 0 "a second sealed copy of the 3211265-byte document" -- \
  $C copy v.vault "$REG_BIG" $A --to carol.pub --sealed --scope "Boundary" --out big2.age
cp big2.age swapbig.age; cp b3211265.age.marking swapbig.age.marking
expect 5 "a multi-chunk file its marking does not name is refused" -- $C open swapbig.age $K --out swapbig.open
has err "does not match its marking" "the multi-chunk refusal names the marking's hash"
absent swapbig.open "nothing written for a multi-chunk file its marking does not name"
# Damage in a middle chunk of a multi-chunk copy: refused, nothing written.
cp b3211265.age bad.age; cp b3211265.age.marking bad.age.marking
printf 'X' | dd of=bad.age bs=1 seek=2000000 conv=notrunc 2>/dev/null
expect 5 "a damaged multi-chunk copy is refused" -- $C open bad.age $K --out bad.open
absent bad.open "nothing written for the damaged multi-chunk copy"
# A copy cut at an age chunk boundary (a whole chunk removed from its end).
head -c $(( $(stat -c %s b1048577.age) - 17 )) b1048577.age > cut.age; cp b1048577.age.marking cut.age.marking
expect 5 "a copy cut at a chunk boundary is refused" -- $C open cut.age $K --out cut.open
absent cut.open "nothing written for the cut copy"
leftover=$(find . -name '.custody-tmp-*' | head -3)
[ -z "$leftover" ] && ok "no temporary file is left by a refused open" || bad "temporary files left: $leftover"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
