#!/usr/bin/env bash
# The whole test suite, from a fresh Debian bookworm machine: installs what is missing,
# builds the extension into a private server copy in build/ (nothing system-wide changes)
# and the tests, and runs every suite with CTest.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/provision.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DSORA_WERROR=ON >/dev/null
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j1
