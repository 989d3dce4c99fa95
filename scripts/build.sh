#!/usr/bin/env bash
# Builds the extension with PGXS (warnings are errors), then installs it:
#   scripts/build.sh              into the PostgreSQL 15 found by pg_config, and builds the
#                                 reference worker with CMake into /usr/local/bin (the demo);
#   scripts/build.sh --stage DIR  into a private copy of that server under DIR (the tests,
#                                 which run the worker from their own CMake build tree).
# The private copy holds its own postgres, initdb and pg_ctl next to symlinks to the system's
# libraries and share files; PostgreSQL finds its lib and share folders relative to its own
# binary, so a cluster started from DIR's bin folder loads this build and nothing else can
# overwrite it (tests of several checkouts can run side by side, and nothing system-wide
# changes). Start clusters from it with SORA_PG_BIN=DIR$(pg_config --bindir).
set -euo pipefail
cd "$(dirname "$0")/.."

make -s -f Makefile.pgxs WERROR=1 -j"$(nproc)"

if [ "${1:-}" = --stage ]; then
  stage=${2:?usage: scripts/build.sh --stage DIR}
  bindir=$(pg_config --bindir) pkglibdir=$(pg_config --pkglibdir) sharedir=$(pg_config --sharedir)
  mkdir -p "$stage$bindir" "$stage$pkglibdir" "$stage$sharedir"
  cp -a "$bindir/." "$stage$bindir/"            # real copies: they locate lib/share from here
  cp -rs "$pkglibdir/." "$stage$pkglibdir/"
  cp -rs "$sharedir/." "$stage$sharedir/"
  # A system-wide install of another version must not shine through.
  rm -f "$stage$pkglibdir"/sora_credits.so "$stage$sharedir"/extension/sora_credits*
  make -s -f Makefile.pgxs install DESTDIR="$stage" >/dev/null
  chmod -R a+rX "$stage"                         # the server runs as postgres
else
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo make -s -f Makefile.pgxs install >/dev/null
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release -DSORA_WERROR=ON >/dev/null
  cmake --build build/release --target sora-worker -j"$(nproc)" >/dev/null
  $sudo cmake --install build/release --strip   # prints: Installing: /usr/local/bin/sora-worker
fi
