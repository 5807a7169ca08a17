#!/bin/sh
# Installs the build into a scratch prefix and checks what a vendor gets: the shared library with
# its SONAME exporting only dfu_* symbols, the headers, and consumers built both with pkg-config
# and with find_package(libdfu), which accepts only an ABI-compatible version; and dfuctl run from
# the prefix with a clean environment, finding the library through its RUNPATH, with its manual
# page and bash completion beside it.
# usage: check_install.sh BUILD_DIR SCRATCH_DIR C_COMPILER VERSION RUNPATH
# RUNPATH: yes when dfuctl was configured to carry one (a prefix outside the system's library
# directories), else no.
set -eu
build=$1 scratch=$2 cc=$3 version=$4 runpath=$5
data=$(cd "$(dirname "$0")/../data" && pwd)
rm -rf "$scratch"
mkdir -p "$scratch"
prefix="$scratch/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null

so=$(find "$prefix" -name 'libdfu.so.0.1' | head -n 1)
[ -n "$so" ] || { echo "FAIL: libdfu.so.0.1 not installed"; exit 1; }
libdir=$(dirname "$so")
[ -f "$libdir/libdfu.a" ] || { echo "FAIL: static library not installed"; exit 1; }
soname=$(readelf -d "$so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libdfu.so.0.1" ] || { echo "FAIL: SONAME is '$soname'"; exit 1; }
# Type A is the version node (LIBDFU_0) of the version script, not a symbol of ours.
bad=$(nm -D --defined-only "$so" | awk '$2 != "A" {print $3}' | grep -v '^dfu_' || true)
[ -z "$bad" ] || { echo "FAIL: exported symbols without the dfu_ prefix:"; echo "$bad"; exit 1; }
count=$(nm -D --defined-only "$so" | awk '$2 != "A"' | wc -l)
echo "libdfu.so.0.1 exports $count symbols, all dfu_*"
# The static library's global symbols too (its internals are dfu_* so they cannot clash).
bad=$(nm -g --defined-only "$libdir/libdfu.a" 2>/dev/null | awk '$2 ~ /^[TDBRC]$/ {print $3}' |
  grep -v '^dfu_' || true)
[ -z "$bad" ] || { echo "FAIL: libdfu.a defines globals without the dfu_ prefix:"; echo "$bad"; exit 1; }
[ -f "$prefix/share/doc/libdfu/LICENSE" ] || { echo "FAIL: LICENSE not installed"; exit 1; }
cmp -s "$(dirname "$0")/../../packaging/quirks/libdfu.quirks" "$prefix/share/libdfu/libdfu.quirks" ||
  { echo "FAIL: the quirk table is not installed as share/libdfu/libdfu.quirks"; exit 1; }
for h in libdfu error context spec image layout device sim update journal; do
  [ -f "$prefix/include/libdfu/$h.h" ] || { echo "FAIL: include/libdfu/$h.h missing"; exit 1; }
done

# dfuctl from a prefix the loader does not search (and which is not the one configured: the
# RUNPATH is relative to the program), with no LD_LIBRARY_PATH or anything else inherited.
dfuctl="$prefix/bin/dfuctl"
if [ -x "$dfuctl" ]; then
  rp=$(readelf -d "$dfuctl" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
  if [ "$runpath" = yes ]; then
    # shellcheck disable=SC2016 # $ORIGIN is literal
    [ "$rp" = '$ORIGIN/../'"${libdir#"$prefix"/}" ] || { echo "FAIL: dfuctl's RUNPATH is '$rp'"; exit 1; }
    run() { env -i "$@"; }
  else
    [ -z "$rp" ] || { echo "FAIL: dfuctl for a system prefix has RUNPATH '$rp'"; exit 1; }
    run() { env -i LD_LIBRARY_PATH="$libdir" "$@"; }
  fi
  out=$(run "$dfuctl" --version 2>&1) || { echo "FAIL: installed dfuctl --version: $out"; exit 1; }
  [ "$out" = "dfuctl $version (libdfu $version)" ] || { echo "FAIL: dfuctl --version printed '$out'"; exit 1; }
  out=$(run "$dfuctl" info "$data/sample.hex" 2>&1) || { echo "FAIL: installed dfuctl info: $out"; exit 1; }
  case "$out" in *12588*) ;; *) echo "FAIL: installed dfuctl info printed: $out"; exit 1;; esac
  echo "installed dfuctl (RUNPATH '$rp'): $(run "$dfuctl" --version)"
  # dfuctl(1) at the default CMAKE_INSTALL_MANDIR, configured for this version.
  # Compressed where the build has gzip (every Debian system), as Debian policy asks.
  man="$prefix/share/man/man1/dfuctl.1.gz"
  [ -f "$man" ] || { echo "FAIL: dfuctl installed without share/man/man1/dfuctl.1.gz"; exit 1; }
  [ ! -e "${man%.gz}" ] || { echo "FAIL: both dfuctl.1 and dfuctl.1.gz installed"; exit 1; }
  gzip -dc "$man" | grep -q "^\.TH DFUCTL 1 .*\"libdfu $version\"" ||
    { echo "FAIL: the installed dfuctl.1.gz is not the page configured for $version"; exit 1; }
  echo "installed manual page: share/man/man1/dfuctl.1.gz"
  # bash-completion finds a command's completion by the command's name.
  [ -f "$prefix/share/bash-completion/completions/dfuctl" ] ||
    { echo "FAIL: share/bash-completion/completions/dfuctl not installed with dfuctl"; exit 1; }
