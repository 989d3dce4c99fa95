#!/usr/bin/env bash
# The whole test suite, from a fresh Debian bookworm machine: installs what is missing,
# builds the extension into a private server copy (nothing system-wide changes), builds
# the tests and runs every suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/provision.sh
stage=$(mktemp -d /tmp/sora_credits_stage.XXXXXX)
trap 'rm -rf "$stage"' EXIT
scripts/build.sh --stage "$stage"
export SORA_PG_BIN=$stage$(pg_config --bindir)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DSORA_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j1
