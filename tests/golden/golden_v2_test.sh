#!/usr/bin/env bash
# Golden vaults of format v2 and v3 (FORMAT.md §6): every build must open them (the
# authority chain walked from a checkpoint's index, one event replayed on
# top), list it exactly as recorded, audit it clean with its recorded anchor,
# extract its documents bit for bit — C-GOLD-1 through the key lineage of a
# revoke, C-GOLD-2 at the new epoch — and keep the revoked member out. The
# golden files are never regenerated. The v3 one (written by 0.3.0) adds a
# paged catalog two levels deep and a sealed copy issued and returned; the
# v4 one (0.4.0) the register, a declassification and copies in every state
# kept inline, which must list as recorded (expected/copies.json) before and
# after this build's first commit pages them; the v5 one (0.5.0) the same
# history with its copies in their own paged tree.
# Usage: golden_v2_test.sh CUSTODY [v2|v3|v4|v5]
set -euo pipefail
custody=$(realpath "$1")
version=${2:-v2}
g=$(cd "$(dirname "$0")/$version" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-golden2.XXXXXX")
trap 'rm -rf "$work"' EXIT
export CUSTODY_STATE_DIR="$work/state"
fail() { echo "golden_${version}_test: FAIL: $*" >&2; exit 1; }
source "$(dirname "$(readlink -f "$0")")/listing.sh"

(cd "$g" && sha256sum --quiet -c SHA256SUMS) || fail "golden files were modified (SHA256SUMS)"
cp "$g/vault.cv" "$work/vault.cv"   # extract records events: work on a copy
# Private copies of the passphrase files: a checkout leaves them readable by
# others, and a passphrase file others can read is refused.
for p in "$g"/*passphrase; do install -m 600 "$p" "$work/"; done
A=(--as "$g/officer.id" --passphrase-file "$work/passphrase")

anchor=$(awk '/^anchor/{print $2}' "$g/expected/audit.txt")
"$custody" audit "$work/vault.cv" --expect "$anchor" > "$work/audit.txt" || fail "audit exited $? on the golden vault"
diff -u "$g/expected/audit.txt" <(sed "s|$work/vault.cv|vault.cv|" "$work/audit.txt") \
  || fail "audit output differs from the recorded one"
"$custody" audit "$work/vault.cv" --expect "$(echo "$anchor" | tr a-f A-F)" > /dev/null \
  || fail "the anchor in upper case is refused"
"$custody" ls "$work/vault.cv" "${A[@]}" --json --all > "$work/ls.json" || fail "ls exited $?"
same_listing "$g/expected/ls.json" "$work/ls.json" || fail "ls --json differs from the recorded listing"
for doc in "$g"/expected/*; do
  reg=$(basename "$doc")
  case "$reg" in ls.json|audit.txt|copies.json) continue ;; esac
  "$custody" extract "$work/vault.cv" "$reg" "${A[@]}" --out "$work/$reg" --purpose "golden test" \
    || fail "extract $reg exited $?"
  cmp "$doc" "$work/$reg" || fail "extract $reg is not bit-exact"
done
# The revoked member reads nothing, not even what existed before the revoke.
if "$custody" extract "$work/vault.cv" C-GOLD-1 --as "$g/leaver.id" --passphrase-file "$work/leaver.passphrase" \
    --out "$work/leak" 2>/dev/null; then fail "the revoked member extracted C-GOLD-1"; fi
# The destroyed document stays destroyed.
if "$custody" extract "$work/vault.cv" C-GOLD-9 "${A[@]}" --out "$work/C-GOLD-9" 2>/dev/null; then
  fail "destroyed C-GOLD-9 was extracted"; fi
"$custody" audit "$work/vault.cv" --expect "$anchor" > /dev/null || fail "audit after extraction exited $?"
if [ -f "$g/expected/copies.json" ]; then
  # Every recorded field of every copy, as recorded (a later build may add fields).
  "$custody" copies "$work/vault.cv" --json > "$work/copies.json" || fail "copies exited $?"
  jq -e -n --slurpfile w "$g/expected/copies.json" --slurpfile g "$work/copies.json" \
    '($w[0] | length) == ($g[0] | length) and
     all(range($w[0] | length); . as $i | $w[0][$i] | to_entries | all(.value == ($g[0][$i][.key] | if . == null then "" else . end)))' \
    > /dev/null || fail "copies --json differs from the recorded copies"
fi
echo "golden_${version}_test: ok ($version vault opens via its checkpoint, lists, audits with its anchor, extracts bit-exact)"
