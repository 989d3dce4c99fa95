#!/usr/bin/env bash
# The real-Supabase suite: the contract's user, worker and operator flows and the privilege
# expectations, run against a database that Supabase's own files built (the supabase/postgres
# image's init scripts and migrations, then the auth server's migrations), which a stand-in
# cannot replace: there `postgres` is not a superuser, Supabase's default privileges and
# event triggers apply, PostgREST's login preloads safeupdate, and auth.users has the real
# columns. CI has no such database (Supabase's files are never part of this repository), so
# without one the suite says so and passes.
#
# It connects the way Supabase's servers do:
#   - PostgREST: as authenticator, one transaction per request, the role from the JWT and
#     request.jwt.claims set transaction-locally (test/support/postgrest_replay.sql);
#   - the auth server: as supabase_auth_admin on a connection of its own (auth.sh: email and
#     phone sign-ups, confirmations, anonymous sign-ins, linking an email, soft and hard
#     deletes, written as GoTrue writes them);
#   - a developer: as postgres (not a superuser), for what that role may and may not do;
#   - the platform: as supabase_admin, for the installation and the checks behind the API.
#
# Environment:
#   SORA_SUPABASE_HOST    the database's host: the socket directory of a database made by
#                         ../shared/supabase/supabase-db.sh (its DIR). Unset (with
#                         SORA_SUPABASE_PORT unset): the suite is skipped, and passes
#   SORA_SUPABASE_PORT    its port
#   SORA_SUPABASE_DB      the database (default: postgres)
#   SORA_SUPABASE_DB_SH   supabase-db.sh, whose `signup DIR EMAIL UUID` writes the email
#                         sign-ups (default: ../shared/supabase/supabase-db.sh next to the
#                         checkout); DIR is SORA_SUPABASE_HOST
#   SORA_SPLINTER_SQL     splinter.sql of a snapshot of github:supabase/splinter (its lints in
#                         one query). Given: the lints on the extension's objects must be
#                         exactly the expected ones (08_splinter.sql). Unset: that file skips
#   SORA_SPLINTER_DB_SCHEMAS  the schemas PostgREST exposes, as the lints read them from
#                         pgrst.db_schemas (default: self-hosted Supabase's
#                         public,storage,graphql_public)
# Every role connects without a password (supabase-db.sh trusts its private socket).
#
# What it changes in that database: it installs sora_credits as supabase_admin if it is not
# installed; it loads its helpers into schema `test` and pgTAP into schema `tap` (refusing
# to touch such schemas that it did not create) and drops both at the end; it sets
# sora_credits.signup_credits for the database (ALTER DATABASE, as the docs say) to
# $SORA_SB_BONUS for its run and puts the previous value back; the users, videos and
# ledger entries of its flows stay (fresh ids every run, so it can run again). Do not run
# two at once against one database. It expects the prices the extension seeds (sora-2 at
# 720p: 3 credits a second) and the default sora_credits.restore_window (30 days).
#
# Then it runs restore.sh: docs/operations.md's backup and restore procedures, from this
# database into a second one that it starts with supabase-db.sh. It needs the snapshots
# (SUPABASE_POSTGRES_GIT, SUPABASE_AUTH_GIT, and SUPABASE_CLI_GIT for the CLI's dumps; see
# its header) and says in the last line what it skipped without them.
#
# The assertions that today's release fails on a real Supabase database (issue #11) are
# pgTAP TODO tests: they are reported, and they do not fail the suite.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# the caller's libpq settings must not redirect any connection of the suite
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGSERVICEFILE PGPASSWORD

host=${SORA_SUPABASE_HOST:-} port=${SORA_SUPABASE_PORT:-}
if [ -z "$host" ] && [ -z "$port" ]; then
  echo "supabase: SKIPPED: no Supabase database given (SORA_SUPABASE_HOST and SORA_SUPABASE_PORT are not set)."
  echo "supabase: this suite needs a database built from Supabase's own files, which CI does not have;"
  echo "supabase: see the header of test/supabase/run.sh and docs/reliability.md (section 9) to run it."
  exit 0
fi
die() { echo "supabase: FAIL: $*"; exit 1; }
if [ -z "$host" ] || [ -z "$port" ]; then
  die "set both SORA_SUPABASE_HOST and SORA_SUPABASE_PORT (one of them is empty)"
fi
db=${SORA_SUPABASE_DB:-postgres}
dbsh=${SORA_SUPABASE_DB_SH:-$root/../shared/supabase/supabase-db.sh}
[ -x "$dbsh" ] || die "no supabase-db.sh at $dbsh (set SORA_SUPABASE_DB_SH): its signup writes the email sign-ups"
[ "$(cat "$host/port" 2>/dev/null)" = "$port" ] \
  || die "$host is not the folder of a database that supabase-db.sh made on port $port (its signup needs that folder)"
