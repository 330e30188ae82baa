#!/usr/bin/env bash
# End-to-end tests of the office register (issue 11.5): real vaults made with
# the real CLI, their audit/copies/report JSON and a wipe certificate imported
# into one SQLite register; the report as text, JSON (jq) and PDF
# (pdftotext); a re-import and every refused input leave the database
# unchanged (sqlite3 .dump); an older copy of a vault is flagged as a rollback.
# Usage: office_register_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: office_register_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d "${CUSTODY_TEST_TMPDIR:-/var/tmp}/custody-register.XXXXXX")
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
dump() { sqlite3 reg.db .dump > "$1"; }
unchanged() { dump after.sql; if cmp -s before.sql after.sql; then ok "$1 leaves the register unchanged"; else bad "$1 changed the register"; fi; }

for n in alice bob; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass
for n in alice bob; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
YEAR=$(date -u +%Y)
# Three vaults ("drives"); the first gets a copy overdue since 2000.
for v in one two three; do
  $C init $v.vault $A --label "Drive $v" >/dev/null
  $C grant $v.vault $A --to bob.pub --clearance confidential >/dev/null
  echo "memo of $v" > $v.txt
  $C add $v.vault $v.txt $A --level confidential >/dev/null
done
REG=$($C add one.vault one.txt $A --level secret)
REGC=$($C ls one.vault $A --json | jq -r '[.[] | select(.level=="confidential")][0].reg_no')
$C copy one.vault "$REGC" $A --to Bob --scope "Ops room" --return-by 2000-01-01 --out c1.txt 2>/dev/null
cp two.vault two-old.vault          # an older copy of drive two, for the rollback
echo "later" > later.txt
$C add two.vault later.txt $A --level confidential >/dev/null
for v in one two three; do
  $C audit $v.vault --json > $v.audit.json
  $C copies $v.vault --json > $v.copies.json
  $C report $v.vault --year "$YEAR" --json > $v.report.json
done
$C audit two-old.vault --json > two-old.audit.json
echo "scratch" > scratch.bin
$C wipe scratch.bin --yes --cert wipe.json --reason reuse --operator alice.id --operator-passphrase-file alice.pass >/dev/null 2>&1
[ -f wipe.json ] && ok "a wipe certificate to import" || bad "no wipe certificate was written"
has one.copies.json '"vault_id"' "copies --json names its vault"
has one.audit.json '"audited"' "audit --json says when it ran"

# --- import and report
expect 0 "import of three vaults' audits, copies, reports and a certificate" -- \
  $C register import reg.db one.audit.json two.audit.json three.audit.json one.copies.json two.copies.json \
     three.copies.json one.report.json two.report.json three.report.json wipe.json
has out "audit  one.audit.json: recorded" "each input is named with what was done"
has out "certificate  wipe.json: recorded (signatures verified)" "the certificate's signatures are verified"
expect 0 "report" -- $C register report reg.db
has out "media and their vaults" "the report lists media"
has out "Drive one" "vault labels are shown"
has out "one.vault" "the medium (where the vault was audited) is shown"
has out "copies outstanding across all drives: 1" "one copy is outstanding"
has out "OVERDUE" "it is overdue"
has out "certificates on file: 1" "the certificate is on file"
has out "rollbacks flagged: 0" "no rollback yet"
expect 0 "report --json" -- $C register report reg.db --json
[ "$(jq '.vaults | length' out)" = 3 ] && ok "JSON: three vaults" || bad "JSON: vaults $(jq -c .vaults out)"
[ "$(jq '[.levels[] | select(.level=="confidential")][0].registered' out)" = 4 ] && ok "JSON: 4 confidential documents registered across drives" || bad "JSON: levels $(jq -c .levels out)"
[ "$(jq '.copies_outstanding[0].overdue' out)" = true ] && ok "JSON: overdue is a boolean" || bad "JSON: copies $(jq -c .copies_outstanding out)"
[ "$(jq -r '.copies_outstanding[0].recipient.name' out)" = Bob ] && ok "JSON: the recipient is an object" || bad "JSON: recipient"
[ "$(jq '.certificates[0].signatures_valid' out)" = true ] && ok "JSON: certificate signatures_valid" || bad "JSON: certificates"
[ "$(jq '.schema_version' out)" = 1 ] && ok "JSON: schema_version 1" || bad "JSON: schema_version"
expect 0 "report --since a future date" -- $C register report reg.db --since 2999-01-01 --json
[ "$(jq '.not_audited_since | length' out)" = 3 ] && ok "every drive is not audited since 2999" || bad "not_audited_since $(jq -c .not_audited_since out)"
expect 0 "report --since a past date" -- $C register report reg.db --since 2001-01-01
has out "not audited since 2001-01-01: 0" "no drive is unaudited since 2001"
expect 0 "report --pdf" -- $C register report reg.db --pdf reg.pdf
pdftotext reg.pdf reg.txt
has reg.txt "Office register" "the PDF has its title"
has reg.txt "Drive two" "the PDF lists the vaults"
has reg.txt "OVERDUE" "the PDF shows the overdue copy"

