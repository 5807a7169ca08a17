#!/bin/sh
# Installs what building and testing libdfu needs on Debian/Ubuntu, skipping what is present.
# Equivalents on other systems are listed in README.md ("Building on other systems").
set -eu

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps.sh: not a Debian/Ubuntu system; see README.md for your platform" >&2
  exit 1
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
updated=""
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "ok installed"; }
install() {
  echo "install-deps.sh: installing: $*"
  [ -n "$updated" ] || { $sudo apt-get update -qq || true; updated=1; }
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
}

# clang first: the name of its runtime package (libFuzzer, sanitizers) follows its version.
installed clang || install clang
clang_major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -n 1)

missing=""
for p in build-essential cmake ninja-build pkg-config clang-format "libclang-rt-${clang_major}-dev" \
  zlib1g-dev libusb-1.0-0-dev libcmocka-dev umockdev libumockdev-dev \
  dfu-util srecord binutils binutils-arm-none-eabi valgrind python3 time groff-base \
  gcc-mingw-w64-x86-64 rpm; do
  installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
  # shellcheck disable=SC2086 # one word per package
  install $missing
else
  echo "install-deps.sh: all build and test dependencies are installed"
fi
