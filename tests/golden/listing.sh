# Shared by the golden tests (sourced): compares a listing with the one a
# release recorded. Later releases may add fields to `ls --json` (0.4 added
# the register's); every recorded field must still be there, in order, with
# the recorded value. The recorded listings wrote an absent timestamp as ""
# where custody now writes null (docs/JSON.md): the two compare equal.
# Usage: same_listing RECORDED ACTUAL (both JSON arrays).
same_listing() {
  local keys
  keys=$(jq -c '[.[] | keys_unsorted] | add // [] | unique' "$1")
  diff -u <(jq -S . "$1") \
          <(jq -S --argjson k "$keys" '[.[] | with_entries(select(.key as $x | $k | index($x))
                                                   | .value |= (if . == null then "" else . end))]' "$2")
}
