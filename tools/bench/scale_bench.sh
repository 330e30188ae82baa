#!/usr/bin/env bash
# Custody scale benchmark (issue 8). Usage: tools/bench/scale_bench.sh [CUSTODY_BIN]
#   default binary: build/tools/custody
# Measures, at N documents, custody ls / extract / add / returning open / audit / bytes per
# document against the sqlite3 CLI on an indexed table of N comparable rows, and the 1 GiB
# add/extract throughput against age. Every measurement is repeated BENCH_REPS times, custody and
# its peer interleaved, and reported as min-max. See tools/bench/README.md.
# Environment knobs:
#   BENCH_NS="100000 1000000"  document counts, ascending; each vault grows from the previous one
#   BENCH_BATCH=50000          files per `custody add` call while building (one commit per call)
#   BENCH_BUILD_CAP_S=600      give up on an N whose build would take longer (projected)
#   BENCH_REPS=3               interleaved repetitions
#   BENCH_SIZE_MIB=1024        1 GiB add/extract vs age section (0 skips it)
#   BENCH_NEW_EVENTS=10        events added by another process before the returning-user open
set -euo pipefail

CUSTODY=$(readlink -f "${1:-build/tools/custody}")
NS=${BENCH_NS:-"100000 1000000"}
BATCH=${BENCH_BATCH:-50000}
CAP=${BENCH_BUILD_CAP_S:-600}
REPS=${BENCH_REPS:-3}
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
NEWEV=${BENCH_NEW_EVENTS:-10}
BASE_REPS=5

[ -x "$CUSTODY" ] || { echo "not executable: $CUSTODY" >&2; exit 2; }
command -v sqlite3 >/dev/null || apt-get install -y sqlite3 >/dev/null
command -v age >/dev/null && command -v age-keygen >/dev/null || { echo "age not installed" >&2; exit 2; }

