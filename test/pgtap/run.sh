#!/usr/bin/env bash
# Runs the pgTAP suite (test/pgtap/*.sql) with pg_prove against a throwaway cluster
# holding a Supabase stand-in database with the extension installed and the shared test
# helpers (test/support/pgtap_helpers.sql) loaded.
# Expects the extension to be built and installed (scripts/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"

pg_start
trap pg_stop EXIT
export PGDATABASE=sora_test
createdb "$PGDATABASE"
psql -q -v ON_ERROR_STOP=1 -f "$root/test/support/supabase_standin.sql" >/dev/null
psql -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION sora_credits'
psql -q -v ON_ERROR_STOP=1 -f "$root/test/support/pgtap_helpers.sql"
pg_prove --failures --ext .sql "$here"/*.sql
