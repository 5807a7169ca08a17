#!/bin/bash
# Drives dfuctl's bash completion the way bash does (COMP_WORDS split at COMP_WORDBREAKS,
# COMP_LINE, COMP_POINT, COMP_CWORD) and holds what it offers against the program: the commands
# and options its help lists, whether each option takes a value as its parser decides, and
# the values it accepts (--order, formats, simulator profiles and options, which the script
# lists itself); file names complete; and dfuctl is only ever run for --help.
# usage: check_completion.sh DFUCTL COMPLETION_SCRIPT      (exit 77: no bash to run it)
if [ -z "${BASH_VERSION:-}" ]; then
  command -v bash >/dev/null 2>&1 || { echo "SKIP: bash is not installed"; exit 77; }
  exec bash "$0" "$@"
fi
set -u
real=$1 script=$2
data=$(cd "$(dirname "$0")/../data" && pwd)
sample=$data/sample.hex
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 checks=0
fail() {
  printf 'FAIL: %s\n' "$*"
  failures=$((failures + 1))
}

# The completion runs the dfuctl on the command line; this one notes how it was run.
mkdir "$tmp/bin" "$tmp/files" "$tmp/files/fwdir"
cat >"$tmp/bin/dfuctl" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>'$tmp/runs'
exec '$real' "\$@"
EOF
chmod +x "$tmp/bin/dfuctl"
dfuctl=$tmp/bin/dfuctl
: >"$tmp/files/firmware.hex"
: >"$tmp/files/fw.bin"

# shellcheck source-path=SCRIPTDIR/../.. source=packaging/completions/dfuctl.bash
. "$script"
[[ $(complete -p dfuctl 2>/dev/null) == *"-F _dfuctl"* ]] ||
  fail "the script does not register _dfuctl for dfuctl"

COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:' # bash's default

