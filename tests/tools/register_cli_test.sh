#!/usr/bin/env bash
# End-to-end tests of a document's life after registration (issue 9): the
# register's details at add, `handled` and `due`, copies destroyed under
# witness or lost, and two-person declassification, on the real CLI and
# real files. Every refusal of the issue's "bad input" list is checked to
# leave the vault byte for byte unchanged, and every declassification to
# leave no readable wrap of the old level in the file.
# Usage: register_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: register_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-register.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }
snap() { cp v.vault snap.vault; }
unchanged() { same snap.vault v.vault "$1 leaves the vault unchanged"; }
jq_is() { local got; got=$(jq -r "$2" "$1"); [ "$got" = "$3" ] && ok "$4" || bad "$4: $2 is '$got', not '$3'"; }

for n in alice bob erin dave; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass   # passphrase files others can read are refused
for n in alice bob erin dave; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"   # officer, top-secret
B="--as bob.id --passphrase-file bob.pass"       # officer, top-secret
E="--as erin.id --passphrase-file erin.pass"     # officer, confidential only
D="--as dave.id --passphrase-file dave.pass"     # staff, internal
$C init v.vault $A --due-days 3 >/dev/null
$C grant v.vault $A --to bob.pub --clearance top-secret --role officer >/dev/null
$C grant v.vault $A --to erin.pub --clearance confidential --role officer >/dev/null
$C grant v.vault $A --to dave.pub --clearance internal >/dev/null
printf 'MINUTES-OF-MEETING-%s\n' {1..2000} > minutes.txt
echo "ordinary letter" > letter.txt

# --- registration details and due dates
expect 0 "add with originator, custodian and urgency" -- \
  $C add v.vault minutes.txt $A --level secret --originator "Cabinet meeting 12" --custodian Bob --urgent
REG=$(cat out)
expect 0 "add an ordinary document" -- $C add v.vault letter.txt $A --level confidential --classified-years 0
REG_L=$(cat out)
$C ls v.vault $A --json > ls.json
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .originator" "Cabinet meeting 12" "the originator is recorded"
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .custodian" "Bob" "the custodian is recorded"
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .due" "$(date -u +%Y-%m-%d)T23:59:59Z" "an urgent document is due the same day"
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .classified_until | .[0:4]" "$(( $(date -u +%Y) + 20 ))" \
  "a secret document is classified for 20 years by default"
jq_is ls.json ".[] | select(.reg_no==\"$REG_L\") | .due | .[0:10]" "$(date -u -d '+3 days' +%Y-%m-%d)" \
  "an ordinary document is due in the vault's handling time (3 days)"
jq_is ls.json ".[] | select(.reg_no==\"$REG_L\") | .classified_until" "null" "--classified-years 0: no period"
snap
expect 4 "a custodian not cleared for the level is refused" -- \
  $C add v.vault letter.txt $A --level secret --custodian Dave
unchanged "the refused custodian"
expect 0 "nothing is overdue today" -- $C due v.vault
has out "nothing is due" "due says so"
expect 0 "due on a later date" -- $C due v.vault --at "$(date -u -d '+10 days' +%Y-%m-%d)" --json
jq_is out "map(select(.kind==\"document\")) | length" "2" "both documents are overdue in 10 days"
expect 0 "due long after" -- $C due v.vault --at "$(date -u -d '+25 years' +%Y-%m-%d)" --json
jq_is out "map(select(.kind==\"classification\")) | .[0].number" "$REG" \
  "its classification period has ended in 25 years (a review candidate)"
expect 0 "handled" -- $C handled v.vault "$REG" $B --note "briefed the minister"
snap
expect 2 "handled twice is refused" -- $C handled v.vault "$REG" $B
has err "already handled" "the refusal says when"
expect 4 "handled by someone not cleared" -- $C handled v.vault "$REG" $D
unchanged "the refused handled"
expect 0 "due after handling" -- $C due v.vault --at "$(date -u -d '+10 days' +%Y-%m-%d)" --json
jq_is out "map(select(.kind==\"document\")) | .[0].number" "$REG_L" "a handled document is no longer due"

# --- copies destroyed under witness, or lost
$C copy v.vault "$REG" $A --to erin.pub --sealed --copies 3 --scope "Ministry" --out m.age 2>/dev/null
snap
expect 2 "a copy destroyed with its officer as witness is refused" -- \
  $C destroy-copy v.vault "$REG/1" $A --witness alice.id --witness-passphrase-file alice.pass --reason shredded
expect 3 "a copy destroyed by staff is refused" -- \
  $C destroy-copy v.vault "$REG/1" $D --witness bob.id --witness-passphrase-file bob.pass --reason shredded
expect 6 "a copy that does not exist" -- \
  $C destroy-copy v.vault "$REG/9" $A --witness bob.id --witness-passphrase-file bob.pass --reason shredded
unchanged "the refused copy destructions"
expect 0 "a copy destroyed under witness" -- \
  $C destroy-copy v.vault "$REG/1" $A --witness bob.id --witness-passphrase-file bob.pass --reason "shredded"
