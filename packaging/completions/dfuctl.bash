# bash completion for dfuctl                                  -*- shell-script -*-
#
# Installed as share/bash-completion/completions/dfuctl (bash-completion loads it the first
# time dfuctl is completed), or source it from ~/.bashrc. It needs only bash itself (3.2 or
# later), not the bash-completion package. zsh: autoload -U bashcompinit && bashcompinit &&
# source this file (best effort: zsh does not split words at ':' and '=' as bash does).
#
# The commands and each command's options (which take a value, and what the value is called)
# are read from `dfuctl --help` and `dfuctl COMMAND --help` of the very dfuctl being completed,
# so a new or renamed option completes without touching this file. --help prints and exits: it
# never opens a device. What the help does not spell out as a list is kept here, and
# tests/packaging/check_completion.sh compares it with what the program accepts:
# the simulator's profiles and options, and the format names.

_dfuctl_profiles='stm32f405 stm32h743 stm32l476 mboot-f4 dapboot-f103 tinyusb gd32vf103 dfu11'
# Options after sim:PROFILE, those every profile takes (libdfu/include/libdfu/sim.h,
# libdfu/src/sim/spec.c); boot0, button, rdp, tolerant, willdetach and rev are profile-specific.
_dfuctl_sim_options='runtime runtime=reset runtime=detach state= replug seed= realtime serial=
path= fault= reenum= timing=typ timing=max transfer= wtransfer= funclen=7 funclen=9'
_dfuctl_read_formats='bin hex srec elf dfu dfuse'
_dfuctl_write_formats='bin hex srec dfu dfuse' # ELF cannot be written
# Options that may come before the command (cli/main.c).
_dfuctl_leading='--json --quiet --verbose -q -v --help -h --version'

