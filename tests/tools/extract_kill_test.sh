#!/usr/bin/env bash
# An extraction interrupted half-way (R141, tools/custody/inflight.h):
#  * SIGKILL: the extraction is already on the ledger; the partial file
#    (.custody-tmp-<hex>) stays, and the next custody command, whatever it
#    is, reports it on stderr and removes it with its register entry;
#  * SIGINT / SIGTERM: the handler removes the partial file and the entry;
#    the process still dies of the signal;
#  * a finished extraction leaves no register entry;
#  * a copy killed half-way is never recorded as issued: a plaintext one
#    leaves its extraction on the ledger and its partial plaintext swept
#    like an extraction's; a sealed one records nothing, and its partial
#    age file (ciphertext) is registered too: SIGKILL leaves it for the
#    next command to report and remove, SIGINT / SIGTERM remove it.
# Usage: extract_kill_test.sh PATH/TO/custody    Environment: BIG_MB (default 300)
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: extract_kill_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
BIG_MB=${BIG_MB:-300}
BASE=/tmp
if [ -d /dev/shm ] && [ "$(df -Pm /dev/shm | awk 'NR==2{print $4}')" -gt $((BIG_MB * 5)) ]; then BASE=/dev/shm; fi
T=$(mktemp -d "$BASE/custody-xkill.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
source "$TESTLIB"
export CUSTODY_STATE_DIR="$T/state"   # never the real home
set -m   # background jobs get their own process group and keep SIGINT

echo "pass-officer" > o.pass; chmod 600 *.pass
A="--as o.id --passphrase-file o.pass"
$C id new --out o.id --name "Officer" --kdf interactive --passphrase-file o.pass >/dev/null || { echo "FAIL id new"; exit 1; }
$C init v.vault $A --label "extract kill test" >/dev/null || { echo "FAIL init"; exit 1; }
head -c $((BIG_MB * 1024 * 1024)) /dev/urandom > big.bin
REG=$($C add v.vault big.bin $A --level secret) || { echo "FAIL add"; exit 1; }
mkdir dst

partials() { find dst -maxdepth 1 -name '.custody-tmp-*' | wc -l; }
entries()  { find "$CUSTODY_STATE_DIR/inflight" -maxdepth 1 -type f ! -name '.*' 2>/dev/null | wc -l; }
extracts() { $C ls v.vault $A --json | grep -o '"extracts":[0-9]*' | head -1 | cut -d: -f2; }

# interrupt SIG CMD...: starts CMD (writing into dst/) in the background,
# waits until its temporary file holds at least 8 MiB, then sends SIG.
# Sets $pid, $rc, $partial.
interrupt() {
  local sig=$1 i
  shift
  "$@" 2> ex.err &
  pid=$!
  partial=""
  for i in $(seq 1 2000); do
    partial=$(find dst -maxdepth 1 -name '.custody-tmp-*' -size +8M | head -1)
    [ -n "$partial" ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.005
  done
  kill -s "$sig" "$pid" 2>/dev/null
  wait "$pid"; rc=$?
}
# (CMD is the custody binary itself, not a shell function: the signal must
# reach custody, not a subshell around it.)
EXTRACT=($C extract v.vault "$REG" $A --out dst/dest.bin --purpose "kill test")

expect 0 "a whole extraction" -- $C extract v.vault "$REG" $A --out dst/whole.bin
cmp -s big.bin dst/whole.bin && ok "extracted bit-exact" || bad "extracted file differs"
[ "$(entries)" -eq 0 ] && ok "a finished extraction leaves no register entry" || bad "register entry left: $(ls -A "$CUSTODY_STATE_DIR/inflight")"
rm -f dst/whole.bin
before=$(extracts)

rm -f dst/dest.bin; interrupt KILL "${EXTRACT[@]}"
if [ "$rc" -ne 137 ] || [ -z "$partial" ]; then
  bad "SIGKILL did not land mid-extraction (exit $rc, partial '$partial'): $(head -c 300 ex.err)"
else
  ok "SIGKILL landed mid-extraction"
  [ -f "$partial" ] && ok "the partial file is left behind by SIGKILL" || bad "no partial file after SIGKILL"
  [ ! -e dst/dest.bin ] && ok "the destination was not created" || bad "destination exists after SIGKILL"
  [ "$(entries)" -eq 1 ] && ok "the extraction is registered in flight" || bad "expected 1 register entry, found $(entries)"
  grep -q "^temp $(readlink -f "$partial")$" "$CUSTODY_STATE_DIR"/inflight/* && ok "the entry names the partial file" || bad "entry does not name $partial"
  grep -q "^reg_no $REG$" "$CUSTODY_STATE_DIR"/inflight/* && ok "the entry names the document" || bad "entry does not name $REG"
  [ "$(stat -c %a "$CUSTODY_STATE_DIR"/inflight/*)" = 600 ] && ok "the entry is 0600" || bad "entry mode $(stat -c %a "$CUSTODY_STATE_DIR"/inflight/*)"
  # The next command, any command: here one that does not even open a vault.
  expect 0 "the next custody command runs" -- $C id public o.id
  has err "custody: warning: partial plaintext of $REG left by a killed extraction: $(readlink -f "$partial") — removed" "it reports the partial file"
  [ ! -e "$partial" ] && ok "and removes it" || bad "partial file still there"
  [ "$(entries)" -eq 0 ] && ok "and its register entry" || bad "register entry still there"
  expect 0 "the command after that" -- $C id public o.id
  [ ! -s err ] && ok "reports nothing again" || bad "second run reported: $(cat err)"
  after=$(extracts)
  [ "$after" -eq $((before + 1)) ] && ok "the killed extraction is on the ledger ($before -> $after)" || bad "extract count $before -> $after"
  expect 0 "audit after the kill" -- $C audit v.vault
fi

for sig in INT TERM; do
  before=$(extracts)
  rm -f dst/dest.bin; interrupt "$sig" "${EXTRACT[@]}"
  code=$((128 + $(kill -l "$sig")))
  if [ -z "$partial" ]; then bad "SIG$sig: the extraction ended before the signal (exit $rc)"; continue; fi
  [ "$rc" -eq "$code" ] && ok "SIG$sig ends the extraction by the signal (exit $rc)" || bad "SIG$sig: exit $rc, expected $code: $(head -c 300 ex.err)"
  [ "$(partials)" -eq 0 ] && ok "SIG$sig leaves no partial file" || bad "SIG$sig left $(ls -A dst)"
  [ ! -e dst/dest.bin ] && ok "SIG$sig: the destination was not created" || bad "SIG$sig: destination exists"
  [ "$(entries)" -eq 0 ] && ok "SIG$sig leaves no register entry" || bad "SIG$sig left a register entry"
  [ "$(extracts)" -eq $((before + 1)) ] && ok "SIG$sig: the extraction is on the ledger" || bad "SIG$sig: extract count not raised"
done

# A live extraction's entry is not swept by a concurrent command.
$C extract v.vault "$REG" $A --out dst/live.bin 2> live.err &
lpid=$!
for i in $(seq 1 2000); do [ "$(entries)" -eq 1 ] && break; sleep 0.005; done
$C id public o.id > /dev/null 2> err
wait "$lpid"; lrc=$?
[ "$lrc" -eq 0 ] && cmp -s big.bin dst/live.bin && ok "a concurrent command leaves a running extraction alone" || bad "running extraction disturbed (exit $lrc): $(cat err live.err | head -c 300)"
! grep -q "partial plaintext" err && ok "and reports nothing about it" || bad "concurrent command reported: $(cat err)"

# --- copies killed half-way (issue 9): a copy is recorded only once it exists.
copies() { $C copies v.vault --json | jq length; }
kill_copy() { interrupt KILL $C copy v.vault "$REG" $A --to o.pub --scope "kill test" "$@" --out dst/copy.out; }
$C id public o.id > o.pub
before_copies=$(copies); before=$(extracts)
kill_copy
if [ "$rc" -ne 137 ] || [ -z "$partial" ]; then
  bad "SIGKILL did not land mid-copy (exit $rc, partial '$partial'): $(head -c 300 ex.err)"
else
  ok "SIGKILL landed mid plaintext copy"
  [ ! -e dst/copy.out ] && ok "no copy file was published" || bad "dst/copy.out exists after SIGKILL"
  expect 0 "the next command runs" -- $C id public o.id
  has err "partial plaintext of $REG" "it reports the killed copy's plaintext"
  [ "$(partials)" -eq 0 ] && ok "and removes it" || bad "partial plaintext left: $(ls -A dst)"
  [ "$(copies)" -eq "$before_copies" ] && ok "no copy is recorded as issued" || bad "a killed copy is recorded as issued"
  [ "$(extracts)" -eq $((before + 1)) ] && ok "the attempt is on the ledger as an extraction (R141)" || bad "no extraction recorded for the killed copy"
  expect 0 "audit after the killed copy" -- $C audit v.vault
fi
before_copies=$(copies); before=$(extracts)
kill_copy "--sealed"
if [ "$rc" -ne 137 ] || [ -z "$partial" ]; then
  bad "SIGKILL did not land mid sealed copy (exit $rc, partial '$partial'): $(head -c 300 ex.err)"
else
  ok "SIGKILL landed mid sealed copy"
  [ ! -e dst/copy.out ] && [ ! -e dst/copy.out.marking ] && ok "neither the copy nor its marking was published" \
    || bad "a killed sealed copy was published"
  head -c 21 "$partial" | grep -q "age-encryption.org/v1" && ok "what it left is ciphertext (an age file)" || bad "the sealed copy's leftover is not an age file"
  [ "$(entries)" -eq 1 ] && ok "the sealed copy's partial file is registered in flight" || bad "expected 1 register entry, found $(entries)"
  grep -q "^temp $(readlink -f "$partial")$" "$CUSTODY_STATE_DIR"/inflight/* && ok "the entry names it" || bad "entry does not name $partial"
  expect 0 "the next command runs" -- $C id public o.id
  has err "custody: warning: partial sealed copy (age ciphertext) of $REG left by a killed copy: $(readlink -f "$partial") — removed" "it reports the killed sealed copy's partial file"
  [ "$(partials)" -eq 0 ] && ok "and removes it" || bad "partial sealed copy left: $(ls -A dst)"
  [ "$(entries)" -eq 0 ] && ok "and its register entry" || bad "register entry still there"
  [ "$(copies)" -eq "$before_copies" ] && ok "nothing is recorded for it" || bad "a killed sealed copy is recorded"
  [ "$(extracts)" -eq "$before" ] && ok "not even an extraction (no plaintext left the process)" || bad "a sealed copy recorded an extraction"
  expect 0 "audit after the killed sealed copy" -- $C audit v.vault
  expect 0 "the copy, run again, completes" -- $C copy v.vault "$REG" $A --to o.pub --scope "kill test" --sealed --out dst/copy2.age
  [ "$(copies)" -eq $((before_copies + 1)) ] && ok "and is recorded once" || bad "copy count $(copies)"
fi

for sig in INT TERM; do
  before_copies=$(copies)
  rm -f dst/copy.out; interrupt "$sig" $C copy v.vault "$REG" $A --to o.pub --scope "kill test" --sealed --out dst/copy.out
  code=$((128 + $(kill -l "$sig")))
  if [ -z "$partial" ]; then bad "SIG$sig: the sealed copy ended before the signal (exit $rc)"; continue; fi
  [ "$rc" -eq "$code" ] && ok "SIG$sig ends the sealed copy by the signal (exit $rc)" || bad "SIG$sig: exit $rc, expected $code: $(head -c 300 ex.err)"
  [ "$(partials)" -eq 0 ] && ok "SIG$sig leaves no partial sealed copy" || bad "SIG$sig left $(ls -A dst)"
  [ ! -e dst/copy.out ] && [ ! -e dst/copy.out.marking ] && ok "SIG$sig: nothing published" || bad "SIG$sig: a sealed copy was published"
  [ "$(entries)" -eq 0 ] && ok "SIG$sig leaves no register entry" || bad "SIG$sig left a register entry"
  [ "$(copies)" -eq "$before_copies" ] && ok "SIG$sig: nothing recorded" || bad "SIG$sig: a killed sealed copy is recorded"
done

# custody open of a sealed copy decrypts into a temporary file too: its
# partial plaintext is registered like an extraction's.
OPEN=($C open dst/copy2.age $A --out dst/opened.bin)
rm -f dst/opened.bin; interrupt KILL "${OPEN[@]}"
if [ "$rc" -ne 137 ] || [ -z "$partial" ]; then
  bad "SIGKILL did not land mid open (exit $rc, partial '$partial'): $(head -c 300 ex.err)"
else
  ok "SIGKILL landed mid custody open"
  [ ! -e dst/opened.bin ] && ok "the opened copy was not published" || bad "dst/opened.bin exists after SIGKILL"
  [ "$(entries)" -eq 1 ] && ok "the open's partial plaintext is registered in flight" || bad "expected 1 register entry, found $(entries)"
  expect 0 "the next command runs" -- $C --version
  has err "custody: warning: partial plaintext of copy $REG/" "it reports the killed open's partial plaintext"
  has err "left by a killed custody open of $(readlink -f dst/copy2.age): $(readlink -f "$partial") — removed" "naming the sealed copy and the file"
  [ "$(partials)" -eq 0 ] && ok "and removes it" || bad "partial plaintext left: $(ls -A dst)"
  [ "$(entries)" -eq 0 ] && ok "and its entry" || bad "register entry left after the sweep"
fi
for sig in INT TERM; do
  rm -f dst/opened.bin; interrupt "$sig" "${OPEN[@]}"
  if [ -z "$partial" ]; then bad "SIG$sig: the open ended before the signal (exit $rc)"; continue; fi
  [ "$rc" -eq $((128 + $(kill -l "$sig"))) ] && ok "SIG$sig ends custody open by the signal (exit $rc)" || bad "SIG$sig: open exit $rc"
  [ "$(partials)" -eq 0 ] && [ "$(entries)" -eq 0 ] && ok "SIG$sig leaves no partial plaintext and no entry" || bad "SIG$sig left $(ls -A dst) / $(entries) entries"
done
expect 0 "custody open, run again, completes" -- "${OPEN[@]}"
cmp -s big.bin dst/opened.bin && ok "and gives the document" || bad "the opened copy differs"
[ "$(entries)" -eq 0 ] && ok "a finished open leaves no register entry" || bad "register entry left after open"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
