#!/bin/sh
# Builds the distribution packages of a build directory with cpack and checks what a distribution
# user gets: Debian packages libdfu<SOVERSION>, libdfu-dev and dfuctl that together hold exactly
# what `cmake --install` installs (an install rule outside the three components would silently
# be left out of every package), each file in the right one, with the dependencies apt needs and
# the ldconfig trigger; the unpacked packages working (dfuctl runs, a program builds against the
# -dev package's pkg-config file); and, where rpmbuild exists, the same three as RPMs that claim
# no directory the system owns.
# usage: check_packages.sh BUILD_DIR SCRATCH_DIR C_COMPILER VERSION SOVERSION
set -eu
build=$1 scratch=$2 cc=$3 version=$4 soversion=$5
data=$(cd "$(dirname "$0")/../data" && pwd)
headers=$(cd "$(dirname "$0")/../../libdfu/include/libdfu" && ls ./*.h)
fail() { echo "FAIL: $*"; exit 1; }
for tool in cpack dpkg-deb dpkg-shlibdeps pkg-config; do
  command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool not found"; exit 77; }
done
rm -rf "$scratch"
mkdir -p "$scratch"

# What `cmake --install` puts in place, files and symbolic links, relative to the prefix.
cmake --install "$build" --prefix "$scratch/installed" >/dev/null
(cd "$scratch/installed" && find . ! -type d | sort) > "$scratch/installed.list"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[ -n "$prefix" ] || fail "no CMAKE_INSTALL_PREFIX in $build/CMakeCache.txt"

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/deb" >"$scratch/cpack-deb.log" 2>&1 ||
  { cat "$scratch/cpack-deb.log"; fail "cpack -G DEB"; }
lib=libdfu$soversion
arch=$(dpkg --print-architecture)
: > "$scratch/packaged.list"
for pkg in "$lib" libdfu-dev dfuctl; do
  deb="$scratch/deb/${pkg}_${version}_$arch.deb"
  [ -f "$deb" ] || { ls "$scratch/deb"; fail "$pkg: no ${deb##*/}"; }
  # Paths inside the package, made relative to the prefix, as in installed.list.
  dpkg-deb -c "$deb" | awk '$1 !~ /^d/ {print $6}' | sed "s|^\.$prefix/|./|" | sort > "$scratch/$pkg.list"
  cat "$scratch/$pkg.list" >> "$scratch/packaged.list"
  dpkg-deb -x "$deb" "$scratch/root"
done
sort "$scratch/packaged.list" > "$scratch/packaged.sorted"
twice=$(uniq -d "$scratch/packaged.sorted")
[ -z "$twice" ] || fail "in more than one package: $twice"
if ! cmp -s "$scratch/installed.list" "$scratch/packaged.sorted"; then
  diff "$scratch/installed.list" "$scratch/packaged.sorted" || true
  fail "the packages do not hold what cmake --install installs ('<' only installed, '>' only packaged)"
fi
echo "the three .deb packages hold the $(wc -l < "$scratch/installed.list") installed files, each once"

# Each file where a distribution user looks for it.
only() { # PACKAGE PATTERN...: every file of PACKAGE matches one of the patterns
  pkg=$1
  shift
  while read -r f; do
    ok=""
    for pat in "$@"; do
      # shellcheck disable=SC2254 # the patterns are globs
      case "$f" in $pat) ok=1 ;; esac
    done
    [ -n "$ok" ] || fail "$pkg holds $f, which belongs in another package"
  done < "$scratch/$pkg.list"
}
only "$lib" "./lib*/libdfu.so.$soversion" "./lib*/libdfu.so.$soversion.*" ./share/doc/libdfu/* \
  ./share/libdfu/libdfu.quirks
only libdfu-dev ./include/libdfu/*.h "./lib*/libdfu.so" "./lib*/libdfu.a" ./lib*/pkgconfig/*.pc \
  ./lib*/cmake/libdfu/*.cmake
for h in $headers; do
  grep -q "^./include/libdfu/${h#./}\$" "$scratch/libdfu-dev.list" || fail "libdfu-dev lacks ${h#./}"
done
grep -q '^./bin/dfuctl$' "$scratch/dfuctl.list" || fail "dfuctl lacks bin/dfuctl"

