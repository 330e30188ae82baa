#!/usr/bin/env bash
# tools/bench/bindings_bench.sh [PATH/TO/custody]: cost of the bindings on an open: the same vault (bound: a registered
# medium and an approved host; unbound: a copy made before binding), opened
# by `custody ls` (keyed: Unlock runs the host check) and `media list`.
set -euo pipefail
C=$(readlink -f "${1:-build/tools/custody}")
T=$(mktemp -d /tmp/bindbench.XXXXXX); cd $T
export CUSTODY_STATE_DIR=$T/state
echo pass > a.pass; chmod 600 a.pass
$C id new --out a.id --name A --kdf interactive --passphrase-file a.pass >/dev/null
A="--as a.id --passphrase-file a.pass"
$C init v.vault $A >/dev/null
for i in $(seq 50); do echo doc $i > d$i.txt; done
$C add v.vault d*.txt --level secret $A >/dev/null
cp v.vault u.vault; mkdir -p $T/state-u
$C media register v.vault $A --number M-1 --label x >/dev/null
$C host register v.vault $A >/dev/null
t() { local s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
for cmd in "media list" "ls"; do
  ub=(); bd=()
  for r in $(seq 15); do
    if [ "$cmd" = ls ]; then ub+=($(CUSTODY_STATE_DIR=$T/state-u t $C ls u.vault $A)); bd+=($(t $C ls v.vault $A));
    else ub+=($(CUSTODY_STATE_DIR=$T/state-u t $C media list u.vault)); bd+=($(t $C media list v.vault)); fi
  done
  med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
  echo "$cmd: unbound ms min/median/max $(printf '%s\n' "${ub[@]}" | sort -n | head -1)/$(med "${ub[@]}")/$(printf '%s\n' "${ub[@]}" | sort -n | tail -1); bound $(printf '%s\n' "${bd[@]}" | sort -n | head -1)/$(med "${bd[@]}")/$(printf '%s\n' "${bd[@]}" | sort -n | tail -1)"
done
rm -rf $T