has out "witness Bob" "the witness is named"
expect 0 "a copy declared lost" -- $C lost v.vault "$REG/2" $A --reason "lost in transit"
expect 0 "a copy returned" -- $C return v.vault "$REG/3" $A --file m-3.age
snap
expect 2 "a lost copy cannot be returned" -- $C return v.vault "$REG/2" $A --file m-2.age
has err "declared lost" "the refusal says it was lost"
expect 2 "a destroyed copy cannot be lost" -- $C lost v.vault "$REG/1" $A --reason x
expect 2 "a returned copy cannot be lost" -- $C lost v.vault "$REG/3" $A --reason x
unchanged "the refused copy disposals"
expect 0 "a returned copy destroyed by the office" -- \
  $C destroy-copy v.vault "$REG/3" $A --witness bob.id --witness-passphrase-file bob.pass --reason "returned, shredded"
expect 0 "copies" -- $C copies v.vault --json
jq_is out ".[] | select(.copy==\"$REG/1\") | .state" "destroyed" "copy 1 is destroyed"
jq_is out ".[] | select(.copy==\"$REG/1\") | .witness" "Bob" "with its witness"
jq_is out ".[] | select(.copy==\"$REG/2\") | .state" "lost" "copy 2 is lost"
jq_is out ".[] | select(.copy==\"$REG/2\") | .reason" "lost in transit" "with its reason"
jq_is out ".[] | select(.copy==\"$REG/3\") | .state" "destroyed" "copy 3 returned, then destroyed"
expect 0 "no copy outstanding" -- $C copies v.vault --outstanding --json
jq_is out "length" "0" "none of the three is outstanding"

# --- two-person declassification
# The old wrap's bytes, to check they are gone from the file afterwards.
cp v.vault pre.vault
snap
expect 6 "approval with no pending review" -- $C declassify v.vault "$REG" --approve $B
expect 2 "a review that does not lower the level" -- \
  $C declassify v.vault "$REG" --review --to top-secret --reason x $A
expect 2 "a review needs a reason" -- $C declassify v.vault "$REG" --review --to internal $A
expect 4 "a review by an officer not cleared for the level" -- \
  $C declassify v.vault "$REG" --review --to internal --reason "period over" $E
expect 3 "a review by staff" -- $C declassify v.vault "$REG" --review --to internal --reason x $D
unchanged "the refused declassification steps"
expect 0 "review by the first officer" -- \
  $C declassify v.vault "$REG" --review --to confidential --reason "period over" $A
snap
expect 2 "a second review by the same officer is refused" -- \
  $C declassify v.vault "$REG" --review --to internal --reason again $A
has err "already reviewed" "the refusal says who reviewed"
expect 2 "approval by the reviewer is refused" -- $C declassify v.vault "$REG" --approve $A
has err "a different officer must approve" "the refusal asks for a second officer"
expect 4 "approval by an officer not cleared for the current level" -- \
  $C declassify v.vault "$REG" --approve $E
unchanged "the refused approvals"
expect 0 "the review is withdrawn" -- $C declassify v.vault "$REG" --withdraw --reason "wrong level" $B
expect 6 "nothing left to approve" -- $C declassify v.vault "$REG" --approve $B
expect 0 "review again" -- $C declassify v.vault "$REG" --review --to confidential --reason "period over" $A
expect 4 "before approval, Erin (confidential) cannot read it" -- $C extract v.vault "$REG" $E --out e0.txt
expect 0 "approval by a second officer" -- $C declassify v.vault "$REG" --approve $B
# Checked before any other write access (which would finish an
# interrupted overwrite): the approval itself overwrote the old wrap.
expect 0 "audit after the declassification" -- $C audit v.vault
has out "audit: OK" "the declassified vault audits clean"
# The secret-level key record is zeroed in place: past the two superblocks
# (rewritten by every commit), every byte of the old file that changed is
# now 0, and some did change.
cmp -l pre.vault v.vault 2>/dev/null | awk -v n=$(stat -c %s pre.vault) '$1 > 8192 && $1 <= n' > changed
[ -s changed ] && ok "bytes of the old file were overwritten (the old wrap)" || bad "nothing in the old file was overwritten"
awk '$3 != 0 {bad=1} END {exit bad}' changed && ok "only with zeros" || bad "bytes other than zeros were written into the old file"

expect 0 "Erin reads it now" -- $C extract v.vault "$REG" $E --out e1.txt
same minutes.txt e1.txt "the declassified document is the same document"
$C ls v.vault $E --json > ls.json
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .level" "confidential" "ls shows the new level"
expect 0 "review to public" -- $C declassify v.vault "$REG" --review --to public --reason "released" $E
expect 0 "approved" -- $C declassify v.vault "$REG" --approve $B
expect 0 "a public document is read by staff cleared for the lowest level" -- \
  $C extract v.vault "$REG" $D --out d1.txt
