#!/usr/bin/env bash
# Configures (once) and builds neurode in build/ (override with NEURODE_BUILD_DIR).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${NEURODE_BUILD_DIR:-$root/build}
# (A configure that failed leaves a cache without a Makefile: configure again.)
if [ ! -f "$build/CMakeCache.txt" ] || [ ! -f "$build/Makefile" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "$(nproc)" -- --no-print-directory >/dev/null 2>"$build/build-errors.log" || {
  cat "$build/build-errors.log" >&2
  exit 1
}
