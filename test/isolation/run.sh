#!/usr/bin/env bash
# Runs the isolation specs (test/isolation/specs/*.spec) exactly as a user would, with
# `make installcheck`, against a throwaway cluster started from
# $SORA_PG_BIN (so it tests the extension built by scripts/test.sh). pg_isolation_regress
# compares every permutation's output with test/isolation/expected/*.out; any difference
# fails the run, and the diff is shown.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"

pg_start
trap pg_stop EXIT
cd "$root"
if ! make installcheck; then
  cat output_iso/regression.diffs
  exit 1
fi
