#!/usr/bin/env bash
# End-to-end tests of time-limited grants (issue 11.3, REQUIREMENTS.md 4.7):
# grant --until, the member refused after the date, the officer's next
# write rotating the levels they held (a Revoked event, reason expired),
# the roster showing the date, bad dates refused with nothing changed.
# Time is moved forward with the test-only CUSTODY_TEST_NOW (base/clock.h).
# Usage: until_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: until_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-until.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
jq_is() { local got; got=$(jq -r "$2" "$1"); [ "$got" = "$3" ] && ok "$4" || bad "$4: $2 is '$got', not '$3'"; }
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }
snap() { cp v.vault snap.vault; }
unchanged() { same snap.vault v.vault "$1 leaves the vault unchanged"; }

for n in alice bob dave; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass
for n in alice bob dave; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
B="--as bob.id --passphrase-file bob.pass"
$C init v.vault $A >/dev/null
$C grant v.vault $A --to dave.pub --clearance secret >/dev/null
TOMORROW=$(date -u -d '+1 day' +%Y-%m-%d)
END=$(date -u -d "$TOMORROW 23:59:59" +%s)
LATER=$((END + 3600))          # an hour after the grant ends

# --- bad dates: refused, nothing changed
snap
expect 2 "a malformed --until is refused" -- $C grant v.vault $A --to bob.pub --clearance secret --until 2026-13-45
has err "--until" "the message names the option"
unchanged "a malformed date"
expect 2 "a date that is not one is refused" -- $C grant v.vault $A --to bob.pub --clearance secret --until tomorrow
unchanged "a word for a date"
expect 2 "a past date is refused" -- $C grant v.vault $A --to bob.pub --clearance secret --until 2001-01-01
has err "has passed" "the message says the date has passed"
has err "Bob" "the message names the member"
unchanged "a past date"
expect 2 "a past full time is refused" -- $C grant v.vault $A --to bob.pub --clearance secret --until 2001-01-01T00:00:00Z
unchanged "a past full time"

# --- a time-limited grant
expect 0 "grant --until a future date" -- $C grant v.vault $A --to bob.pub --clearance secret --until "$TOMORROW"
has out "until ${TOMORROW}T23:59:59Z" "grant says until when"
expect 0 "roster" -- $C roster v.vault
has out "until ${TOMORROW}T23:59:59Z" "the roster shows the expiry"
expect 0 "roster --json" -- $C roster v.vault --json
jq_is out '.[] | select(.name=="Bob") | .until' "${TOMORROW}T23:59:59Z" "roster --json: until"
jq_is out '.[] | select(.name=="Dave") | .until' "null" "roster --json: until is null without a limit"
echo "before expiry" > before.txt
REG1=$($C add v.vault before.txt $B --level secret)
[ -n "$REG1" ] && ok "the member works before the date" || bad "bob could not add before expiry"
expect 0 "audit before expiry" -- $C audit v.vault

# --- after the date: refused; the officer's next write rotates
snap
expect 3 "the expired member is refused" -- env CUSTODY_TEST_NOW=$LATER $C ls v.vault $B
has err "Bob" "the refusal names the member"
has err "expired at ${TOMORROW} 23:59:59 UTC" "the refusal names the expiry"
expect 3 "the expired member cannot extract" -- env CUSTODY_TEST_NOW=$LATER $C extract v.vault "$REG1" $B --out x.out --purpose test
unchanged "the expired member's refusals"
echo "after expiry" > after.txt
REG2=$(CUSTODY_TEST_NOW=$LATER $C add v.vault after.txt $A --level secret)
[ -n "$REG2" ] && ok "the officer's next write succeeds" || bad "alice's add failed"
expect 0 "log" -- $C log v.vault --json
got=$(jq -s -r '[.[] | select(.kind=="revoked" and .reason=="grant expired")] | length' out)
[ "$got" = 1 ] && ok "the officer's write recorded one revoke, reason grant expired" || bad "expired revokes: $got"
expect 0 "roster after rotation" -- $C roster v.vault --json
jq_is out '.[] | select(.name=="Bob") | .revoked' "true" "bob is revoked by the expiry"
expect 3 "the expired member cannot read the new document" -- env CUSTODY_TEST_NOW=$LATER $C extract v.vault "$REG2" $B --out y.out --purpose test
expect 0 "dave (not expired) reads the new document" -- env CUSTODY_TEST_NOW=$LATER $C extract v.vault "$REG2" --as dave.id --passphrase-file dave.pass --out d.out --purpose test
same after.txt d.out "dave's copy is the document"
expect 0 "audit after the rotation" -- env CUSTODY_TEST_NOW=$LATER $C audit v.vault

# --- re-grant with --until (raising and lowering)
NEXT=$(date -u -d '+10 days' +%Y-%m-%d)
expect 0 "a re-grant with a new --until" -- env CUSTODY_TEST_NOW=$LATER $C grant v.vault $A --to bob.pub --clearance confidential --until "$NEXT"
has out "until ${NEXT}T23:59:59Z" "the re-grant carries the new date"
expect 0 "lowering with --until" -- env CUSTODY_TEST_NOW=$LATER $C grant v.vault $A --to bob.pub --clearance internal --until "${NEXT}T12:00:00Z"
expect 0 "roster --json" -- $C roster v.vault --json
jq_is out '.[] | select(.name=="Bob") | .until' "${NEXT}T12:00:00Z" "the lowered grant's full time"

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
