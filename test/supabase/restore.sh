#!/usr/bin/env bash
# The backup and restore procedures of docs/operations.md ("Backup and restore"), run from
# the real-Supabase suite's database into a second one, a new project built the same way
# (supabase-db.sh, the same snapshots, the same server binaries):
#
#   1. plain   pg_dump/pg_restore, restored as supabase_admin;
#   2. cli     the Supabase CLI's role, schema and data dumps (`supabase db dump`),
#              restored with psql as supabase_admin;
#   3. cli-postgres  the same dumps restored as postgres, with supautils SIMULATED: this
#              database has no supautils, so supabase_admin does beforehand what supautils
#              does for postgres on Supabase (creates the extension, which supautils runs as
#              the superuser for postgres's CREATE EXTENSION; lets postgres set
#              session_replication_role, here with GRANT SET ON PARAMETER).
#
# Each restore is followed by the settings step (the sora_credits settings no dump
# carries). Then the target must equal the source (test/backup/snapshot.sql: every row of
# auth.users, auth.identities, the app's schema, prices, profiles with their balances,
# videos with their soft deletions, the ledger, its sequence, policies, owners, grants,
# triggers, settings), verify_ledger() must be empty, the settings must apply to new
# sessions, and a new charge (through PostgREST's way) and a new sign-up and confirmation
# (through the auth server's way, auth.sh) must work.
#
# The `supabase` CLI runs its dumps in Docker, which this machine does not have. What it
# runs is a shell script per dump (pkg/migration/scripts/dump_{role,schema,data}.sh) with
# an environment from pkg/migration/dump.go: both are read at run time from a snapshot of
# github:supabase/cli (never kept in this repository) and run with the server's own
# pg_dump, as `supabase db dump` would run them.
#
# Run by test/supabase/run.sh after its suite (whose data is the source, and whose own
# schemas must be gone by then); it can run alone too, on a database where the suite ran.
#
# Environment:
#   SORA_SUPABASE_HOST, SORA_SUPABASE_PORT, SORA_SUPABASE_DB, SORA_SUPABASE_DB_SH
#                          the source, as for run.sh. Both unset: skipped
#   SUPABASE_POSTGRES_GIT, SUPABASE_AUTH_GIT
#                          the snapshots supabase-db.sh builds the targets from. Unset: skipped
#   SUPABASE_CLI_GIT       a bare git dir of a snapshot of github:supabase/cli. Unset: the two
#                          CLI procedures are skipped (said in the last line)
#   SUPABASE_PG_BIN        the server binaries of the targets and the pg_dump used (default:
#                          those the source was started with, from its folder's pgbin)
#   SORA_SUPABASE_RESTORE_PORT  the targets' port (default 54420; one target at a time)
#
# What it changes in the source, only while it takes the dumps, and puts back afterwards
# (also when it fails): sora_credits settings for the database, for authenticator in it and
# for supabase_auth_admin; one seeded price changed and one price added; a schema `shop`
# with a table of orders, made by postgres as an app's own schema would be.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGSERVICEFILE PGPASSWORD

skip() { echo "restore: SKIPPED: $*"; exit 0; }
die() { echo "restore: FAIL: $*"; exit 1; }
host=${SORA_SUPABASE_HOST:-} port=${SORA_SUPABASE_PORT:-}
[ -n "$host" ] || [ -n "$port" ] \
  || skip "no Supabase database given (SORA_SUPABASE_HOST and SORA_SUPABASE_PORT are not set)."
if [ -z "$host" ] || [ -z "$port" ]; then die "set both SORA_SUPABASE_HOST and SORA_SUPABASE_PORT"; fi
if [ -z "${SUPABASE_POSTGRES_GIT:-}" ] || [ -z "${SUPABASE_AUTH_GIT:-}" ]; then
  skip "the second database needs the snapshots supabase-db.sh builds from (SUPABASE_POSTGRES_GIT and SUPABASE_AUTH_GIT are not both set)."
