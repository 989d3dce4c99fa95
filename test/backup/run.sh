#!/usr/bin/env bash
# Backup round trip: fills a database through the API, backs it up and restores it into a
# new Supabase-compatible database exactly as docs/operations.md ("Backup and restore",
# the plain pg_dump/pg_restore way) says, then checks that every row, policy, grant,
# trigger, the identity sequence and the sora_credits settings came back unchanged, that
# RLS still hides deleted videos, and that the restored database keeps working (new
# charges, new ledger ids after the old ones, new sign-ups with the restored bonus).
# test/supabase/restore.sh runs the same procedure, and the CLI's, on a real Supabase.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"

pg_start
trap pg_stop EXIT
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

sora_db src
q -d src -f "$here/populate.sql" >/dev/null

# --- The plain procedure of docs/operations.md, step for step ----------------------------
dumps=$SORA_PGROOT
# source: the settings no dump carries, the app's schemas with the extension, auth's rows
psql -XAt -d src -f "$here/list_settings.sql" >"$dumps/settings.sql"
pg_dump --format=custom --schema=public --schema=shop --extension=sora_credits --file="$dumps/app.dump" src
pg_dump --format=custom --data-only --schema=auth --exclude-table=auth.schema_migrations --file="$dumps/auth.dump" src
# target: a new project (auth, no users), as a superuser
createdb dst
q -d dst -f "$root/test/support/supabase_standin.sql" >/dev/null
pg_restore --list "$dumps/app.dump" | grep -v ' SCHEMA - public ' >"$dumps/app.list"
export PGOPTIONS='-c session_replication_role=replica'
pg_restore --single-transaction --exit-on-error --use-list="$dumps/app.list" --section=pre-data --section=data --dbname=dst "$dumps/app.dump"
pg_restore --single-transaction --exit-on-error --dbname=dst "$dumps/auth.dump"
pg_restore --single-transaction --exit-on-error --use-list="$dumps/app.list" --section=post-data --dbname=dst "$dumps/app.dump"
unset PGOPTIONS
carried=$(q -d dst -At -c "SELECT count(*) FROM pg_db_role_setting, unnest(setconfig) s
  WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = 'dst') AND s LIKE 'sora\_credits.%'")
psql -X -q -v ON_ERROR_STOP=1 -d dst -c "LOAD 'sora_credits'" -f "$dumps/settings.sql"
# ----------------------------------------------------------------------------------------

q -d src -f "$here/snapshot.sql" >"$dumps/src.txt"
q -d dst -f "$here/snapshot.sql" >"$dumps/dst.txt"
ok "rows, sequence, policies, privileges, triggers and settings restored unchanged ($(wc -l <"$dumps/src.txt") lines compared)" \
  diff -u "$dumps/src.txt" "$dumps/dst.txt"
is "restored users, prices, videos, soft deletions, ledger entries, orders" "$(q -d dst -At -c "SELECT
  concat_ws(' ', (SELECT count(*) FROM auth.users), (SELECT count(*) FROM video_pricing),
    (SELECT count(*) FROM videos), (SELECT count(*) FROM videos WHERE deleted_at IS NOT NULL),
    (SELECT count(*) FROM credit_transactions), (SELECT count(*) FROM shop.orders))")" "3 6 5 1 12 2"
is "no sora_credits setting came with the dumps" "$carried" 0
is "the settings step carried 6 settings" "$(grep -c '^ALTER ' "$dumps/settings.sql")" 6
is "the database's settings apply in the restored database" "$(q -d dst -At -c "SELECT concat_ws(' | ',
  current_setting('sora_credits.signup_credits'), current_setting('sora_credits.signup_bonus_at'),
  current_setting('sora_credits.restore_window'), current_setting('sora_credits.job_timeout'),
  current_setting('sora_credits.notify_new_jobs'))")" "20 | signup | 14 days | 2 hours | on"
is "PostgREST's login has its in-flight cap" \
  "$(q -d dst -U authenticator -At -c 'SHOW sora_credits.max_inflight_per_user')" 5
# the query that docs/operations.md shows for the settings step is list_settings.sql's
is "docs/operations.md shows list_settings.sql's query" \
  "$(sed -n "/^psql .*<<'SQL'\$/,/^SQL\$/p" "$root/docs/operations.md" | sed '1d;$d' | md5sum)" \
  "$(grep -v '^--' "$here/list_settings.sql" | md5sum)"

an=11111111-1111-4111-8111-111111111111 binh=22222222-2222-4222-8222-222222222222
as_user() { # user sql: runs sql as the signed-in user, prints the result
  q -d dst -At -c "BEGIN" \
    -c "SELECT set_config('request.jwt.claims', '{\"sub\":\"$1\",\"role\":\"authenticated\"}', true)" \
    -c "SET LOCAL ROLE authenticated" -c "$2" -c "COMMIT" | sed -n 2p
}
is "RLS hides the deleted video from its owner" "$(as_user $an 'SELECT count(*) FROM videos')" 3
is "list_deleted_videos still lists it" "$(as_user $an 'SELECT count(*) FROM list_deleted_videos()')" 1
is "another user sees none of them" "$(as_user $binh "SELECT count(*) FROM videos WHERE user_id = '$an'")" 0

max_id=$(q -d src -At -c 'SELECT max(id) FROM credit_transactions')
charge=$(as_user $binh "SELECT create_video_generation('Cầu Vàng Đà Nẵng', 5, '720p', 'sora-2', 'after-restore')->>'success'")
is "a new charge succeeds after the restore" "$charge" true
is "its ledger id follows the restored ones" "$(q -d dst -At -c "SELECT t.id > $max_id
  FROM credit_transactions t JOIN videos v ON v.id = t.video_id WHERE v.idempotency_key = 'after-restore'")" t
is "the charge used the restored price" \
  "$(q -d dst -At -c "SELECT credits_cost FROM videos WHERE idempotency_key = 'after-restore'")" 15
q -d dst -c "INSERT INTO auth.users (id) VALUES ('44444444-4444-4444-8444-444444444444')"
is "a new sign-up gets its profile and the restored bonus" \
  "$(q -d dst -At -c "SELECT credits FROM profiles WHERE id = '44444444-4444-4444-8444-444444444444'")" 20
is "the restored ledger verifies" "$(q -d dst -At -c 'SELECT count(*) FROM verify_ledger()')" 0

done_testing
