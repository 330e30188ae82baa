#!/usr/bin/env bash
# Golden vault of format v1 (FORMAT.md §6): every build must open it, list
# it exactly as recorded, extract its documents bit for bit, and audit it
# clean. The golden files are never regenerated. Usage: golden_test.sh CUSTODY
set -euo pipefail
custody=$(realpath "$1")
g=$(cd "$(dirname "$0")/v1" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-golden.XXXXXX")
export CUSTODY_STATE_DIR="$work/state"   # the in-flight register of extractions: never the real home
trap 'rm -rf "$work"' EXIT
fail() { echo "golden_test: FAIL: $*" >&2; exit 1; }

(cd "$g" && sha256sum --quiet -c SHA256SUMS) || fail "golden files were modified (SHA256SUMS)"
cp "$g/vault.cv" "$work/vault.cv"   # extract records events: work on a copy

"$custody" audit "$work/vault.cv" > "$work/audit.txt" || fail "audit exited $? on the golden vault"
"$custody" ls "$work/vault.cv" --as "$g/officer.id" --passphrase-file "$g/passphrase" --json --all \
  > "$work/ls.json" || fail "ls exited $?"
diff -u "$g/expected/ls.json" "$work/ls.json" || fail "ls --json differs from the recorded listing"
for doc in "$g"/expected/*; do
  reg=$(basename "$doc")
  case "$reg" in ls.json|audit.txt) continue ;; esac
  "$custody" extract "$work/vault.cv" "$reg" --as "$g/officer.id" --passphrase-file "$g/passphrase" \
    --out "$work/$reg" --purpose "golden test" || fail "extract $reg exited $?"
  cmp "$doc" "$work/$reg" || fail "extract $reg is not bit-exact"
done
# The destroyed document stays destroyed.
if "$custody" extract "$work/vault.cv" C-GOLD-1 --as "$g/officer.id" --passphrase-file "$g/passphrase" \
    --out "$work/C-GOLD-1" 2>/dev/null; then fail "destroyed C-GOLD-1 was extracted"; fi
# Still clean after our own appends.
"$custody" audit "$work/vault.cv" > /dev/null || fail "audit after extraction exited $?"
echo "golden_test: ok (v1 vault opens, lists, extracts bit-exact, audits clean)"
