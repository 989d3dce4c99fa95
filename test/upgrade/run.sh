#!/usr/bin/env bash
# The upgrade path 1.0 -> 1.1 -> 1.2, on a throwaway cluster with the Supabase stand-in:
#  1. CREATE EXTENSION sora_credits VERSION '1.0', filled through the API (fill_1_0.sql);
#  2. every row snapshotted, ALTER EXTENSION sora_credits UPDATE TO '1.1', snapshotted
#     again, then UPDATE to the default version, snapshotted again: the snapshots must be
#     identical;
#  3. pg_dump --schema-only of the upgraded database must equal that of a fresh install
#     (which is 1.0 plus the same upgrade scripts);
#  4. pgTAP (after_upgrade.sql): the 1.1 features on the data 1.0 wrote;
#  5. with sora_credits.notify_new_jobs on, a committed charge notifies sora_credits_jobs with
#     its video id, a rolled-back one not; with it off (the default), no charge notifies.
# Any difference is printed as a diff. Expects the extension built and installed
# (scripts/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"

work=$(mktemp -d /tmp/sora_credits_upgrade.XXXXXX)
trap 'pg_stop; rm -rf "$work"' EXIT
pg_start
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Two databases prepared alike: the stand-in and the shared test helpers (test.act_as).
for db in upgraded fresh; do
  createdb "$db"
  sql -d "$db" -f "$root/test/support/supabase_standin.sql" >/dev/null
done
sql -d upgraded -c "CREATE EXTENSION sora_credits VERSION '1.0'"
sql -d fresh -c 'CREATE EXTENSION sora_credits'
for db in upgraded fresh; do sql -d "$db" -f "$root/test/support/pgtap_helpers.sql"; done

sql -d upgraded -f "$here/fill_1_0.sql" >"$work/fill.log"
sql -d upgraded -f "$here/snapshot.sql" >"$work/rows_1.0.txt"
is "fill_1_0.sql leaves 9 videos" "$(grep -c '^videos|' "$work/rows_1.0.txt")" 9
for version in 1.1 default; do
  if [ $version = default ]; then
    sql -d upgraded -c "ALTER EXTENSION sora_credits UPDATE"
  else
    sql -d upgraded -c "ALTER EXTENSION sora_credits UPDATE TO '$version'"
  fi
  sql -d upgraded -f "$here/snapshot.sql" >"$work/rows_$version.txt"
  ok "all $(wc -l <"$work/rows_1.0.txt") rows kept by the upgrade to $version" \
    diff -u "$work/rows_1.0.txt" "$work/rows_$version.txt"
done

# A fixed \restrict key: pg_dump otherwise writes a random one.
dump() { "$PG_BIN/pg_dump" --schema-only --restrict-key=sora "$@"; }
dump fresh >"$work/fresh.sql"
dump upgraded >"$work/upgraded.sql"
ok "pg_dump --schema-only of the upgraded database equals a fresh install's" \
  diff -u "$work/fresh.sql" "$work/upgraded.sql"
# A plain dump shows an extension as one CREATE EXTENSION line. A --binary-upgrade dump also
# writes every member object (tables, indexes, triggers, functions, grants, comments), with
# the oids, LSNs and xids of this cluster and the ledger sequence's position (data, not
# schema), which are masked before comparing; so is auth.users's OID, which the ledger guard
# and the event trigger keep (1.2).
members() {
  dump --binary-upgrade "$1" | sed -E \
    -e "s/'[0-9]+'::pg_catalog\.oid/'OID'/g" -e "s/'\{[0-9,]+\}'/'{OIDS}'/g" \
    -e "s#'\{[0-9A-F/,]+\}'::pg_catalog\.pg_lsn#'LSNS'#g" \
    -e "s/(relfrozenxid|relminmxid) = '[0-9]+'/\1 = 'XID'/g" -e "s/WHERE oid = '[0-9]+'/WHERE oid = 'OID'/" \
    -e "s/setval\(('[^']+'), [0-9]+, (true|false)\)/setval(\1, N)/" \
    -e "s/guard_ledger\('[0-9]+'\)/guard_ledger('OID')/" -e "s/v_users constant oid := [0-9]+/v_users constant oid := OID/"
}
members fresh >"$work/fresh_members.sql"
members upgraded >"$work/upgraded_members.sql"
ok "and so do all $(grep -c '^ALTER EXTENSION sora_credits ADD' "$work/fresh_members.sql") member objects in --binary-upgrade dumps" \
  diff -u "$work/fresh_members.sql" "$work/upgraded_members.sql"

sql -d upgraded -c 'CREATE EXTENSION pgtap'
ok "pgTAP on the upgraded data (after_upgrade.sql)" \
  env PGDATABASE=upgraded pg_prove --failures "$here/after_upgrade.sql"

# psql prints a notification received during a command after that command's output.
sql -d upgraded >"$work/notify.txt" <<'EOF'
LISTEN sora_credits_jobs;
BEGIN;
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000003');
SELECT public.create_video_generation('notifications are off by default', 1, '480p') IS NOT NULL AS charged;
COMMIT;
SET sora_credits.notify_new_jobs = on;
BEGIN;
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000003');
SELECT public.create_video_generation('rolled back', 1, '480p') IS NOT NULL AS charged;
ROLLBACK;
BEGIN;
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000003');
SELECT public.create_video_generation('notify me', 1, '480p')->>'video_id' AS video_id \gset
COMMIT;
\echo video :video_id
SELECT 1 AS poll;
EOF
video=$(sed -n 's/^video //p' "$work/notify.txt")
is "one notification on sora_credits_jobs: none with notify_new_jobs off (the default), none for a rolled-back charge" \
  "$(grep -c '^Asynchronous notification "sora_credits_jobs"' "$work/notify.txt")" 1
ok "it carries the committed video's id" \
  grep -q "^Asynchronous notification \"sora_credits_jobs\" with payload \"$video\" received" "$work/notify.txt"
done_testing
