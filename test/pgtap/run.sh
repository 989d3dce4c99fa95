#!/usr/bin/env bash
# Runs a pgTAP suite with pg_prove against a throwaway cluster holding a Supabase stand-in
# database with the extension installed and the shared test helpers
# (test/support/pgtap_helpers.sql) loaded.
#   run.sh [DIR [ROLE [SETUP.sql...]]]
#   DIR    the suite: its *.sql files (default: this folder, the regression suite)
#   ROLE   the role pg_prove connects as (default: postgres)
#   SETUP  further SQL files loaded by the superuser before the suite runs
# Expects the extension to be built and installed (scripts/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
suite=${1:-$here}
role=${2:-postgres}
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"

pg_start
trap pg_stop EXIT
sora_db sora_test
psql -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap'
for sql in "$root/test/support/pgtap_helpers.sql" "${@:3}"; do
  psql -q -v ON_ERROR_STOP=1 -f "$sql"
done
pg_prove --failures --ext .sql --username "$role" "$suite"/*.sql
