#!/usr/bin/env bash
# Benchmark of the office register (issue 11, "Speed"): `custody register
# import` of 1,000 audits (plus their copies lists and yearly reports) and
# `custody register report` over them must take <= 5 s together. The inputs
# are real: three vaults made with the CLI, audited, their JSON varied
# (vault id, ledger head, label, copy numbers) to BENCH_VAULTS drives.
# Not a timed test: run it by hand.
#
# Usage: tools/bench/register_bench.sh [PATH/TO/custody]
# Knobs: BENCH_VAULTS (1000), BENCH_DIR (scratch parent, default /dev/shm).
set -euo pipefail
C=$(readlink -f "${1:-build/tools/custody}")
N=${BENCH_VAULTS:-1000}
T=$(mktemp -d "${BENCH_DIR:-/dev/shm}/register_bench.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T"
export CUSTODY_STATE_DIR="$T/state"
echo bench > pass; chmod 600 pass
ID="--as officer.id --passphrase-file pass"
$C id new --out officer.id --name "Officer" --kdf interactive --passphrase-file pass >/dev/null
$C id public officer.id > officer.pub
YEAR=$(date -u +%Y)
for v in 1 2 3; do
  $C init v$v.vault $ID --label "Drive $v" >/dev/null
  for d in $(seq 1 $((v * 3))); do echo "doc $v $d" > d.txt; $C add v$v.vault d.txt $ID --level confidential >/dev/null; done
  REG=$($C ls v$v.vault $ID --json | jq -r '.[0].reg_no')
  $C copy v$v.vault "$REG" $ID --to officer.pub --scope "Ops" --copies 3 --return-by 2000-01-01 --out c$v.txt 2>/dev/null
  $C audit v$v.vault --json > base$v.audit.json
  $C copies v$v.vault --json > base$v.copies.json
  $C report v$v.vault --year "$YEAR" --json > base$v.report.json
done
mkdir in
python3 - "$N" <<'PY'
import json, sys, hashlib
n = int(sys.argv[1])
base = [(json.load(open(f"base{v}.audit.json")), json.load(open(f"base{v}.copies.json")),
         json.load(open(f"base{v}.report.json"))) for v in (1, 2, 3)]
for i in range(n):
    a, c, r = (json.loads(json.dumps(x)) for x in base[i % 3])
    vid = hashlib.sha256(b"vault %d" % i).hexdigest()[:32]
    head = hashlib.sha256(b"head %d" % i).hexdigest()
    a.update(vault_id=vid, ledger_head=head, anchor=f"{a['events']}:{head}", vault=f"/media/drive{i}.vault",
             label=f"Drive {i}")
    for x in c: x["vault_id"] = vid
    r.update(vault_id=vid, anchor=f"{a['events']}:{head}", vault=a["vault"])
    for kind, obj in (("audit", a), ("copies", c), ("report", r)):
        json.dump(obj, open(f"in/{i:04d}.{kind}.json", "w"))
PY
t0=$(date +%s.%N)
$C register import reg.db in/*.audit.json in/*.copies.json in/*.report.json > import.out
t1=$(date +%s.%N)
$C register report reg.db --since "$YEAR-01-01" > report.txt
t2=$(date +%s.%N)
$C register report reg.db --json > report.json
t3=$(date +%s.%N)
t4=$t3
$C register import reg.db in/*.audit.json > /dev/null
t5=$(date +%s.%N)
awk -v n="$N" -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" -v e="$t4" -v f="$t5" 'BEGIN {
  printf "register import of %d audits + %d copies lists + %d reports: %.2f s\n", n, n, n, b - a
  printf "register report (text, --since):                        %.2f s\n", c - b
  printf "register report --json:                                 %.2f s\n", d - c
  printf "re-import of the %d audits (all already on file):       %.2f s\n", n, f - e
  printf "import + report: %.2f s (target <= 5 s)\n", c - a }'
echo "vaults on file: $(jq '.vaults | length' report.json), copies outstanding: $(jq '.copies_outstanding | length' report.json), database: $(du -k reg.db | cut -f1) KiB"
