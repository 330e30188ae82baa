#!/usr/bin/env bash
# How tests/golden/v3/ was made (kept for the record; NEVER re-run to
# "update" the golden files — they are format v3 as written by 0.3.0 on 2026-12-01
# and must open with every later build). Usage: make_golden.sh CUSTODY OUTDIR
# The same history as tests/golden/v2/ (a revoke by key lineage, Padmé
# padding, extractions, a witnessed destruction, a compaction), written by
# 0.3.0, plus what v3 and 0.3.0 added: a paged catalog two levels deep (70
# more documents, more than one leaf of 64), a checkpoint with every commit,
# and a sealed copy issued and returned (CopyIssued, CopyReturned).
set -euo pipefail
custody=$(realpath "$1"); out=$2
mkdir -p "$out"; cd "$out"
export CUSTODY_STATE_DIR=$(mktemp -d)
printf 'golden passphrase v3\n' > passphrase
printf 'golden witness v3\n' > witness.passphrase
printf 'golden leaver v3\n' > leaver.passphrase
"$custody" id new --out officer.id --name "Golden Officer" --kdf interactive --passphrase-file passphrase
"$custody" id new --out witness.id --name "Golden Witness" --kdf interactive --passphrase-file witness.passphrase
"$custody" id new --out leaver.id --name "Golden Leaver" --kdf interactive --passphrase-file leaver.passphrase
"$custody" id public witness.id > witness.pub
"$custody" id public leaver.id > leaver.pub
work=$(mktemp -d); trap 'rm -rf "$work" "$CUSTODY_STATE_DIR"' EXIT
printf 'Golden memo: format v3 must always open.\n' > "$work/memo.txt"
head -c 5000 /dev/urandom > "$work/plan.bin"
printf 'confidential before the revoke\n' > "$work/before.txt"
printf 'confidential after the revoke\n' > "$work/after.txt"
printf 'to be destroyed\n' > "$work/draft.txt"
A="--as officer.id --passphrase-file passphrase"
"$custody" init vault.cv $A --levels internal,confidential,secret --label "Golden v3"
"$custody" grant vault.cv $A --to witness.pub --clearance internal --role staff
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
mkdir -p expected
cp "$work/memo.txt" expected/I-GOLD-1
cp "$work/plan.bin" expected/S-GOLD-1
cp "$work/before.txt" expected/C-GOLD-1
cp "$work/after.txt" expected/C-GOLD-2
"$custody" ls vault.cv $A --json --all > expected/ls.json
"$custody" audit vault.cv > expected/audit.txt
sha256sum vault.cv officer.id witness.id leaver.id > SHA256SUMS
