#!/usr/bin/env bash
# The main job, end to end, on this machine: identities, a vault, documents
# at two levels, clearance-limited listing, tracked extraction, a sealed copy
# in the age format opened by the stock age tool, due dates and a
# two-person declassification, a witnessed destruction, a FUSE mount read
# with ordinary tools, a keyless audit, the readable ledger and the yearly
# report, a rolled-back drive caught by the client's memory and by the
# auditor's anchor, approved media and hosts (a copy on an unregistered
# drive refused, a tracked backup), a format v1 vault upgraded, and a
# certified wipe of a scratch loop device.
# Installs and builds first (tools/setup.sh). Run as root (loop devices).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
C=$(readlink -f "${CUSTODY_BUILD_DIR:-build}/tools/custody")
W=$(mktemp -d /tmp/custody-demo.XXXXXX)
LOOP=""
DRIVES=()   # loop devices holding the approved drives' filesystems
cleanup() {
  cd /
  for m in "$W"/drive0007 "$W"/backup0008 "$W"/stick; do umount "$m" 2>/dev/null || true; done
  for l in "${DRIVES[@]}" "$LOOP"; do [ -n "$l" ] && losetup -d "$l" 2>/dev/null; done
  rm -rf "$W"
}
trap cleanup EXIT
ROOT=$(pwd)
cd "$W"
umask 077  # passphrase files others can read are refused, as ssh refuses such keys
export CUSTODY_STATE_DIR="$W/state"   # this demo's client memory, not the user's
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
year=$(date -u +%Y)  # registration numbers (S-<year>-NNNNN) use the current UTC year

step "Identities: an officer, a witness (officer) and a staff member"
for who in officer witness staff; do echo "demo passphrase of $who" > $who.pass; done
run "$C" id new --out officer.id --name "王秀英 (Secrecy Officer)" --kdf interactive --passphrase-file officer.pass
run "$C" id new --out witness.id --name "Li Wei (Deputy Officer)" --kdf interactive --passphrase-file witness.pass
run "$C" id new --out staff.id --name "Zhang Min" --kdf interactive --passphrase-file staff.pass
"$C" id public witness.id > witness.pub
"$C" id public staff.id > staff.pub
O="--as officer.id --passphrase-file officer.pass"
S="--as staff.id --passphrase-file staff.pass"

step "A vault with the default levels; clearances granted"
run "$C" init office.vault $O --label "Bureau 3 / approved drive 0007"
run "$C" grant office.vault $O --to witness.pub --clearance secret --role officer
# A time-limited grant (clause 4.7): after it the staff member is refused
# and the officer's next write rotates the confidential and internal keys.
run "$C" grant office.vault $O --to staff.pub --clearance confidential --until "$(date -u -d '+90 days' +%Y-%m-%d)"
run "$C" roster office.vault   # members, fingerprints and public lines; needs no identity

step "Adding documents at two levels (streamed, any size)"
head -c 64000000 /dev/urandom > survey-data.bin
printf 'Minutes of the planning meeting.\n' > minutes.txt
printf 'Annual budget draft.\n' > budget.txt
# Titles are secret like the content: from a file (or stdin), not argv.
printf 'Survey data %s\n' "$year" > survey.title
run "$C" add office.vault survey-data.bin --title-file survey.title --level secret $O
run "$C" add office.vault minutes.txt budget.txt --level confidential $S
printf 'Cabinet circular on the new procurement rules.\n' > circular.txt
run "$C" add office.vault circular.txt --level secret --originator "Cabinet office, circular 12" \
    --custodian "Li Wei (Deputy Officer)" --urgent $O
