#!/usr/bin/env bash
# End-to-end tests of `custody wipe` and `custody cert verify` on real loop
# devices and a loop-mounted ext4 (needs root, losetup, mkfs.ext4, jq).
# Usage: wipe_cli_test.sh PATH/TO/custody. Prints "N passed, M failed" and
# exits non-zero if anything failed.
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: wipe_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
# Not tmpfs: the engine needs O_DIRECT, and the images must be on a real disk.
T=$(mktemp -d "${CUSTODY_TEST_TMPDIR:-/var/tmp}/custody-wipe.XXXXXX")
export CUSTODY_STATE_DIR="$T/state"   # the in-flight register of extractions: never the real home
LOOPS=()
MNT=""
cleanup() {
  [ -n "$MNT" ] && { umount "$MNT" 2>/dev/null; }
  for l in "${LOOPS[@]}"; do losetup -d "$l" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT
cd "$T"
source "$TESTLIB"
# pdf_filed CERT.json WHAT: checks the PDF of CERT as a person files it:
# rendered (pdftoppm), read back (pdftotext), every page naming the
# certificate id and "page K of N", the operator's key whole on one line,
# and the BLAKE2b-256 that `cert verify` prints. Leaves the text in pdf.txt.
pdf_filed() {
  local json=$1 pdf=${1%.json}.pdf what=$2 id n k missing=0 key digest
  id=$(jq -r .body.certificate.id "$json")
  n=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
  for k in $(seq 1 "$n"); do
    pdftotext -f "$k" -l "$k" "$pdf" page.txt
    grep -qF "$id" page.txt && grep -qF "page $k of $n" page.txt || missing=$((missing + 1))
  done
  [ "$n" -ge 2 ] && [ "$missing" -eq 0 ] && ok "$what: each of the $n pages names certificate $id and 'page K of $n'" \
    || bad "$what: $missing of $n pages lack the certificate id or 'page K of N'"
  rm -f render-*.png
  pdftoppm -r 30 -png "$pdf" render && [ "$(ls render-*.png | wc -l)" = "$n" ] && ok "$what: renders ($n pages)" \
    || bad "$what: pdftoppm did not render $n pages"
  pdftotext "$pdf" pdf.txt
  key=$(jq -r .body.operator.public "$json")
  grep -qF -- "$key" pdf.txt && ok "$what: the operator's key is whole on one line" || bad "$what: key $key is broken"
  digest=$($C cert verify "$json" | sed -n 's/^  BLAKE2b-256 of body: //p')
  [ ${#digest} = 64 ] && ok "$what: cert verify prints the body's BLAKE2b-256" || bad "$what: cert verify digest '$digest'"
  grep -qF -- "$digest" pdf.txt && ok "$what: the PDF shows the same BLAKE2b-256" || bad "$what: PDF digest differs from $digest"
}
count_in() { grep -a -o -F -- "$1" "$2" | wc -l; }  # occurrences of $1 in file $2
# attach VAR IMAGE: attaches IMAGE and sets VAR to the loop device. Not in a
# $(...) subshell, so the device reaches LOOPS and the trap detaches it.
attach() {
  local dev
  dev=$(losetup --find --show --direct-io=on "$2") || return 1
  LOOPS+=("$dev")
  printf -v "$1" %s "$dev"
}

for cmd in losetup mkfs.ext4 jq pdftotext pdftoppm pdfinfo script; do
  command -v $cmd >/dev/null || { echo "FAIL missing $cmd"; echo "0 passed, 1 failed"; exit 1; }
done

# --- identities -------------------------------------------------------------
echo "op pass" > op.pass; echo "wit pass" > wit.pass; echo "wrong" > wrong.pass
chmod 600 *.pass   # passphrase files others can read are refused
$C id new --out op.id --name "王小明" --kdf interactive --passphrase-file op.pass >/dev/null || bad "id new op"
$C id new --out wit.id --name "Li Witness" --kdf interactive --passphrase-file wit.pass >/dev/null || bad "id new wit"
OP="--operator op.id --operator-passphrase-file op.pass"
WIT="--witness wit.id --witness-passphrase-file wit.pass"

# --- block device: wipe, certificate, cert verify ----------------------------
head -c $((32 << 20)) /dev/urandom > dev.img
attach L dev.img || { bad "losetup"; echo "$passed passed, $failed failed"; exit 1; }
expect 2 "a block device wipe without --yes and no terminal is refused" -- $C wipe "$L" </dev/null
has err "--yes" "the refusal names --yes"
expect 0 "wipe a loop device (zero, verify all) with a signed certificate" -- \
  $C wipe "$L" --yes --method zero --verify all --cert z.json --reason reuse $OP $WIT \
  --organisation "保密办" --location "Room 3"
has out "verification passed" "summary reports verification passed"
[ -s z.json ] && [ -s z.pdf ] && ok "certificate JSON and PDF written" || bad "certificate files missing"
if cmp -s <(head -c $((32 << 20)) /dev/zero) <(dd if="$L" bs=1M iflag=direct 2>/dev/null); then
  ok "the device holds zeros (read with dd iflag=direct)"; else bad "device not zeroed"; fi
expect 0 "cert verify accepts the certificate" -- $C cert verify z.json
has out "signatures valid" "cert verify says signatures valid"
expect 0 "cert verify --device confirms the final pass" -- $C cert verify z.json --device "$L"
has out "holds the final pass" "device check reported"
expect 0 "cert verify --json" -- $C cert verify z.json --device "$L" --json
[ "$(jq -r .device_check.result out)" = passed ] && ok "json device_check passed" || bad "json device_check: $(cat out)"

[ "$(stat -c %a z.json)" = 600 ] && [ "$(stat -c %a z.pdf)" = 600 ] && ok "certificate JSON and PDF are mode 0600" \
  || bad "certificate modes $(stat -c %a z.json) $(stat -c %a z.pdf), expected 600"
pdf_filed z.json "block-device PDF"
if grep -qi magnetic pdf.txt; then bad "a loop device is called magnetic"; else ok "a loop device is not called magnetic"; fi
[ "$(jq -r .body.media.media_type z.json)" != magnetic ] && ok "JSON media_type of a loop device is not magnetic" || bad "media_type magnetic"
if grep -q "Random seed" pdf.txt; then bad "a zero-only wipe prints a random seed"; else ok "a zero-only wipe prints no seed"; fi

# Negative control: one byte changed after the pass.
printf '\x01' | dd of="$L" bs=1 seek=1234567 conv=notrunc 2>/dev/null; sync
expect 5 "cert verify --device fails after one byte changed" -- $C cert verify z.json --device "$L"
has err "offset 1234567" "the mismatch is reported with its offset"
expect 1 "an existing certificate file is never overwritten (exit 1, as for any existing destination)" -- \
  $C wipe "$L" --yes --cert z.json --reason reuse $OP

# Every method, verify all, and regeneration of the random final pass from the seed.
for m in zero one random dod-3 dod-7 gutmann bmb; do
  expect 0 "method $m with --verify all" -- $C wipe "$L" --yes --method $m --verify all --json \
    --cert "m-$m.json" --reason reuse $OP
  [ "$(jq -r .verification.result out)" = passed ] && ok "$m: json says passed" || bad "$m: json $(head -c 300 out)"
  n=$(jq '.sanitization.passes | length' out)
  case $m in zero|one|random) want=1;; dod-3) want=3;; dod-7) want=7;; gutmann) want=35;; bmb) want=6;; esac
  [ "$n" = "$want" ] && ok "$m: $want passes" || bad "$m: $n passes, expected $want"
  expect 0 "$m: cert verify --device regenerates and finds the final pass" -- \
    $C cert verify "m-$m.json" --device "$L"
