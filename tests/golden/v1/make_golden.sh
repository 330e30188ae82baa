#!/usr/bin/env bash
# How tests/golden/v1/ was made (kept for the record; NEVER re-run to
# "update" the golden files — they are format v1 as written by Custody 0.1.0
# and must open with every later build). Usage: make_golden.sh CUSTODY OUTDIR
set -euo pipefail
custody=$(realpath "$1"); out=$2
mkdir -p "$out"; cd "$out"
printf 'golden passphrase v1\n' > passphrase
printf 'golden witness v1\n' > witness.passphrase
"$custody" id new --out officer.id --name "Golden Officer" --kdf interactive --passphrase-file passphrase
"$custody" id new --out witness.id --name "Golden Witness" --kdf interactive --passphrase-file witness.passphrase
"$custody" id public witness.id > witness.pub
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf 'Golden memo: format v1 must always open.\n' > "$work/memo.txt"
head -c 5000 /dev/urandom > "$work/plan.bin"
printf 'to be destroyed\n' > "$work/draft.txt"
"$custody" init vault.cv --as officer.id --levels internal,confidential,secret --label "Golden v1" --passphrase-file passphrase
"$custody" grant vault.cv --as officer.id --to witness.pub --clearance internal --role staff --passphrase-file passphrase
"$custody" add vault.cv "$work/memo.txt" --as officer.id --level internal --title "Golden memo" --reg-no I-GOLD-1 --passphrase-file passphrase
"$custody" add vault.cv "$work/plan.bin" --as officer.id --level secret --title "Golden plan" --reg-no S-GOLD-1 --passphrase-file passphrase
"$custody" add vault.cv "$work/draft.txt" --as officer.id --level confidential --reg-no C-GOLD-1 --passphrase-file passphrase
"$custody" destroy vault.cv C-GOLD-1 --as officer.id --witness witness.id --reason "golden destruction" \
  --passphrase-file passphrase --witness-passphrase-file witness.passphrase
mkdir -p expected
cp "$work/memo.txt" expected/I-GOLD-1
cp "$work/plan.bin" expected/S-GOLD-1
"$custody" ls vault.cv --as officer.id --json --all --passphrase-file passphrase > expected/ls.json
"$custody" audit vault.cv > expected/audit.txt
sha256sum vault.cv officer.id witness.id > SHA256SUMS
