#!/usr/bin/env bash
# Backup round trip: fills a database through the API, backs it up and restores it into a
# new Supabase-compatible database exactly as docs/operations.md ("Backup and restore")
# says, then checks that every row, policy, grant, trigger and the identity sequence came
# back unchanged, that RLS still hides deleted videos, and that the restored database
# keeps working (new charges, new ledger ids after the old ones, new sign-ups).
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

# --- The procedure of docs/operations.md, step for step --------------------------------
dumps=$SORA_PGROOT
pg_dump --format=custom --exclude-schema=auth --file="$dumps/app.dump" src
pg_dump --format=custom --data-only --schema=auth --file="$dumps/auth.dump" src
createdb dst
q -d dst -f "$root/test/support/supabase_standin.sql" >/dev/null   # a new project: auth, no users
export PGOPTIONS='-c session_replication_role=replica'
pg_restore --single-transaction --dbname=dst "$dumps/app.dump"
pg_restore --single-transaction --dbname=dst "$dumps/auth.dump"
unset PGOPTIONS
# ----------------------------------------------------------------------------------------

q -d src -f "$here/snapshot.sql" >"$dumps/src.txt"
q -d dst -f "$here/snapshot.sql" >"$dumps/dst.txt"
ok "rows, sequence, policies, privileges and triggers restored unchanged ($(wc -l <"$dumps/src.txt") lines compared)" \
  diff -u "$dumps/src.txt" "$dumps/dst.txt"
is "restored users, prices, videos and ledger entries" "$(q -d dst -At -c "SELECT (SELECT count(*) FROM auth.users)
  || ' ' || (SELECT count(*) FROM video_pricing) || ' ' || (SELECT count(*) FROM videos)
  || ' ' || (SELECT count(*) FROM credit_transactions)")" "3 6 5 12"

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
is "a new sign-up gets its profile" \
  "$(q -d dst -At -c "SELECT count(*) FROM profiles WHERE id = '44444444-4444-4444-8444-444444444444'")" 1
is "the restored ledger verifies" "$(q -d dst -At -c 'SELECT count(*) FROM verify_ledger()')" 0

done_testing
