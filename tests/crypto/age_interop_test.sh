#!/usr/bin/env bash
# crypto/age.h against the stock age binary (Debian's age 1.1), through the
# test-only tests/crypto/age_tool:
#  (a) a key from age-keygen; our writer, binary and armored, opened by
#      `age -d -i`, byte for byte;
#  (b) `age -r` and `age -a -r` opened by our reader;
#      both for 0, 1, 65535, 65536, 65537, 200000 bytes and 5 MiB + 3;
#  (c) tampered files refused by our reader, each with the message naming
#      the problem: a flipped byte in the header MAC, in the version line, in
#      the payload; the final chunk cut short; the final chunk removed; data
#      appended; the wrong key.
# Not covered here: passphrases (`age -p` reads only from a terminal); the
# CCTV scrypt vectors cover our scrypt reader.
# (age writes to stdout here: with -o it creates no file for an empty payload.)
# Usage: age_interop_test.sh PATH/TO/age_tool
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../tools/testlib.sh
TOOL=$(readlink -f "${1:?usage: age_interop_test.sh PATH/TO/age_tool}")
for b in age age-keygen; do
  command -v $b >/dev/null || { echo "age_interop_test: $b not installed (apt-get install age)"; exit 1; }
done
T=$(mktemp -d /tmp/custody-age-interop.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"

age-keygen -o key.txt 2>/dev/null || { echo "age-keygen failed"; exit 1; }
age-keygen -o other.txt 2>/dev/null || exit 1
R=$(grep -o 'age1[0-9a-z]*' key.txt)
[ -n "$R" ] && ok "age-keygen made a key ($R)" || bad "no recipient in key.txt"

for n in 0 1 65535 65536 65537 200000 $((5 * 1024 * 1024 + 3)); do
  head -c "$n" /dev/urandom > plain.$n
  # (a) ours -> age
  "$TOOL" encrypt -r "$R" < plain.$n > ours.$n.age 2>err || bad "$n bytes: age_tool encrypt: $(cat err)"
  age -d -i key.txt ours.$n.age > back.$n 2>err && cmp -s plain.$n back.$n \
    && ok "$n bytes: written by us, opened by age" || bad "$n bytes: age -d of our file: $(cat err)"
  "$TOOL" encrypt -a -r "$R" < plain.$n > ours.$n.asc 2>err || bad "$n bytes: age_tool encrypt -a: $(cat err)"
  head -1 ours.$n.asc | grep -qx -- "-----BEGIN AGE ENCRYPTED FILE-----" || bad "$n bytes: no armor line"
  age -d -i key.txt ours.$n.asc > back.$n 2>err && cmp -s plain.$n back.$n \
    && ok "$n bytes: armored by us, opened by age" || bad "$n bytes: age -d of our armored file: $(cat err)"
  # (b) age -> ours
  age -r "$R" -o theirs.$n.age plain.$n || bad "$n bytes: age -r failed"
  "$TOOL" decrypt -i key.txt < theirs.$n.age > back.$n 2>err && cmp -s plain.$n back.$n \
    && ok "$n bytes: written by age, opened by us" || bad "$n bytes: our decrypt of age's file: $(cat err)"
  age -a -r "$R" -o theirs.$n.asc plain.$n || bad "$n bytes: age -a -r failed"
  "$TOOL" decrypt -i key.txt < theirs.$n.asc > back.$n 2>err && cmp -s plain.$n back.$n \
    && ok "$n bytes: armored by age, opened by us" || bad "$n bytes: our decrypt of age's armored file: $(cat err)"
done

# Our writer and age agree on the sizes (same chunking, same overhead).
for n in 0 65536 200000; do
  [ "$(stat -c %s ours.$n.age)" -eq "$(stat -c %s theirs.$n.age)" ] \
    && ok "$n bytes: our file is the size of age's" \
    || bad "$n bytes: sizes differ: ours $(stat -c %s ours.$n.age), age $(stat -c %s theirs.$n.age)"
done

# (c) tampering, on age's own 200000-byte file (4 chunks: 3 full, 1 short).
f=theirs.200000.age
size=$(stat -c %s $f)
mac_line=$(grep -a -b -m1 '^--- ' $f | cut -d: -f1)    # byte offset of "--- "
header_end=$((mac_line + 48))                             # "--- " + 43 base64 + LF
payload=$((header_end + 16))                              # after the nonce

put_byte() {  # put_byte FILE OFFSET CHAR
  printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
flip_byte() {  # flip_byte FILE OFFSET: xor 0x01
  local v; v=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "\\x$(printf %02x $((v ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
refused() {  # refused FILE CODE MESSAGE DESCRIPTION
  "$TOOL" decrypt -i key.txt < "$1" > /dev/null 2>err; local rc=$?
  if [ $rc -eq "$2" ] && grep -q -- "$3" err; then ok "$4: refused, exit $rc: $(cat err)"
  else bad "$4: expected exit $2 and '$3', got exit $rc: $(cat err)"; fi
}

cp $f mac.age
first=$(dd if=$f bs=1 skip=$((mac_line + 4)) count=1 status=none)
[ "$first" = A ] && put_byte mac.age $((mac_line + 4)) B || put_byte mac.age $((mac_line + 4)) A
refused mac.age 5 "age header MAC mismatch" "one byte of the header MAC changed"

cp $f version.age; put_byte version.age 3 X                          # "ageXencryption.org/v1"
refused version.age 5 "age header: not an age file" "one byte of the version line changed"

cp $f share.age; flip_byte share.age 40              # inside the share of "-> X25519 <share>"
"$TOOL" decrypt -i key.txt < share.age > /dev/null 2>err; rc=$?
[ $rc -ne 0 ] && ok "one byte of the X25519 stanza flipped: refused, exit $rc: $(cat err)" \
  || bad "a flipped stanza byte was accepted"

cp $f payload.age; flip_byte payload.age $((payload + 100))
refused payload.age 5 "age payload invalid: chunk 0 failed to authenticate" "one payload byte flipped"

cp $f last.age; flip_byte last.age $((size - 1))
refused last.age 5 "age payload invalid: chunk 3 failed to authenticate" "one byte of the final chunk's tag flipped"

head -c $((size - 100)) $f > cut.age
refused cut.age 5 "chunk 3 failed to authenticate (damaged or truncated)" "the final chunk cut short by 100 bytes"

head -c $((payload + 3 * 65552)) $f > nofinal.age
"$TOOL" decrypt -i key.txt < nofinal.age > prefix 2>err; rc=$?
if [ $rc -eq 5 ] && grep -q "age payload truncated: no final chunk" err; then
  ok "the final chunk removed (cut at a chunk boundary): refused, exit 5: $(cat err)"
else bad "the final chunk removed: expected exit 5 'no final chunk', got $rc: $(cat err)"; fi
# What was released before the error is a verified prefix, never more.
cmp -s prefix <(head -c $((3 * 65536)) plain.200000) && ok "released only the 3 verified chunks" \
  || bad "released bytes are not the verified prefix ($(stat -c %s prefix) bytes)"

cp $f trailing.age; printf 'x' >> trailing.age
refused trailing.age 5 "age payload invalid: chunk 3 failed to authenticate" "one byte appended"
cp theirs.65536.age trailing_full.age; printf 'x' >> trailing_full.age
refused trailing_full.age 5 "age payload invalid: data after the final chunk" "one byte appended after a full final chunk"

cp theirs.200000.asc armor.asc; printf 'garbage\n' >> armor.asc
refused armor.asc 5 "age armor: data after the END line" "text appended after the armor"

"$TOOL" decrypt -i other.txt < $f > /dev/null 2>err; rc=$?
[ $rc -eq 3 ] && grep -q "no identity matched" err && ok "the wrong key: exit 3: $(cat err)" \
  || bad "wrong key: expected exit 3 'no identity matched', got $rc: $(cat err)"

echo "age_interop_test: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
