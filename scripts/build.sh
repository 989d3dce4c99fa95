#!/usr/bin/env bash
# Builds the extension with PGXS (warnings are errors) and installs it into the
# PostgreSQL 15 found by pg_config. Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
make -s -f Makefile.pgxs WERROR=1 -j"$(nproc)"
$sudo make -s -f Makefile.pgxs install >/dev/null
