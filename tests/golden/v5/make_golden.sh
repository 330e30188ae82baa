#!/usr/bin/env bash
# How tests/golden/v5/ was made (kept for the record; NEVER re-run to
# "update" the golden files — they are format v5 as written by 0.5.0 (9d81563) on 2026-12-02
# and must open with every later build). Usage: make_golden.sh CUSTODY OUTDIR
# The same history as tests/golden/v4/ (a revoke by key lineage, padding,
# extractions, a witnessed destruction, a compaction, a paged catalog, the
# register, a two-person declassification, copies in every state), written
# by 0.5.0, which keeps the copies in their own paged tree (format v5).
set -euo pipefail
custody=$(realpath "$1"); out=$2
mkdir -p "$out"; cd "$out"
export CUSTODY_STATE_DIR=$(mktemp -d)
printf 'golden passphrase v5\n' > passphrase
printf 'golden witness v5\n' > witness.passphrase
printf 'golden leaver v5\n' > leaver.passphrase
"$custody" id new --out officer.id --name "Golden Officer" --kdf interactive --passphrase-file passphrase
"$custody" id new --out witness.id --name "Golden Witness" --kdf interactive --passphrase-file witness.passphrase
"$custody" id new --out leaver.id --name "Golden Leaver" --kdf interactive --passphrase-file leaver.passphrase
"$custody" id public witness.id > witness.pub
"$custody" id public leaver.id > leaver.pub
work=$(mktemp -d); trap 'rm -rf "$work" "$CUSTODY_STATE_DIR"' EXIT
printf 'Golden memo: format v5 must always open.\n' > "$work/memo.txt"
head -c 5000 /dev/urandom > "$work/plan.bin"
printf 'confidential before the revoke\n' > "$work/before.txt"
printf 'confidential after the revoke\n' > "$work/after.txt"
printf 'to be destroyed\n' > "$work/draft.txt"
A="--as officer.id --passphrase-file passphrase"
"$custody" init vault.cv $A --levels internal,confidential,secret --label "Golden v5"
"$custody" grant vault.cv $A --to witness.pub --clearance secret --role officer
"$custody" grant vault.cv $A --to leaver.pub --clearance confidential --role staff
"$custody" add vault.cv "$work/memo.txt" $A --level internal --title "Golden memo" --reg-no I-GOLD-1
"$custody" add vault.cv "$work/plan.bin" $A --level secret --title "Golden plan" --reg-no S-GOLD-1
"$custody" add vault.cv "$work/before.txt" $A --level confidential --title "Before" --reg-no C-GOLD-1
"$custody" add vault.cv "$work/draft.txt" $A --level confidential --reg-no C-GOLD-9
"$custody" revoke vault.cv $A --to leaver.pub
"$custody" add vault.cv "$work/after.txt" $A --level confidential --title "After" --reg-no C-GOLD-2
"$custody" extract vault.cv I-GOLD-1 $A --out "$work/x" --purpose "golden extraction"
"$custody" destroy vault.cv C-GOLD-9 $A --witness witness.id --reason "golden destruction" \
  --witness-passphrase-file witness.passphrase
# A checkpoint (compaction always writes one), so that opening walks the
# authority chain from its index; one event after it is replayed on top.
"$custody" compact vault.cv $A
for i in $(seq -w 1 70); do printf 'bulk %s\n' "$i" > "$work/bulk$i.txt"; done
"$custody" add vault.cv "$work"/bulk*.txt $A --level internal
"$custody" copy vault.cv S-GOLD-1 $A --to leaver.pub --sealed --scope "golden scope" --out "$work/copy.age"
"$custody" return vault.cv S-GOLD-1/1 $A --file "$work/copy.age"
"$custody" extract vault.cv S-GOLD-1 $A --out "$work/y" --purpose "after the checkpoint"
W="--witness witness.id --witness-passphrase-file witness.passphrase"
printf 'urgent and handled\n' > "$work/urgent.txt"
"$custody" add vault.cv "$work/urgent.txt" $A --level confidential --title "Urgent" --reg-no C-GOLD-3 \
  --urgent --originator "golden meeting"
"$custody" handled vault.cv C-GOLD-3 $A
printf 'secret, then confidential\n' > "$work/declassified.txt"
"$custody" add vault.cv "$work/declassified.txt" $A --level secret --title "Declassified" --reg-no S-GOLD-2
"$custody" declassify vault.cv S-GOLD-2 --review --to confidential --reason "golden review" $A
"$custody" declassify vault.cv S-GOLD-2 --approve --as witness.id --passphrase-file witness.passphrase
"$custody" copy vault.cv S-GOLD-1 $A --to leaver.pub --sealed --scope "golden outstanding" --out "$work/out.age"
"$custody" copy vault.cv C-GOLD-2 $A --to "Golden Witness" --copies 2 --scope "golden plain" --out "$work/plain.txt"
"$custody" destroy-copy vault.cv C-GOLD-2/1 $A $W --reason "golden copy destruction"
"$custody" lost vault.cv C-GOLD-2/2 $A --reason "golden loss"
mkdir -p expected
cp "$work/memo.txt" expected/I-GOLD-1
cp "$work/plan.bin" expected/S-GOLD-1
cp "$work/before.txt" expected/C-GOLD-1
cp "$work/after.txt" expected/C-GOLD-2
cp "$work/urgent.txt" expected/C-GOLD-3
cp "$work/declassified.txt" expected/S-GOLD-2
"$custody" ls vault.cv $A --json --all > expected/ls.json
"$custody" audit vault.cv > expected/audit.txt
"$custody" copies vault.cv --json > expected/copies.json
sha256sum vault.cv officer.id witness.id leaver.id > SHA256SUMS