CIRC=$(tail -n1 <<<"$("$C" ls office.vault $O --json | grep -o '"reg_no":"S-[^"]*"' | cut -d'"' -f4)")
echo "a whole folder, each file its own document titled with its path; and one from standard input:"
mkdir -p correspondence/2026 && printf 'Letter to the ministry.\n' > correspondence/2026/ministry.txt
printf 'Reply from the province.\n' > correspondence/province.txt
run "$C" add office.vault correspondence -r --level confidential $O
printf 'Notes dictated at the meeting.\n' | run "$C" add office.vault - --name dictation.txt --level confidential $O

step "Level names in the office's own language"
run "$C" init bureau.vault $O --levels 内部,秘密,机密,绝密 --label "Bureau 3 / drive 0008"
run "$C" add bureau.vault minutes.txt --level 秘密 $O
run "$C" ls bureau.vault $O

step "Listing: the officer sees everything; staff see nothing above confidential"
run "$C" ls office.vault $O
run "$C" ls office.vault $S

step "Extracting (recorded in the ledger), bit for bit"
REG=$("$C" ls office.vault $O --json | grep -o '"reg_no":"S-[^"]*"' | head -1 | cut -d'"' -f4)
run "$C" extract office.vault "$REG" $O --out survey-copy.bin --purpose "analysis for the annual report"
run cmp survey-data.bin survey-copy.bin && echo "identical"
echo "staff trying the secret document:"
"$C" extract office.vault "$REG" $S --out nope.bin || echo "(refused with exit $?)"

step "A sealed copy for a liaison outside the vault: an age file, opened by the stock age tool"
echo "demo passphrase of liaison" > liaison.pass
"$C" id new --out liaison.id --name "Wu Fang (Ministry liaison)" --kdf interactive --passphrase-file liaison.pass >/dev/null
"$C" id public liaison.id > liaison.pub
run "$C" copy office.vault "$REG" $O --to liaison.pub --sealed --scope "Ministry liaison, eyes only" \
    --purpose "joint review" --return-by "$((year + 1))-01-31" --out survey.age
run cat survey.age.marking
run "$C" copies office.vault
run "$C" id export-age liaison.id --out liaison.key --passphrase-file liaison.pass
run age -d -i liaison.key -o survey-liaison.bin survey.age
run cmp survey-data.bin survey-liaison.bin && echo "identical"
rm -f liaison.key survey-liaison.bin
echo "destroying the original while its copy is out is refused:"
"$C" destroy office.vault "$REG" $O --witness witness.id --witness-passphrase-file witness.pass --reason "x" || echo "(refused with exit $?)"
run "$C" return office.vault "$REG/1" $O --file survey.age

step "A hand-out: one copy each to several members, one passphrase prompt, one commit"
MIN=$("$C" ls office.vault $S --json | grep -o '"reg_no":"C-[^"]*"' | head -1 | cut -d'"' -f4)
run "$C" copy office.vault "$MIN" $O --to "Li Wei (Deputy Officer)" --to "Zhang Min" \
    --scope "planning meeting handout" --return-by "$((year + 1))-01-31" --out minutes-handout
run ls minutes-handout-*

step "The register: due dates, handling, what is overdue (no identity needed)"
run "$C" due office.vault --at "$(date -u -d '+7 days' +%Y-%m-%d)"
run "$C" handled office.vault "$CIRC" --as witness.id --passphrase-file witness.pass --note "circulated to heads of unit"
run "$C" due office.vault --at "$(date -u -d '+21 years' +%Y-%m-%d)"

step "Two-person declassification: a review, then an approval by a different officer"
run "$C" declassify office.vault "$CIRC" --review --to confidential --reason "rules published" $O
echo "the reviewer approving their own review is refused:"
"$C" declassify office.vault "$CIRC" --approve $O || echo "(refused with exit $?)"
echo "until it is approved, staff (confidential) cannot read it:"
"$C" extract office.vault "$CIRC" $S --out circular-copy.txt || echo "(refused with exit $?)"
run "$C" declassify office.vault "$CIRC" --approve --as witness.id --passphrase-file witness.pass
run "$C" extract office.vault "$CIRC" $S --out circular-copy.txt --purpose "unit briefing"
run cat circular-copy.txt
run "$C" ls office.vault $S

step "Destroying the secret document with a witness"
run "$C" destroy office.vault "$REG" $O --witness witness.id --witness-passphrase-file witness.pass --reason "superseded by the $((year + 1)) survey" --yes
"$C" extract office.vault "$REG" $O --out gone.bin || echo "(refused with exit $?)"

step "Mounting the vault: a folder per level the member is cleared for, read and written with ordinary tools"
mkdir staff-mount
run "$C" mount office.vault staff-mount $S
run ls -l staff-mount staff-mount/confidential
run cat staff-mount/confidential/minutes.txt
echo "registration number of minutes.txt: $(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.custody.reg_no").decode())' staff-mount/confidential/minutes.txt)"
[ -e staff-mount/secret ] || echo "(no secret folder: staff are cleared for confidential)"
echo "writing with ordinary tools: a new file in a folder, an append (a new version), an editor's save, a rename, an rm"
run mkdir staff-mount/confidential/notes
run bash -c "echo 'draft agenda' > staff-mount/confidential/notes/agenda.txt"
run bash -c "echo 'item 2: budget' >> staff-mount/confidential/notes/agenda.txt"
run bash -c "printf 'minutes, corrected\n' > staff-mount/confidential/.minutes.txt.swp && mv staff-mount/confidential/.minutes.txt.swp staff-mount/confidential/minutes.txt"
run mv staff-mount/confidential/notes/agenda.txt staff-mount/confidential/notes/agenda-final.txt
run bash -c "echo scratch > staff-mount/confidential/scratch.txt && sync staff-mount/confidential/scratch.txt && rm staff-mount/confidential/scratch.txt"
run ls -lR staff-mount/confidential
run "$C" unmount staff-mount
echo "the ledger recorded the session:"
"$C" log office.vault | awk '/  mounted  /{p=1} p' | grep -E "  (mounted|opened|added|revised|renamed|withdrawn|unmounted) "
run "$C" ls office.vault $S
echo "the withdrawn document waits for an officer (destroy with a witness, or restore):"
run "$C" due office.vault
SCRATCH=$("$C" ls office.vault $S --json | python3 -c 'import json,sys; print([d["reg_no"] for d in json.load(sys.stdin) if d["file_name"]=="scratch.txt"][0])')
run "$C" restore office.vault "$SCRATCH" $O

