#!/usr/bin/env bash
# Runs `make TARGET [TESTS=NAME...]`, an installcheck target of Makefile.pgxs, against a
# throwaway cluster started from $SORA_PG_BIN (scripts/pgcluster.sh), so that it tests the
# extension installed there. CTest runs the pgTAP files, the PostgREST contract files and
# the isolation specs this way, each on a cluster of its own:
#   test/installcheck.sh installcheck TESTS=charge_race
# The isolation tester writes into the cluster's folder; a difference is shown before the
# folder goes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"

pg_start
trap pg_stop EXIT
cd "$root"
out=$SORA_PGROOT/output_iso
if ! make "$@" EXTRA_REGRESS_OPTS="--outputdir=$out"; then
  [ ! -f "$out/regression.diffs" ] || cat "$out/regression.diffs"
  exit 1
fi