# --- idempotent
dump before.sql
expect 0 "the same files imported again" -- \
  $C register import reg.db one.audit.json two.audit.json one.copies.json one.report.json wipe.json
has out "already on file" "a re-import says so"
unchanged "a re-import"

# --- rollback
expect 0 "an audit of an older copy of drive two" -- $C register import reg.db two-old.audit.json
has out "ROLLBACK flagged" "the import flags the rollback"
expect 0 "report after the rollback" -- $C register report reg.db
has out "rollbacks flagged: 1" "the report counts it"
has out "ROLLBACK   vault" "and names the vault"
expect 0 "report --json after the rollback" -- $C register report reg.db --json
[ "$(jq -r '.rollbacks[0].source' out)" = two-old.audit.json ] && ok "JSON: the rollback names its source" || bad "JSON: rollbacks $(jq -c .rollbacks out)"
[ "$(jq -r '.vaults[] | select(.label=="Drive two") | .medium' out)" = two.vault ] && ok "the register keeps the newer state" || bad "the rollback replaced the newer state"

# --- refused inputs
dump before.sql
echo "not json at all" > notjson.txt
expect 5 "a file that is not JSON" -- $C register import reg.db one.audit.json notjson.txt
has err "notjson.txt: not JSON" "the error names the file"
unchanged "a refused not-JSON import (with a good file before it)"
echo '{"hello":"world"}' > wrong.json
expect 5 "JSON of another kind" -- $C register import reg.db wrong.json
has err "wrong.json: JSON of no kind" "the error names the file and the kinds"
unchanged "a refused wrong-kind import"
jq 'map(del(.vault_id))' one.copies.json > oldcopies.json
expect 5 "a copies list that names no vault" -- $C register import reg.db oldcopies.json
unchanged "a refused copies list"
sed 's/"reuse"/"repair"/' wipe.json > forged.json
expect 5 "a certificate altered after signing" -- $C register import reg.db forged.json
has err "forged.json: certificate refused" "the error names the certificate"
unchanged "a refused certificate"
expect 6 "a file that does not exist" -- $C register import reg.db nosuch.json
unchanged "a missing file"
expect 6 "report of a register that does not exist" -- $C register report nosuch.db
absent_db() { [ ! -e nosuch.db ] && ok "no database is created by a report" || bad "report created nosuch.db"; }
absent_db

# --- a newer schema version
cp reg.db newer.db
sqlite3 newer.db 'PRAGMA user_version = 7'
cp newer.db newer-before.db
expect 5 "import into a register of a newer schema" -- $C register import newer.db one.audit.json
has err "newer.db is of schema version 7; this custody knows up to version 1" "the error names the DB and both versions"
cmp -s newer.db newer-before.db && ok "the newer register is unchanged" || bad "the newer register was changed"
expect 5 "report of a register of a newer schema" -- $C register report newer.db
echo "junk" > junk.db
expect 5 "a file that is no SQLite database" -- $C register report junk.db

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