done
expect 0 "--rounds 2 doubles the passes" -- $C wipe "$L" --yes --method dod-3 --rounds 2 --verify last --json
[ "$(jq '.sanitization.passes | length' out)" = 6 ] && ok "6 passes for dod-3 x2" || bad "rounds: $(head -c 200 out)"

# Random: a byte changed after the pass is found by regeneration from the seed.
expect 0 "random wipe with certificate" -- $C wipe "$L" --yes --method random --cert r.json --reason scrap $OP $WIT
dd if="$L" of=byte bs=1 skip=777 count=1 2>/dev/null
printf "$(printf '\\%03o' $(( ($(od -An -tu1 byte) + 1) % 256 )))" | dd of="$L" bs=1 seek=777 conv=notrunc 2>/dev/null; sync
expect 5 "random: changed byte is found from the seed" -- $C cert verify r.json --device "$L"
has err "offset 777" "random mismatch offset reported"
pdftotext r.pdf r.txt; has r.txt "Random seed" "a random wipe's PDF prints its seed"

# --- guard rails: a device that backs a mounted loop filesystem ------------------
attach L2 "$L" || bad "losetup on a loop device"
mkfs.ext4 -q -F "$L2" && mkdir -p "$T/mnt2" && mount "$L2" "$T/mnt2" || bad "mount the stacked loop"
expect 1 "a device backing a mounted loop filesystem is refused" -- $C wipe "$L" --yes --method zero
has err "backs $L2, which is mounted at $T/mnt2" "the refusal names the loop device and its mount point"
umount "$T/mnt2"
expect 1 "a device backing an attached loop device is refused" -- $C wipe "$L" --yes --method zero
has err "backs $L2 (attached" "the refusal says it backs an attached loop device"
losetup -d "$L2"

