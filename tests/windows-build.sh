#!/bin/sh
# Windows portability check on Linux: compiles libdfu and dfuctl with MinGW-w64 and the project's
# warnings as errors, then links them. libusb and zlib are not packaged for MinGW on Debian, so
# their headers come from the host (they are the same on every platform) and their symbols
# (libusb_*, crc32) are the only ones allowed to stay undefined; anything else that Windows lacks
# (a POSIX call without a Windows branch) fails the link.
# Usage: tests/windows-build.sh [BUILD_DIR]   (BUILD_DIR: a configured Linux build, for the
# generated quirk table and the configured manifest and resource script; default build/ci)
set -eu
# BUILD_DIR is taken relative to where the script was started; the default, to the checkout.
case "${1:-}" in
  "") build=build/ci ;;
  /*) build=$1 ;;
  *) build=$(pwd)/$1 ;;
esac
cd "$(dirname "$0")/.."
cc=x86_64-w64-mingw32-gcc
command -v "$cc" >/dev/null || { echo "windows-build.sh: $cc not found (apt-get install gcc-mingw-w64-x86-64)" >&2; exit 1; }
gen=$build/libdfu/quirks_data.c
[ -f "$gen" ] || { echo "windows-build.sh: $gen not found: build the Linux tree first" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
mkdir "$out/inc" "$out/lib" "$out/cli"
cp /usr/include/zlib.h /usr/include/zconf.h "$out/inc/"
flags="-std=c11 -O2 -Werror -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes
  -Wmissing-prototypes -Wformat=2 -Wvla -Wundef -Wpointer-arith -Wcast-qual
  -D__USE_MINGW_ANSI_STDIO=1 -I$out/inc -Ilibdfu/include -isystem /usr/include/libusb-1.0"
n=0
for f in $(git ls-files 'libdfu/src/*.c') "$gen"; do
  # shellcheck disable=SC2086 # flags are words
  $cc $flags -DDFU_BUILDING_LIBRARY -DDFU_HAVE_LIBUSB=1 -DDFU_VERSION_STRING='"0"' -Ilibdfu/src \
    -c "$f" -o "$out/lib/$n.o"
  n=$((n + 1))
done
for f in $(git ls-files 'cli/*.c'); do
  # shellcheck disable=SC2086
  $cc $flags -DDFU_STATIC -Icli -c "$f" -o "$out/cli/$n.o"
  n=$((n + 1))
done
# The application manifest (UTF-8 file names and arguments) compiles into dfuctl's resources:
# the resource script and manifest the Linux build configured, the manifest with the project's
# version.
windres=x86_64-w64-mingw32-windres
command -v "$windres" >/dev/null || { echo "windows-build.sh: $windres not found (apt-get install binutils-mingw-w64-x86-64)" >&2; exit 1; }
rc=$build/cli/windows/dfuctl.rc
[ -f "$rc" ] || { echo "windows-build.sh: $rc not found: configure the Linux tree first" >&2; exit 1; }
"$windres" "$rc" -O coff -o "$out/cli/resources.o"
grep -q 'activeCodePage' "$out/cli/resources.o" ||
  { echo "windows-build.sh: the manifest is not in dfuctl's resources" >&2; exit 1; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
[ -n "$version" ] || { echo "windows-build.sh: no project version in $build/CMakeCache.txt" >&2; exit 1; }
grep -q "name=\"libdfu.dfuctl\" version=\"${version}[.0-9]*\"" "$out/cli/resources.o" ||
  { echo "windows-build.sh: the manifest in dfuctl's resources is not version $version" >&2; exit 1; }
log=$($cc -o "$out/dfuctl.exe" "$out"/cli/*.o "$out"/lib/*.o 2>&1 || true)
bad=$(printf '%s\n' "$log" | grep -E 'undefined reference|multiple definition|error' |
  grep -v "undefined references\? to \`\(libusb_[a-z_]*\|crc32\)'" | grep -v 'ld returned 1 exit status' || true)
if [ -n "$bad" ]; then
  echo "windows-build.sh: linking for Windows fails:"; printf '%s\n' "$bad"; exit 1
fi
printf '%s\n' "$log" | grep -q 'undefined reference to `libusb_' ||
  { echo "windows-build.sh: the libusb backend was not built" >&2; exit 1; }
echo "windows-build.sh: $n files compile for Windows (MinGW-w64, -Werror); only libusb and zlib are left to link"
