#!/usr/bin/env bash
# The client's remembered state (FORMAT.md §5.8, R130-R134) and the zeroed
# superblock slot (R103), through the real CLI on real files:
#  * a rolled-back copy (the vault file as it was two commits ago) is
#    refused for writing (exit 5, "ROLLBACK") and warned for reading;
#  * a fork (a copy that went its own way: same size, other history) is
#    refused for writing ("FORK");
#  * a second user's client, which never saw the newer state, accepts the old
#    copy: what the memory protects is said plainly in FORMAT.md;
#  * zeroing the newer superblock slot (undoing the last commit) is refused
#    for writing by the client and reported by audit, which needs no memory;
#  * the remembered file is 0600 in a 0700 directory.
# Usage: rollback_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=$(readlink -f "${1:?usage: rollback_test.sh PATH/TO/custody}")
T=$(mktemp -d /tmp/custody-rollback.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
export CUSTODY_STATE_DIR="$T/state"

echo "pass-officer" > o.pass; chmod 600 *.pass
A="--as o.id --passphrase-file o.pass"
$C id new --out o.id --name "Officer" --kdf interactive --passphrase-file o.pass >/dev/null || exit 1
$C init v.vault $A --label "rollback test" >/dev/null || exit 1
echo one > one.txt; echo two > two.txt; echo three > three.txt
$C add v.vault one.txt $A --level secret --reg-no S-1 >/dev/null || exit 1
cp v.vault old.vault                       # the drive as it was after S-1
$C add v.vault two.txt $A --level secret --reg-no S-2 >/dev/null || exit 1
cp v.vault before_fork.vault
$C add v.vault three.txt $A --level secret --reg-no S-3 >/dev/null || exit 1
cp v.vault latest.vault

f=$(find "$CUSTODY_STATE_DIR/vaults" -name '*.json' | head -1)
[ -n "$f" ] && ok "the client remembers the vault ($f)" || bad "no remembered state under $CUSTODY_STATE_DIR/vaults"
[ "$(stat -c %a "$f")" = 600 ] && ok "remembered state is 0600" || bad "remembered state mode $(stat -c %a "$f")"
[ "$(stat -c %a "$CUSTODY_STATE_DIR/vaults")" = 700 ] && ok "state directory is 0700" || bad "state dir mode"

# A remembered state that was tampered with is an error naming the file,
# never silently forgotten (R133); the vault is left as it was.
cp "$f" state.bak; cp v.vault v.before
printf 'not json at all' > "$f"
expect 5 "a damaged remembered state refuses the write" -- $C add v.vault two.txt $A --level secret --reg-no S-8
has err "remembered vault state .* does not parse" "and names the damaged file"
cmp -s v.vault v.before && ok "the refused write changed nothing" || bad "the vault changed"
cp state.bak "$f"

# Rollback: put the old copy back in place of the vault.
cp old.vault v.vault
expect 5 "write to a rolled-back vault is refused" -- $C add v.vault two.txt $A --level secret --reg-no S-9
has err "ROLLBACK" "the refusal says rollback"
has err "holds 2 events, this client verified 4" "the refusal gives both sizes"
cmp -s v.vault old.vault && ok "the refused write changed nothing" || bad "the rolled-back file was changed"
expect 0 "read of a rolled-back vault works" -- $C ls v.vault $A
has err "warning: .*ROLLBACK" "and warns"
# Another user's client never saw the newer state.
CUSTODY_STATE_DIR="$T/state-other" expect 0 "a client that never saw the vault accepts the old copy" -- \
  $C add v.vault two.txt $A --level secret --reg-no S-9

# Fork: from the copy after S-2, a different third commit (same event count).
cp before_fork.vault v.vault
CUSTODY_STATE_DIR="$T/state-fork" $C add v.vault one.txt $A --level secret --reg-no S-OTHER >/dev/null
expect 5 "write to a forked vault (same size, other history) is refused" -- $C add v.vault two.txt $A --level secret --reg-no S-10
has err "FORK" "the refusal says fork"
cp before_fork.vault v.vault
CUSTODY_STATE_DIR="$T/state-fork2" $C add v.vault one.txt $A --level secret --reg-no S-OTHER >/dev/null
CUSTODY_STATE_DIR="$T/state-fork2" $C add v.vault two.txt $A --level secret --reg-no S-OTHER2 >/dev/null
expect 5 "write to a forked vault that grew further is refused" -- $C add v.vault two.txt $A --level secret --reg-no S-11
has err "FORK" "the refusal says fork"

# The real vault again: it is what the client saw, so writing goes on.
cp latest.vault v.vault
expect 0 "the vault the client saw last is written to as usual" -- $C add v.vault two.txt $A --level secret --reg-no S-4
# Zero the newer superblock slot of a fresh lineage: a new vault, three commits.
export CUSTODY_STATE_DIR="$T/state-zero"
$C init z.vault $A --label "zero test" >/dev/null
for r in 1 2 3; do $C add z.vault one.txt $A --level secret --reg-no Z-$r >/dev/null; done
# The active slot is the one with the higher sequence; zero it by trying both:
# whichever zeroing leaves an openable vault with fewer events is the newer.
for slot in 0 1; do
  cp z.vault zz.vault
  dd if=/dev/zero of=zz.vault bs=4096 seek=$slot count=1 conv=notrunc status=none
  if $C audit zz.vault > audit.out 2>&1; then :; fi
  if grep -q "events" audit.out && ! grep -q "4 events" audit.out; then break; fi
done
grep -q "PROBLEM.*is zero, but the vault has been written" audit.out && ok "audit reports the zeroed newer slot" \
  || bad "audit does not report the zeroed slot: $(cat audit.out)"
cp zz.vault z.vault
expect 5 "write after the newer slot was zeroed is refused by the client" -- $C add z.vault two.txt $A --level secret --reg-no Z-9
has err "ROLLBACK" "as a rollback"

echo "rollback_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