field() { dpkg-deb -f "$scratch/deb/${1}_${version}_$arch.deb" "$2"; }
has() { # PACKAGE FIELD TEXT
  case "$(field "$1" "$2")" in *"$3"*) ;; *) fail "$1's $2 is '$(field "$1" "$2")', lacking '$3'" ;; esac
}
has dfuctl Depends "$lib (= $version)"
has libdfu-dev Depends "$lib (= $version)"
has libdfu-dev Depends zlib1g-dev
has "$lib" Depends zlib1g
if grep -q '^DFU_WITH_LIBUSB:BOOL=ON' "$build/CMakeCache.txt"; then
  has "$lib" Depends libusb-1.0-0
  has libdfu-dev Depends libusb-1.0-0-dev
fi
has "$lib" Section libs
dpkg-deb -I "$scratch/deb/${lib}_${version}_$arch.deb" triggers | grep -q '^activate-noawait ldconfig$' ||
  fail "$lib has no ldconfig trigger"
dpkg-deb -I "$scratch/deb/${lib}_${version}_$arch.deb" shlibs | grep -q "^libdfu $soversion $lib " ||
  fail "$lib has no shlibs entry for libdfu.so.$soversion"
echo "dfuctl Depends: $(field dfuctl Depends)"
echo "$lib Depends: $(field "$lib" Depends)"

# Unpacked, the packages work: the program runs on the packaged library, and a program builds
# with the -dev package's pkg-config file and runs.
root="$scratch/root$prefix"
libdir=$(dirname "$(find "$root" -name "libdfu.so.$soversion" | head -n 1)")
out=$(env -i LD_LIBRARY_PATH="$libdir" "$root/bin/dfuctl" info "$data/sample.hex" 2>&1) ||
  fail "packaged dfuctl info: $out"
case "$out" in *12588*) ;; *) fail "packaged dfuctl info printed: $out" ;; esac
printf '#include <libdfu/libdfu.h>\n#include <stdio.h>\nint main(void) { puts(dfu_version()); return 0; }\n' \
  > "$scratch/version.c"
# shellcheck disable=SC2046 # flags are words
$cc -o "$scratch/version" "$scratch/version.c" \
  $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs libdfu)
out=$(env -i LD_LIBRARY_PATH="$libdir" "$scratch/version")
[ "$out" = "$version" ] || fail "a program built against libdfu-dev printed '$out'"
echo "unpacked: dfuctl info works, a pkg-config consumer prints $out"

if ! command -v rpmbuild >/dev/null 2>&1; then
  echo "rpmbuild not found: RPM packages not checked"
  exit 0
fi
cpack -G RPM --config "$build/CPackConfig.cmake" -B "$scratch/rpm" >"$scratch/cpack-rpm.log" 2>&1 ||
  { cat "$scratch/cpack-rpm.log"; fail "cpack -G RPM"; }
for pkg in libdfu libdfu-devel dfuctl; do
  rpm=$(find "$scratch/rpm" -maxdepth 1 -name "$pkg-$version-*.rpm" | head -n 1)
  [ -n "$rpm" ] || fail "no $pkg RPM"
  sys=${libdir#"$scratch/root"}
  # What the package holds, read once: a failing rpm must fail here, not pass every check below.
  files=$(rpm -qlp "$rpm" 2>"$scratch/rpm-ql.log") ||
    { cat "$scratch/rpm-ql.log"; fail "rpm -qlp $rpm"; }
  [ -n "$files" ] || fail "rpm -qlp lists nothing in $rpm"
  for dir in / /usr /usr/bin /usr/include /usr/lib /usr/lib64 /usr/share "$prefix" "$prefix/bin" \
    "$prefix/include" "$prefix/lib" "$prefix/share" "$prefix/share/doc" "$prefix/share/man" \
    "$prefix/share/man/man1" "$prefix/share/bash-completion" "$prefix/share/bash-completion/completions" \
    "$prefix/lib/udev" "$prefix/lib/udev/rules.d" "$sys" "$sys/pkgconfig" "$sys/cmake"; do
    if printf '%s\n' "$files" | grep -qx "$dir"; then
      fail "$pkg RPM claims the system's directory $dir"
    fi
  done
  case $pkg in
  libdfu-devel | dfuctl)
    rpm -qp --requires "$rpm" 2>/dev/null | grep -q "^libdfu = $version" ||
      fail "$pkg RPM does not require libdfu = $version"
    ;;
  esac
done
echo "RPM packages libdfu, libdfu-devel and dfuctl built, claiming no system directory"
