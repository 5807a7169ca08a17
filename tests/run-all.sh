#!/bin/sh
# The whole test suite, as CI runs it (.ci/run calls exactly this). On a fresh Debian/Ubuntu
# machine it installs what is missing, then builds and tests every configuration:
#   1. release build, warnings as errors: every ctest test (unit, image, sim, cli, usb, interop,
#      sweep)
#   2. AddressSanitizer + UndefinedBehaviorSanitizer build: every test again
#   3. valgrind over the CLI end-to-end tests (release build)
#   4. clang libFuzzer build: a short smoke run of every fuzz harness
#   5. clang-format check of every C file
#   6. Windows: library and CLI compiled with MinGW-w64 (-Werror) and linked
# Set DFU_SKIP="asan valgrind fuzz format windows" (any subset) to skip stages while iterating.
# Unlike plain ctest, a stage fails when a test was skipped (a missing peer tool or a USB bridge
# that cannot run): this machine has every dependency installed, so a skip is a fault here.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
packaging/install-deps.sh

jobs=$(nproc 2>/dev/null || echo 2)
skip=" ${DFU_SKIP:-} "
stage() { printf '\n=== %s ===\n' "$*"; }
skipped() { case "$skip" in *" $1 "*) echo "(skipped: DFU_SKIP contains $1)"; return 0;; esac; return 1; }
start=$(date +%s)

# ctest --test-dir BUILD_DIR ARGS..., then fail, naming each skipped test and why, if any was.
run_tests() {
  dir=$1
  shift
  ctest --test-dir "$dir" --output-on-failure -O "$dir/Testing/run-all.log" "$@"
  names=$(sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (Skipped)$/\1/p' "$dir/Testing/run-all.log")
  [ -n "$names" ] || return 0
  echo "run-all: skipped tests fail CI, where every tool they need is installed:"
  for name in $names; do
    awk -v t="$name" '/^[0-9]+\/[0-9]+ Testing: / { cur = $3 }
      cur == t && /^SKIP: / && !seen[$0]++ { print "  " t ": " $0 }' \
      "$dir/Testing/Temporary/LastTest.log"
  done
  exit 1
}

stage "1/6 release build (-Werror), all tests"
# umockdev ON, not AUTO: without it the usb tests would only say why they cannot run.
cmake -S . -B build/ci -G Ninja -DDFU_WERROR=ON -DDFU_WITH_UMOCKDEV=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build/ci -j "$jobs"
run_tests build/ci -j "$jobs"

stage "2/6 AddressSanitizer + UndefinedBehaviorSanitizer, all tests"
if ! skipped asan; then
  cmake -S . -B build/asan -G Ninja -DDFU_WERROR=ON -DDFU_SANITIZE=ON -DDFU_WITH_UMOCKDEV=ON \
    -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build build/asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_tests build/asan -j "$jobs"
fi

stage "3/6 valgrind over the CLI end-to-end tests"
if ! skipped valgrind; then
  DFU_TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite" \
    run_tests build/ci -j "$jobs" -L cli
fi

stage "4/6 libFuzzer smoke runs"
if ! skipped fuzz; then
  cmake -S . -B build/fuzz -G Ninja -DCMAKE_C_COMPILER=clang -DDFU_FUZZ=ON \
    -DDFU_WITH_UMOCKDEV=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/fuzz -j "$jobs"
  run_tests build/fuzz -L fuzz
fi

stage "5/6 clang-format"
if ! skipped format; then
  bad=$(git ls-files '*.c' '*.h' | while read -r f; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || echo "$f"; done)
  if [ -n "$bad" ]; then
    echo "not clang-formatted (run: clang-format -i FILE):"; echo "$bad"; exit 1
  fi
  echo "all C files formatted"
fi

stage "6/6 Portability: Windows build (MinGW-w64 cross-compile), tests without umockdev"
if ! skipped windows; then
  tests/windows-build.sh build/ci
  # As on macOS and Windows: no umockdev, so the usb tests must build and skip, saying why.
  cmake -S . -B build/no-umockdev -G Ninja -DDFU_WERROR=ON -DDFU_WITH_UMOCKDEV=OFF \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build/no-umockdev -j "$jobs" --target usb_dfuctl usb_dfuutil usb_libusb usb_list
  echo "the usb tests build without umockdev"
fi

echo
echo "run-all: every stage passed in $(( $(date +%s) - start )) s"