# The help of the dfuctl on the command line (./build/cli/dfuctl completes as itself).
_dfuctl_help()
{
    local prog=${COMP_WORDS[0]}
    # shellcheck disable=SC2088 # a literal ~/ as typed, not yet expanded
    [[ $prog == "~/"* ]] && prog=$HOME/${prog#"~/"}
    LC_ALL=C command "$prog" "$@" --help 2>/dev/null
}

# Reads `dfuctl CMD --help` into _dfuctl_long, _dfuctl_short and _dfuctl_meta (one entry per
# option: "--order", "" and "safe|linear"; "--format", "-f" and "FMT"; "--json", "" and ""),
# and whether the usage line has a positional argument (FILE, IN) into _dfuctl_positional.
_dfuctl_read_options()
{
    _dfuctl_long=() _dfuctl_short=() _dfuctl_meta=() _dfuctl_positional=
    local line re='^  (-([[:alnum:]]), )? *--([[:alnum:]][[:alnum:]-]*)( ([^ ]+))?( {2,}|$)'
    while IFS= read -r line; do
        if [[ $line == "usage: dfuctl "* ]]; then
            _dfuctl_usage_positional "${line#usage: dfuctl * }"
        elif [[ $line =~ $re ]]; then
            _dfuctl_long+=("--${BASH_REMATCH[3]}")
            _dfuctl_short+=("${BASH_REMATCH[2]:+-${BASH_REMATCH[2]}}")
            _dfuctl_meta+=("${BASH_REMATCH[5]}")
        fi
    done < <(_dfuctl_help "$1")
}

# "IN -o OUT [options]" has a positional (IN); "-o FILE [options]" has none (FILE is -o's).
_dfuctl_usage_positional()
{
    local word after_option=""
    # shellcheck disable=SC2086 # its words ([options] without brackets: nothing to glob)
    for word in ${1//[][]/ }; do
        if [[ $word == -* ]]; then
            after_option=1
        elif [[ $word =~ ^[A-Z]+$ && -z $after_option ]]; then
            _dfuctl_positional=1
        else
            after_option=
        fi
    done
}

# The index of option $1 (-f or --format) in _dfuctl_long/_dfuctl_short, or 1 (false).
_dfuctl_find()
{
    local i
    for ((i = 0; i < ${#_dfuctl_long[@]}; i++)); do
        if [[ $1 == "${_dfuctl_long[i]}" || ($1 == -? && $1 == "${_dfuctl_short[i]}") ]]; then
            _dfuctl_index=$i
            return 0
        fi
    done
    return 1
}

# COMPREPLY: the words of $2.. that start with $1. bash replaces only the part of the word after
# its last COMP_WORDBREAKS character ("sim:" + "stm32f405" after the ':', "--order=" + "safe"),
# so that much is cut from the front of each.
_dfuctl_reply()
{
    local cur=$1 lead="" k word
    shift
    for ((k = ${#cur} - 1; k >= 0; k--)); do
        if [[ ${cur:k:1} == [=:] && ${COMP_WORDBREAKS-} == *"${cur:k:1}"* ]]; then
            lead=${cur:0:k+1}
            break
        fi
    done
    for word; do
        [[ $word == "$cur"* ]] || continue
        COMPREPLY+=("${word#"$lead"}")
        # "sim:", "seed=", "sim:dfu11,": more is to be typed right after them.
        [[ $word == *[=:,] ]] && compopt -o nospace 2>/dev/null
    done
    return 0
}

# File ($2 = -f) or directory ($2 = -d) names for the text $1, each after the prefix $3 (such as
# "sim:dfu11,state=" or "--output=").
_dfuctl_files()
{
    local name=$1 word
    local -a found=()
    [[ $name == [\"\']* ]] && name=${name:1} # a quote opened: readline quotes what it inserts
    compopt -o filenames 2>/dev/null
    while IFS= read -r word; do
        found+=("$3$word")
    done < <(compgen "$2" -- "$name")
    _dfuctl_reply "$3$name" "${found[@]}"
}

# -d/--device: the selector forms, simulator profiles, and options after a profile, for the
# selector $1 after the prefix $2 ("--device=" or "").
_dfuctl_device()
{
    local cur=$1 prefix=$2 head last word
    local -a words=()
    case $cur in
    sim:*,*)
        head=${cur%,*} last=${cur##*,}
        if [[ $last == state=* ]]; then
            _dfuctl_files "${last#state=}" -f "$prefix$head,state="
            return
        fi
        for word in $_dfuctl_sim_options; do words+=("$head,$word"); done
        ;;
    sim:*)
        for word in $_dfuctl_profiles; do words+=("sim:$word"); done
        ;;
    *) words=(sim: serial= path=) ;;
    esac
    _dfuctl_reply "$prefix$cur" "${words[@]/#/$prefix}"
}

# The value $2 of option $1 (index _dfuctl_index); $3 is what comes before it in the word
# ("--order=" or "").
_dfuctl_value()
{
    local long=${_dfuctl_long[_dfuctl_index]} meta=${_dfuctl_meta[_dfuctl_index]}
    local value=$2 prefix=$3
    local -a words=()
    case $meta in
    FMT)
        local formats=$_dfuctl_read_formats
        [[ $long == --to ]] && formats=$_dfuctl_write_formats
        # shellcheck disable=SC2206 # a list of words
        words=($formats)
        ;;
    SELECTOR)
        _dfuctl_device "$value" "$prefix"
        return
        ;;
    FILE | OUT | IN)
        _dfuctl_files "$value" -f "$prefix"
        return
        ;;
    DIR)
        _dfuctl_files "$value" -d "$prefix"
        return
        ;;
    *'|'*) # a choice: "safe|linear" (but not "N|NAME")
        [[ $meta == *[[:upper:]]* ]] && return
        # shellcheck disable=SC2206 # words without glob characters
        words=(${meta//|/ })
        ;;
    *) return ;; # a number or a name: nothing to offer
    esac
    _dfuctl_reply "$prefix$value" "${words[@]/#/$prefix}"
}

# The words of the command line up to the cursor as dfuctl will see them: bash splits
# "sim:dfu11" and "--order=safe" at ':' and '=' (COMP_WORDBREAKS); they are joined again here
# where the line has no space between them. Sets _dfuctl_words and _dfuctl_cword.
_dfuctl_join_words()
{
    local i pos=0 rest trimmed
    _dfuctl_words=() _dfuctl_cword=0
    for ((i = 0; i <= COMP_CWORD && i < ${#COMP_WORDS[@]}; i++)); do
        rest=${COMP_LINE:pos}
        trimmed=${rest#"${rest%%[![:space:]]*}"}
        ((pos += ${#rest} - ${#trimmed}))
        if ((i > 0 && ${#rest} == ${#trimmed})); then
            _dfuctl_words[${#_dfuctl_words[@]} - 1]+=${COMP_WORDS[i]}
        else
            _dfuctl_words+=("${COMP_WORDS[i]}")
        fi
        ((pos += ${#COMP_WORDS[i]}))
    done
    _dfuctl_cword=$((${#_dfuctl_words[@]} - 1))
}

_dfuctl()
{
    # zsh (bashcompinit runs this with sh options: arrays from 0, words split) keeps [[ =~ ]]
    # groups in BASH_REMATCH only when asked.
    [[ -n ${ZSH_VERSION-} ]] && setopt localoptions bashrematch
    COMPREPLY=()
    local -a _dfuctl_words _dfuctl_long _dfuctl_short _dfuctl_meta
    local _dfuctl_cword _dfuctl_index _dfuctl_positional
    _dfuctl_join_words
    local cur=${_dfuctl_words[_dfuctl_cword]} cmd="" i word

    # The command: the first word that is not an option (--json, -q and -v may come first).
    for ((i = 1; i < _dfuctl_cword; i++)); do
        if [[ ${_dfuctl_words[i]} != -* ]]; then
            cmd=${_dfuctl_words[i]}
            break
        fi
    done
    # `dfuctl help COMMAND` is `dfuctl COMMAND --help`.
    if [[ -z $cmd || ($cmd == help && $i == $((_dfuctl_cword - 1))) ]]; then
        if [[ $cur == -* && -z $cmd ]]; then
            # shellcheck disable=SC2086 # a list of words
            _dfuctl_reply "$cur" $_dfuctl_leading
        elif [[ $cur != -* ]]; then
            # The commands, and first on the line also the "other commands" (help, version),
            # which `dfuctl help` does not describe.
            local -a commands=()
            local sections='/^commands:$/,/^$/p'
            [[ -z $cmd ]] && sections+='; /^other commands:$/,/^$/p'
            while IFS= read -r word; do
                [[ $word =~ ^\ \ ([a-z][a-z0-9-]*)\  ]] && commands+=("${BASH_REMATCH[1]}")
            done < <(_dfuctl_help | sed -n "$sections")
            _dfuctl_reply "$cur" "${commands[@]}"
        fi
        return 0
    fi
    [[ $cmd == help ]] && return 0

    _dfuctl_read_options "$cmd"
    ((${#_dfuctl_long[@]})) || return 0 # not a command this dfuctl knows

    # Walk the words after the command: is the cursor on an option's value, or after "--"?
    local value_of="" options_done=""
    for ((i = i + 1; i < _dfuctl_cword; i++)); do
        word=${_dfuctl_words[i]}
        if [[ -n $value_of ]]; then
            value_of=
        elif [[ -z $options_done && $word == -- ]]; then
            options_done=1
        elif [[ -z $options_done && $word == -?* && $word != *=* ]] && _dfuctl_find "$word" &&
            [[ -n ${_dfuctl_meta[_dfuctl_index]} ]]; then
            value_of=$word
        fi
    done

    if [[ -n $value_of ]]; then
        _dfuctl_find "$value_of"
        _dfuctl_value "$value_of" "$cur" ""
    elif [[ -z $options_done && $cur == --*=* ]]; then
        _dfuctl_find "${cur%%=*}" && [[ -n ${_dfuctl_meta[_dfuctl_index]} ]] &&
            _dfuctl_value "${cur%%=*}" "${cur#*=}" "${cur%%=*}="
    elif [[ -z $options_done && $cur == -* ]]; then
        _dfuctl_reply "$cur" "${_dfuctl_long[@]}" "${_dfuctl_short[@]}"
    elif [[ -n $_dfuctl_positional ]]; then
        _dfuctl_files "$cur" -f ""
    elif [[ -z $options_done ]]; then
        _dfuctl_reply "$cur" "${_dfuctl_long[@]}" # no FILE to name: what can be given
    fi
    return 0
}

complete -F _dfuctl dfuctl
