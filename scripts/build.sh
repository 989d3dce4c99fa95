#!/usr/bin/env bash
# Builds the extension with PGXS (warnings are errors), then installs it:
#   scripts/build.sh              into the PostgreSQL 15 found by pg_config, and builds the
#                                 reference worker with CMake into /usr/local/bin (the demo);
#   scripts/build.sh --stage DIR  into a private copy of that server under DIR, a new
#                                 folder (see scripts/pgstage.sh): CMake's build does this
#                                 for the tests (CMakeLists.txt), which run the worker from
#                                 their own build tree.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s WERROR=1 -j"$(nproc)"

if [ "${1:-}" = --stage ]; then
  stage=${2:?usage: scripts/build.sh --stage DIR}
  # shellcheck source=pgstage.sh
  . scripts/pgstage.sh
  pg_stage "$stage" make -s install DESTDIR="$stage"
else
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo make -s install >/dev/null
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSORA_WERROR=ON >/dev/null
  cmake --build build/release --target sora-worker -j"$(nproc)" >/dev/null
  $sudo cmake --install build/release --strip   # prints: Installing: /usr/local/bin/sora-worker
fi
