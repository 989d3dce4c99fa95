#!/usr/bin/env bash
# The Citus suite: sora_credits on a real Citus cluster (a coordinator and its workers),
# which nothing in this repository builds: Citus is not packaged in Debian, and code from
# other repositories is never part of this one. CI has no such cluster, so without one
# the suite says so and passes; docs/scaling.md says how the cluster it ran on was made.
#
# Environment:
#   SORA_CITUS_HOST   the coordinator's host (or socket folder). Unset (with SORA_CITUS_PORT
#                     unset): the suite is skipped, and passes
#   SORA_CITUS_PORT   the coordinator's port
#   SORA_CITUS_DB     the database (default: postgres), with the citus extension and at
#                     least two workers added to it (citus_add_node)
# It connects to the coordinator as supabase_admin, the bootstrap superuser, as a Supabase
# database would have it (test/support/supabase_standin.sql). The nodes run the
# PostgreSQL 15 that scripts/build.sh installs the extension into.
#
# What it changes in that database: it loads the Supabase stand-in into it when it has no
# schema auth yet, and it drops sora_credits (with CASCADE) and creates it again, so give it
# a database of a cluster made for testing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# the caller's libpq settings must not redirect any connection of the suite
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGSERVICEFILE PGPASSWORD
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"

host=${SORA_CITUS_HOST:-} port=${SORA_CITUS_PORT:-}
if [ -z "$host" ] && [ -z "$port" ]; then
  echo "citus: SKIPPED: no Citus cluster given (SORA_CITUS_HOST and SORA_CITUS_PORT are not set)."
  echo "citus: this suite needs a Citus coordinator with workers, which CI does not have;"
  echo "citus: see the header of test/citus/run.sh and docs/scaling.md to run it."
  exit 0
fi
[ -n "$host" ] && [ -n "$port" ] || bail_out "set both SORA_CITUS_HOST and SORA_CITUS_PORT (one of them is empty)"
db=${SORA_CITUS_DB:-postgres}

coordinator() { psql -X -q -v ON_ERROR_STOP=1 --no-password -h "$host" -p "$port" -d "$db" -U supabase_admin "$@" </dev/null; }
val() { coordinator -At -c "$1"; }
# The same query on every worker, one line per worker: "port|result".
on_workers() { val "SELECT nodeport || '|' || result FROM run_command_on_workers(\$cmd\$$1\$cmd\$) ORDER BY nodeport"; }

val 'SELECT 1' >/dev/null 2>&1 || bail_out "cannot connect to $db on $host:$port as supabase_admin"
[ "$(val "SELECT count(*) FROM pg_extension WHERE extname = 'citus'")" = 1 ] \
  || bail_out "$db on $host:$port has no citus extension"
workers=$(val "SELECT count(*) FROM citus_get_active_worker_nodes()")
[ "$workers" -ge 2 ] || bail_out "the coordinator has $workers active workers; the suite needs at least 2"
echo "citus: $(val "SELECT citus_version()" | cut -d' ' -f1,2) on $host:$port, $workers workers"

if [ -z "$(val "SELECT 1 FROM pg_namespace WHERE nspname = 'auth'")" ]; then
  coordinator -f "$root/test/support/supabase_standin.sql" >/dev/null
fi
coordinator -c "SET client_min_messages = warning" -c "DROP EXTENSION IF EXISTS sora_credits CASCADE" \
  -c "CREATE EXTENSION sora_credits"

# 1. CREATE EXTENSION on the coordinator, replayed by Citus on every worker, where
#    auth.users does not exist: the install builds on auth.users only where it is.
version=$(val "SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'")
is "every worker has the coordinator's version ($version)" \
  "$(on_workers "SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'" | cut -d'|' -f2 | sort -u)" \
  "$version"
is "the coordinator has the sign-up triggers on auth.users" \
  "$(val "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass AND tgname LIKE 'sora_credits%'")" \
  "sora_credits_on_auth_user_created,sora_credits_on_auth_user_updated"
is "the coordinator's profiles reference auth.users" \
  "$(val "SELECT confdeltype FROM pg_constraint WHERE conname = 'profiles_id_fkey' AND confrelid = 'auth.users'::regclass")" \
  "c"
is "no worker has an auth.users table" \
  "$(on_workers "SELECT to_regclass('auth.users') IS NULL" | cut -d'|' -f2 | sort -u)" "t"
is "every worker has the extension's tables" \
  "$(on_workers "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('profiles', 'videos', 'credit_transactions', 'credit_lots', 'credit_allocations', 'video_pricing')" | cut -d'|' -f2 | sort -u)" \
  "6"

done_testing