fi
db=${SORA_SUPABASE_DB:-postgres}
dbsh=${SORA_SUPABASE_DB_SH:-$root/../shared/supabase/supabase-db.sh}
[ -x "$dbsh" ] || die "no supabase-db.sh at $dbsh (set SORA_SUPABASE_DB_SH)"
bin=${SUPABASE_PG_BIN:-$(cat "$host/pgbin" 2>/dev/null || true)}
[ -x "$bin/pg_dump" ] || die "no server binaries (set SUPABASE_PG_BIN, or use a source made by supabase-db.sh)"
export SUPABASE_PG_BIN=$bin
tport=${SORA_SUPABASE_RESTORE_PORT:-54420}

# sq ROLE ARGS: psql on the source; tq DIR ROLE ARGS: on a target; *v: one value
sq() { local role=$1; shift; psql -X -q -v ON_ERROR_STOP=1 --no-password -h "$host" -p "$port" -d "$db" -U "$role" "$@"; }
sv() { sq "$1" -At -c "$2" </dev/null; }
tq() { local dir=$1 role=$2; shift 2; psql -X -q -v ON_ERROR_STOP=1 --no-password -h "$dir" -p "$tport" -d postgres -U "$role" "$@"; }
tv() { tq "$1" "$2" -At -c "$3" </dev/null; }

sv supabase_admin 'SELECT 1' >/dev/null 2>&1 || die "cannot connect to $db on $host:$port as supabase_admin"
[ -n "$(sv supabase_admin "SELECT 1 FROM pg_extension WHERE extname = 'sora_credits'")" ] \
  || die "sora_credits is not installed in the source: run the suite (run.sh) first"
[ -z "$(sv supabase_admin "SELECT string_agg(nspname, ' ') FROM pg_namespace WHERE nspname IN ('test', 'tap')")" ] \
  || die "the source still has the schema test or tap (run.sh drops its own before this runs)"
# the comparisons below mean something only if the source has these
facts=$(sv supabase_admin "SELECT concat_ws(' ', (SELECT count(*) FROM auth.users),
  (SELECT count(*) FROM public.videos WHERE deleted_at IS NOT NULL),
  (SELECT count(DISTINCT kind) FROM public.credit_transactions))")
read -r n_users n_deleted n_kinds <<<"$facts"
if [ "$n_users" -eq 0 ] || [ "$n_deleted" -eq 0 ] || [ "$n_kinds" -lt 4 ]; then
  die "the source has too little to compare ($n_users users, $n_deleted soft-deleted videos, $n_kinds kinds of ledger entries): run the suite (run.sh) first"
fi

# The CLI's dump scripts and their environment, from the snapshot
cli_git=${SUPABASE_CLI_GIT:-} cli_skip=""
CLI_PIN=1d1e7191268e068fe9cb6aba524d1c619a9c727b   # supabase/cli, 2026-06-01: tested with
if [ -z "$cli_git" ]; then
  cli_skip="SUPABASE_CLI_GIT is not set (a bare git dir of a snapshot of github:supabase/cli)"
