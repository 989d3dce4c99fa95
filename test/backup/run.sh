#!/usr/bin/env bash
# Backup round trip: fills a database through the API, backs it up and restores it into a
# new Supabase-compatible database exactly as docs/operations.md ("Backup and restore",
# the plain pg_dump/pg_restore way) says, then checks that every row (credit lots and their
# allocations included), policy, grant, trigger, both identity sequences and the
# sora_credits settings came back unchanged, that RLS still hides deleted videos, and that
# the restored database keeps working (new charges spending the restored lots in order, new
# ledger and lot ids after the old ones, new sign-ups with the restored bonus and expiry).
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
is "the source's ledger, lots and allocations verify before the backup" "$(q -d src -At -c 'SELECT count(*) FROM verify_ledger()')" 0

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
    (SELECT count(*) FROM credit_transactions), (SELECT count(*) FROM shop.orders))")" "3 6 5 1 15 2"
is "restored credit lots (with expiries), allocations, and the entries of kind expiry" "$(q -d dst -At -c "SELECT
  concat_ws(' ', (SELECT count(*) FROM credit_lots), (SELECT count(*) FROM credit_lots WHERE expires_at IS NOT NULL),
    (SELECT count(*) FROM credit_allocations), (SELECT count(*) FROM credit_transactions WHERE kind = 'expiry'))")" "7 5 20 1"
is "no sora_credits setting came with the dumps" "$carried" 0
is "the settings step carried 7 settings" "$(grep -c '^ALTER ' "$dumps/settings.sql")" 7
is "the database's settings apply in the restored database" "$(q -d dst -At -c "SELECT concat_ws(' | ',
  current_setting('sora_credits.signup_credits'), current_setting('sora_credits.signup_bonus_at'),
  current_setting('sora_credits.restore_window'), current_setting('sora_credits.job_timeout'),
  current_setting('sora_credits.notify_new_jobs'), current_setting('sora_credits.signup_credits_expire_after'))")" \
  "20 | signup | 14 days | 2 hours | on | 30 days"
is "PostgREST's login has its in-flight cap" \
  "$(q -d dst -U authenticator -At -c 'SHOW sora_credits.max_inflight_per_user')" 5
# the query that docs/operations.md shows for the settings step is list_settings.sql's
is "docs/operations.md shows list_settings.sql's query" \
  "$(sed -n "/^psql .*<<'SQL'\$/,/^SQL\$/p" "$root/docs/operations.md" | sed '1d;$d' | md5sum)" \
  "$(grep -v '^--' "$here/list_settings.sql" | md5sum)"

an=11111111-1111-4111-8111-111111111111 binh=22222222-2222-4222-8222-222222222222 chi=33333333-3333-4333-8333-333333333333
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
is "... as a promotional lot that expires after the restored 30 days" "$(q -d dst -At -c "SELECT concat_ws(' ', kind, category,
  amount, expires_at - created_at) FROM credit_lots WHERE user_id = '44444444-4444-4444-8444-444444444444'")" \
  "signup_bonus promotional 20 30 days"

# The lots after the restore: the sequence goes on after the restored ids, and a charge spends
# the restored lots in order. an has (populate.sql) a promotion of 15 left that expires in 10
# days, a bonus of 5 that expires in 30, and 451 paid that never expire.
max_lot=$(q -d src -At -c 'SELECT max(id) FROM credit_lots')
grant=$(q -d dst -At -c "BEGIN" -c "SELECT set_config('request.jwt.claims', '{\"role\":\"service_role\"}', true) IS NULL" \
  -c "SET LOCAL ROLE service_role" \
  -c "SELECT grant_credits('$binh', 50, 'purchase', 'pay_after_restore')->>'transaction_id'" -c "COMMIT" | tail -1)
is "a new grant after the restore gets a new lot, whose id follows the restored ones" "$(q -d dst -At -c "SELECT
  concat_ws(' ', kind, amount, id > $max_lot, id = (SELECT last_value FROM credit_lots_id_seq))
  FROM credit_lots WHERE transaction_id = '$grant'")" "purchase 50 t t"
is "a charge after the restore spends an's restored lots in order: the promotion, the bonus, then paid credits" \
  "$(as_user $an "SELECT create_video_generation('Sông Hương', 10, '720p', 'sora-2', 'an-after-restore')->>'credits_charged'")" 30
is "... 15 + 5 + 10, each lot emptied before the next is touched" "$(q -d dst -At -c "SELECT string_agg(l.kind || ' ' || a.amount,
  ', ' ORDER BY l.expires_at NULLS LAST, l.id) FROM credit_allocations a JOIN credit_lots l ON l.id = a.lot_id
  JOIN videos v ON v.idempotency_key = 'an-after-restore' JOIN credit_transactions t ON t.video_id = v.id
  AND t.kind = 'video_generation' WHERE a.transaction_id = t.id")" "grant 15, signup_bonus 5, purchase 10"
is "binh's charge after the restore came from binh's bonus, which expires first" "$(q -d dst -At -c "SELECT string_agg(l.kind || ' ' || a.amount, ', ')
  FROM credit_allocations a JOIN credit_lots l ON l.id = a.lot_id
  JOIN videos v ON v.idempotency_key = 'after-restore' JOIN credit_transactions t ON t.video_id = v.id
  AND t.kind = 'video_generation' WHERE a.transaction_id = t.id")" "signup_bonus 15"
is "get_credit_info after the restore: an's paid and promotional credits, nothing expired yet" "$(as_user $an "SELECT concat_ws(' ',
  i->>'credits', i->>'credits_paid', i->>'credits_promotional', i->>'lifetime_expired', i->'next_expiry'->>'credits')
  FROM get_credit_info() i")" "441 441 0 0"
is "... and chi's expired trial" "$(as_user $chi "SELECT concat_ws(' ', i->>'credits', i->>'credits_promotional', i->>'lifetime_expired')
  FROM get_credit_info() i")" "20 20 40"
is "the restored ledger verifies" "$(q -d dst -At -c 'SELECT count(*) FROM verify_ledger()')" 0

# The monitoring queries of docs/operations.md, as they are there, on the restored database.
sed -n '/^## Monitoring$/,/^```$/p' "$root/docs/operations.md" | sed -n '/^```sql$/,/^```$/p' | sed '1d;$d' \
  >"$dumps/monitoring.sql"
ok "docs/operations.md's monitoring queries run on the restored database" \
  q -d dst -X -q -v ON_ERROR_STOP=1 -o /dev/null -f "$dumps/monitoring.sql"
is "... and its query for lots past expiry not yet written off finds none (chi's trial was swept)" \
  "$(sed -n '/^SELECT user_id, count(\*) AS lots/,/;$/p' "$dumps/monitoring.sql" | q -d dst -At | wc -l)" 0

done_testing
