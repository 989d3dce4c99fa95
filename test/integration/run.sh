#!/usr/bin/env bash
# Runs the integration suite (the libpqxx GoogleTest binary given as $1, further arguments
# go to it) against a throwaway cluster holding a Supabase stand-in database with the
# extension installed. Expects the extension to be built and installed (scripts/build.sh).
# SORA_SEED=<n> replays the random load of an earlier run (each run prints its seed).
set -euo pipefail
binary=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"

pg_start
trap pg_stop EXIT
sora_db sora_integration

# The crash test cuts the power (pg_ctl stop -m immediate) and restarts the server: it runs
# this command line with bash, as the cluster's owner (root may not run pg_ctl).
export -f as_pg_owner
export SORA_PG_CTL="as_pg_owner $PG_BIN/pg_ctl -D $SORA_PGROOT/data -l $SORA_PGROOT/server.log"
# The test-only guard_probe module is loaded by the server, which runs as the postgres
# user: a copy in the cluster's folder, which that user can read wherever the build is.
if [ -n "${SORA_GUARD_PROBE:-}" ]; then
  cp "$SORA_GUARD_PROBE" "$SORA_PGROOT/guard_probe.so"
  chmod a+r "$SORA_PGROOT/guard_probe.so"
  export SORA_GUARD_PROBE=$SORA_PGROOT/guard_probe.so
fi
"$binary" "$@"