# --- usage and authentication errors ------------------------------------------
expect 2 "unknown method" -- $C wipe "$L" --yes --method dod
has err "gutmann" "unknown method lists the methods"
expect 2 "unknown verify mode" -- $C wipe "$L" --yes --verify some
expect 2 "--cert without --operator" -- $C wipe "$L" --yes --cert x.json --reason reuse
expect 2 "--cert without --reason" -- $C wipe "$L" --yes --cert x.json $OP
expect 2 "--reason scrap needs a witness" -- $C wipe "$L" --yes --cert x.json --reason scrap $OP
expect 2 "--reason repair needs technician and work" -- $C wipe "$L" --yes --cert x.json --reason repair $OP
expect 2 "certificate options without --cert" -- $C wipe "$L" --yes $OP
expect 2 "neither target nor --free-space" -- $C wipe --yes
expect 6 "missing target" -- $C wipe "$T/nope" --yes
dd if=/dev/urandom of="$L" bs=1M count=1 oflag=direct 2>/dev/null
dd if="$L" of=before.bin bs=1M count=1 iflag=direct 2>/dev/null
expect 3 "wrong operator passphrase" -- $C wipe "$L" --yes --cert x.json --reason reuse \
  --operator op.id --operator-passphrase-file wrong.pass
expect 2 "witness identical to operator is a usage error, as in destroy" -- $C wipe "$L" --yes --cert x.json --reason reuse $OP \
  --witness op.id --witness-passphrase-file op.pass
dd if="$L" of=after.bin bs=1M count=1 iflag=direct 2>/dev/null
has err "the witness must be a different identity from the operator" "same message as destroy"
cp op.pass open.pass; chmod 644 open.pass
expect 2 "an operator passphrase file readable by others is refused" -- $C wipe "$L" --yes --cert x.json \
  --reason reuse --operator op.id --operator-passphrase-file open.pass
has err "chmod 600 open.pass" "the refusal says chmod 600"
cmp -s before.bin after.bin && ok "refused wipes did not touch the device" || bad "device changed by a refused wipe"
[ ! -e x.json ] && ok "no certificate from refused wipes" || bad "x.json exists"

# --- repair record and PDF -------------------------------------------------------
expect 0 "repair wipe with the clause 7.1 record" -- $C wipe "$L" --yes --method zero \
  --cert rep.json --reason repair $OP $WIT --technician "张师傅" --work "replace controller board" \
  --state-before "boots, SMART errors" --state-after "to be recorded on return"
[ "$(jq -r .body.repair.technician rep.json)" = "张师傅" ] && ok "technician recorded" || bad "technician"
[ "$(jq -r .body.reason rep.json)" = repair ] && ok "reason recorded" || bad "reason"
if command -v pdftotext >/dev/null; then
  pdftotext rep.pdf rep.txt
  has rep.txt "王小明" "PDF renders the Chinese operator name"
  has rep.txt "张师傅" "PDF renders the Chinese technician name"
  has rep.txt "Certificate of Sanitization" "PDF title"
fi
pdf_filed rep.json "repair PDF (three signature blocks)"

# --- tampering: every field of a certificate ------------------------------------
# jq -c keeps key order and prints compactly, so an untouched round trip must
# still verify; then each leaf changed in turn must fail.
jq -c . rep.json > rt.json
expect 0 "jq round trip of a certificate still verifies" -- $C cert verify rt.json
leaves=$(jq -c '[paths(scalars)] | .[]' rep.json)
nleaves=0; tamper_fail=0
while IFS= read -r p; do
  nleaves=$((nleaves + 1))
  jq -c --argjson p "$p" 'setpath($p; getpath($p) | if type == "string" then . + "x"
    elif type == "number" then . + 1 elif type == "boolean" then (not) else "x" end)' rep.json > t.json
  $C cert verify t.json >/dev/null 2>terr; rc=$?
  if [ $rc -ne 5 ] && [ $rc -ne 3 ]; then
    tamper_fail=$((tamper_fail + 1)); echo "  tampered $p verified (exit $rc)"
  fi
done <<< "$leaves"
[ "$nleaves" -ge 40 ] && [ $tamper_fail -eq 0 ] && ok "every one of $nleaves fields changed makes cert verify fail" \
  || bad "tampering: $tamper_fail of $nleaves changed fields still verified"
