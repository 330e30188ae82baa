#!/usr/bin/env bash
# End-to-end tests of `custody log` and `custody report` (issue 9 items 5
# and 6): a vault built through the real CLI (grant, add, sealed and
# plaintext copies, return, extract, destroy with a witness, revoke); no
# title in keyless output, titles with --as only up to the clearance;
# --reg and --since; the PDF (pdfinfo/pdftotext: vault id and anchor on
# every page); a tampered event refused (exit 5, nothing printed).
# Usage: log_report_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: log_report_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-log.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
hasnt(){ if grep -q -- "$2" "$1"; then bad "$3: '$2' found in $1"; else ok "$3"; fi; }
lines(){ local n; n=$(wc -l < "$1"); if [ "$n" -eq "$2" ]; then ok "$3"; else bad "$3: $n lines, expected $2"; fi; }

for n in alice bob wang dave; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass   # passphrase files others can read are refused
$C id new --out alice.id --name "Alice" --kdf interactive --passphrase-file alice.pass >/dev/null
$C id new --out bob.id --name "Bob" --kdf interactive --passphrase-file bob.pass >/dev/null
$C id new --out wang.id --name "王小明" --kdf interactive --passphrase-file wang.pass >/dev/null
$C id new --out dave.id --name "Dave" --kdf interactive --passphrase-file dave.pass >/dev/null
for n in alice bob wang dave; do $C id public $n.id > $n.pub; done
A="--as alice.id --passphrase-file alice.pass"
$C init v.vault $A >/dev/null
$C grant v.vault $A --to bob.pub --clearance confidential >/dev/null
$C grant v.vault $A --to wang.pub --clearance secret --role officer >/dev/null
$C grant v.vault $A --to dave.pub --clearance internal >/dev/null
echo "secret body" > s.txt; echo "conf body" > c.txt
RS=$($C add v.vault s.txt $A --level secret --title "TITLE-SECRET-S")
RC=$($C add v.vault c.txt $A --level confidential --title "TITLE-CONF-C")
$C copy v.vault "$RS" $A --to bob.pub --sealed --copies 2 --scope "Liaison office" --purpose "review" --out s.age 2>/dev/null
$C return v.vault "$RS/1" $A --file s-1.age >/dev/null 2>&1
$C return v.vault "$RS/2" --as wang.id --passphrase-file wang.pass --file s-2.age >/dev/null 2>&1
$C extract v.vault "$RC" $A --out x.txt --purpose "PURPOSE-MARK-EXTRACT" >/dev/null 2>&1
$C destroy v.vault "$RC" $A --witness wang.id --witness-passphrase-file wang.pass --reason "superseded" --yes >/dev/null 2>&1
cp v.vault before-revoke.vault
$C revoke v.vault $A --to dave.pub >/dev/null
ID=$($C audit v.vault --json | jq -r .vault_id)
ANCHOR=$($C audit v.vault --json | jq -r .anchor)

# --- the log, keyless
expect 0 "log needs no identity" -- $C log v.vault
has out "verified to anchor $ANCHOR" "the log states the anchor it verified to"
for act in "created" "granted" "added" "copy issued" "copy returned" "extracted" "destroyed" "revoked"; do
  has out " $act " "log shows '$act'"
done
has out "copy issued    $RS/2" "copy numbers are shown"
has out "witness 王小明" "the destruction names its witness"
has out "scope Liaison office" "the copy's scope is shown"
has out "reason superseded" "the destruction's reason is shown"
has out "purpose PURPOSE-MARK-EXTRACT" "the extraction's purpose is shown"
has out "member Dave" "the revocation names the member"
hasnt out "TITLE-" "no title in keyless output"
EVENTS=${ANCHOR%%:*}
lines out $((EVENTS + 1)) "one line per event (and the header)"
expect 0 "log --json" -- $C log v.vault --json
hasnt out "TITLE-" "no title in keyless JSON"
if jq -s -e "length == $EVENTS and (map(.sequence) == [range(0; $EVENTS)])" out >/dev/null; then
  ok "--json is JSON Lines, one object per event, in order"
else bad "--json is not one object per event"; fi
if jq -s -e '[.[] | select(.act == "destroyed")][0] | .witness.name == "王小明" and .reason == "superseded"' out >/dev/null; then
  ok "JSON names the witness and the reason"; else bad "JSON destroyed entry: $(grep destroyed out)"; fi

