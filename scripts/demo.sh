#!/usr/bin/env bash
# The newcomer's demo, from a fresh Debian bookworm machine: installs what is missing,
# builds and installs the extension, starts a throwaway PostgreSQL cluster, creates a
# Supabase stand-in database with the extension, and walks through the API. The cluster
# is stopped (and its folder removed) at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/provision.sh
scripts/build.sh
. scripts/pgcluster.sh
pg_start
trap pg_stop EXIT

createdb demo
psql -q -v ON_ERROR_STOP=1 -d demo -f test/support/supabase_standin.sql >/dev/null
psql -q -v ON_ERROR_STOP=1 -d demo -f scripts/demo.sql
