#!/usr/bin/env bash
# End-to-end tests of approved media and hosts and of backups (issue 11
# parts 1 and 2; REQUIREMENTS.md 2.2, 2.6, 3.2, 3.3, 3.8; FORMAT.md R182-
# R188), on real loop devices with real ext4 filesystems. Another machine is
# a mount namespace in which /etc/machine-id is another file (unshare -m and
# a bind mount): the real binary, a different host id.
#   - a vault file copied to an unregistered loop device: writing refused
#     (exit 3, nothing changed), reading warned; both recorded in the real
#     vault by the client's next write there;
#   - a wrong host: every keyed act refused (exit 3), recorded at once;
#     keyless audit still works; a host approved by id works;
#   - check-out / check-in with their refusals; the listing;
#   - a backup: refused to an unregistered medium, made to a registered
#     one, audits as a backup of its origin with its marking, refuses writes;
#   - non-officers refused for every binding act, nothing changed.
# Needs root (losetup, mount, unshare). Usage: bindings_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: bindings_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-bindings.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
LOOPS=()
# A host is told by /etc/machine-id. A machine without one (a bare
# container) gets a random one for the test, removed afterwards.
MADE_MACHINE_ID=""
if ! grep -qxE '[0-9a-f]{32}' /etc/machine-id 2>/dev/null; then
  [ -e /etc/machine-id ] && cp -a /etc/machine-id "$T/machine-id.orig"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > /etc/machine-id && echo >> /etc/machine-id
  MADE_MACHINE_ID=1
fi
cleanup() {
  cd /
  if [ -n "$MADE_MACHINE_ID" ]; then
    if [ -e "$T/machine-id.orig" ]; then cp -a "$T/machine-id.orig" /etc/machine-id; else rm -f /etc/machine-id; fi
  fi
  for m in "$T"/m1 "$T"/m2 "$T"/m3; do umount "$m" 2>/dev/null; done
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
source "$TESTLIB"
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }
hasnt() { if grep -q -- "$2" "$1"; then bad "$3: '$2' in $1"; else ok "$3"; fi; }

# Three 64 MiB ext4 filesystems on loop devices, each its own medium.
for i in 1 2 3; do
  truncate -s 64M d$i.img && mkfs.ext4 -q -F d$i.img || { bad "mkfs"; exit 1; }
  l=$(losetup --find --show d$i.img) || { bad "losetup"; exit 1; }
  LOOPS+=("$l"); mkdir m$i; mount "$l" m$i || { bad "mount"; exit 1; }
done

for n in alice bob; do echo "pass-$n" > $n.pass; done
chmod 600 *.pass
for n in alice bob; do
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
B="--as bob.id --passphrase-file bob.pass"
V=m1/v.vault
$C init $V $A >/dev/null
$C grant $V $A --to bob.pub --clearance secret >/dev/null
echo "minutes of the meeting" > doc.txt
$C add $V doc.txt --level secret $A >/dev/null

# --- without bindings, a copy is just a copy
cp $V m2/free.vault
# (Another client's state: this one would rightly see the copy's commit as
# a fork of the vault it remembers.)
expect 0 "an unbound vault's copy is writable (no medium registered yet)" -- \
  env CUSTODY_STATE_DIR="$T/state-free" $C add m2/free.vault doc.txt --level internal $A
rm -f m2/free.vault

# --- registration: officers only, once per medium and number
cp $V snap.vault
expect 3 "staff cannot register a medium" -- $C media register $V $B --number M-9 --label x
has err "only a secrecy officer" "the refusal says who may"
same snap.vault $V "a refused registration leaves the vault unchanged"
expect 0 "an officer registers the vault's medium" -- $C media register $V $A --number M-0001 --label "SECRET drive 1"
has out "M-0001" "registration names the number"
has out "loop" "registration records the device's transport"
expect 2 "the same medium twice is refused" -- $C media register $V $A --number M-0002 --label again
has err "already registered, as M-0001" "the refusal names the number it has"
expect 2 "the same number twice is refused" -- $C media register $V $A --number M-0001 --label again --at m3
expect 0 "media list" -- $C media list $V
has out "\[the vault is here\]" "the listing marks where the vault is"

