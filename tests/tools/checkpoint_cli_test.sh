#!/usr/bin/env bash
# Auditor checkpoints (issue 11; README "Auditor checkpoints") through the
# real CLI, checked against an implementation Custody did not write: Go's
# golang.org/x/mod/sumdb/note and sumdb/tlog (tests/tlog_interop):
#  * a member signs a checkpoint, an auditor cosigns it; Go verifies both
#    signatures and rebuilds the same RFC 6962 root from the event bytes;
#  * after more events, audit --checkpoint proves consistency, and Go checks
#    the proof audit printed between the old note and a new one;
#  * a rolled-back vault (cp of an older file) is exit 5 "rollback", a fork
#    (same size, other history) exit 5 "fork", an extended fork exit 5;
#  * a bad signature is exit 5, an unknown key exit 3; refused commands
#    leave the vault as it was;
#  * Custody verifies a note Go signed and a consistency proof Go made.
# Usage: checkpoint_cli_test.sh PATH/TO/custody PATH/TO/tlog_interop/build.sh
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=$(readlink -f "${1:?usage: checkpoint_cli_test.sh CUSTODY BUILD_SH}")
BUILD=$(readlink -f "${2:?usage: checkpoint_cli_test.sh CUSTODY BUILD_SH}")
T=$(mktemp -d /tmp/custody-checkpoint.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
umask 077  # passphrase files others can read are refused
source "$TESTLIB"
export CUSTODY_STATE_DIR="$T/state"

command -v go >/dev/null || { echo "FAIL go is not installed (tools/setup.sh installs golang-go)"; exit 1; }
bash "$BUILD" "$T/gotlog" || { echo "FAIL the Go helper does not build"; exit 1; }
G="$T/gotlog"

for n in alice erin mallory; do
  echo "pass-$n" > $n.pass
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null || exit 1
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
E="--as erin.id --passphrase-file erin.pass"
M="--as mallory.id --passphrase-file mallory.pass"
$C init v.vault $A --label "checkpoint test" >/dev/null || exit 1
$C grant v.vault $A --to erin.pub --role auditor >/dev/null || exit 1
echo one > one.txt; echo two > two.txt; echo three > three.txt; echo other > other.txt
$C add v.vault one.txt $A --level secret --reg-no S-1 >/dev/null || exit 1
cp v.vault old.vault

# --- sign, cosign; Go verifies both and rebuilds the root
expect 0 "a member signs a checkpoint" -- $C checkpoint v.vault $A
cp out cp1.note
origin=$(head -1 cp1.note); size1=$(sed -n 2p cp1.note); root1=$(sed -n 3p cp1.note)
[ "$origin" = "custody/$($C audit v.vault --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["vault_id"])')" ] \
  && ok "the origin names the vault id" || bad "origin $origin"
[ "$size1" = "$($C audit v.vault --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"])')" ] \
  && ok "the tree size is the event count ($size1)" || bad "size $size1"
expect 0 "the auditor cosigns it" -- $C checkpoint cosign cp1.note $E --vault v.vault
cp out cp1c.note
[ "$(grep -c '^— ' cp1c.note)" = 2 ] && ok "the cosigned note carries two signature lines" || bad "$(cat cp1c.note)"
$C checkpoint key v.vault --as alice.id > alice.vkey && $C checkpoint key v.vault --as erin.pub --cosigner > erin.cvkey \
  && ok "verifier keys printed" || bad "checkpoint key failed"
expect 0 "Go's sumdb/note verifies the signature and the cosignature" -- $G verify cp1c.note "$(cat alice.vkey)" "$(cat erin.cvkey)"
has out "^$origin $size1 $root1\$" "and reads the same origin, size and root"
expect 1 "Go refuses the note with a key that did not sign it" -- $G verify cp1.note "$(cat erin.cvkey)"
$C checkpoint leaves v.vault > leaves1 && [ "$(wc -l < leaves1)" = "$size1" ] && ok "one leaf per event" || bad "leaves"
[ "$($G root leaves1 "$size1")" = "$root1" ] && ok "Go's tlog computes the same RFC 6962 root from the event bytes" \
  || bad "Go root $($G root leaves1 "$size1") != $root1"