W=$(mktemp -d /dev/shm/scale_bench.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM HUP
cp "$CUSTODY" "$W/custody"   # a concurrent rebuild cannot swap the binary mid-run
CUSTODY_SRC=$CUSTODY; CUSTODY=$W/custody
T0=$EPOCHREALTIME
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------- helpers ----------
el() { awk -v s="$1" -v e="$2" 'BEGIN{printf "%.4f", e-s}'; }          # seconds between stamps
t() { local s=$EPOCHREALTIME; "$@" >/dev/null; el "$s" "$EPOCHREALTIME"; } # wall s of CMD
okfail() { "$@" 2>/dev/null || true; }                                   # a command expected to fail
calc() { awk "BEGIN{printf \"$1\", $2}"; }
sorted() { printf '%s\n' $1 | sort -g; }
minof() { sorted "$1" | head -1; }
maxof() { sorted "$1" | tail -1; }
median() { sorted "$1" | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
log() { printf '[%6.0fs] %s\n' "$(el "$T0" "$EPOCHREALTIME")" "$*" >&2; }
declare -A R   # R[key]="v1 v2 v3"
add_r() { R[$1]="${R[$1]:-} $2"; }
# first-line timing: run CMD into a reader that stamps line 1 and line 2; prints "l1 l2 total"
tpipe() {
  local s=$EPOCHREALTIME
  "$@" | { IFS= read -r _; a=$EPOCHREALTIME; IFS= read -r _ || true; b=$EPOCHREALTIME
           cat >/dev/null; echo "$a $b" >"$W/stamps"; }
  local e=$EPOCHREALTIME a b; read -r a b <"$W/stamps"
  echo "$(el "$s" "$a") $(el "$s" "$b") $(el "$s" "$e")"
}

PF=$W/pass; echo "bench-passphrase" >"$PF"; chmod 600 "$PF"
SO=$W/state.owner; SW=$W/state.writer; SR=$W/state.reader
C()  { CUSTODY_STATE_DIR=$SO "$CUSTODY" "$@"; }       # owner (officer)
CW() { CUSTODY_STATE_DIR=$SW "$CUSTODY" "$@"; }       # another process/user: writer
CR() { CUSTODY_STATE_DIR=$SR "$CUSTODY" "$@"; }       # the returning user
for who in owner writer reader; do
  CUSTODY_STATE_DIR=$W/state.$who "$CUSTODY" id new --out "$W/$who.key" --name "$who" --kdf interactive \
    --passphrase-file "$PF" >/dev/null
done
P() { echo --as "$W/$1.key" --passphrase-file "$PF"; }

# ---------- unlock baseline: ls of an EMPTY vault, same identity, same KDF profile ----------
E=$W/empty.vault
C init "$E" $(P owner) >/dev/null
base=""
for _ in $(seq $BASE_REPS); do base="$base $(t C ls "$E" $(P owner))"; done

# ---------- 1 GiB add/extract vs age (same method as vault_bench.sh), interleaved ----------
BIG_ROWS=""
if [ "$SIZE_MIB" -gt 0 ]; then
  log "1 GiB section"
  age-keygen -o "$W/age.key" 2>/dev/null; AGE_R=$(age-keygen -y "$W/age.key")
  BIG=$W/big.bin; head -c $((SIZE_MIB * 1048576)) /dev/urandom >"$BIG"; BYTES=$((SIZE_MIB * 1048576))
  : >"$W/empty"; SV=$W/small.vault
  C init "$SV" $(P owner) >/dev/null
  EREG=$(C add "$SV" "$W/empty" $(P owner) --level secret)
  age -r "$AGE_R" -o "$W/empty.age" "$W/empty"
  fa=""; fe=""; ae=""; ad=""
  for _ in $(seq $BASE_REPS); do
    fa="$fa $(t C add "$SV" "$W/empty" $(P owner) --level secret)"
    fe="$fe $(t C extract "$SV" "$EREG" $(P owner) --out "$W/e.out" --force)"
    rm -f "$W/e2.age" "$W/e2.out"
    ae="$ae $(t age -r "$AGE_R" -o "$W/e2.age" "$W/empty")"
    ad="$ad $(t age -d -i "$W/age.key" -o "$W/e2.out" "$W/empty.age")"
  done
  F_ADD=$(median "$fa"); F_EXT=$(median "$fe"); A_ENC0=$(median "$ae"); A_DEC0=$(median "$ad")
  mbs() { calc "%.1f" "$BYTES / 1e6 / ($1 - $2)"; }
  VB=$W/big.vault
  for r in $(seq "$REPS"); do
    # every output goes to fresh tmpfs pages (old outputs removed first), for every tool alike
    rm -f "$VB" "$W/ext.out" "$W/big.age" "$W/age.out"
    C init "$VB" $(P owner) >/dev/null
    s=$EPOCHREALTIME; REG=$(C add "$VB" "$BIG" $(P owner) --level secret); e=$EPOCHREALTIME
    add_r big_add "$(mbs "$(el "$s" "$e")" "$F_ADD")"
    add_r big_ext "$(mbs "$(t C extract "$VB" "$REG" $(P owner) --out "$W/ext.out")" "$F_EXT")"
    add_r age_enc "$(mbs "$(t age -r "$AGE_R" -o "$W/big.age" "$BIG")" "$A_ENC0")"
    add_r age_dec "$(mbs "$(t age -d -i "$W/age.key" -o "$W/age.out" "$W/big.age")" "$A_DEC0")"
    cmp -s "$BIG" "$W/ext.out" || { echo "FAIL: custody extract output differs" >&2; exit 1; }
    cmp -s "$BIG" "$W/age.out" || { echo "FAIL: age round trip differs" >&2; exit 1; }
    log "  rep $r: add ${R[big_add]##* } extract ${R[big_ext]##* } age-r ${R[age_enc]##* } age-d ${R[age_dec]##* } MB/s"
  done
  rm -f "$VB" "$W/ext.out" "$W/big.age" "$W/age.out" "$BIG"
fi

# ---------- the scale vault and its sqlite peer ----------
V=$W/scale.vault; DB=$W/peer.db
C init "$V" $(P owner) >/dev/null
C grant "$V" $(P owner) --to "$("$CUSTODY" id public "$W/writer.key")" --clearance secret >/dev/null
C grant "$V" $(P owner) --to "$("$CUSTODY" id public "$W/reader.key")" --clearance internal >/dev/null
sqlite3 "$DB" "CREATE TABLE docs(reg_no TEXT PRIMARY KEY, title TEXT NOT NULL, level TEXT NOT NULL,
  size INTEGER NOT NULL, added TEXT NOT NULL, blob BLOB NOT NULL); CREATE INDEX docs_level ON docs(level);"
HAVE=0; BUILD_TOTAL=0; MORE=0; EXTRA=0
REPORT=""; DONE_NS=""; SKIP_NOTE=""

build_to() { # build_to N -> grows $V to N docs; returns 1 if the projected build exceeds $CAP
  local n=$1 start=$EPOCHREALTIME a b s dt spent rem
  while [ "$HAVE" -lt "$n" ]; do
    a=$((HAVE + 1)); b=$((HAVE + BATCH)); [ "$b" -gt "$n" ] && b=$n
    rm -rf "$W/chunk"; mkdir "$W/chunk"
    (cd "$W/chunk" && seq -f '%07g' "$a" "$b" | split -l 1 -a 7 -d --numeric-suffixes="$a" - d)
    s=$EPOCHREALTIME
    (cd "$W/chunk" && ls | CUSTODY_STATE_DIR=$SO xargs -s 2000000 -n "$BATCH" "$CUSTODY" add "$V" \
       $(P owner) --level secret >/dev/null)
    dt=$(el "$s" "$EPOCHREALTIME"); rm -rf "$W/chunk"
    HAVE=$b; BUILD_TOTAL=$(calc "%.1f" "$BUILD_TOTAL + $dt")
    spent=$(el "$start" "$EPOCHREALTIME"); rem=$(( (n - HAVE + BATCH - 1) / BATCH ))
    log "  built $HAVE docs (+$((b - a + 1)) in ${dt}s; this N so far ${spent}s)"
    if awk -v sp="$spent" -v d="$dt" -v r="$rem" -v c="$CAP" 'BEGIN{exit !(sp + d*r > c)}'; then
      SKIP_NOTE="N=$n skipped: at $HAVE docs the build had taken ${spent}s and the last chunk of $BATCH \
${dt}s, so reaching $n (projected >= $(calc "%.0f" "$spent + $dt*$rem") s) exceeds the ${CAP}s cap"
      return 1
    fi
  done
  # the sqlite peer: rows 1..n of comparable metadata plus a 200-byte blob
  sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT (SELECT count(*) FROM docs WHERE reg_no LIKE 'S-%')+1
    UNION ALL SELECT i+1 FROM c WHERE i < $n) INSERT INTO docs SELECT printf('S-2026-%05d', i),
    printf('d%07d', i), 'secret', 8, strftime('%Y-%m-%dT%H:%M:%SZ','now'), randomblob(200) FROM c;"
}