step "Keyless audit (no identity, no key)"
run "$C" audit office.vault

step "The ledger, readable without any key (titles only with --as, up to the clearance)"
run "$C" log office.vault --reg "$REG"
run "$C" log office.vault --since "$year-01-01" --json | tail -2

step "The yearly report from the ledger alone, and its printable PDF"
run "$C" report office.vault --year "$year" --pdf report-$year.pdf
command -v pdfinfo >/dev/null && pdfinfo report-$year.pdf | grep -E '^(Title|Pages)'

step "Approved media and hosts: the vault's drive and this machine registered; a copy elsewhere refused"
# Three small ext4 filesystems on loop devices stand for the approved drive
# 0007, an approved backup drive 0008 and a USB stick nobody registered.
drive() {
  truncate -s 96M "$1.img" && mkfs.ext4 -q -F "$1.img" && mkdir "$1"
  local l; l=$(losetup --find --show "$1.img"); DRIVES+=("$l"); mount "$l" "$1"
}
drive drive0007; drive backup0008; drive stick
mv office.vault drive0007/ && ln -s drive0007/office.vault office.vault   # the vault moves onto drive 0007
run "$C" media register office.vault $O --number M-0007 --label "SECRET - Bureau 3 drive 0007"
run "$C" media register office.vault $O --number M-0008 --label "SECRET - Bureau 3 backup drive" --at backup0008
if "$C" host id >/dev/null 2>&1; then
  run "$C" host register office.vault $O
else
  echo "(this machine has no /etc/machine-id, so no host is bound)"
fi
run "$C" media list office.vault
cp office.vault stick/office.vault
echo "a copy of the vault on the unregistered stick is refused for writing (and warned for reading):"
"$C" add stick/office.vault minutes.txt --level internal $O || echo "(refused with exit $?)"
run "$C" backup office.vault backup0008/office-backup.vault $O --purpose "weekly backup"
"$C" audit backup0008/office-backup.vault | grep -E "^(marking|backup|audit)"
run "$C" media checkout office.vault $O --number M-0008 --holder "Chen Gang (courier)" --purpose "off-site storage" --return-by "$(date -u -d '+30 days' +%Y-%m-%d)"
run "$C" media checkin office.vault $O --number M-0008 --note "seals intact"
echo "the ledger records all of it, the refused copy included:"
"$C" log office.vault | grep -E "medium|host|backup|outside" | tail -8