same minutes.txt d1.txt "Dave reads the public document"
$C ls v.vault $D --json > ls.json
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .public" "true" "ls marks it public"
jq_is ls.json ".[] | select(.reg_no==\"$REG\") | .level" "public" "and lists its level as public"
expect 2 "public cannot be lowered further" -- \
  $C declassify v.vault "$REG" --review --to public --reason again $A
expect 0 "final audit" -- $C audit v.vault
has out "audit: OK" "the vault audits clean"

# --- the readable ledger and the report show the register's acts
expect 0 "log of the document" -- $C log v.vault --reg "$REG"
for act in "declassification reviewed" "declassification withdrawn" "declassified" "handled" "copy destroyed" "copy lost"; do
  has out "$act" "log shows '$act'"
done
has out "witness Bob" "log names the copy's witness"
if grep -q "MINUTES-OF-MEETING\|minutes.txt" out; then bad "no title or content in the keyless log"; else ok "no title or content in the keyless log"; fi
expect 0 "the year's report" -- $C report v.vault --year "$(date -u +%Y)" --json --no-audit
jq_is out '.declassified | length > 0' "true" "the report counts the declassifications"
# At year end (the report's reckoning): the minutes were handled, the
# letter (due in 3 days) was not: overdue by then if that is still this year.
[ "$(date -u -d '+3 days' +%Y)" = "$(date -u +%Y)" ] && want=1 || want=0
jq_is out '.documents_overdue' "$want" "the report counts the unhandled document overdue at year end"

# --- an auditor's ls: the register without names or contents
echo "pass-audrey" > audrey.pass; chmod 600 *.pass
$C id new --out audrey.id --name "Audrey" --kdf interactive --passphrase-file audrey.pass >/dev/null
$C id public audrey.id > audrey.pub
$C grant v.vault $A --to audrey.pub --role auditor >/dev/null
expect 0 "an auditor lists the vault" -- $C ls v.vault --as audrey.id --passphrase-file audrey.pass --json
jq_is out "length" "2" "every document is listed"
jq_is out ".[] | select(.reg_no==\"$REG\") | .copies_issued" "3" "with its copies"
jq_is out "[.[] | .title] | unique | join(\",\")" "" "and no title"
expect 0 "the auditor's text listing" -- $C ls v.vault --as audrey.id --passphrase-file audrey.pass
if grep -q "minutes.txt\|letter.txt" out; then bad "no file name in the auditor's listing"; else ok "no file name in the auditor's listing"; fi
expect 4 "an auditor extracts nothing" -- $C extract v.vault "$REG" --as audrey.id --passphrase-file audrey.pass --out a.txt

# --- a vault whose profile requires a second officer to approve secret copies
$C init c.vault $A --cosign-copies-from secret >/dev/null
$C grant c.vault $A --to bob.pub --clearance top-secret --role officer >/dev/null
$C grant c.vault $A --to erin.pub --clearance confidential --role officer >/dev/null
$C grant c.vault $A --to dave.pub --clearance secret >/dev/null
CS=$($C add c.vault minutes.txt $A --level secret)
CC=$($C add c.vault letter.txt $A --level confidential)
cp c.vault csnap.vault
expect 3 "a secret copy without a co-signer is refused" -- \
  $C copy c.vault "$CS" $A --to erin.pub --sealed --scope "Ministry" --out cs.age
has err "requires a second officer's co-signature" "the refusal names the policy"
expect 2 "the issuer cannot co-sign their own copy" -- \
  $C copy c.vault "$CS" $A --to erin.pub --sealed --scope "Ministry" --out cs.age \
     --cosigner alice.id --cosigner-passphrase-file alice.pass
expect 3 "a staff member cannot co-sign" -- \
  $C copy c.vault "$CS" $A --to erin.pub --sealed --scope "Ministry" --out cs.age \
     --cosigner dave.id --cosigner-passphrase-file dave.pass
expect 4 "an officer not cleared for secret cannot co-sign" -- \
  $C copy c.vault "$CS" $A --to erin.pub --sealed --scope "Ministry" --out cs.age \
     --cosigner erin.id --cosigner-passphrase-file erin.pass
same csnap.vault c.vault "the refused co-signatures leave the vault unchanged"
[ -e cs.age ] && bad "no file for a refused copy" || ok "no file for a refused copy"
expect 0 "a secret copy co-signed by a second officer" -- \
  $C copy c.vault "$CS" $A --to erin.pub --sealed --scope "Ministry" --out cs.age \
     --cosigner bob.id --cosigner-passphrase-file bob.pass
expect 0 "a confidential copy needs no co-signer" -- \
  $C copy c.vault "$CC" $A --to Erin --scope "Ops room" --out cc.txt
expect 0 "copies" -- $C copies c.vault --json
jq_is out ".[] | select(.copy==\"$CS/1\") | .cosigned_by" "Bob" "the copy records its co-signer"
expect 0 "audit of the co-signed vault" -- $C audit c.vault
has out "audit: OK" "audits clean"

echo "passed=$passed failed=$failed"
[ "$failed" -eq 0 ]
