#!/usr/bin/env bash
# How tests/golden/v2/ was made (kept for the record; NEVER re-run to
# "update" the golden files — they are format v2 as written on 2026-12-01
# and must open with every later build). Usage: make_golden.sh CUSTODY OUTDIR
# Covers what v2 added: the derived vault id, authority links on every event,
# a revoke by key lineage (C-GOLD-1 stays at epoch 0, C-GOLD-2 is added at
# epoch 1), Padmé-padded documents, extractions, a witnessed destruction,
# a compaction's checkpoint with an event after it.
set -euo pipefail
custody=$(realpath "$1"); out=$2
mkdir -p "$out"; cd "$out"
export CUSTODY_STATE_DIR=$(mktemp -d)
printf 'golden passphrase v2\n' > passphrase
printf 'golden witness v2\n' > witness.passphrase
printf 'golden leaver v2\n' > leaver.passphrase
"$custody" id new --out officer.id --name "Golden Officer" --kdf interactive --passphrase-file passphrase
"$custody" id new --out witness.id --name "Golden Witness" --kdf interactive --passphrase-file witness.passphrase
"$custody" id new --out leaver.id --name "Golden Leaver" --kdf interactive --passphrase-file leaver.passphrase
"$custody" id public witness.id > witness.pub
"$custody" id public leaver.id > leaver.pub
work=$(mktemp -d); trap 'rm -rf "$work" "$CUSTODY_STATE_DIR"' EXIT
printf 'Golden memo: format v2 must always open.\n' > "$work/memo.txt"
head -c 5000 /dev/urandom > "$work/plan.bin"
printf 'confidential before the revoke\n' > "$work/before.txt"
printf 'confidential after the revoke\n' > "$work/after.txt"
printf 'to be destroyed\n' > "$work/draft.txt"
A="--as officer.id --passphrase-file passphrase"
"$custody" init vault.cv $A --levels internal,confidential,secret --label "Golden v2"
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
"$custody" extract vault.cv S-GOLD-1 $A --out "$work/y" --purpose "after the checkpoint"
mkdir -p expected
cp "$work/memo.txt" expected/I-GOLD-1
cp "$work/plan.bin" expected/S-GOLD-1
cp "$work/before.txt" expected/C-GOLD-1
cp "$work/after.txt" expected/C-GOLD-2
"$custody" ls vault.cv $A --json --all > expected/ls.json
"$custody" audit vault.cv > expected/audit.txt
sha256sum vault.cv officer.id witness.id leaver.id > SHA256SUMS
