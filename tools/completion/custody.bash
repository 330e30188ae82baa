# bash completion for custody(1); installed as
# share/bash-completion/completions/custody.
#
# Commands, flags, their fixed choices and the names of positional arguments
# are read from `custody [COMMAND] --help` when TAB is pressed, so that the
# completion follows the binary it completes and cannot drift from it.
# Levels and registration numbers come from the vault named on the command
# line through `custody log VAULT --json`, which needs no identity and no key
# (it verifies the ledger chain first, and prints nothing from a vault that
# does not verify). Without a readable vault, levels are the default ones.
# zsh runs this same file through bashcompinit (_custody, beside it), so it
# sticks to what zsh's bash emulation provides (no mapfile, no < <(...)).

# The help text of `custody WORDS... --help`.
_custody_help() {
  "$_custody_bin" "$@" --help 2>/dev/null
}

# The names listed in a help text's "Subcommands:" section.
_custody_subcommands() {
  sed -n '/^Subcommands:/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}' <<<"$1"
}

# The flags of a help text, one per line as "FLAG KIND", KIND being "flag"
# (takes no value), "value", or the comma-separated choices CLI11 prints as
# TYPE:{a,b,c}.
_custody_options() {
  sed -n '/^Options:/,/^$/p' <<<"$1" | sed -n \
    -e 's/^  \(-[a-z],\)\{0,1\}\(--[a-z0-9-]*\) [A-Z]*:{\([^}]*\)}.*/\2 \3/p;t' \
    -e 's/^  \(-[a-z],\)\{0,1\}\(--[a-z0-9-]*\) \(TEXT\|UINT\|INT\|FLOAT\)\b.*/\2 value/p;t' \
    -e 's/^  \(-[a-z],\)\{0,1\}\(--[a-z0-9-]*\)\b.*/\2 flag/p'
}

# The names of a help text's positional arguments, in order ("FILE..." for
# one that takes the rest).
_custody_positionals() {
  sed -n '/^Positionals:/,/^$/{s/^  \([A-Za-z]*\) [A-Z]* \.\.\..*/\1.../p;t;s/^  \([A-Za-z]*\) [A-Z]*\b.*/\1/p}' <<<"$1"
}

# Levels (levels) or registration numbers (regs), or copy numbers (copies),
# of the vault at $1, from its keyless ledger.
_custody_from_vault() {
  local vault=$1 what=$2 log
  [[ $vault == "~/"* ]] && vault=$HOME/${vault#"~/"}
  [[ -f $vault ]] && log=$("$_custody_bin" log "$vault" --json 2>/dev/null)
  case $what in
    levels)
      local levels
      levels=$(sed -n 's/.*"kind":"vault_created".*"levels":"\([^"]*\)".*/\1/p' <<<"$log" | head -n1)
      tr ',' '\n' <<<"${levels:-internal,confidential,secret,top-secret}" ;;
    regs) grep -o '"reg_no":"[^"\\]*"' <<<"$log" | cut -d'"' -f4 | sort -u ;;
    copies) grep -o '"number":"[^"\\]*/[0-9]*"' <<<"$log" | cut -d'"' -f4 | sort -u ;;
  esac
}

# File (or, with -d, directory) names: bash-completion's _filedir where it is
# loaded (quoting, names with spaces, ~), compgen otherwise (and in zsh).
_custody_files() {
  if [[ -n ${BASH_VERSION:-} ]] && declare -F _filedir >/dev/null; then
    _filedir "$@"
  else
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen "${1:--f}" -- "$cur"))
  fi
}

_custody_complete() {
  local cur prev words cword
  if [[ -n ${BASH_VERSION:-} ]] && declare -F _init_completion >/dev/null; then
    _init_completion -n = || return
  else
    words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
    cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
  fi
  local _custody_bin=${words[0]}
  [[ $_custody_bin == "~/"* ]] && _custody_bin=$HOME/${_custody_bin#"~/"}

  # Descend through command groups (`id new`, `cert verify`).
  local -a group=()
  local help i=1
  help=$(_custody_help)
  while ((i < cword)) && grep -qx -- "${words[i]}" <<<"$(_custody_subcommands "$help")"; do
    group+=("${words[i]}")
    help=$(_custody_help "${group[@]}")
    ((i++))
  done
  local subs
  subs=$(_custody_subcommands "$help")
  if [[ -n $subs ]]; then
    # A group (or custody itself): its commands, or its flags.
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W "--help $( ((${#group[@]})) || echo --version)" -- "$cur"))
    else
      COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    fi
    return
  fi
  local cmd=${group[*]} options
  options=$(_custody_options "$help")

  # The words so far: which positional is being typed, and the vault's path.
  local -a positionals
  positionals=($(_custody_positionals "$help"))
  local n=0 vault='' j kind
  for ((j = i; j < cword; j++)); do
    if [[ ${words[j]} == -* ]]; then
      kind=$(awk -v f="${words[j]}" '$1 == f {print $2}' <<<"$options")
      [[ -n $kind && $kind != flag ]] && ((j++))  # skip its value
      continue
    fi
    [[ ${positionals[n]} == VAULT ]] && vault=${words[j]}
    [[ ${positionals[n]} == *... ]] || ((n++))
  done

  # The value of a flag.
  kind=$(awk -v f="$prev" '$1 == f {print $2}' <<<"$options")
  if [[ $prev == -* && -n $kind && $kind != flag ]]; then
    case $cmd:$prev in
      *:--level | *:--clearance | *:--cosign-copies-from)
        COMPREPLY=($(compgen -W "$(_custody_from_vault "$vault" levels)" -- "$cur")) ;;
      declassify:--to)
        COMPREPLY=($(compgen -W "$(_custody_from_vault "$vault" levels) public" -- "$cur")) ;;
      log:--reg)
        COMPREPLY=($(compgen -W "$(_custody_from_vault "$vault" regs) $(_custody_from_vault "$vault" copies)" -- "$cur")) ;;
      wipe:--method) COMPREPLY=($(compgen -W "zero one random dod-3 dod-7 gutmann bmb" -- "$cur")) ;;
      wipe:--verify) COMPREPLY=($(compgen -W "off last all" -- "$cur")) ;;
      wipe:--reason) COMPREPLY=($(compgen -W "repair scrap reuse transfer" -- "$cur")) ;;
      wipe:--free-space) _custody_files -d ;;
      *)
        if [[ $kind != value ]]; then
          COMPREPLY=($(compgen -W "${kind//,/ }" -- "$cur"))
        else
          _custody_files
        fi ;;
    esac
    return
  fi

  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(awk '{print $1}' <<<"$options")" -- "$cur"))
    return
  fi
  # A positional argument, by the name --help gives it.
  local name=${positionals[n]:-${positionals[-1]}}
  case $cmd:$name in
    open:COPY) _custody_files ;;
    *:REG | *:REG...) COMPREPLY=($(compgen -W "$(_custody_from_vault "$vault" regs)" -- "$cur")) ;;
    *:COPY) COMPREPLY=($(compgen -W "$(_custody_from_vault "$vault" copies)" -- "$cur")) ;;
    *:DIR) _custody_files -d ;;
    *) _custody_files ;;
  esac
}
complete -F _custody_complete custody