else
  git --git-dir="$cli_git" rev-parse --git-dir >/dev/null 2>&1 || die "SUPABASE_CLI_GIT: no git dir at $cli_git"
  cli_rev=$CLI_PIN
  git --git-dir="$cli_git" cat-file -e "$cli_rev^{commit}" 2>/dev/null || cli_rev=$(git --git-dir="$cli_git" rev-parse HEAD)
  cli_go=$(git --git-dir="$cli_git" ls-tree -r --name-only "$cli_rev" | grep -E '(^|/)pkg/migration/dump\.go$' | head -1) \
    || die "supabase/cli $cli_rev has no pkg/migration/dump.go"
  echo "restore: the CLI's dumps as supabase/cli $cli_rev ($([ "$cli_rev" = "$CLI_PIN" ] && echo tested || echo "HEAD, untested")) runs them: ${cli_go%/dump.go}/scripts/dump_*.sh"
  # golist NAME: the Go string slice NAME of dump.go, its entries joined with | (commented
  # entries are not entries)
  golist() {
    git --git-dir="$cli_git" show "$cli_rev:$cli_go" | awk -v name="$1" '
      $1 == name && $2 == "=" { on = 1; next }
      on && /^[[:space:]]*}/ { exit }
      on && /^[[:space:]]*"/ { match($0, /"[^"]*"/); s = s (s == "" ? "" : "|") substr($0, RSTART + 1, RLENGTH - 2) }
      END { print s }'
  }
  internal=$(golist InternalSchemas) excluded=$(golist excludedSchemas)
  reserved=$(golist reservedRoles) allowed=$(golist allowedConfigs)
  [[ "|$internal|" == *"|auth|"* && "|$excluded|" != *"|auth|"* && "|$reserved|" == *"|postgres|"* \
     && "|$allowed|" == *"|session_replication_role|"* ]] \
    || die "supabase/cli $cli_rev: dump.go's lists are not as expected (InternalSchemas: $internal)"
  # cli_dump KIND FILE VAR=VALUE...: what `supabase db dump` runs, connected as postgres
  cli_dump() {
    local kind=$1 out=$2; shift 2
    env PATH="$bin:$PATH" PGHOST="$host" PGPORT="$port" PGUSER=postgres PGPASSWORD= PGDATABASE="$db" "$@" \
      bash -c "$(git --git-dir="$cli_git" show "$cli_rev:${cli_go%/dump.go}/scripts/dump_$kind.sh")" -- >"$out"
  }
fi