# --- more events; audit proves consistency, Go checks the proof
$C add v.vault two.txt $A --level secret --reg-no S-2 >/dev/null || exit 1
cp v.vault mid.vault
$C add v.vault three.txt $A --level secret --reg-no S-3 >/dev/null || exit 1
cp v.vault latest.vault
expect 0 "audit --checkpoint: the ledger extends the cosigned checkpoint" -- $C audit v.vault --checkpoint cp1c.note
has out "^checkpoint $size1 events, signed by custody/.* (cosigned " "and names signer and cosigner"
has out "consistency proof verified" "and says the proof verified"
expect 0 "the same with trusted keys instead of the roster" -- \
  $C audit v.vault --checkpoint cp1c.note --key "$(cat alice.vkey)" --key "$(cat erin.cvkey)"
expect 0 "audit --json prints the proof" -- $C audit v.vault --checkpoint cp1.note --json
python3 -c 'import json,sys; [print(h) for h in json.load(open("out"))["checkpoint"]["consistency_proof"]]' > proof12
[ -s proof12 ] && ok "a non-empty consistency proof ($(wc -l < proof12) hashes)" || bad "no proof"
$C checkpoint v.vault $A > cp2.note || bad "second checkpoint"
expect 0 "Go's tlog.CheckTree accepts Custody's consistency proof" -- $G check cp1.note cp2.note proof12 "$(cat alice.vkey)"
python3 -c 'import base64,sys; l=open("proof12").read().split(); r=bytearray(base64.b64decode(l[0])); r[0]^=1; l[0]=base64.b64encode(bytes(r)).decode(); open("proof12","w").write("\n".join(l)+"\n")'
expect 1 "and refuses it altered" -- $G check cp1.note cp2.note proof12 "$(cat alice.vkey)"
expect 5 "custody checkpoint verify refuses the altered proof too" -- \
  $C checkpoint verify cp1.note cp2.note --proof proof12 --key "$(cat alice.vkey)"
has err "rollback or fork: the proof does not show" "and says why"

# --- rollback: the drive is older than the checkpoint (a larger tree)
cp old.vault v.vault; cp v.vault v.before
expect 5 "a rolled-back vault fails the checkpoint" -- $C audit v.vault --checkpoint cp2.note
has out "PROBLEM    checkpoint: rollback: the checkpoint records $(sed -n 2p cp2.note) events, the vault holds $size1" "it says rollback, with both sizes"
expect 5 "and JSON says so too" -- $C audit v.vault --checkpoint cp2.note --json
python3 -c 'import json; c=json.load(open("out"))["checkpoint"]; assert c["problem"].startswith("rollback"), c' \
  && ok "the JSON problem names the rollback" || bad "JSON checkpoint problem: $(head -c 300 out)"
expect 5 "cosigning a note the vault does not extend is refused" -- $C checkpoint cosign cp2.note $E --vault v.vault
has err "not cosigned: rollback" "and says why"
cmp -s v.vault v.before && ok "the refused audit and cosign changed nothing" || bad "the vault changed"

# --- fork: the same number of events, another history
cp old.vault fork.vault
CUSTODY_STATE_DIR="$T/state-fork" $C add fork.vault other.txt $A --level secret --reg-no S-2 >/dev/null || exit 1
CUSTODY_STATE_DIR="$T/state-fork" $C add fork.vault three.txt $A --level secret --reg-no S-3 >/dev/null || exit 1
cp fork.vault fork.before
expect 5 "a fork (same size, other root) fails the checkpoint" -- $C audit fork.vault --checkpoint cp2.note
has out "checkpoint: fork: the checkpoint and the vault both hold" "it says fork"
CUSTODY_STATE_DIR="$T/state-fork" $C add fork.vault one.txt $A --level secret --reg-no S-4 >/dev/null || exit 1
cp fork.vault fork.before
expect 5 "a fork that grew past the checkpoint has no consistency proof" -- $C audit fork.vault --checkpoint cp2.note
has out "checkpoint: rollback or fork: " "it says rollback or fork"
cmp -s fork.vault fork.before && ok "the refused audit changed nothing" || bad "the fork changed"