step "The office register: the drive's audit, copies and yearly report in one SQLite database"
"$C" audit office.vault --json > office.audit.json
"$C" copies office.vault --json > office.copies.json
"$C" report office.vault --year "$year" --json > office.report.json
run "$C" register import office-register.db office.audit.json office.copies.json office.report.json
run "$C" register report office-register.db --since "$year-01-01"

step "An auditor's checkpoint: a signed C2SP note over the ledger's RFC 6962 tree, cosigned"
echo "demo passphrase of auditor" > auditor.pass
"$C" id new --out auditor.id --name "Chen Jie (Auditor)" --kdf interactive --passphrase-file auditor.pass >/dev/null
"$C" id public auditor.id > auditor.pub
cp office.vault before-auditor.vault
run "$C" grant office.vault $O --to auditor.pub --role auditor
run "$C" checkpoint office.vault $O --out checkpoint.note
run "$C" checkpoint cosign checkpoint.note --as auditor.id --passphrase-file auditor.pass --vault office.vault --out cosigned.note
cat cosigned.note
AUDITOR_KEY=$("$C" checkpoint key office.vault --as auditor.pub --cosigner)
echo "the auditor keeps the note and their own verifier key: $AUDITOR_KEY"
"$C" audit office.vault --checkpoint cosigned.note --key "$AUDITOR_KEY" | grep -E "^checkpoint|^audit"
cp office.vault after-auditor.vault; cp before-auditor.vault office.vault
echo "an older copy of the drive fails the auditor's checkpoint (no secret key needed):"
"$C" audit office.vault --checkpoint cosigned.note --key "$AUDITOR_KEY" | grep "PROBLEM    checkpoint" || echo "(audit failed with exit $?)"
cp after-auditor.vault office.vault

step "Someone puts back an older copy of the drive"
cp office.vault yesterday.vault
printf 'Minutes, second reading\n' > minutes.title
run "$C" add office.vault minutes.txt --title-file minutes.title --level confidential $O
ANCHOR=$("$C" audit office.vault --json | grep -o '"anchor":"[^"]*"' | cut -d'"' -f4)
echo "the auditor keeps the anchor: $ANCHOR"
cp yesterday.vault office.vault
echo "the officer's client remembers the newer state and refuses to write:"
"$C" add office.vault budget.txt --level confidential $O || echo "(refused with exit $?)"
echo "and the auditor's anchor catches the old copy without any key:"
"$C" audit office.vault --expect "$ANCHOR" | grep PROBLEM || echo "(audit failed with exit $?)"

step "A format v1 vault (the golden one) is read-only until upgraded"
G=$ROOT/tests/golden/v1
install -m 600 "$G/passphrase" v1.pass   # a checkout leaves it readable by others, which is refused
cp "$G/vault.cv" v1.vault
"$C" extract v1.vault I-GOLD-1 --as "$G/officer.id" --passphrase-file v1.pass --out memo.txt || echo "(refused with exit $?)"
run "$C" upgrade v1.vault --as "$G/officer.id" --passphrase-file v1.pass
run "$C" extract v1.vault I-GOLD-1 --as "$G/officer.id" --passphrase-file v1.pass --out memo.txt --purpose "demo"
run cat memo.txt

if "$C" wipe --help >/dev/null 2>&1; then
  step "Certified wipe of a scratch device before it goes out for repair"
  truncate -s 64M scratch.img
  LOOP=$(losetup --find --show --direct-io=on scratch.img)
  run "$C" wipe "$LOOP" --yes --method zero --verify last --reason repair \
      --operator officer.id --operator-passphrase-file officer.pass \
      --witness witness.id --witness-passphrase-file witness.pass \
      --technician "Chen Gang (vendor)" --work "replace controller board" \
      --state-before "drive holds classified data" --state-after "overwritten, verified" \
      --organisation "Bureau 3" --location "Room 214" --cert wipe-cert.json
  run "$C" cert verify wipe-cert.json --device "$LOOP"
  ls -l wipe-cert.json wipe-cert.pdf
fi
step "Done"