work=$(mktemp -d /tmp/sora_restore.XXXXXX)
chmod 755 "$work"
target="" window_open=0 revert_sql=()
qdb=$(sv supabase_admin "SELECT quote_ident(current_database())")
marker='sora_credits test/supabase/restore.sh: created and dropped by it'
close_window() {
  [ "$window_open" = 1 ] || return 0
  set +e
  local s
  for s in "${revert_sql[@]}"; do sv supabase_admin "$s" >/dev/null; done
  sq supabase_admin -f "$work/settings_before.sql" </dev/null
  sq supabase_admin -c "SET client_min_messages = warning" -c "DO \$\$ BEGIN IF obj_description(to_regnamespace('shop'), 'pg_namespace') = '$marker'
                        THEN DROP SCHEMA shop CASCADE; END IF; END \$\$" </dev/null
  window_open=0
  set -e
}
stop_target() {
  [ -n "$target" ] || return 0
  "$dbsh" stop "$target" >/dev/null 2>&1 || true
  rm -rf "$target"
  target=""
}
cleanup() { close_window; stop_target; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- What an operator adds to the source that a restore must bring back ------------------
[ -z "$(sv supabase_admin "SELECT 1 FROM pg_namespace WHERE nspname = 'shop'")" ] \
  || die "the source has a schema shop: this test makes its own (use a database without one)"
sq supabase_admin -At -f "$root/test/backup/list_settings.sql" </dev/null >"$work/settings_before.sql"
price_before=$(sv supabase_admin "SELECT credits_per_second FROM public.video_pricing WHERE model = 'sora-2' AND resolution = '480p'")
if [ -z "$price_before" ] || [ "$price_before" = 2 ]; then
  die "the source has no seeded price sora-2 480p (or it is already 2)"
fi
[ -z "$(sv supabase_admin "SELECT 1 FROM public.video_pricing WHERE model = 'sora-2-pro' AND resolution = '480p'")" ] \
  || die "the source already has a price sora-2-pro 480p"
window_open=1
changes=(
  "ALTER DATABASE $qdb SET sora_credits.signup_credits = 20"
  "ALTER DATABASE $qdb SET sora_credits.restore_window = '14 days'"
  "ALTER DATABASE $qdb SET sora_credits.job_timeout = '2 hours'"
  "ALTER DATABASE $qdb SET sora_credits.notify_new_jobs = on"
  "ALTER ROLE authenticator IN DATABASE $qdb SET sora_credits.max_inflight_per_user = 5"
  "ALTER ROLE supabase_auth_admin SET sora_credits.signup_bonus_at = 'confirmation'"
)
for c in "${changes[@]}"; do revert_sql+=("${c%% = *}"); revert_sql[-1]=${revert_sql[-1]/ SET / RESET }; done
revert_sql+=("UPDATE public.video_pricing SET credits_per_second = $price_before WHERE model = 'sora-2' AND resolution = '480p'"
             "DELETE FROM public.video_pricing WHERE model = 'sora-2-pro' AND resolution = '480p'")
as_list=()
for c in "${changes[@]}"; do as_list+=(-c "$c"); done
sq supabase_admin -c "LOAD 'sora_credits'" "${as_list[@]}" \
  -c "UPDATE public.video_pricing SET credits_per_second = 2 WHERE model = 'sora-2' AND resolution = '480p'" \
  -c "INSERT INTO public.video_pricing (model, resolution, credits_per_second) VALUES ('sora-2-pro', '480p', 7)" </dev/null
sq postgres -c "CREATE SCHEMA shop" -c "COMMENT ON SCHEMA shop IS '$marker'" \
  -c "CREATE TABLE shop.orders (id integer PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE, item text NOT NULL)" \
  -c "INSERT INTO shop.orders SELECT row_number() OVER (ORDER BY id), id, 'Gói 500 tín dụng'
        FROM (SELECT id FROM auth.users ORDER BY id LIMIT 2) u" </dev/null

sq supabase_admin -f "$root/test/backup/snapshot.sql" </dev/null >"$work/src.txt"
src_max_id=$(sv supabase_admin 'SELECT max(id) FROM public.credit_transactions')
src_counts=$(sv supabase_admin "SELECT concat_ws(' ', (SELECT count(*) FROM auth.users),
  (SELECT count(*) FROM public.video_pricing), (SELECT count(*) FROM public.videos),
  (SELECT count(*) FROM public.videos WHERE deleted_at IS NOT NULL),
  (SELECT count(*) FROM public.credit_transactions), (SELECT count(*) FROM shop.orders),
  (SELECT sum(credits) FROM public.profiles))")
# a user who can pay for the charge after the restore (5 s at 480p: 10 credits), with no job running
payer=$(sv supabase_admin "SELECT p.id FROM public.profiles p JOIN auth.users u ON u.id = p.id
  WHERE u.deleted_at IS NULL AND p.credits >= 10 AND NOT EXISTS (SELECT FROM public.videos v
    WHERE v.user_id = p.id AND v.status IN ('pending', 'processing')) ORDER BY p.credits DESC, p.id LIMIT 1")
[ -n "$payer" ] || die "the source has no user who can pay 10 credits"

# --- The dumps, as docs/operations.md takes them -------------------------------------------
d=$work
# settings (both ways): the sora_credits settings of the database and of roles
sq supabase_admin -At -f "$root/test/backup/list_settings.sql" </dev/null >"$d/settings.sql"
# plain: the app's schemas with the extension, and auth's rows
"$bin/pg_dump" -h "$host" -p "$port" -U supabase_admin --format=custom --schema=public --schema=shop \
  --extension=sora_credits --file="$d/app.dump" "$db"
"$bin/pg_dump" -h "$host" -p "$port" -U supabase_admin --format=custom --data-only --schema=auth \
  --exclude-table=auth.schema_migrations --file="$d/auth.dump" "$db"
# the CLI's: supabase db dump --db-url "$SOURCE_URL" -f roles.sql --role-only
#            supabase db dump --db-url "$SOURCE_URL" -f schema.sql
#            supabase db dump --db-url "$SOURCE_URL" -f data.sql --use-copy --data-only \
#              -x "storage.buckets_vectors" -x "storage.vector_indexes"
if [ -z "$cli_skip" ]; then
  cli_dump role "$d/roles.sql" RESERVED_ROLES="$reserved" ALLOWED_CONFIGS="$allowed" EXTRA_SED='/^--/d'
  cli_dump schema "$d/schema.sql" EXCLUDED_SCHEMAS="$internal" EXTRA_SED='/^--/d'
  cli_dump data "$d/data.sql" INCLUDED_SCHEMAS='*' EXCLUDED_SCHEMAS="$excluded" \
    EXTRA_FLAGS='--exclude-table "storage"."buckets_vectors" --exclude-table "storage"."vector_indexes"'
fi
close_window
[ "$(sv supabase_admin "SELECT count(*) FROM pg_namespace WHERE nspname = 'shop'")" = 0 ] || die "could not put the source back"

# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"
expect() { is "$proc: $1" "$2" "$3"; }

# run_procedure NAME: a new project, the restore NAME, the settings step, the checks
run_procedure() {
  proc=$1
  target=$(mktemp -d /tmp/sbt.XXXXXX)
  "$dbsh" start "$target" "$tport" >"$work/start-$proc.log" 2>&1 \
    || { tail -20 "$work/start-$proc.log"; die "$proc: could not start the second database (log above)"; }
  local t=$target
  echo "restore: $proc: a new project on $t:$tport"
  case $proc in
    plain)
      # as supabase_admin, in replica mode: the app before the users, its constraints after them
      "$bin/pg_restore" --list "$d/app.dump" | grep -v ' SCHEMA - public ' >"$d/app.list"
      export PGOPTIONS='-c session_replication_role=replica'
      "$bin/pg_restore" -h "$t" -p "$tport" -U supabase_admin --dbname=postgres --single-transaction --exit-on-error \
        --use-list="$d/app.list" --section=pre-data --section=data "$d/app.dump"
      "$bin/pg_restore" -h "$t" -p "$tport" -U supabase_admin --dbname=postgres --single-transaction --exit-on-error \
        "$d/auth.dump"
      "$bin/pg_restore" -h "$t" -p "$tport" -U supabase_admin --dbname=postgres --single-transaction --exit-on-error \
        --use-list="$d/app.list" --section=post-data "$d/app.dump"
      unset PGOPTIONS ;;
    cli | cli-postgres)
      local login=supabase_admin
      if [ "$proc" = cli-postgres ]; then
        # SIMULATED supautils (absent here): on Supabase, postgres's CREATE EXTENSION of a
        # privileged extension runs as the superuser, and postgres may set
        # session_replication_role. supabase_admin does both beforehand.
        tq "$t" supabase_admin -c 'CREATE EXTENSION sora_credits' \
          -c 'GRANT SET ON PARAMETER session_replication_role TO postgres' </dev/null
        login=postgres
      fi
      psql -h "$t" -p "$tport" -U "$login" -d postgres --no-psqlrc --single-transaction -v ON_ERROR_STOP=1 \
        -f "$d/roles.sql" -f "$d/schema.sql" -c 'SET session_replication_role = replica' -f "$d/data.sql" \
        >"$work/psql-$proc.log" 2>&1 || { tail -20 "$work/psql-$proc.log"; die "$proc: the restore failed (log above)"; } ;;
  esac
  expect "no sora_credits setting came with the dumps" "$(tv "$t" supabase_admin "SELECT count(*)
    FROM pg_db_role_setting, unnest(setconfig) s WHERE s LIKE 'sora\_credits.%'")" 0
  # the settings step, as supabase_admin (these settings are a superuser's)
  tq "$t" supabase_admin -c "LOAD 'sora_credits'" -f "$d/settings.sql" </dev/null

  tq "$t" supabase_admin -f "$root/test/backup/snapshot.sql" </dev/null >"$work/dst-$proc.txt"
  ok "$proc: equal to the source ($(wc -l <"$work/src.txt") lines of test/backup/snapshot.sql)" \
    diff -u "$work/src.txt" "$work/dst-$proc.txt"
  expect "users, prices, videos, soft deletions, ledger entries, orders, credits" "$(tv "$t" supabase_admin "SELECT
    concat_ws(' ', (SELECT count(*) FROM auth.users), (SELECT count(*) FROM public.video_pricing),
      (SELECT count(*) FROM public.videos), (SELECT count(*) FROM public.videos WHERE deleted_at IS NOT NULL),
      (SELECT count(*) FROM public.credit_transactions), (SELECT count(*) FROM shop.orders),
      (SELECT sum(credits) FROM public.profiles))")" "$src_counts"
  expect "the changed and the added price" "$(tv "$t" supabase_admin "SELECT string_agg(credits_per_second::text, ' '
    ORDER BY model) FROM public.video_pricing WHERE resolution = '480p'")" "2 7"
  expect "verify_ledger() is empty" "$(tv "$t" supabase_admin 'SELECT count(*) FROM public.verify_ledger()')" 0
  expect "the database's settings, in a new session" "$(tv "$t" supabase_admin "SELECT concat_ws(' | ',
    current_setting('sora_credits.signup_credits'), current_setting('sora_credits.restore_window'),
    current_setting('sora_credits.job_timeout'), current_setting('sora_credits.notify_new_jobs'))")" \
    "20 | 14 days | 2 hours | on"
  expect "authenticator's setting" "$(tv "$t" authenticator 'SHOW sora_credits.max_inflight_per_user')" 5
  expect "supabase_auth_admin's setting" "$(tv "$t" supabase_auth_admin 'SHOW sora_credits.signup_bonus_at')" confirmation

  # a new charge, the way PostgREST makes it
  local charge
  charge=$(tq "$t" authenticator -At -v claims="{\"sub\":\"$payer\",\"role\":\"authenticated\",\"aud\":\"authenticated\"}" <<'SQL'
BEGIN;
\o /dev/null
SELECT set_config('request.jwt.claims', :'claims', true), set_config('role', 'authenticated', true);
\o
SELECT create_video_generation('Cầu Vàng Đà Nẵng', 5, '480p', 'sora-2', 'after-restore')->>'success';
COMMIT;
SQL
)
  expect "a new charge through PostgREST's way succeeds" "$charge" true
  expect "it cost the restored price, under a ledger id after the restored ones" "$(tv "$t" supabase_admin "SELECT
    v.credits_cost || ' ' || (t.id > $src_max_id) FROM public.videos v JOIN public.credit_transactions t ON t.video_id = v.id
    WHERE v.idempotency_key = 'after-restore'")" "10 true"

  # a new sign-up and its confirmation, the way the auth server writes them
  local uid
  uid=$(sv supabase_admin 'SELECT gen_random_uuid()')
  SORA_SUPABASE_HOST=$t SORA_SUPABASE_PORT=$tport SORA_SUPABASE_DB=postgres SORA_SUPABASE_DB_SH=$dbsh \
    bash "$here/auth.sh" signup "restored-$proc-${uid:0:8}@example.com" "$uid" >/dev/null
  expect "a new sign-up gets its profile, no bonus before confirmation" \
    "$(tv "$t" supabase_admin "SELECT credits FROM public.profiles WHERE id = '$uid'")" 0
  SORA_SUPABASE_HOST=$t SORA_SUPABASE_PORT=$tport SORA_SUPABASE_DB=postgres \
    bash "$here/auth.sh" confirm-email "$uid" >/dev/null
  expect "its confirmation grants the restored bonus" \
    "$(tv "$t" supabase_admin "SELECT credits FROM public.profiles WHERE id = '$uid'")" 20
  expect "verify_ledger() is empty after them" "$(tv "$t" supabase_admin 'SELECT count(*) FROM public.verify_ledger()')" 0
  stop_target
}

procs=(plain)
[ -n "$cli_skip" ] || procs+=(cli cli-postgres)
for p in "${procs[@]}"; do run_procedure "$p"; done

if ! done_testing; then
  echo "restore: FAIL: $tap_failures of $tap_checks checks failed"
  exit 1
fi
if [ -n "$cli_skip" ]; then
  echo "restore: PASS: plain pg_dump/pg_restore, $tap_checks checks; the CLI's procedures SKIPPED: $cli_skip"
else
  echo "restore: PASS: 3 procedures (plain pg_dump/pg_restore; the CLI's dumps as supabase_admin; as postgres with supautils simulated), $tap_checks checks"
fi