# complete LINE: what _dfuctl offers (sorted, one per line, in $got) for the cursor at the end
# of "dfuctl LINE", split into words as bash splits it: at spaces, and around each run of
# COMP_WORDBREAKS characters ("-d sim:st" is -d, sim, :, st).
complete_line() {
  local line="dfuctl $1" word="" c i in_breaks=""
  COMP_WORDS=()
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    if [[ $c == " " ]]; then
      [[ -n $word ]] && COMP_WORDS+=("$word")
      word="" in_breaks=""
    elif [[ $COMP_WORDBREAKS == *"$c"* ]]; then
      [[ -n $word && -z $in_breaks ]] && COMP_WORDS+=("$word") && word=""
      word+=$c in_breaks=1
    else
      [[ -n $in_breaks ]] && COMP_WORDS+=("$word") && word=""
      word+=$c in_breaks=""
    fi
  done
  COMP_WORDS+=("$word") # "" when the line ends with a space
  COMP_WORDS[0]=$dfuctl
  COMP_LINE="$dfuctl${line#dfuctl}"
  COMP_POINT=${#COMP_LINE}
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _dfuctl dfuctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  got=$(printf '%s\n' "${COMPREPLY[@]}" | grep -v '^$' | LC_ALL=C sort)
}

sorted() { printf '%s\n' "$@" | grep -v '^$' | LC_ALL=C sort; }
line() { tr '\n' ' ' <<<"$1"; } # a list on one line

# expect LINE WORD...: completing "dfuctl LINE" offers exactly these words.
expect() {
  local line=$1
  shift
  local want
  want=$(sorted "$@")
  complete_line "$line"
  checks=$((checks + 1))
  [[ $got == "$want" ]] && return 0
  fail "dfuctl $line<TAB>
    offered:  $(line "$got")
    expected: $(line "$want")
    missing:  $(line "$(LC_ALL=C comm -13 <(echo "$got") <(echo "$want"))")
    extra:    $(line "$(LC_ALL=C comm -23 <(echo "$got") <(echo "$want"))")"
}

# accepts WHAT COMMAND...: the program takes it (exit 0), as the completion promised.
accepts() {
  local what=$1
  shift
  checks=$((checks + 1))
  "$real" "$@" >"$tmp/out" 2>&1 && return 0
  fail "$what: dfuctl refuses it: $* → $(head -n 3 "$tmp/out")"
}

# (a) The commands: exactly those `dfuctl --help` lists.
command_names=$("$real" --help | sed -n '/^commands:$/,/^$/p' |
  awk 'NF && $1 != "commands:" {print $1}')
[[ -n $command_names ]] || fail "no commands found in dfuctl --help"
# And its "other commands" (help, version): offered first on the line, not after `help`.
other_names=$("$real" --help | sed -n '/^other commands:$/,/^$/p' |
  awk 'NF && $1 != "other" {print $1}')
# shellcheck disable=SC2086,SC2116 # the words on one line
[[ $(echo $other_names) == "help version" ]] ||
  fail "dfuctl --help lists '$(echo $other_names)' as other commands, not help and version"
for c in $other_names; do
  accepts "dfuctl $c" "$c"
done
# shellcheck disable=SC2086,SC2046 # word lists
{
  expect "" $command_names $other_names
  expect "--json -q " $command_names $other_names
  expect "he" help
  expect "v" verify version
  expect "fl" flash
  expect "help " $command_names # dfuctl help COMMAND
  expect "help fl" flash
  expect "help flash "
}
# What may come before the command is taken there.
complete_line "-"
[[ -n $got ]] ||
  fail "dfuctl -<TAB> offers nothing before the command: the loop below would check nothing"
for opt in $got; do
  accepts "dfuctl $opt<TAB> before the command" "$opt" info "$sample"
done

# (b) Each command's options: every one its help lists and nothing else, and each taking a
# value when (and only when) the parser takes one: `CMD --opt=0 --help` succeeds only for an
# option with a value, `CMD --opt --help` for one without; neither can touch a device.
for cmd in $command_names; do
  help=$("$real" "$cmd" --help)
  longs=$(awk '/^options:/ {f = 1; next}
    f {for (i = 1; i <= NF; i++) if ($i ~ /^--/) {print $i; break}}' <<<"$help")
  shorts=$(awk '/^options:/ {f = 1; next} f && $1 ~ /^-[^-],$/ {print substr($1, 1, 2)}' <<<"$help")
  [[ -n $longs ]] || fail "no options found in dfuctl $cmd --help"
  # shellcheck disable=SC2086,SC2046 # word lists
  {
    expect "$cmd --" $longs
    expect "$cmd -" $longs $shorts
  }
  for opt in $longs $shorts; do
    with_value=${opt}0 # -a0
    [[ $opt == --* ]] && with_value=$opt=0
    checks=$((checks + 1))
    if "$real" "$cmd" "$with_value" --help >/dev/null 2>&1; then
      # The word after it is its value, never an option.
      expect "$cmd $opt --"
    elif "$real" "$cmd" "$opt" --help >/dev/null 2>&1; then
      # shellcheck disable=SC2086 # word lists
      expect "$cmd $opt --" $longs
    else
      fail "dfuctl $cmd refuses $opt, which its help lists and the completion offers"
    fi
  done
done

# (c) Values. --order: the choices the help names, each accepted (a dry run on a simulator).
order=$("$real" flash --help | sed -n 's/^ *--order \([^ ]*\) .*/\1/p' | tr '|' ' ')
[[ -n $order ]] || fail "no --order choices in dfuctl flash --help"
# shellcheck disable=SC2086,SC2046 # word lists
{
  expect "flash --order " $order
  expect "flash --order=" $order
}
complete_line "flash --order "
for v in $got; do
  accepts "--order $v" flash -n -d sim:stm32f405 --order "$v" "$sample"
done
"$real" flash -n -d sim:stm32f405 --order bogus "$sample" >/dev/null 2>&1 &&
  fail "dfuctl flash accepts --order bogus: the check above proves nothing"

# Formats: those the help of the option lists ("bin, hex, srec, elf, dfu or dfuse"), each one
# accepted: read as (a missing file is exit 3, an unknown format 2), and written.
formats() { # COMMAND OPTION: the formats `dfuctl COMMAND --help` lists for OPTION
  "$real" "$1" --help | sed -n "s/^.*$2 FMT  *//p" |
    sed 's/ (.*//; s/^read as //; s/,//g; s/ or / /'
}
read_formats=$(formats info --format)
write_formats=$(formats convert --to)
[[ -n $read_formats && -n $write_formats ]] || fail "no format lists in dfuctl info/convert --help"
# shellcheck disable=SC2086,SC2046 # word lists
{
  expect "info -f " $read_formats
  expect "info --format=" $read_formats
  expect "flash --format " $read_formats
  expect "convert --from " $read_formats
  expect "convert x -t " $write_formats
  expect "convert --to=" $write_formats
  expect "read -t " $(formats read --to)
}
complete_line "info -f "
for f in $got; do
  checks=$((checks + 1))
  "$real" info -f "$f" "$tmp/missing" >/dev/null 2>&1
  [[ $? == 3 ]] || fail "dfuctl info -f $f: not taken as a format"
done
"$real" info -f bogus "$tmp/missing" >/dev/null 2>&1
[[ $? == 2 ]] || fail "dfuctl info -f bogus is not a usage error: the check above proves nothing"
complete_line "convert x -t "
for f in $got; do
  accepts "convert -t $f" convert "$sample" -o "$tmp/out.$f" -t "$f"
done

# Devices: the simulator's profiles, as the library names them when given one it does not know.
profiles=$("$real" list -d sim:nonexistent 2>&1 | sed -n 's/.*(profiles: \(.*\))$/\1/p' | tr -d ,)
[[ -n $profiles ]] || fail "dfuctl list -d sim:nonexistent does not list the profiles"
# shellcheck disable=SC2086,SC2046 # word lists
{
  expect "list -d sim:" $profiles # bash replaces what follows the ':'
  expect "flash --device sim:" $profiles
  expect "flash --device=sim:" $profiles
  expect "list -d sim:dfu" dfu11
  COMP_WORDBREAKS=${COMP_WORDBREAKS//:/} # as some ~/.bashrc have it: the whole word
  expect "list -d sim:" $(printf 'sim:%s ' $profiles)
  COMP_WORDBREAKS+=:
}
complete_line "list -d "
[[ $got == *sim:* ]] || fail "dfuctl list -d <TAB> does not offer sim:"
# Options after a profile: "runtime" among them, and each taken by every profile.
complete_line "list -d sim:dfu11,"
[[ $'\n'$got$'\n' == *$'\ndfu11,runtime\n'* ]] ||
  fail "dfuctl list -d sim:dfu11,<TAB> does not offer runtime"
for opt in $got; do
  opt=${opt#dfu11,}
  case $opt in
  state=) opt+=$tmp/state ;;
  fault=) opt+=unplug@block:0 ;;
  *=) opt+=1 ;;
  esac
  for p in $profiles; do
    rm -f "$tmp/state"
    accepts "sim:$p,$opt" list -d "sim:$p,$opt"
  done
done

# (d) Files and directories.
f=$tmp/files
expect "flash $f/firm" "$f/firmware.hex"
expect "info $f/fw" "$f/fw.bin" "$f/fwdir"
expect "convert $f/firmware.hex -o $f/fw." "$f/fw.bin"
expect "read --output=$f/fw." "$f/fw.bin" # bash replaces what follows the '='
expect "flash --quirks $f/firm" "$f/firmware.hex"
expect "flash --journal-dir $f/f" "$f/fwdir"
expect "list -d sim:dfu11,state=$f/firm" "$f/firmware.hex"
# And nothing where nothing can be known.
expect "flash -a "
expect "erase --size "

# The completion ran dfuctl only to read its help: never to look at a device.
checks=$((checks + 1))
[[ -s $tmp/runs ]] || fail "the completion never ran dfuctl --help"
if grep -v -e ' --help$' -e '^--help$' "$tmp/runs" >"$tmp/other"; then
  fail "the completion ran dfuctl for more than its help: $(head -n 3 "$tmp/other")"
fi

if ((failures)); then
  echo "$failures of $checks completion checks failed"
  exit 1
fi
echo "$checks completion checks passed ($(wc -l <"$tmp/runs") dfuctl --help runs)"
