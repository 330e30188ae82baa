#!/usr/bin/env bash
# The Debian package (issue 12): cpack builds custody_<version>_amd64.deb from
# the build directory; unpacked (dpkg -x), its binary states that version and
# adds and extracts a document, its manual page renders without a troff
# warning and documents every command and flag `custody --help` lists, its
# bash and zsh completion complete commands, flags, levels and registration
# numbers, and lintian reports no error on it.
# Usage: package_test.sh BUILD_DIR VERSION
set -uo pipefail
TESTLIB=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/testlib.sh
SRC=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../..
BUILD=$(readlink -f "${1:?usage: package_test.sh BUILD_DIR VERSION}")
VERSION=${2:?usage: package_test.sh BUILD_DIR VERSION}
T=$(mktemp -d /tmp/custody-pkg.XXXXXX)
export CUSTODY_STATE_DIR="$T/state"
trap 'rm -rf "$T"' EXIT
cd "$T"
umask 077  # passphrase files others can read are refused, as ssh refuses such keys
source "$TESTLIB"
started=$SECONDS

# cpack in its own directory: the package and CPack's staging tree never
# touch the build directory that other tests run from (and CPack installs
# without building, CMAKE_SKIP_INSTALL_ALL_DEPENDENCY).
expect 0 "cpack -G DEB" -- cpack -G DEB --config "$BUILD/CPackConfig.cmake" -B "$T/pkg"
deb=$T/pkg/custody_${VERSION}_amd64.deb
if [ -f "$deb" ]; then ok "the package is custody_${VERSION}_amd64.deb"; else
  bad "no custody_${VERSION}_amd64.deb in: $(ls "$T/pkg")"; echo "$passed passed, $failed failed"; exit 1; fi
echo "(cpack took $((SECONDS - started)) s)"

dpkg-deb -f "$deb" > control
has control "^Version: $VERSION$" "control: Version $VERSION"
has control "^Depends:.*libsodium23" "control: depends on libsodium23 (dpkg-shlibdeps)"
has control "^Depends:.*libprotobuf32" "control: depends on libprotobuf32"
has control "^Depends:.*libfuse3-3" "control: depends on libfuse3-3"
has control "^Depends:.*fuse3" "control: depends on fuse3 (fusermount3)"
has control "^Suggests: age" "control: suggests age"
dpkg-deb -c "$deb" | awk '{print $6}' > contents
for f in ./usr/bin/custody ./usr/share/man/man1/custody.1.gz \
         ./usr/share/bash-completion/completions/custody ./usr/share/zsh/vendor-completions/_custody \
         ./usr/share/doc/custody/copyright ./usr/share/doc/custody/changelog.gz \
         ./usr/share/doc/custody/README.md ./usr/share/doc/custody/FORMAT.md ./usr/share/doc/custody/WIPE.md; do
  has contents "^$f$" "package holds $f"
done

# The unpacked package, run from where it was unpacked.
expect 0 "dpkg -x" -- dpkg -x "$deb" root
C=$T/root/usr/bin/custody
expect 0 "unpacked custody --version" -- "$C" --version
has out "^custody $VERSION (format v" "--version states the package's version"
echo pass-a > a.pass
printf 'minutes of the meeting\n' > doc.txt
A="--as a.id --passphrase-file a.pass"
expect 0 "id new" -- "$C" id new --out a.id --name Alice --kdf interactive --passphrase-file a.pass
expect 0 "init" -- "$C" init v.vault $A --levels low,high
expect 0 "add" -- "$C" add v.vault doc.txt $A --level high
reg=$(cat out)
expect 0 "extract" -- "$C" extract v.vault "$reg" $A --out back.txt
if cmp -s doc.txt back.txt; then ok "extract gives back the added bytes"; else bad "extracted bytes differ"; fi

# The manual page: renders cleanly, and names every command and flag.
page=$T/root/usr/share/man/man1/custody.1.gz
man --warnings -l "$page" 2>warnings >/dev/null
if [ ! -s warnings ]; then ok "man --warnings -l: no warning"; else bad "man warnings: $(head -c 400 warnings)"; fi
# Not hyphenated (a flag split across lines cannot be copied or searched).
if MANWIDTH=80 MANPAGER=cat PAGER=cat man -l "$page" 2>/dev/null | grep -q '‐$'; then
  bad "the man page hyphenates words at 80 columns"; else ok "the man page hyphenates nothing"; fi
MANWIDTH=2000 MANPAGER=cat PAGER=cat man -l "$page" 2>/dev/null > page.txt
has page.txt "EXIT STATUS" "man page has EXIT STATUS"
has page.txt "ENVIRONMENT" "man page has ENVIRONMENT"
has page.txt "FILES" "man page has FILES"
has page.txt "EXAMPLES" "man page has EXAMPLES"
for code in 0 1 2 3 4 5 6; do
  grep -q "^ *$code$" page.txt || bad "man page: no exit code $code"