measure() { # measure N
  local n=$1 mid r i out l1 l2 tot k
  mid=$(printf 'S-2026-%05d' $((n / 2)))
  # the returning user has opened (and so remembers) the vault once
  CR ls "$V" $(P reader) >/dev/null
  for r in $(seq "$REPS"); do
    log "  N=$n rep $r"
    add_r "$n.base" "$(t C ls "$E" $(P owner))"
    read -r l1 l2 tot < <(tpipe C ls "$V" $(P owner))
    add_r "$n.ls_l1" "$l1"; add_r "$n.ls_l2" "$l2"; add_r "$n.ls" "$tot"
    read -r l1 l2 tot < <(tpipe sqlite3 "$DB" "SELECT * FROM docs")
    add_r "$n.sq_l1" "$l1"; add_r "$n.sq_scan" "$tot"
    add_r "$n.sq_count" "$(t sqlite3 "$DB" "SELECT count(*) FROM docs")"
    add_r "$n.ext" "$(t C extract "$V" "$mid" $(P owner) --out "$W/small.out" --force)"
    [ -s "$W/small.out" ] || { echo "FAIL: extract of $mid is empty" >&2; exit 1; }
    add_r "$n.sq_get" "$(t sqlite3 "$DB" "SELECT * FROM docs WHERE reg_no = '$mid'")"
    MORE=$((MORE + 1)); echo "one more $MORE" >"$W/more"
    add_r "$n.add" "$(t C add "$V" "$W/more" $(P owner) --level secret)"
    add_r "$n.sq_ins" "$(t sqlite3 "$DB" "INSERT INTO docs VALUES(printf('X-%07d', $MORE), 'one more',
      'secret', 11, strftime('%Y-%m-%dT%H:%M:%SZ','now'), randomblob(200))")"
    # returning user: catch up (untimed), time an open with 0 new events, then NEWEV adds by the
    # writer (separate processes, one event each), then time the same command again. The open
    # is timed as a lookup of a number that does not exist (open, verify the remembered state
    # and the events since, one catalog path; exit 6), and, for information, as an `ls` by
    # that reader, who is cleared for none of the documents but still streams every entry.
    CR ls "$V" $(P reader) >/dev/null
    add_r "$n.ret0" "$(t okfail CR extract "$V" NO-SUCH-1 $(P reader) --out "$W/none.out")"
    add_r "$n.retls0" "$(t CR ls "$V" $(P reader))"
    for i in $(seq "$NEWEV"); do
      EXTRA=$((EXTRA + 1)); echo "writer $EXTRA" >"$W/w"; CW add "$V" "$W/w" $(P writer) --level secret >/dev/null
    done
    add_r "$n.ret" "$(t okfail CR extract "$V" NO-SUCH-1 $(P reader) --out "$W/none.out")"
    for i in $(seq "$NEWEV"); do
      EXTRA=$((EXTRA + 1)); echo "writer $EXTRA" >"$W/w"; CW add "$V" "$W/w" $(P writer) --level secret >/dev/null
    done
    add_r "$n.retls" "$(t CR ls "$V" $(P reader))"
    local s=$EPOCHREALTIME; out=$("$CUSTODY" audit "$V"); tot=$(el "$s" "$EPOCHREALTIME")
    k=$(sed -n 's/^ledger *\([0-9]*\) events.*/\1/p' <<<"$out")
    add_r "$n.audit" "$tot"; add_r "$n.audit_eps" "$(calc "%.0f" "$k / $tot")"; AUDIT_EV=$k
    add_r "$n.sq_integ" "$(t sqlite3 "$DB" "PRAGMA integrity_check")"
  done
  NDOCS=$((HAVE + MORE + EXTRA))
  VBYTES=$(stat -c %s "$V"); DBBYTES=$(stat -c %s "$DB"); DBROWS=$(sqlite3 "$DB" "SELECT count(*) FROM docs")
  R[$n.vbpd]=$(calc "%.0f" "$VBYTES / $NDOCS"); R[$n.dbpr]=$(calc "%.0f" "$DBBYTES / $DBROWS")
  R[$n.ndocs]=$NDOCS; R[$n.events]=$AUDIT_EV; R[$n.vbytes]=$VBYTES; R[$n.build]=$BUILD_TOTAL
}

