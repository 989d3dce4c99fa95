#!/usr/bin/env bash
# The typed client's test: installs the pinned packages from package-lock.json (npm ci,
# from npm's cache when it has them), type-checks and compiles the client and its tests
# (tsc, strict), and runs them with node's own test runner against recorded PostgREST
# responses: no network and no server. Works on Debian bookworm's Node 18 and on Node 20+.
set -euo pipefail
cd "$(dirname "$0")"

echo "node $(node --version), npm $(npm --version)"
npm ci --prefer-offline --no-audit --no-fund
npm test