jq -c '.body.media.serial = "other"' rep.json > t.json
expect 5 "changed serial: the signature does not verify" -- $C cert verify t.json
has err "does not verify" "message says the signature does not verify"
jq -c '.signatures = []' rep.json > t.json
expect 3 "unsigned certificate" -- $C cert verify t.json
has err "unsigned" "message says unsigned"
jq -c '.signatures |= [.[0]]' rep.json > t.json
expect 5 "witness signature removed" -- $C cert verify t.json
jq '.' rep.json > t.json
expect 5 "pretty-printed (non-canonical) certificate is rejected" -- $C cert verify t.json
expect 6 "missing certificate" -- $C cert verify "$T/none.json"

# --- files on a loop-mounted ext4: no byte of the file left on the raw device -------
truncate -s 96M fs.img
mkfs.ext4 -q -F fs.img || bad "mkfs.ext4"
attach FL fs.img || bad "losetup fs.img"
MNT="$T/mnt"; mkdir -p "$MNT"
mount "$FL" "$MNT" || bad "mount"
TOKEN_WIPED=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')   # 48 random hex chars
TOKEN_KEPT=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
TOKEN_FREE=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
yes "$TOKEN_WIPED" | head -c $((3 << 20)) > "$MNT/secret.txt"
yes "$TOKEN_KEPT" | head -c $((1 << 20)) > "$MNT/kept.txt"
yes "$TOKEN_FREE" | head -c $((2 << 20)) > "$MNT/deleted.txt"
sync
[ "$(count_in "$TOKEN_WIPED" fs.img)" -gt 1000 ] && ok "control: the file's pattern is on the raw image before the wipe" \
  || bad "control: pattern not found on the raw image"
# A file wipe with a certificate, in a terminal (script): facts and notes come
# before the first pass, each pass's final progress line once, and the
# certificate records the directory and a digest of the name, not the name
# the wipe hid.
head -c 5000 /dev/urandom > "$MNT/named-secret.txt"
script -qec "$C wipe '$MNT/named-secret.txt' --method dod-3 --verify all --cert f.json --reason reuse $OP" tty.log >/dev/null
[ -s f.json ] && ok "file wipe in a terminal wrote its certificate" || bad "file wipe in a terminal: $(tail -c 300 tty.log)"
tr '\r' '\n' < tty.log > tty.txt
first_target=$(grep -n "custody: target" tty.txt | head -1 | cut -d: -f1)
first_note=$(grep -n "custody: note:" tty.txt | head -1 | cut -d: -f1)
first_pass=$(grep -n "write  pass 1/3" tty.txt | head -1 | cut -d: -f1)
[ -n "$first_target" ] && [ -n "$first_note" ] && [ -n "$first_pass" ] && [ "$first_target" -lt "$first_pass" ] && \
  [ "$first_note" -lt "$first_pass" ] && ok "file facts and notes print before the first pass" \
  || bad "facts at line ${first_target:-none}, notes ${first_note:-none}, first pass ${first_pass:-none}"
grep -q "device size" tty.txt && ok "file facts say the size is the device's" || bad "file facts size label"
dups=$(grep -a -E "(write |verify) pass [0-9]/3" tty.txt | grep -E " ([0-9.]+ [KMG]?i?B) / \1 " | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] && ok "each pass's final progress line prints once" || bad "$dups final progress lines printed twice"
has tty.txt "removed $MNT/named-secret.txt (renamed to a random name, then unlinked)" "file removal is described"
[ "$(jq -r .body.media.path f.json)" = "$MNT" ] && ok "certificate records the directory" || bad "media.path $(jq -r .body.media.path f.json)"
[ "$(jq -r .body.media.name_digest f.json | wc -c)" = 65 ] && ok "certificate records a digest of the name" || bad "no name_digest"
want=$(printf 'custody wipe file name\0%s\0%s' "$(jq -r .body.certificate.id f.json)" named-secret.txt | b2sum -l 256 | cut -d' ' -f1)
[ "$(jq -r .body.media.name_digest f.json)" = "$want" ] && ok "an auditor told the name confirms it with b2sum (docs/WIPE.md)" \
  || bad "name_digest does not match the documented b2sum recipe"
