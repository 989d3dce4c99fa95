#!/usr/bin/env bash
# Builds the extension with PGXS (warnings are errors), then installs it:
#   scripts/build.sh              into the PostgreSQL 15 found by pg_config (the demo);
#   scripts/build.sh --stage DIR  into a private copy of that server under DIR (the tests,
#                                 see scripts/pgstage.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

make -s -f Makefile.pgxs WERROR=1 -j"$(nproc)"

if [ "${1:-}" = --stage ]; then
  stage=${2:?usage: scripts/build.sh --stage DIR}
  # shellcheck source=pgstage.sh
  . scripts/pgstage.sh
  pg_stage "$stage" make -s -f Makefile.pgxs install DESTDIR="$stage"
else
  sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo make -s -f Makefile.pgxs install >/dev/null
fi