export SORA_SUPABASE_HOST=$host SORA_SUPABASE_PORT=$port SORA_SUPABASE_DB=$db SORA_SUPABASE_DB_SH=$dbsh
export SORA_SB_AUTH=$here/auth.sh SORA_SB_BONUS=20

as() { local role=$1; shift; psql -X -q -v ON_ERROR_STOP=1 --no-password -h "$host" -p "$port" -d "$db" -U "$role" "$@"; }
val() { as "$1" -At -c "$2" </dev/null; }

val supabase_admin 'SELECT 1' >/dev/null 2>&1 || die "cannot connect to $db on $host:$port as supabase_admin"
facts=$(val supabase_admin "SELECT concat_ws(' ',
  (SELECT 'postgres-is-superuser' FROM pg_roles WHERE rolname = 'postgres' AND rolsuper),
  (SELECT 'no-' || r FROM unnest(ARRAY['authenticator','anon','authenticated','service_role','supabase_auth_admin']) r
    WHERE to_regrole(r) IS NULL LIMIT 1),
  CASE WHEN to_regclass('auth.schema_migrations') IS NULL THEN 'no-auth-migrations' END)")
[ -z "$facts" ] || die "$db on $host:$port is not a Supabase-built database ($facts)"

work=$(mktemp -d /tmp/sora_supabase_suite.XXXXXX)
marker='sora_credits test/supabase: created and dropped by test/supabase/run.sh'
setting_restore=""
tap_schema=tap
cleanup() {
  set +e
  [ -n "$setting_restore" ] && val supabase_admin "$setting_restore" >/dev/null
  as supabase_admin -c "SET client_min_messages = warning" \
    -c "DO \$\$ DECLARE s text; BEGIN
          FOREACH s IN ARRAY ARRAY['test', 'tap'] LOOP
            IF obj_description(to_regnamespace(s), 'pg_namespace') = '$marker' THEN
              EXECUTE format('DROP SCHEMA %I CASCADE', s);
            END IF;
          END LOOP; END \$\$" </dev/null >/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# Our schemas: a leftover of an interrupted run is dropped, anyone else's is never touched.
for s in test tap; do
  case $(val supabase_admin "SELECT CASE WHEN to_regnamespace('$s') IS NULL THEN 'none'
                                 WHEN obj_description(to_regnamespace('$s'), 'pg_namespace') = '$marker' THEN 'ours'
                                 ELSE 'theirs' END") in
    ours) as supabase_admin -c "SET client_min_messages = warning" -c "DROP SCHEMA $s CASCADE" </dev/null ;;
    theirs) die "schema $s exists and was not made by this suite: use a database without it" ;;
  esac
done

if [ -z "$(val supabase_admin "SELECT 1 FROM pg_extension WHERE extname = 'sora_credits'")" ]; then
  val supabase_admin 'CREATE EXTENSION sora_credits' >/dev/null
  echo "supabase: installed sora_credits as supabase_admin"
fi
tap_existing=$(val supabase_admin "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'pgtap'")
if [ -n "$tap_existing" ]; then
  tap_schema=$tap_existing
else
  as supabase_admin -c "CREATE SCHEMA tap" -c "COMMENT ON SCHEMA tap IS '$marker'" \
    -c "GRANT USAGE ON SCHEMA tap TO PUBLIC" -c "CREATE EXTENSION pgtap SCHEMA tap" </dev/null >/dev/null
fi
# (the replay's assertion helpers call pgTAP's functions, found on the search_path)
as supabase_admin -c "SET client_min_messages = warning" -c "SET search_path = $tap_schema, public, extensions" \
  -f "$root/test/support/pgtap_helpers.sql" \
  -c "COMMENT ON SCHEMA test IS '$marker'" -f "$root/test/support/postgrest_replay.sql" \
  -f "$here/helpers.sql" </dev/null >/dev/null

