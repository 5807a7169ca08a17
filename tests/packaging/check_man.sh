#!/bin/sh
# Checks the dfuctl(1) manual page against the program and README.md, so that it cannot drift:
# it renders without a groff warning; every command of `dfuctl --help` has its SYNOPSIS line and
# COMMANDS subsection (its other commands, help and version, a SYNOPSIS line), and every option
# of `dfuctl CMD --help` is a tagged entry there (or in COMMON OPTIONS, or in COMMON DEVICE
# OPTIONS for a command that says it takes them), with its short form; nothing the program lacks
# is documented; EXIT STATUS lists exactly the codes of README.md's exit-code table; the page
# carries dfuctl's version.
# usage: check_man.sh PAGE DFUCTL README
# PAGE is the configured page (build/packaging/man/dfuctl.1). Exits 77 (skipped) without groff.
set -eu
page=$1 dfuctl=$2 readme=$3
if ! command -v groff >/dev/null 2>&1; then
  echo "SKIP: groff not found: cannot render $page" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() {
  echo "FAIL: $*"
  failed=1
}

# (a) The page renders without a warning, and CMake filled in its variables.
groff -man -Tutf8 -ww -z "$page" >"$tmp/warnings" 2>&1 || true
if [ -s "$tmp/warnings" ]; then
  fail "groff -man -ww warns about $page:"
  cat "$tmp/warnings"
fi
if grep -n '@[A-Za-z_]*@' "$page"; then fail "$page has variables CMake did not replace"; fi

# The page's tagged entries (the line after each .TP), one per line: SECTION<tab>SUB<tab>TAG,
# SUB being the command of a "dfuctl COMMAND ..." subsection. Font escapes are dropped and \-
# read as -, so a tag reads as rendered ("-f, --format FMT").
awk '
function clean(s) {
  gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s); gsub(/\\&/, "", s); gsub(/"/, "", s)
  return s
}
/^\.SH / { sh = clean(substr($0, 5)); sub_ = ""; next }
/^\.SS / { n = split(clean(substr($0, 5)), w, " "); sub_ = (n > 1 && w[1] == "dfuctl") ? w[2] : ""
           next }
/^\.TP/ { tp = 1; next }
tp { tp = 0; t = $0; if (t ~ /^\./) sub(/^\.[A-Za-z]+ */, "", t); print sh "\t" sub_ "\t" clean(t) }
' "$page" >"$tmp/tags"
# The text of each command's subsection, and the SYNOPSIS lines, cleaned the same way.
awk '
function clean(s) { gsub(/\\f[BIRP]/, "", s); gsub(/\\-/, "-", s); gsub(/"/, "", s); return s }
/^\.SH / { sh = clean(substr($0, 5)); sub_ = ""; next }
/^\.SS / { n = split(clean(substr($0, 5)), w, " "); sub_ = (n > 1 && w[1] == "dfuctl") ? w[2] : ""
           if (sh == "COMMANDS" && sub_ != "") print "SS\t" sub_ "\t"; next }
sh == "SYNOPSIS" && !/^\./ { print "SYNOPSIS\t\t" clean($0) }
sh == "COMMANDS" && sub_ != "" && !/^\.TP/ { print "TEXT\t" sub_ "\t" clean($0) }
' "$page" >"$tmp/text"

tags() { # SECTION [SUB]: that section's (or subsection's) tags
  awk -F '\t' -v s="$1" -v c="${2-}" '$1 == s && $2 == c { print $3 }' "$tmp/tags"
}
# Whether stdin holds long option $1 as a whole word (--mass is not --mass-erase).
has_option() { grep -Eq -- "(^|[^A-Za-z0-9-])$1([^A-Za-z0-9-]|\$)"; }
# Options of `dfuctl CMD --help`, one per line: "SHORT LONG", SHORT "-" when there is none.
help_options() {
  "$dfuctl" "$1" --help | awk '/^ +-/ {
    if ($1 ~ /^-[^-],$/) print substr($1, 1, 2), $2; else print "-", $1 }'
}

# (b) Commands and their options.
"$dfuctl" --help | awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }
  on && /^$/ { exit }' >"$tmp/commands"