# --- titles with --as, up to the clearance
expect 0 "log --as an officer cleared for secret" -- $C log v.vault --as wang.id --passphrase-file wang.pass
has out 'title "TITLE-SECRET-S"' "titles appear for a cleared identity"
expect 0 "log --as a member cleared for confidential" -- $C log v.vault --as bob.id --passphrase-file bob.pass
hasnt out "TITLE-SECRET" "no title above the identity's clearance"
expect 3 "log --as a revoked member" -- $C log v.vault --as dave.id --passphrase-file dave.pass
hasnt out "TITLE-" "nothing printed for a refused identity"

# --- filters
expect 0 "log --reg" -- $C log v.vault --reg "$RS"
lines out 6 "--reg: the document's events and its copies' (added, 2 issued, 2 returned)"
expect 0 "log --reg REG/N" -- $C log v.vault --reg "$RS/2" --json
lines out 2 "--reg REG/N: that copy's issue and return"
expect 6 "log --reg of nothing" -- $C log v.vault --reg NOPE-1
expect 0 "log --since tomorrow" -- $C log v.vault --since "$(date -u -d tomorrow +%Y-%m-%d)"
lines out 0 "--since: nothing after tomorrow"
expect 0 "log --since 1970-01-01" -- $C log v.vault --since 1970-01-01T00:00:00Z --json
lines out "$EVENTS" "--since the epoch: everything"
expect 2 "log --since with a bad date" -- $C log v.vault --since yesterday

# --- the report
YEAR=$(date -u +%Y)
expect 0 "report" -- $C report v.vault --year "$YEAR" --json
if jq -e '(.levels[] | select(.level == "secret") | .registered == 1 and .copies_issued == 2 and .copies_returned == 2 and .copies_outstanding == 0)
          and (.levels[] | select(.level == "confidential") | .registered == 1 and .documents_destroyed == 1)
          and .audit_problems == 0' out >/dev/null; then
  ok "report counts the year"; else bad "report counts: $(cat out)"; fi
expect 0 "report as text" -- $C report v.vault --year "$YEAR" --pdf r.pdf
has out "audit: OK" "the report runs the audit"
hasnt out "TITLE-" "no title in the report"
if command -v pdfinfo >/dev/null; then
  pages=$(pdfinfo r.pdf | awk '/^Pages:/ {print $2}')
  if [ "${pages:-0}" -ge 1 ]; then ok "the PDF is valid ($pages page(s))"; else bad "pdfinfo: $(pdfinfo r.pdf 2>&1)"; fi
  for p in $(seq 1 "${pages:-0}"); do
    pdftotext -f "$p" -l "$p" r.pdf page.txt
    has page.txt "$ID" "page $p names the vault id"
    has page.txt "page $p of $pages" "page $p is numbered"
    has page.txt "$ANCHOR" "page $p carries the anchor"
  done
  pdftotext r.pdf all.txt
  has all.txt "王小明" "a Chinese member name renders in the PDF"
else
  if head -c 5 r.pdf | grep -q '%PDF-' && tail -c 16 r.pdf | grep -q '%%EOF'; then ok "the PDF has a header and trailer"; else bad "not a PDF"; fi
fi
expect 1 "report --pdf never overwrites" -- $C report v.vault --year "$YEAR" --pdf r.pdf
expect 2 "report of a year out of range" -- $C report v.vault --year 1900

# --- an older copy of the drive is genuine history: only the anchor tells
expect 0 "log --expect the current anchor" -- $C log v.vault --expect "$ANCHOR"
expect 5 "log of an older copy with --expect" -- $C log before-revoke.vault --expect "$ANCHOR"
if [ ! -s out ]; then ok "nothing printed for a rolled-back ledger"; else bad "printed: $(head -3 out)"; fi
expect 5 "report of an older copy with --expect" -- $C report before-revoke.vault --year "$YEAR" --expect "$ANCHOR"
expect 2 "log --expect with a bad anchor" -- $C log v.vault --expect nonsense

# --- tampering: an event's bytes changed (the extract's purpose, in clear)
cp v.vault t.vault
off=$(grep -obUa "PURPOSE-MARK-EXTRACT" t.vault | head -1 | cut -d: -f1)
printf 'Q' | dd of=t.vault bs=1 seek=$((off + 8)) conv=notrunc status=none
expect 5 "log of a vault with a tampered event" -- $C log t.vault
if [ ! -s out ]; then ok "nothing printed for a tampered ledger"; else bad "printed: $(head -3 out)"; fi
expect 5 "report of a vault with a tampered event" -- $C report t.vault --year "$YEAR"
if [ ! -s out ]; then ok "no report of a tampered ledger"; else bad "printed: $(head -3 out)"; fi

echo "log/report CLI: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