# The sign-up bonus, set for the database as docs/api.md says, so that the auth server's
# own connections see it; the previous value comes back at the end.
prev=$(val supabase_admin "SELECT s FROM pg_db_role_setting d, unnest(d.setconfig) s
  WHERE d.setrole = 0 AND d.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND s LIKE 'sora_credits.signup_credits=%'")
qdb=$(val supabase_admin "SELECT quote_ident(current_database())")
if [ -n "$prev" ]; then
  setting_restore="ALTER DATABASE $qdb SET sora_credits.signup_credits = '${prev#*=}'"
else
  setting_restore="ALTER DATABASE $qdb RESET sora_credits.signup_credits"
fi
as supabase_admin -c "LOAD 'sora_credits'" \
  -c "ALTER DATABASE $qdb SET sora_credits.signup_credits = $SORA_SB_BONUS" </dev/null >/dev/null

# splinter's lints in one query, captured into a temporary table by 08_splinter.sql.
export SORA_SB_SPLINTER_RUN=none
if [ -n "${SORA_SPLINTER_SQL:-}" ]; then
  [ -f "$SORA_SPLINTER_SQL" ] || die "SORA_SPLINTER_SQL: no file $SORA_SPLINTER_SQL"
  lints=$(cat "$SORA_SPLINTER_SQL")
  first=${lints%%$'\n'*}
  if [[ ${first,,} =~ ^set\ local\ search_path ]]; then lints=${lints#*$'\n'}; fi
  lints=${lints%;}
  {
    echo "BEGIN;"
    echo "SET LOCAL pgrst.db_schemas = '${SORA_SPLINTER_DB_SCHEMAS:-public,storage,graphql_public}';"
    echo "SET LOCAL search_path = '';"
    echo "CREATE TEMP TABLE sora_lints ON COMMIT PRESERVE ROWS AS"
    printf '%s\n;\n' "$lints"
    echo "COMMIT;"
  } >"$work/splinter.sql"
  SORA_SB_SPLINTER_RUN=$work/splinter.sql
fi

# Each file names the role it connects as (a line "-- connect: ROLE"); consecutive files
# of one role run in one pg_prove.
export PGOPTIONS="-c search_path=$tap_schema,public,extensions -c client_min_messages=warning"
files=() roles=()
for f in "$here"/[0-9]*.sql; do
  files+=("$f")
  roles+=("$(sed -n 's/^-- connect: \([a-z_]*\).*/\1/p' "$f" | head -1)")
  [ -n "${roles[-1]}" ] || die "$f names no role (a line \"-- connect: ROLE\")"
done
failed=0 nfiles=0 ntests=0 i=0
while [ $i -lt ${#files[@]} ]; do
  role=${roles[$i]} group=()
  while [ $i -lt ${#files[@]} ] && [ "${roles[$i]}" = "$role" ]; do group+=("${files[$i]}"); i=$((i + 1)); done
  echo "supabase: as $role: $(for g in "${group[@]}"; do basename "$g"; done | paste -sd' ')"
  set +e
  pg_prove --failures --directives --host "$host" --port "$port" --dbname "$db" --username "$role" \
    "${group[@]}" 2>&1 | tee "$work/prove.out"
  rc=${PIPESTATUS[0]}  # pg_prove's, read before any other command replaces it
  cat "$work/prove.out" >>"$work/all.out"
  set -e
  [ "$rc" -eq 0 ] || failed=$((failed + 1))
  if summary=$(grep -Eo 'Files=[0-9]+, Tests=[0-9]+' "$work/prove.out"); then
    nfiles=$((nfiles + $(sed -E 's/Files=([0-9]+).*/\1/' <<<"$summary")))
    ntests=$((ntests + $(sed -E 's/.*Tests=([0-9]+)/\1/' <<<"$summary")))
  fi
done
# pg_prove --directives shows every TODO test, as "not ok" while it fails and "ok" once it
# passes (then the fix can drop its todo_start)
ntodo=$(grep -Ec '^(not )?ok [0-9]+ .*# TODO' "$work/all.out" || true)
ntodo_ok=$(grep -Ec '^ok [0-9]+ .*# TODO' "$work/all.out" || true)
if [ "$failed" -ne 0 ]; then
  echo "supabase: FAIL: $failed of the pg_prove runs failed against $db on $host:$port"
  exit 1
fi

# The backup and restore procedures of docs/operations.md, from this database (with the
# users, videos and ledger of the flows above) into a second one: restore.sh. This suite's
# own schemas and setting go first, or the dumps would carry them.
cleanup
trap - EXIT
set -e   # (cleanup turned it off)
restore_log=$(mktemp /tmp/sora_supabase_restore.XXXXXX)
set +e
bash "$here/restore.sh" 2>&1 | tee "$restore_log"
rc=${PIPESTATUS[0]}
set -e
restore_last=$(tail -1 "$restore_log")
rm -f "$restore_log"
[ "$rc" -eq 0 ] || die "the restore procedures failed against $db on $host:$port ($restore_last)"
echo "supabase: PASS: $nfiles files, $ntests tests against $db on $host:$port;" \
     "$ntodo of them TODO for issue #11, $ntodo_ok of those passing; $restore_last"
