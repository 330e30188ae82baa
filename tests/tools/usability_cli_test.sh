#!/usr/bin/env bash
# End-to-end tests of the CLI as people use it (issue 12): folders and
# standard input for add, hand-outs with one prompt, level names in any
# script, Ctrl-D at a prompt, -v, short options, and progress for audit and
# compact. Usage: usability_cli_test.sh PATH/TO/custody
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
C=${1:?usage: usability_cli_test.sh PATH/TO/custody}
C=$(readlink -f "$C")
T=$(mktemp -d /tmp/custody-usability.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
umask 077   # passphrase files others can read are refused
source "$TESTLIB"
year=$(date -u +%Y)
same() { if cmp -s "$1" "$2"; then ok "$3"; else bad "$3: $1 and $2 differ"; fi; }

for n in alice bob carol; do
  echo "pass-$n" > $n.pass
  $C id new --out $n.id --name "${n^}" --kdf interactive --passphrase-file $n.pass >/dev/null
  $C id public $n.id > $n.pub
done
A="--as alice.id --passphrase-file alice.pass"
expect 0 "init" -- $C init v.vault $A
expect 0 "grant bob secret" -- $C grant v.vault $A --to bob.pub --clearance secret

# add -r: every regular file under the folder, each its own document, titled
# with its path from the folder's parent; links and special files skipped.
mkdir -p minutes/2026 && echo march > minutes/2026/march.txt && echo april > minutes/april.txt
ln -s /etc/passwd minutes/link && mkfifo minutes/pipe
expect 2 "add of a folder without -r" -- $C add v.vault minutes $A --level secret
has err "it is a directory (add -r adds every file under it)" "the refusal points to -r"
expect 0 "add -r adds the folder's files" -- $C add v.vault minutes $A --level secret -r
[ "$(wc -l < out)" -eq 2 ] && ok "two documents, two numbers" || bad "add -r printed: $(cat out)"
has err "skipped minutes/link: a symbolic link" "a link is skipped with a warning"
has err "skipped minutes/pipe: not a regular file" "a FIFO is skipped with a warning"
expect 0 "ls" -- $C ls v.vault $A
has out "minutes/2026/march.txt" "the relative path is the title"
has out "minutes/april.txt" "the other file too"
reg=$(grep "minutes/2026/march.txt" out | awk '{print $1}')
mkdir x1 && expect 0 "extract under the stored name" -- $C extract v.vault "$reg" $A --out-dir x1
same minutes/2026/march.txt x1/march.txt "the file comes back under its own name, bit for bit"
mkdir empty && expect 2 "add -r of a folder with no files" -- $C add v.vault empty $A --level secret -r
has err "no files to add under empty" "says the folder is empty"

# add -: one document from standard input, named with --name.
head -c 300000 /dev/urandom > stdin.bin
cp v.vault before.vault
expect 2 "add - without --name" -- $C add v.vault - $A --level secret <stdin.bin
has err "needs --name" "the refusal names --name"
same before.vault v.vault "the refused add changed nothing"
$C add v.vault - $A --level secret --name piped.bin <stdin.bin >out 2>err && ok "add - --name" || bad "add - failed: $(cat err)"
reg=$(cat out)
mkdir x2 && expect 0 "extract the piped document" -- $C extract v.vault "$reg" $A --out-dir x2
same stdin.bin x2/piped.bin "standard input comes back bit for bit under --name"
echo title > t.txt
expect 2 "add - with the title also on stdin" -- $C add v.vault - $A --level secret --name y --title - </dev/null
has err "standard input cannot hold both" "says why"

# A hand-out: copies to several recipients, one prompt, one commit; a bad
# recipient issues nothing.
expect 0 "copies before" -- $C copies v.vault --json
before=$(jq length out)
cp v.vault before.vault
expect 6 "a hand-out with an unknown recipient" -- $C copy v.vault "$reg" $A --to bob.pub --to nobody --sealed --scope "meeting" --out handout.age
same before.vault v.vault "nothing issued when one recipient is unknown"
ls handout*.age >/dev/null 2>&1 && bad "a refused hand-out wrote files" || ok "no files for the refused hand-out"
expect 0 "a sealed hand-out to three" -- $C copy v.vault "$reg" $A --to bob.pub --to carol.pub --to Alice --sealed --scope "meeting" --out handout.age
[ "$(grep -c "^copy $reg/" err)" -eq 3 ] && ok "three copies reported" || bad "hand-out said: $(cat err)"
for n in 1 2 3; do [ -f "handout-$n.age" ] && [ -f "handout-$n.age.marking" ] || bad "handout-$n.age missing"; done
$C id export-age bob.id --out bob.age --passphrase-file bob.pass >/dev/null 2>&1
$C id export-age carol.id --out carol.age --passphrase-file carol.pass >/dev/null 2>&1
age -d -i bob.age handout-1.age > h1 2>/dev/null && same stdin.bin h1 "stock age opens bob's copy with bob's key" || bad "age could not open bob's copy"
age -d -i carol.age handout-2.age > h2 2>/dev/null && same stdin.bin h2 "carol's copy with carol's key" || bad "age could not open carol's copy"
age -d -i bob.age handout-2.age >/dev/null 2>&1 && bad "bob's key opens carol's copy" || ok "bob's key does not open carol's copy"
expect 0 "copies after" -- $C copies v.vault --json
[ "$(jq length out)" -eq $((before + 3)) ] && ok "three copies recorded" || bad "copies: $(cat out)"
copy2=$(jq -r ".[] | select((.copy // .number) == \"$reg/2\") | .recipient | if type == \"object\" then .name else . end" out)
[ "$copy2" = Carol ] && ok "copy 2 is recorded to Carol" || bad "copy 2's recipient: '$copy2'"
expect 4 "a plaintext hand-out to someone not cleared" -- $C copy v.vault "$reg" $A --to bob.pub --to carol.pub --scope m --out plain.bin
has err "'Carol' is not a member" "the refusal names the recipient"
ls plain*.bin >/dev/null 2>&1 && bad "files left by the refused plaintext hand-out" || ok "nothing written"

# Level names in any script; upper case and overlong names refused.
expect 0 "init with Chinese level names" -- $C init zh.vault $A --levels 内部,秘密,机密,绝密
has out "内部 秘密 机密 绝密" "the levels are listed"
echo doc > doc.txt
expect 0 "add at 秘密" -- $C add zh.vault doc.txt $A --level 秘密
has out "^L2-$year-00001\$" "the number is L2-: registration numbers stay ASCII"
expect 0 "add at internal-style ASCII in another vault" -- $C add v.vault doc.txt $A --level confidential
has out "^C-$year-" "ASCII levels keep their initials"
expect 0 "ls" -- $C ls zh.vault $A
line=$(grep "^L2-" out)
header=$(head -1 out)
# The SIZE column ends at the same terminal column in the header and the row:
# the wide level name is padded by the columns it takes, not its bytes.
col() { python3 -c 'import sys,unicodedata; s=sys.argv[1]; i=s.index(sys.argv[2]); print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s[:i]) + len(sys.argv[2]))' "$1" "$2"; }
[ "$(col "$header" SIZE)" = "$(( $(col "$line" " 4  ") - 2 ))" ] && ok "the level column is aligned for wide characters" \
  || bad "misaligned: '$header' / '$line'"
expect 2 "an upper-case level" -- $C init up.vault $A --levels internal,Secret
has err "bad level name 'Secret'" "names the level"
expect 2 "a level of 33 letters" -- $C init long.vault $A --levels "$(printf 'あ%.0s' $(seq 33))"
expect 0 "a level of 32 letters" -- $C init long.vault $A --levels "$(printf 'あ%.0s' $(seq 32)),b"
expect 2 "a level starting with a digit" -- $C init d.vault $A --levels 1st
expect 2 "a level with a space" -- $C init d.vault $A --levels "top secret"

# Ctrl-D at the passphrase prompt: no passphrase given, an authentication
# failure (3), like a wrong one.
# (script forwards what it reads to the terminal; ^D there ends the input.)
(sleep 1; printf '\004') | timeout 60 script -qec "$C ls v.vault --as alice.id; echo rc=\$?" /dev/null 2>&1 | tr -d '\r' > tty.out
grep -q "^rc=3$" tty.out && ok "Ctrl-D at the prompt exits 3" || bad "Ctrl-D at the prompt: $(cat tty.out)"
grep -q "no passphrase given" tty.out && ok "and says no passphrase was given" || bad "no message for Ctrl-D"

# -v explains; short options work.
expect 0 "-v ls with short options" -- $C -v ls v.vault -i alice.id --passphrase-file alice.pass -a
has err "^custody: opened vault v.vault: id [0-9a-f]\{32\}, [0-9]* events, ledger verified in" "-v says which vault and how long it took"
has err "^custody: unlocked identity 'Alice' ([0-9a-f]\{16\}) from alice.id in" "-v says who unlocked"
grep -q "pass-alice" err && bad "-v printed the passphrase" || ok "-v never prints the passphrase"
expect 0 "without -v" -- $C ls v.vault $A
[ -s err ] && bad "output on stderr without -v: $(cat err)" || ok "silent without -v"
expect 0 "add with -l and -t" -- $C add v.vault doc.txt -i alice.id --passphrase-file alice.pass -l secret -t "short title" -v
has err "added doc.txt as S-$year-" "-v says what was added"

# One JSON (docs/JSON.md): booleans as booleans, numbers as numbers,
# absent values null, members as objects; a failing --json command prints
# an error object on stdout with the same code as its exit status.
jqok() { if jq -e "$2" "$1" >/dev/null 2>&1; then ok "$3"; else bad "$3: $(head -c 300 "$1")"; fi; }
expect 0 "ls --json" -- $C ls v.vault $A --json
jqok out '.[0] | (.public|type=="boolean") and (.size|type=="number") and (.urgent|type=="boolean") and (.handled==null)' "ls: booleans, numbers and null"
expect 0 "copies --json" -- $C copies v.vault --json
jqok out '.[0] | (.sealed|type=="boolean") and (.copy_no|type=="number") and (.returned==null)' "copies: booleans, numbers and null"
expect 0 "roster --json" -- $C roster v.vault --json
jqok out '.[0] | (.revoked|type=="boolean") and (.name|type=="string")' "roster: a member is an object"
expect 0 "audit --json" -- $C audit v.vault --json
jqok out '(.ok == true) and (.events|type=="number") and (.members[0]|type=="object") and (.members[0].revoked|type=="boolean")' "audit: ok is a boolean, members are objects"
expect 0 "log --json" -- $C log v.vault --json
jq -s . out > log.json; jqok log.json '.[1] | (.actor|type=="object") and (.to.name|type=="string")' "log: people are objects"
expect 3 "ls --json with a wrong passphrase" -- $C ls v.vault --as alice.id --passphrase-file bob.pass --json
jqok out '.error.code == 3 and .error.kind == "auth" and (.error.message|test("wrong passphrase"))' "the error object on stdout names the problem, with code 3"
has err "^custody: error: wrong passphrase" "and stderr still says it"
expect 6 "audit --json of a missing vault" -- $C audit nope.vault --json
jqok out '.error.code == 6 and .error.kind == "not_found"' "the error object for a missing vault, code 6"
expect 2 "a usage error with --json" -- $C ls v.vault --json --frob
jqok out '.error.code == 2 and .error.kind == "usage"' "a parse error gives the error object too"
expect 2 "a usage error without --json" -- $C ls v.vault --frob
[ -s out ] && bad "stdout without --json: $(cat out)" || ok "no error object without --json"

# Top-level help: one screen, one line per command (its first clause); the
# whole description stays in the command's own --help.
$C --help > help.txt
[ "$(wc -l < help.txt)" -le 45 ] && ok "top-level help is one screen ($(wc -l < help.txt) lines)" || bad "top-level help has $(wc -l < help.txt) lines"
sed -n '/^Subcommands:/,/^$/p' help.txt > list.txt
awk 'length > 160 {exit 1}' list.txt && ok "no command's line wraps into a paragraph" || bad "long line in help: $(awk 'length > 160' list.txt | head -1)"
$C destroy --help > dhelp.txt
grep -q "NOT guaranteed: on flash media" dhelp.txt && ok "the command's own help keeps its whole description" || bad "destroy --help lost its description"

# Progress for audit and compact on a terminal; nothing through a pipe.
# 2 GiB (sparse; about 2 s to audit here): long enough for the first line,
# which comes after a second, on any machine.
truncate -s 2G big.bin
$C add v.vault big.bin $A --level internal >/dev/null 2>&1
rm -f big.bin
script -qec "$C audit v.vault" /dev/null >tty.out 2>&1
grep -aq "auditing v.vault: .* of .* (.*%), .*/s" tty.out && ok "a long audit shows its progress on a terminal" || bad "no audit progress: $(tail -c 300 tty.out | od -c | head -5)"
expect 0 "audit through a pipe" -- $C audit v.vault
grep -q "auditing" err && bad "audit progress through a pipe" || ok "no audit progress through a pipe"
# Something to compact away: a small document destroyed; the big one is
# copied into the new file.
$C destroy v.vault "$($C ls v.vault $A | awk '$2=="confidential"{print $1}' | tail -1)" $A --witness bob.id --witness-passphrase-file bob.pass --reason test --yes >/dev/null 2>&1
script -qec "$C compact v.vault $A" /dev/null >tty.out 2>&1
grep -aq "compacting v.vault: .*/s" tty.out && ok "compact shows its progress on a terminal" || bad "no compact progress: $(tail -c 300 tty.out | od -c | head -5)"
grep -aq "compacted v.vault" tty.out && ok "and compacts" || bad "compact failed: $(tail -c 300 tty.out)"
expect 0 "the compacted vault audits" -- $C audit v.vault

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