# --- bad signature, unknown key, not a checkpoint
cp latest.vault v.vault; cp v.vault v.before
python3 - cp2.note bad_sig.note <<'PY'
import sys, base64
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
for i, l in enumerate(lines):
    if l.startswith("\u2014 "):
        name, sig = l[2:].split(" ")
        raw = bytearray(base64.b64decode(sig)); raw[10] ^= 1
        lines[i] = "\u2014 " + name + " " + base64.b64encode(bytes(raw)).decode()
open(sys.argv[2], "w", encoding="utf-8").write("\n".join(lines))
PY
expect 5 "a note with a bad signature is refused" -- $C audit v.vault --checkpoint bad_sig.note
has err "bad signature" "and says bad signature"
sed '2s/.*/999/' cp2.note > bad_size.note
expect 5 "a note whose size was altered fails its signature" -- $C audit v.vault --checkpoint bad_size.note
has err "bad signature" "and says bad signature"
expect 3 "a non-member cannot sign a checkpoint" -- $C checkpoint v.vault $M
has err "not in the roster" "and says so"
$G genkey "$origin/outsider" go.skey go.vkey || bad "Go genkey"
$G sign go.skey "$origin" leaves1 "$size1" > go1.note || bad "Go sign"
expect 3 "a note signed by a key not in the roster is an unknown key" -- $C audit v.vault --checkpoint go1.note
has err "unknown key" "and says unknown key"
expect 3 "a note signed by someone else than the --key given is an unknown key" -- \
  $C audit v.vault --checkpoint cp2.note --key "$(cat go.vkey)"
has err "unknown key: no signature on the note is by a key given with --key" "and says which keys it trusted"
expect 2 "a file that is not a note is a usage error" -- $C audit v.vault --checkpoint one.txt
$C init other.vault $A --label "another vault" >/dev/null || exit 1
expect 2 "another vault's checkpoint is a usage error" -- $C audit other.vault --checkpoint cp2.note
has err "not of this vault" "and says whose it is"
expect 2 "a malformed --key is a usage error" -- $C audit v.vault --checkpoint cp2.note --key nonsense
cmp -s v.vault v.before && ok "the refused commands changed nothing" || bad "the vault changed"

# --- Custody verifies what Go wrote: a note over Go's own tree, a Go proof
expect 0 "audit accepts a checkpoint Go signed over its own tree of the events" -- \
  $C audit v.vault --checkpoint go1.note --key "$(cat go.vkey)"
has out "checkpoint $size1 events, signed by $origin/outsider" "naming Go's signer"
$C checkpoint leaves v.vault > leaves3
n3=$(wc -l < leaves3)
$G sign go.skey "$origin" leaves3 "$n3" > go3.note && $G prove leaves3 "$size1" "$n3" > goproof \
  || bad "Go sign/prove"
expect 0 "custody checkpoint verify accepts Go's notes and Go's consistency proof" -- \
  $C checkpoint verify go1.note go3.note --proof goproof --key "$(cat go.vkey)"
has out "consistent: $origin $size1 -> $n3 events" "and says consistent"
expect 0 "and Go's note of today's tree matches Custody's audit" -- $C audit v.vault --checkpoint go3.note --key "$(cat go.vkey)"
expect 5 "checkpoint verify with the notes swapped is a rollback" -- \
  $C checkpoint verify go3.note go1.note --proof goproof --key "$(cat go.vkey)"
has err "rollback" "and says rollback"

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