for n in $NS; do
  log "building to N=$n (batches of $BATCH)"
  build_to "$n" || { log "$SKIP_NOTE"; break; }
  measure "$n"; DONE_NS="$DONE_NS $n"
done

# ---------- report ----------
BASE=$(median "$base $(for n in $DONE_NS; do echo "${R[$n.base]}"; done)")
ms_range() { # ms_range "values" [subtract_s] -> "a–b"
  local sub=${2:-0} lo hi
  lo=$(calc "%.0f" "($(minof "$1") - $sub) * 1000"); hi=$(calc "%.0f" "($(maxof "$1") - $sub) * 1000")
  [ "$lo" = "$hi" ] && echo "$lo" || echo "$lo–$hi"
}
s_range() { local sub=${2:-0}; echo "$(calc "%.2f" "$(minof "$1") - $sub")–$(calc "%.2f" "$(maxof "$1") - $sub")"; }
n_range() { echo "$(minof "$1")–$(maxof "$1")"; }
ratio() { calc "%.1f" "($(median "$1") - ${3:-0}) / $(median "$2")"; }  # custody median net / peer
verdict() { # verdict "values" OP LIMIT [subtract]: on the median; notes when the range straddles
  local sub=${4:-0} v lo hi ok
  chk() { awk -v v="$1" -v l="$3" -v op="$2" -v s="$sub" 'BEGIN{v-=s; print ((op==">=") ? (v>=l) : (v<=l)) ? 1 : 0}'; }
  v=$(chk "$(median "$1")" "$2" "$3"); lo=$(chk "$(minof "$1")" "$2" "$3"); hi=$(chk "$(maxof "$1")" "$2" "$3")
  ok=$([ "$v" = 1 ] && echo met || echo MISSED)
  [ "$lo" != "$hi" ] && ok="$ok (range straddles)"
  echo "$ok"
}
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
echo "Custody scale benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)  host=$(hostname) cpus=$(nproc)"
echo "loadavg at start $LOAD0, at end $LOAD1; run took $(calc "%.0f" "$EPOCHREALTIME - $T0") s"
echo "custody: $CUSTODY_SRC ($("$CUSTODY" --version 2>&1 | head -1)); $(sqlite3 --version | cut -d' ' -f1-2 | sed 's/^/sqlite3 /'); age $(age --version)"
echo "$REPS interleaved repetitions, ranges are min–max, verdicts on the median; identities use --kdf interactive"
echo "unlock cost (custody ls of an EMPTY vault, same identity): $(ms_range "$base") ms, median $(calc "%.0f" "$BASE*1000") ms;"
echo "'net' = raw minus this median. Ratio = custody median (net) / peer median, or MB/s / MB/s."
[ -n "$SKIP_NOTE" ] && echo "NOTE: $SKIP_NOTE"
echo
echo "| metric | custody | peer | peer value | ratio | target (issue 8) | verdict |"
echo "|---|---|---|---|---|---|---|"
for n in $DONE_NS; do
  tag=""; [ "$n" -ne 1000000 ] && tag=" [target is for 1M]"
  f() { echo "${R[$n.$1]}"; }
  echo "| **N = $n** (${R[$n.ndocs]} docs, ${R[$n.events]} events after the runs) | | | | | | |"
  echo "| ls, total, ms net (raw) | $(ms_range "$(f ls)" "$BASE") ($(ms_range "$(f ls)")) | sqlite \`SELECT *\` | $(ms_range "$(f sq_scan)") | $(ratio "$(f ls)" "$(f sq_scan)" "$BASE")× | ≤ 3000 ms | $(verdict "$(f ls)" "<=" 3 "$BASE")$tag |"
  echo "| ls, first line (header), ms net (raw) | $(ms_range "$(f ls_l1)" "$BASE") ($(ms_range "$(f ls_l1)")) | sqlite first row | $(ms_range "$(f sq_l1)") | $(ratio "$(f ls_l1)" "$(f sq_l1)" "$BASE")× | ≤ 100 ms | $(verdict "$(f ls_l1)" "<=" 0.1 "$BASE")$tag |"
  echo "| ls, first document line, ms net (raw) | $(ms_range "$(f ls_l2)" "$BASE") ($(ms_range "$(f ls_l2)")) | sqlite first row | $(ms_range "$(f sq_l1)") | $(ratio "$(f ls_l2)" "$(f sq_l1)" "$BASE")× | ≤ 100 ms | $(verdict "$(f ls_l2)" "<=" 0.1 "$BASE")$tag |"
  echo "| extract one small doc, ms net (raw) | $(ms_range "$(f ext)" "$BASE") ($(ms_range "$(f ext)")) | sqlite lookup by key | $(ms_range "$(f sq_get)") | $(ratio "$(f ext)" "$(f sq_get)" "$BASE")× | ≤ 50 ms | $(verdict "$(f ext)" "<=" 0.05 "$BASE")$tag |"
  echo "| one more add (small file), ms net (raw) | $(ms_range "$(f add)" "$BASE") ($(ms_range "$(f add)")) | sqlite INSERT, own txn | $(ms_range "$(f sq_ins)") | $(ratio "$(f add)" "$(f sq_ins)" "$BASE")× | ≤ 50 ms | $(verdict "$(f add)" "<=" 0.05 "$BASE")$tag |"
  rlim=$(calc "%.4f" "0.02 + $NEWEV / 25000")
  echo "| returning user's open after $NEWEV new events (lookup of a missing number), ms net (raw) | $(ms_range "$(f ret)" "$BASE") ($(ms_range "$(f ret)")) | — | — | — | ≤ 20 ms + new events ($(calc "%.1f" "$rlim*1000") ms at 25k ev/s) | $(verdict "$(f ret)" "<=" "$rlim" "$BASE")$tag |"
  echo "|   same, 0 new events (info), ms net (raw) | $(ms_range "$(f ret0)" "$BASE") ($(ms_range "$(f ret0)")) | — | — | — | — | info |"
  echo "|   \`ls\` by that reader (cleared for none of the documents) after $NEWEV new events (info), ms net (raw) | $(ms_range "$(f retls)" "$BASE") ($(ms_range "$(f retls)")) | — | — | — | — | info |"
  echo "|   same, 0 new events (info), ms net (raw) | $(ms_range "$(f retls0)" "$BASE") ($(ms_range "$(f retls0)")) | — | — | — | — | info |"
  echo "| audit, s (keyless, no KDF) | $(s_range "$(f audit)") | sqlite \`PRAGMA integrity_check\` | $(s_range "$(f sq_integ)") | $(ratio "$(f audit)" "$(f sq_integ)")× | — | info |"
  echo "| audit, events verified / s | $(n_range "$(f audit_eps)") | — | — | — | ≥ 25,000 /s | $(verdict "$(f audit_eps)" ">=" 25000) |"
  echo "| vault bytes per document | $(f vbpd) ($(f vbytes) B) | sqlite file bytes per row | $(f dbpr) | $(calc "%.1f" "$(f vbpd) / $(f dbpr)")× | — | info |"
  echo "| sqlite \`SELECT count(*)\` (info) | — | sqlite | $(ms_range "$(f sq_count)") | — | — | info |"
  echo "| building the vault to N (batches of $BATCH, cumulative) | $(f build) s, $(calc "%.1f" "$(f build) * 100000 / $n") s per 100k | — | — | — | — | info |"
