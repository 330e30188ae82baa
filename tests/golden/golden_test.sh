#!/usr/bin/env bash
# Golden vault of format v1 (FORMAT.md §6): every build must open it, list
# it exactly as recorded and audit it clean; writers refuse to write v1
# (extract records an event), so it is upgraded to v2 (FORMAT.md §3.15),
# audited clean again, and its documents extracted bit for bit. The golden
# files are never regenerated. Usage: golden_test.sh CUSTODY
set -euo pipefail
custody=$(realpath "$1")
g=$(cd "$(dirname "$0")/v1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-golden.XXXXXX")
export CUSTODY_STATE_DIR="$work/state"   # the in-flight register of extractions: never the real home
trap 'rm -rf "$work"' EXIT
fail() { echo "golden_test: FAIL: $*" >&2; exit 1; }
source "$(dirname "$(readlink -f "$0")")/listing.sh"

(cd "$g" && sha256sum --quiet -c SHA256SUMS) || fail "golden files were modified (SHA256SUMS)"
cp "$g/vault.cv" "$work/vault.cv"   # extract records events: work on a copy
# Private copies of the passphrase files: a checkout leaves them readable by
# others, and a passphrase file others can read is refused.
for p in "$g"/*passphrase; do install -m 600 "$p" "$work/"; done

"$custody" audit "$work/vault.cv" > "$work/audit.txt" || fail "audit exited $? on the golden vault"
"$custody" ls "$work/vault.cv" --as "$g/officer.id" --passphrase-file "$work/passphrase" --json --all \
  > "$work/ls.json" || fail "ls exited $?"
same_listing "$g/expected/ls.json" "$work/ls.json" || fail "ls --json differs from the recorded listing"
# v1 is read-only: an extract (a write) is refused with the way out, exit 2.
set +e
"$custody" extract "$work/vault.cv" I-GOLD-1 --as "$g/officer.id" --passphrase-file "$work/passphrase" \
  --out "$work/refused" --purpose "golden test" 2> "$work/refused.err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "extract from a v1 vault exited $rc, expected 2"
grep -q "custody upgrade" "$work/refused.err" || fail "the refusal does not name 'custody upgrade'"
[ ! -e "$work/refused" ] || fail "a refused extract left a file"
# Staff may not upgrade; the officer may, and the history audits clean after.
if "$custody" upgrade "$work/vault.cv" --as "$g/witness.id" --passphrase-file "$work/witness.passphrase" \
    2>/dev/null; then fail "staff upgraded the vault"; fi
"$custody" upgrade "$work/vault.cv" --as "$g/officer.id" --passphrase-file "$work/passphrase" > /dev/null \
  || fail "upgrade exited $?"
"$custody" audit "$work/vault.cv" > "$work/audit2.txt" || fail "audit after upgrade exited $?"
grep -q "^ledger *7 events, 9 signatures, 1 checkpoints verified" "$work/audit2.txt" || fail "upgrade did not add exactly one event and a checkpoint: $(grep ^ledger "$work/audit2.txt")"
if "$custody" upgrade "$work/vault.cv" --as "$g/officer.id" --passphrase-file "$work/passphrase" \
    2>/dev/null; then fail "a v2 vault was upgraded again"; fi
"$custody" ls "$work/vault.cv" --as "$g/officer.id" --passphrase-file "$work/passphrase" --json --all \
  > "$work/ls2.json" || fail "ls after upgrade exited $?"
same_listing "$g/expected/ls.json" "$work/ls2.json" || fail "ls --json changed across the upgrade"
for doc in "$g"/expected/*; do
  reg=$(basename "$doc")
  case "$reg" in ls.json|audit.txt) continue ;; esac
  "$custody" extract "$work/vault.cv" "$reg" --as "$g/officer.id" --passphrase-file "$work/passphrase" \
    --out "$work/$reg" --purpose "golden test" || fail "extract $reg exited $?"
  cmp "$doc" "$work/$reg" || fail "extract $reg is not bit-exact"
done
# The destroyed document stays destroyed.
if "$custody" extract "$work/vault.cv" C-GOLD-1 --as "$g/officer.id" --passphrase-file "$work/passphrase" \
    --out "$work/C-GOLD-1" 2>/dev/null; then fail "destroyed C-GOLD-1 was extracted"; fi
# Still clean after our own appends.
"$custody" audit "$work/vault.cv" > /dev/null || fail "audit after extraction exited $?"
echo "golden_test: ok (v1 vault opens read-only, lists, audits clean, upgrades, extracts bit-exact)"
