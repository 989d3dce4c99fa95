# Throwaway PostgreSQL 15 cluster for the demo and the tests (sourced, not run).
#
# The cluster lives in a fresh folder under /tmp, listens only on a Unix socket in that
# folder (no TCP at all, so it can never collide with or be reached like the system
# cluster on 5432), trusts local connections, and is stopped by its data folder.
# Why /tmp and not build/: the postgres user must be able to reach the folder, and a
# socket path must stay under 107 bytes, which a deep checkout cannot promise.

# SORA_PG_BIN: the server binaries to use (CTest points it at the build's private copy).
PG_BIN=${SORA_PG_BIN:-$(pg_config --bindir)}
SORA_SOURCE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)   # the checkout
SORA_PGPORT=${SORA_PGPORT:-54329}

# Runs a server binary as the postgres user when we are root (initdb and postgres refuse root).
as_pg_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start [-c name=value ...]: starts the cluster with these extra server settings; sets
# PGHOST/PGPORT/PGUSER/PGDATABASE for psql and the tests, and SORA_PGROOT for pg_stop.
pg_start() {
  SORA_PGROOT=$(mktemp -d /tmp/sora_credits_pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres: "$SORA_PGROOT"
  # As on Supabase, the bootstrap superuser is supabase_admin; the stand-in creates the
  # role postgres, which is not a superuser (test/support/supabase_standin.sql).
  as_pg_owner "$PG_BIN/initdb" -D "$SORA_PGROOT/data" -U supabase_admin --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$SORA_PGROOT/initdb.log" 2>&1 \
    || { cat "$SORA_PGROOT/initdb.log"; return 1; }
  as_pg_owner "$PG_BIN/pg_ctl" -D "$SORA_PGROOT/data" -l "$SORA_PGROOT/server.log" -w \
    -o "-c listen_addresses='' -c unix_socket_directories='$SORA_PGROOT' -p $SORA_PGPORT $*" \
    start >/dev/null || { cat "$SORA_PGROOT/server.log"; return 1; }
  # PGDATABASE: initdb's database "postgres" (psql would otherwise pick the user's name).
  export PGHOST=$SORA_PGROOT PGPORT=$SORA_PGPORT PGUSER=supabase_admin PGDATABASE=postgres SORA_PGROOT
}

pg_stop() {
  [ -n "${SORA_PGROOT:-}" ] && [ -d "$SORA_PGROOT/data" ] || return 0
  as_pg_owner "$PG_BIN/pg_ctl" -D "$SORA_PGROOT/data" -m fast -w stop >/dev/null || true
  rm -rf "$SORA_PGROOT"
}

# sora_db NAME: creates the database NAME in the running cluster as a Supabase stand-in
# (test/support/supabase_standin.sql) with the extension installed, and makes it the
# default database of psql and the tests (PGDATABASE).
sora_db() {
  export PGDATABASE=$1
  createdb "$PGDATABASE"
  psql -X -q -v ON_ERROR_STOP=1 -f "$SORA_SOURCE/test/support/supabase_standin.sql" >/dev/null
  psql -X -q -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION sora_credits'
}