elif [ -e "$prefix/share/man/man1/dfuctl.1" ] || [ -e "$prefix/share/man/man1/dfuctl.1.gz" ]; then
  echo "FAIL: dfuctl.1 installed without dfuctl"
  exit 1
fi

cat > "$scratch/consumer.c" <<'C'
#include <libdfu/libdfu.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    dfu_ctx *ctx;
    if (dfu_ctx_new(&ctx)) return 1;
    dfu_image *img;
    const char hex[] = ":0400000001020304F2\n:00000001FF\n";
    int rc = dfu_image_parse(&img, ctx, (const unsigned char *)hex, strlen(hex), "mem", NULL);
    if (rc) return 2;
    printf("%s %llu\n", dfu_version(), (unsigned long long)dfu_image_data_size(img, (size_t)-1));
    dfu_image_free(img);
    dfu_ctx_free(ctx);
    return 0;
}
C
pc=$(find "$prefix" -name libdfu.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: libdfu.pc not installed"; exit 1; }
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs libdfu)
# shellcheck disable=SC2086 # flags are words
$cc -o "$scratch/consumer" "$scratch/consumer.c" $flags
out=$(LD_LIBRARY_PATH="$libdir" "$scratch/consumer")
[ "${out#* }" = "4" ] || { echo "FAIL: pkg-config consumer printed '$out'"; exit 1; }
echo "pkg-config consumer: $out"

# libdfu-static.pc: the archive itself (-ldfu would take libdfu.so), and DFU_STATIC defined.
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs libdfu-static)
case " $flags " in *" -DDFU_STATIC "*) ;; *) echo "FAIL: libdfu-static flags lack -DDFU_STATIC: $flags"; exit 1;; esac
# shellcheck disable=SC2086 # flags are words
$cc -o "$scratch/consumer_static_pc" "$scratch/consumer.c" $flags
if readelf -d "$scratch/consumer_static_pc" | grep -q 'NEEDED.*libdfu'; then
  echo "FAIL: the libdfu-static consumer needs the shared library:"
  readelf -d "$scratch/consumer_static_pc" | grep NEEDED
  exit 1
fi
out=$(env -i "$scratch/consumer_static_pc")
[ "${out#* }" = "4" ] || { echo "FAIL: libdfu-static consumer printed '$out'"; exit 1; }
echo "pkg-config libdfu-static consumer: $out"

mkdir -p "$scratch/cmake-consumer"
cp "$scratch/consumer.c" "$scratch/cmake-consumer/"
cat > "$scratch/cmake-consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(consumer C)
find_package(libdfu REQUIRED)
# The package leaves no pkg-config variables behind, and the shared library brings no
# dependencies of its own (zlib and libusb are the static one's).
if(DEFINED LIBUSB_FOUND)
  message(FATAL_ERROR "find_package(libdfu) left LIBUSB_FOUND in the caller's scope")
endif()
get_target_property(deps libdfu::dfu INTERFACE_LINK_LIBRARIES)
if(deps)
  message(FATAL_ERROR "libdfu::dfu passes on link dependencies: ${deps}")
endif()
add_executable(consumer consumer.c)
target_link_libraries(consumer PRIVATE libdfu::dfu)
add_executable(consumer_static consumer.c)
target_link_libraries(consumer_static PRIVATE libdfu::dfu_static)
CM
cmake -S "$scratch/cmake-consumer" -B "$scratch/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_COMPILER="$cc" >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
out=$(LD_LIBRARY_PATH="$libdir" "$scratch/cmake-build/consumer")
[ "${out#* }" = "4" ] || { echo "FAIL: find_package consumer printed '$out'"; exit 1; }
echo "find_package consumer: $out"
out=$("$scratch/cmake-build/consumer_static")
[ "${out#* }" = "4" ] || { echo "FAIL: static find_package consumer printed '$out'"; exit 1; }
echo "find_package static consumer: $out"

# find_package(libdfu X.Y): until 1.0 the ABI may change with the minor version, so only the
# same minor version is accepted; from 1.0 on, the same major version.
mkdir -p "$scratch/version-consumer"
cat > "$scratch/version-consumer/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.20)
project(version_consumer C)
find_package(libdfu ${WANT})
if(NOT libdfu_FOUND)
  message(FATAL_ERROR "libdfu ${WANT} not found")
endif()
CM
finds() {
  rm -rf "$scratch/version-build"
  cmake -S "$scratch/version-consumer" -B "$scratch/version-build" -DWANT="$1" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" >"$scratch/version.log" 2>&1
}
major=${version%%.*} rest=${version#*.}
minor=${rest%%.*}
finds "$major.$minor" || { echo "FAIL: find_package(libdfu $major.$minor) failed:"; cat "$scratch/version.log"; exit 1; }
finds "$version" || { echo "FAIL: find_package(libdfu $version) failed:"; cat "$scratch/version.log"; exit 1; }
if [ "$major" -eq 0 ]; then
  refused="$major.$((minor + 1)) $((major + 1)).$minor"
  [ "$minor" -gt 0 ] && refused="$refused $major.$((minor - 1))"
else
  refused="$((major + 1)).0 $((major - 1)).$minor"
  # Within a major version an older minor is compatible.
  [ "$minor" -gt 0 ] && { finds "$major.$((minor - 1))" || { echo "FAIL: $major.$((minor - 1)) refused"; exit 1; }; }
fi
for want in $refused; do
  if finds "$want"; then echo "FAIL: find_package(libdfu $want) accepted $version"; exit 1; fi
  grep -q 'not found' "$scratch/version.log" || { echo "FAIL: find_package(libdfu $want):"; cat "$scratch/version.log"; exit 1; }
done
echo "find_package(libdfu): $major.$minor and $version accepted, $refused refused"