[ -s "$tmp/commands" ] || fail "no commands found in the output of '$dfuctl --help'"
ncommands=0 noptions=0
while read -r cmd; do
  ncommands=$((ncommands + 1))
  awk -F '\t' '$1 == "SYNOPSIS" { print $3 }' "$tmp/text" | grep -Eq "^dfuctl $cmd( |\$)" ||
    fail "SYNOPSIS has no 'dfuctl $cmd' line"
  if ! awk -F '\t' -v c="$cmd" '$1 == "SS" && $2 == c { f = 1 } END { exit !f }' "$tmp/text"; then
    fail "COMMANDS has no 'dfuctl $cmd' subsection"
    continue
  fi
  # Where its options may be documented: its subsection, COMMON OPTIONS, and COMMON DEVICE
  # OPTIONS when its subsection says it takes them.
  tags COMMANDS "$cmd" >"$tmp/own"
  tags "COMMON OPTIONS" >"$tmp/where"
  cat "$tmp/own" >>"$tmp/where"
  if awk -F '\t' -v c="$cmd" '$1 == "TEXT" && $2 == c { print $3 }' "$tmp/text" | tr '\n' ' ' |
    grep -qi 'takes the common device options'; then
    tags "COMMON DEVICE OPTIONS" >>"$tmp/where"
    tags "COMMON DEVICE OPTIONS" >>"$tmp/own"
  fi
  help_options "$cmd" >"$tmp/help"
  grep -q -- '--help$' "$tmp/help" || fail "no options found in the output of 'dfuctl $cmd --help'"
  while read -r short long; do
    noptions=$((noptions + 1))
    if ! has_option "$long" <"$tmp/where"; then
      fail "'dfuctl $cmd $long' is not documented: no entry for $long in the page's 'dfuctl $cmd' subsection or the common options"
    elif [ "$short" != - ] && ! grep -Fq -- "$short, $long" "$tmp/where"; then
      fail "'dfuctl $cmd $long' is documented without its short form: the page has no '$short, $long' entry for it"
    fi
  done <"$tmp/help"
  # The other way round: an option documented for the command that it does not take.
  grep -Eo -- '--[a-z0-9][a-z0-9-]*' "$tmp/own" | sort -u >"$tmp/documented" || true
  while read -r opt; do
    awk '{ print $2 }' "$tmp/help" | has_option "$opt" ||
      fail "the page documents 'dfuctl $cmd $opt', which 'dfuctl $cmd --help' does not list"
  done <"$tmp/documented"
done <"$tmp/commands"
# The other commands (help, version) take no options: a SYNOPSIS line each.
"$dfuctl" --help | awk '/^other commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }
  on && /^$/ { exit }' >"$tmp/other_commands"
[ -s "$tmp/other_commands" ] || fail "no other commands found in the output of '$dfuctl --help'"
while read -r cmd; do
  awk -F '\t' '$1 == "SYNOPSIS" { print $3 }' "$tmp/text" | grep -Eq "^dfuctl $cmd( |\$)" ||
    fail "SYNOPSIS has no 'dfuctl $cmd' line"
done <"$tmp/other_commands"
awk -F '\t' '$1 == "SS" { print $2 }' "$tmp/text" >"$tmp/page_commands"
while read -r cmd; do
  grep -qx "$cmd" "$tmp/commands" ||
    fail "the page documents 'dfuctl $cmd', which 'dfuctl --help' does not list"
done <"$tmp/page_commands"

# (c) Exit codes: README.md's table (under "## Exit codes") and the page's EXIT STATUS entries.
awk '/^## / { on = ($0 == "## Exit codes"); next }
  on && /^\| *[0-9]+ *\|/ { sub(/^\| */, ""); sub(/ *\|.*/, ""); print }' "$readme" >"$tmp/codes"
[ -s "$tmp/codes" ] || fail "no exit-code table found under '## Exit codes' in $readme"
tags "EXIT STATUS" >"$tmp/page_codes"
while read -r code; do
  grep -qx "$code" "$tmp/page_codes" ||
    fail "exit code $code (README.md) is missing from the page's EXIT STATUS"
done <"$tmp/codes"
while read -r code; do
  grep -qx "$code" "$tmp/codes" ||
    fail "EXIT STATUS lists '$code', which is not in README.md's exit-code table"
done <"$tmp/page_codes"

# (d) The version in the page's header is the program's.
version=$("$dfuctl" --version | awk '{ print $2 }')
grep -q "^\.TH DFUCTL 1 .*\"libdfu $version\"" "$page" ||
  fail "the page's .TH line does not name libdfu $version (dfuctl --version)"

[ "$failed" -eq 0 ] || exit 1
echo "dfuctl.1: renders without warnings; $ncommands commands and $noptions options of dfuctl" \
  "--help documented; exit codes $(tr '\n' ' ' <"$tmp/codes")as in README.md; version $version"