[ "$(count_in named-secret f.json)" = 0 ] && ok "the hidden file name is not in the certificate" || bad "file name in f.json"
pdf_filed f.json "file-wipe PDF"
[ "$(count_in named-secret pdf.txt)" = 0 ] && ok "the hidden file name is not in the PDF" || bad "file name in f.pdf"
if grep -q "0.00 GiB" pdf.txt; then bad "a 5000-byte file wipe shows 0.00 GiB"; else ok "no 0.00 GiB for a small file"; fi
has pdf.txt "8192 bytes (8.00 KiB)" "bytes per pass in KiB"
has pdf.txt "of the device holding the filesystem" "the device size is labelled as the device's"

expect 0 "wipe a file on ext4 (random, verify all)" -- $C wipe "$MNT/secret.txt" --method random --verify all --json
[ "$(jq -r .sanitization.removed out)" = true ] && ok "file removed" || bad "removed flag: $(head -c 300 out)"
[ ! -e "$MNT/secret.txt" ] && ok "file gone from the directory" || bad "file still there"
ls -A "$MNT" | grep -v -E '^(kept.txt|deleted.txt|lost\+found)$' > extra
[ ! -s extra ] && ok "no renamed leftovers in the directory" || bad "leftover entries: $(cat extra)"
ln "$MNT/kept.txt" "$MNT/kept-link"
expect 2 "a file with two hard links is refused" -- $C wipe "$MNT/kept.txt"
rm "$MNT/kept-link"
expect 2 "a directory is refused with a hint" -- $C wipe "$MNT"
has err "--free-space" "hint names --free-space"
rm "$MNT/deleted.txt"; sync
[ "$(count_in "$TOKEN_FREE" fs.img)" -gt 100 ] && ok "control: a deleted file's bytes remain in free space" \
  || bad "control: deleted pattern not found"
expect 0 "wipe free space (zero)" -- $C wipe --free-space "$MNT" --method zero --json
[ "$(jq -r .verification.result out)" = passed ] && ok "free-space verification passed" || bad "free space: $(head -c 300 out)"
[ -z "$(ls -A "$MNT" | grep custody-wipe)" ] && ok "free-space filler removed" || bad "filler left behind"
[ "$(df --output=avail "$MNT" | tail -1)" -gt 1000 ] && ok "free space is free again" || bad "filesystem left full"
expect 0 "wipe free space (text output)" -- $C wipe --free-space "$MNT" --method zero --verify off
has out "removed the filler file from $MNT" "the text says the filler was removed, not the directory"
expect 2 "--free-space on a file is refused" -- $C wipe --free-space "$MNT/kept.txt"
expect 1 "a mounted device is refused (in use)" -- $C wipe "$FL" --yes
has err "in use" "message says in use"
expect 1 "the image file backing a mounted loop device is refused" -- $C wipe fs.img
has err "backs $FL, which is mounted at $MNT" "the refusal names the loop device and the mount point"

# --- overlayfs: the lower layer keeps the data -------------------------------------
# All layers on the small test filesystem: a build that does not refuse
# overlayfs fills only that, not the disk under $T.
O="$MNT/ovl"
mkdir -p "$O/lower" "$O/upper" "$O/work" "$T/merged"
TOKEN_LAYER=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
yes "$TOKEN_LAYER" | head -c 65536 > "$O/lower/layered.txt"
if mount -t overlay overlay -o "lowerdir=$O/lower,upperdir=$O/upper,workdir=$O/work" "$T/merged"; then
  expect 2 "a file on overlayfs is refused" -- $C wipe "$T/merged/layered.txt" --method zero
  has err "overlayfs" "the refusal names overlayfs"
  has err "lower layer keeps" "and says why"
  expect 2 "free space on overlayfs is refused" -- $C wipe --free-space "$T/merged" --method zero
  [ "$(count_in "$TOKEN_LAYER" "$O/lower/layered.txt")" -gt 100 ] && ok "the lower layer is untouched" || bad "lower layer changed"
  umount "$T/merged"
else
  bad "cannot mount overlayfs"
fi
rm -rf "$O"
umount "$MNT"; MNT=""
sync
[ "$(count_in "$TOKEN_WIPED" fs.img)" -eq 0 ] && ok "no byte pattern of the wiped file on the raw image" \
  || bad "the wiped file's pattern is still on the raw image ($(count_in "$TOKEN_WIPED" fs.img) times)"
[ "$(count_in "$TOKEN_FREE" fs.img)" -eq 0 ] && ok "no byte pattern of the deleted file after the free-space wipe" \
  || bad "deleted file's pattern still on the raw image ($(count_in "$TOKEN_FREE" fs.img) times)"
[ "$(count_in "$TOKEN_KEPT" fs.img)" -gt 1000 ] && ok "control: the untouched file is still on the raw image" \
  || bad "control: kept file's pattern missing"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