# --- a copy on an unregistered loop device
cp $V m2/copy.vault
cp m2/copy.vault copy-before.vault
expect 3 "writing to a copy on an unregistered medium is refused" -- $C add m2/copy.vault doc.txt --level secret $A
has err "not on a registered medium" "the refusal says why"
has err "registered: M-0001" "the refusal names the registered media"
same copy-before.vault m2/copy.vault "the refused write leaves the copy unchanged"
expect 0 "reading a copy on an unregistered medium works" -- $C ls m2/copy.vault $A
has err "warning: .*not on a registered medium" "reading it is warned"
has out "S-2026-00001" "the copy lists its documents"
expect 0 "keyless audit of the copy works" -- $C audit m2/copy.vault
# The client's next write to the real vault records both opens.
expect 0 "the next write to the vault" -- $C handled $V S-2026-00001 $A
$C log $V > log.txt
n=$(grep -c "open outside bindings" log.txt)
[ "$n" -eq 2 ] && ok "both opens of the copy are in the ledger ($n)" || bad "opens of the copy recorded: $n, not 2"
has log.txt "access write; unregistered medium ext4 on loop" "the refused write is recorded with the medium"
has log.txt "access read; unregistered medium" "the warned read is recorded"
[ ! -s state/vaults/*.outside.json ] 2>/dev/null && ok "the client keeps no note once recorded" || bad "notes left: $(cat state/vaults/*.outside.json)"
expect 0 "audit of the vault with its new events" -- $C audit $V
has out "audit: OK" "the vault audits OK"

# --- hosts
other() { unshare -m sh -c 'mount --bind "$0/other-machine-id" /etc/machine-id && exec "$@"' "$T" "$@"; }
echo 0123456789abcdef0123456789abcdef > other-machine-id
expect 0 "host id" -- $C host id
here_id=$(cut -d' ' -f1 out)
other $C host id > out 2>err
other_id=$(cut -d' ' -f1 out)
[ -n "$other_id" ] && [ "$other_id" != "$here_id" ] && ok "another machine has another host id" || bad "host ids: '$here_id' '$other_id'"
hasnt out "$(cat /etc/machine-id)" "the host id is not the machine id"
expect 3 "staff cannot approve a host" -- $C host register $V $B
expect 0 "an officer approves this machine" -- $C host register $V $A
expect 0 "host list" -- $C host list $V
has out "$here_id" "the listing shows the host id"
has out "\[this machine\]" "the listing marks this machine"
expect 2 "the same host twice is refused" -- $C host register $V $A
cp $V snap.vault
expect 3 "listing on an unapproved host is refused" -- other $C ls $V $A
has err "not an approved host" "the refusal says why"
has err "the attempt was recorded" "the refusal says it was recorded"
hasnt out "S-2026" "nothing is listed"
expect 3 "adding on an unapproved host is refused" -- other $C add $V doc.txt --level secret $A
expect 3 "extracting on an unapproved host is refused" -- other $C extract $V S-2026-00001 --out x.txt $A
[ ! -e x.txt ] && ok "no file was extracted" || bad "x.txt was written"
$C log $V > log.txt
n=$(grep -c "unapproved host" log.txt)
[ "$n" -eq 3 ] && ok "every refused act on the other host is in the ledger ($n)" || bad "refusals recorded: $n, not 3"
[ "$($C ls $V $A | grep -c S-2026)" -eq 1 ] && ok "no document was added on the other host" || bad "documents changed"
expect 0 "keyless audit works on any host" -- other $C audit $V
has out "audit: OK" "and the vault audits OK"
expect 2 "approving a host by id needs its name" -- $C host register $V $A --id "$other_id"
expect 2 "a malformed host id is refused" -- $C host register $V $A --id abc --name x
expect 0 "an officer approves the other machine by its id" -- $C host register $V $A --id "$other_id" --name other-ws
expect 0 "the other machine now works" -- other $C ls $V $A
has out "S-2026-00001" "and lists the document"

# --- check-out and check-in (clause 3.2)
expect 0 "register a second medium by --at" -- $C media register $V $A --number M-0002 --label "SECRET backup" --at m3
expect 3 "staff cannot check a medium out" -- $C media checkout $V $B --number M-0002 --holder x --purpose y
expect 6 "an unknown medium cannot be checked out" -- $C media checkout $V $A --number M-7 --holder x --purpose y
expect 2 "a return date in the past is refused" -- $C media checkout $V $A --number M-0002 --holder x --purpose y --return-by 2001-01-01
expect 2 "a check-in of a medium that is in is refused" -- $C media checkin $V $A --number M-0002
expect 0 "check-out" -- $C media checkout $V $A --number M-0002 --holder "Carol (courier)" --purpose "off-site store" --return-by 2099-01-31
expect 2 "a second check-out is refused" -- $C media checkout $V $A --number M-0002 --holder x --purpose y
expect 0 "media list" -- $C media list $V --json
[ "$(jq -r '.[] | select(.number=="M-0002") | .checked_out' out)" = true ] && ok "the listing shows it out" || bad "not out: $(cat out)"
[ "$(jq -r '.[] | select(.number=="M-0002") | .holder' out)" = "Carol (courier)" ] && ok "with its holder" || bad "holder"
expect 0 "check-in" -- $C media checkin $V $A --number M-0002 --note "seal intact"
$C log $V > log.txt
has log.txt "medium out .*holder Carol (courier); purpose off-site store; return by 2099-01-31" "the ledger records the check-out"
has log.txt "medium in .*note seal intact" "and the check-in"

# --- backups (clause 3.3)
expect 3 "a backup to an unregistered medium is refused" -- $C backup $V m2/b.vault $A --purpose weekly
[ ! -e m2/b.vault ] && ok "and nothing is written there" || bad "m2/b.vault exists"
expect 3 "staff cannot make a backup" -- $C backup $V m3/b.vault $B --purpose weekly
# A kept note goes into the ledger before the backup's event, which stays
# the backup's last.
expect 0 "another read of the copy, kept to be recorded" -- $C ls m2/copy.vault $A
expect 0 "a backup to a registered medium" -- $C backup $V m3/b.vault $A --purpose weekly
has out "marked secret" "the backup says its marking"
[ ! -e m3/b.vault.custody-tmp ] && ok "no temporary file is left" || bad "temporary file left"
expect 2 "a backup over an existing file is refused" -- $C backup $V m3/b.vault $A --purpose weekly
expect 0 "the backup audits" -- $C audit m3/b.vault
has out "backup     this file is the backup made at event" "audit says it is a backup of its origin"
has out "marked secret" "with its marking"
has out "audit: OK" "and that it is whole"
expect 0 "audit --json" -- $C audit --json m3/b.vault
[ "$(jq -r .backup_of.marking out)" = secret ] && ok "audit --json gives the backup's marking" || bad "backup_of: $(jq -c .backup_of out)"
[ "$(jq -r .highest_level_held out)" = secret ] && ok "the backup's outer marking says secret" || bad "outer marking"
cp m3/b.vault b-before.vault
expect 3 "a backup is never written to" -- $C add m3/b.vault doc.txt --level secret $A
has err "is the backup of this vault made at event" "the refusal says why"
same b-before.vault m3/b.vault "the backup is unchanged"
# An extraction is recorded in the ledger, so it too is a write.
expect 3 "nothing is extracted from a backup" -- $C extract m3/b.vault S-2026-00001 --out from-backup.txt $A
[ ! -e from-backup.txt ] && ok "and no file is written" || bad "from-backup.txt written"
expect 0 "the backup lists" -- $C ls m3/b.vault $A
has out "S-2026-00001" "with the origin's documents"
expect 0 "the origin goes on" -- $C add $V doc.txt --level internal $A
expect 0 "audit of the origin" -- $C audit $V
has out "audit: OK" "the origin audits OK"
hasnt out "this file is the backup" "and is not taken for the backup"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