done
if [ "$SIZE_MIB" -gt 0 ]; then
  echo "| **${SIZE_MIB} MiB throughput**, MB/s net of fixed cost | | | | | | |"
  echo "| add | $(n_range "${R[big_add]}") | \`age -r\` | $(n_range "${R[age_enc]}") | $(calc "%.2f" "$(median "${R[big_add]}") / $(median "${R[age_enc]}")")× | ≥ 1.2× age -r | $(verdict "$(calc "%.3f" "$(median "${R[big_add]}") / $(median "${R[age_enc]}")")" ">=" 1.2) |"
  echo "| extract | $(n_range "${R[big_ext]}") | \`age -d\` | $(n_range "${R[age_dec]}") | $(calc "%.2f" "$(median "${R[big_ext]}") / $(median "${R[age_dec]}")")× | ≥ 2.0× age -d | $(verdict "$(calc "%.3f" "$(median "${R[big_ext]}") / $(median "${R[age_dec]}")")" ">=" 2.0) |"
  echo
  echo "${SIZE_MIB} MiB per-rep MB/s (order: custody add, custody extract, age -r, age -d in each rep):"
  echo "  custody add:${R[big_add]}   custody extract:${R[big_ext]}"
  echo "  age -r:${R[age_enc]}   age -d:${R[age_dec]}   (age spread max/min: -r $(calc "%.2f" "$(maxof "${R[age_enc]}") / $(minof "${R[age_enc]}")"), -d $(calc "%.2f" "$(maxof "${R[age_dec]}") / $(minof "${R[age_dec]}")"))"
  echo "  fixed costs subtracted: custody add of empty file $(calc "%.0f" "$F_ADD*1000") ms, extract of empty doc $(calc "%.0f" "$F_EXT*1000") ms; age empty enc $(calc "%.0f" "$A_ENC0*1000") ms / dec $(calc "%.0f" "$A_DEC0*1000") ms"
fi