done
# Every command of `custody --help` (and of its groups), with each flag that
# command's --help lists: a command added to the CLI without its manual
# entry fails here.
subcommands() { sed -n '/^Subcommands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}'; }
missing=0 checked=0
check_command() {  # WORDS...: one command
  local entry flag
  # Its entry: its synopsis lines and the text under them, up to the next
  # command's synopsis or heading.
  entry=$(awk -v c="^       custody $*( |$)" '
    $0 ~ c { p = 1; print; next }
    p && (/^       custody / || /^[A-Z]/ || /^   [A-Z]/) { exit }
    p' page.txt)
  if [ -z "$entry" ]; then bad "man page: no entry for custody $*"; missing=$((missing + 1)); return; fi
  for flag in $("$C" "$@" --help | sed -n '/^Options:/,/^$/{s/^  \(-[a-z],\)\{0,1\}\(--[a-z0-9-]*\).*/\2/p}'); do
    [ "$flag" = --help ] && continue
    checked=$((checked + 1))
    # A flag is documented in the command's entry, or among the common ones.
    if ! grep -q -- "$flag\b" <<<"$entry" && ! [[ $flag =~ ^--(as|passphrase-file)$ ]]; then
      bad "man page: custody $* $flag is not documented"; missing=$((missing + 1))
    fi
  done
}
for cmd in $("$C" --help | subcommands); do
  subs=$("$C" "$cmd" --help | subcommands)
  if [ -n "$subs" ]; then for s in $subs; do check_command "$cmd" "$s"; done
  else check_command "$cmd"; fi
done
if [ "$missing" -eq 0 ]; then ok "man page documents every command and its $checked flags"; fi

# Completion, from the package: bash (with bash-completion loaded, as a login
# shell has it) and zsh (through bashcompinit, in a real interactive zsh).
mkdir bin && ln -s "$C" bin/custody
"$C" add v.vault doc.txt $A --level low --reg-no L-7 >/dev/null 2>&1
"$C" copy v.vault L-7 $A --to Alice --scope "the test" --out copy.txt >/dev/null 2>&1
mkdir mnt
complete_bash() {  # WORDS...: what TAB offers after them
  PATH=$T/bin:$PATH bash -c '
    source /usr/share/bash-completion/bash_completion
    source "$0"
    COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
    _custody_complete; echo "${COMPREPLY[*]}"' \
    "$T/root/usr/share/bash-completion/completions/custody" "$@"
}
check_completion() {  # WANT WORDS...
  local want=$1; shift
  local got; got=$(complete_bash "$@")
  if [[ " $got " == *" $want "* ]]; then ok "bash: custody ${*:2}<TAB> offers $want"
  else bad "bash: custody ${*:2}<TAB> gave '$got', not $want"; fi
}
check_completion add custody ad
check_completion export-age custody id ex
check_completion --level custody add v.vault doc.txt --le
check_completion --kdf custody id new --kd
check_completion sensitive custody id new --kdf ""
check_completion high custody add v.vault doc.txt --level ""
check_completion "$reg" custody extract v.vault ""
check_completion L-7 custody extract v.vault --as a.id ""
check_completion public custody declassify v.vault "$reg" --to ""
check_completion auditor custody grant v.vault --role ""
check_completion L-7/1 custody return v.vault ""
check_completion a.id custody ls v.vault --as a.
check_completion mnt custody mount v.vault m

if command -v zsh >/dev/null; then
  cat > z.zsh <<'EOF'
zmodload zsh/zpty
zpty -b z "PATH=$1:\$PATH TERM=dumb PS1='%% ' zsh -f -i"
zpty -w z "fpath=($2 \$fpath); autoload -Uz compinit; compinit -u; print READY"
zpty -r z line '*READY*'; zpty -r z line '*READY*'
zpty -w -n z $'custody ad\t'; sleep 0.5
zpty -w -n z $'--le\t'; sleep 0.5
zpty -w -n z $'\C-u print DONE\n'
# Until the echoed command and its output are both in (20 s at most: each
# TAB runs custody --help, slow on a loaded machine).
out='' waited=0
while [[ $out != *DONE*DONE* ]] && (( waited < 200 )); do
  if zpty -r -t z chunk; then out+=$chunk; else sleep 0.1; (( waited++ )); fi
done
print -r -- "$out"
zpty -d z
EOF
  timeout 30 zsh -f z.zsh "$T/bin" "$T/root/usr/share/zsh/vendor-completions" > zsh.out 2>&1
  has zsh.out "custody add.*--level" "zsh: custody ad<TAB> --le<TAB> completes to 'custody add --level'"
fi

echo "(cpack to completion took $((SECONDS - started)) s)"
# lintian: errors fail; warnings are reported.
lintian --tag-display-limit 0 "$deb" > lintian.out 2>&1
sed 's/^/  lintian: /' lintian.out
if grep -q '^E:' lintian.out; then bad "lintian reports errors"; else ok "lintian reports no error"; fi

echo "(package test took $((SECONDS - started)) s)"
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
