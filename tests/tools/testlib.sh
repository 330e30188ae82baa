# Shared helpers of the CLI end-to-end scripts (sourced, not run).
# Counts checks in $passed / $failed; `expect` leaves the command's stdout
# and stderr in ./out and ./err for the checks that follow.
passed=0 failed=0
ok()   { passed=$((passed + 1)); echo "ok   $*"; }
bad()  { failed=$((failed + 1)); echo "FAIL $*"; }
# expect CODE DESCRIPTION -- COMMAND...: runs, captures stdout/stderr in out/err.
expect() {
  local code=$1 desc=$2; shift 3
  "$@" >out 2>err; local rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$desc (exit $rc)"; else bad "$desc: expected exit $code, got $rc: $(head -c 400 err)"; fi
}
has()  { if grep -q -- "$2" "$1"; then ok "$3"; else bad "$3: '$2' not in $1: $(head -c 300 "$1")"; fi; }
