#!/usr/bin/env bash
# The upgrade path 1.0 -> 1.1 -> 1.2 -> 2.0, on a throwaway cluster with the Supabase stand-in:
#  1. CREATE EXTENSION sora_credits VERSION '1.0', filled through the API (fill_1_0.sql);
#  2. every row snapshotted, ALTER EXTENSION sora_credits UPDATE TO '1.1', snapshotted
#     again, then UPDATE to the default version, snapshotted again: the snapshots must be
#     identical;
#  3. pg_dump --schema-only of the upgraded database must equal that of a fresh install
#     (which is 1.0 plus the same upgrade scripts), and so must every member object in
#     --binary-upgrade dumps (1.2's credit_lots and credit_allocations with their indexes,
#     policies, triggers and grants among them) and the tables and sequences whose rows
#     a dump carries (pg_extension.extconfig);
#     (at 1.0 and at 1.1, before each upgrade, today's library serves the database: its
#     get_credit_info counts the whole balance as paid, and at 1.1 a grant and a charge go
#     through it);
#  4. pgTAP (after_upgrade.sql): the 1.1 features on the data 1.0 wrote; and
#     (lots_after_upgrade.sql) 1.2's credit lots: each positive balance became one opening
#     lot, and refunds, charges and get_credit_info work on the lots the upgrade made;
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
is "fill_1_0.sql leaves 10 videos" "$(grep -c '^videos|' "$work/rows_1.0.txt")" 10

# What get_credit_info says of user N (the last digit) as the backend asks it: credits,
# credits_paid, credits_promotional, lifetime_expired and next_expiry, as the library
# reports them on a database at any version.
figures() {
  sql -d "$1" -At -c "SELECT set_config('request.jwt.claims', '{\"role\":\"service_role\"}', false) IS NULL" \
    -c "SELECT concat_ws(' ', i->>'credits', i->>'credits_paid', i->>'credits_promotional',
                         i->>'lifetime_expired', (i->'next_expiry')::text)
        FROM public.get_credit_info('0a000000-0000-4000-8000-00000000000$2') i" | tail -1
}
is "at 1.0: get_credit_info counts one's balance as paid, with nothing expiring" "$(figures upgraded 1)" "540 540 0 0 null"
is "at 1.0: ... two's too, though two has only ever had a bonus" "$(figures upgraded 2)" "37 37 0 0 null"

sql -d upgraded -c "ALTER EXTENSION sora_credits UPDATE TO '1.1'"
sql -d upgraded -f "$here/snapshot.sql" >"$work/rows_1.1.txt"
ok "all $(wc -l <"$work/rows_1.0.txt") rows kept by the upgrade to 1.1" \
  diff -u "$work/rows_1.0.txt" "$work/rows_1.1.txt"

# At 1.1, today's library serves the database: seven signs up (no bonus), gets a grant and
# spends some of it on a video that is done, so the upgrade to 1.2 meets entries that 1.1
# wrote with a library that knows lots. seven's balance is then 30 - 4 = 26.
sql -d upgraded >"$work/at_1.1.log" <<'EOF'
INSERT INTO auth.users (id, email) VALUES ('0a000000-0000-4000-8000-000000000007', 'seven@example.com');
BEGIN;
SELECT test.act_as('service_role');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000007', 30, 'grant', NULL, 'granted at 1.1');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000007');
SELECT public.create_video_generation('seven 1', 4, '480p');
SELECT test.act_as('service_role');
SELECT public.complete_video_generation(id, 'https://cdn.example.com/seven.mp4')
FROM public.videos WHERE prompt = 'seven 1';
COMMIT;
EOF
is "at 1.1: the grant and the charge are in seven's ledger" "$(sql -d upgraded -At -c "SELECT string_agg(kind || ' ' || amount, ', ' ORDER BY id)
  FROM public.credit_transactions WHERE user_id = '0a000000-0000-4000-8000-000000000007'")" "grant 30, video_generation -4"
is "at 1.1: get_credit_info gives seven's balance as paid, nothing promotional, no next expiry" \
  "$(figures upgraded 7)" "26 26 0 0 null"
is "at 1.1: ... and two's, who has only ever had a bonus" "$(figures upgraded 2)" "37 37 0 0 null"
is "at 1.1: verify_ledger() is empty" "$(sql -d upgraded -At -c 'SELECT count(*) FROM public.verify_ledger()')" 0

sql -d upgraded -f "$here/snapshot.sql" >"$work/rows_1.1_used.txt"
sql -d upgraded -c "ALTER EXTENSION sora_credits UPDATE TO '1.2'"
sql -d upgraded -f "$here/snapshot.sql" >"$work/rows_1.2.txt"
ok "all $(wc -l <"$work/rows_1.1_used.txt") rows kept by the upgrade to 1.2" \
  diff -u "$work/rows_1.1_used.txt" "$work/rows_1.2.txt"
is "the upgrade to 1.2 wrote no ledger entry (same count, same sequence position)" \
  "$(grep -c '^credit_transactions|' "$work/rows_1.2.txt") $(grep '^credit_transactions_id_seq|' "$work/rows_1.2.txt")" \
  "$(grep -c '^credit_transactions|' "$work/rows_1.1_used.txt") $(grep '^credit_transactions_id_seq|' "$work/rows_1.1_used.txt")"

# At 1.2, today's library serves the database: nine signs up, pays with a reference (which
# 2.0 must then find claimed) and spends some of it on a video that is done, so the upgrade
# to 2.0 meets lots and allocations that 1.2 wrote with a library that claims references.
sql -d upgraded >"$work/at_1.2.log" <<'EOF'
INSERT INTO auth.users (id, email) VALUES ('0a000000-0000-4000-8000-000000000009', 'nine@example.com');
BEGIN;
SELECT test.act_as('service_role');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000009', 50, 'purchase', 'pay-at-1.2');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000009');
SELECT public.create_video_generation('nine 1', 4, '480p');
SELECT test.act_as('service_role');
SELECT public.complete_video_generation(id, 'https://cdn.example.com/nine.mp4')
FROM public.videos WHERE prompt = 'nine 1';
COMMIT;
EOF
is "at 1.2: the purchase, its lot and the charge are in nine's ledger" "$(sql -d upgraded -At -c "SELECT string_agg(t.kind || ' ' || t.amount, ', ' ORDER BY t.id)
  || ' / ' || (SELECT string_agg(l.kind || ' ' || l.remaining, ', ') FROM public.credit_lots l WHERE l.user_id = '0a000000-0000-4000-8000-000000000009')
  FROM public.credit_transactions t WHERE t.user_id = '0a000000-0000-4000-8000-000000000009'")" \
  "purchase 50, video_generation -4 / purchase 46"
is "at 1.2: verify_ledger() is empty" "$(sql -d upgraded -At -c 'SELECT count(*) FROM public.verify_ledger()')" 0

sql -d upgraded -v lots=1 -f "$here/snapshot.sql" >"$work/rows_1.2_used.txt"
sql -d upgraded -c "ALTER EXTENSION sora_credits UPDATE"
sql -d upgraded -v lots=1 -f "$here/snapshot.sql" >"$work/rows_default.txt"
ok "all $(wc -l <"$work/rows_1.2_used.txt") rows (credit lots and allocations among them) kept by the upgrade to the default version" \
  diff -u "$work/rows_1.2_used.txt" "$work/rows_default.txt"
is "the upgrade to 2.0 claimed each payment reference of the ledger for its user, and no other" \
  "$(sql -d upgraded -At -c "SELECT count(*) FILTER (WHERE r.reference IS NULL OR t.reference IS NULL) || ' of ' || count(*)
     FROM (SELECT kind, reference, user_id FROM public.credit_transactions WHERE reference IS NOT NULL) t
     FULL JOIN public.payment_references r USING (kind, reference, user_id)")" \
  "0 of $(sql -d upgraded -At -c 'SELECT count(*) FROM public.credit_transactions WHERE reference IS NOT NULL')"
is "... which are more than one (fill_1_0.sql's purchases and nine's)" \
  "$(sql -d upgraded -At -c 'SELECT count(*) > 1 FROM public.payment_references')" t
# nine, whom the pgTAP files below do not know, goes again: deleting the user takes the
# account, its ledger, lots and payment reference with it.
sql -d upgraded -c "DELETE FROM auth.users WHERE id = '0a000000-0000-4000-8000-000000000009'"
is "deleting nine left none of nine's rows, and nine's payment reference is free again" \
  "$(sql -d upgraded -At -c "SELECT (SELECT count(*) FROM public.credit_transactions WHERE user_id = '0a000000-0000-4000-8000-000000000009')
     + (SELECT count(*) FROM public.credit_lots WHERE user_id = '0a000000-0000-4000-8000-000000000009')
     + (SELECT count(*) FROM public.payment_references WHERE reference = 'pay-at-1.2')")" 0

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
# That comparison covers 1.2's and 2.0's tables only if the dumps show them: each of these lines must
# be in both (the diff above then says they are alike).
lots_schema=(
  'ALTER EXTENSION sora_credits ADD TABLE public.credit_lots;'
  'ALTER EXTENSION sora_credits ADD TABLE public.credit_allocations;'
  'ALTER EXTENSION sora_credits ADD SEQUENCE public.credit_lots_id_seq;'
  'CREATE TABLE public.credit_lots ('
  'CREATE TABLE public.credit_allocations ('
  '    ADD CONSTRAINT credit_lots_pkey PRIMARY KEY (id);'
  '    ADD CONSTRAINT credit_allocations_pkey PRIMARY KEY (user_id, transaction_id, lot_id);'
  'CREATE INDEX credit_lots_live_idx ON public.credit_lots USING btree (user_id, expires_at, category DESC, created_at, id) WHERE (NOT depleted);'
  'CREATE INDEX credit_lots_expiring_idx ON public.credit_lots USING btree (expires_at) WHERE ((NOT depleted) AND (expires_at IS NOT NULL));'
  'CREATE INDEX credit_lots_user_idx ON public.credit_lots USING btree (user_id, created_at DESC);'
  'ALTER TABLE public.credit_lots ENABLE ROW LEVEL SECURITY;'
  'ALTER TABLE public.credit_allocations ENABLE ROW LEVEL SECURITY;'
  'CREATE POLICY credit_lots_select_own ON public.credit_lots FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));'
  'CREATE POLICY credit_allocations_select_own ON public.credit_allocations FOR SELECT TO authenticated USING ((user_id = ( SELECT auth.uid() AS uid)));'
  'ALTER TABLE public.credit_lots ENABLE ALWAYS TRIGGER credit_lots_functions_only;'
  'ALTER TABLE public.credit_lots ENABLE ALWAYS TRIGGER credit_lots_functions_only_truncate;'
  'ALTER TABLE public.credit_allocations ENABLE ALWAYS TRIGGER credit_allocations_functions_only;'
  'ALTER TABLE public.credit_allocations ENABLE ALWAYS TRIGGER credit_allocations_functions_only_truncate;'
  'GRANT SELECT ON TABLE public.credit_lots TO authenticated;'
  'GRANT SELECT ON TABLE public.credit_lots TO service_role;'
  'GRANT SELECT ON TABLE public.credit_allocations TO authenticated;'
  'GRANT SELECT ON TABLE public.credit_allocations TO service_role;'
  'ALTER EXTENSION sora_credits ADD FUNCTION public.expire_credits();'
  'ALTER EXTENSION sora_credits ADD FUNCTION public.list_credit_lots();'
  'ALTER EXTENSION sora_credits ADD TABLE public.payment_references;'
  'CREATE TABLE public.payment_references ('
  '    ADD CONSTRAINT payment_references_pkey PRIMARY KEY (reference, kind);'
  'CREATE INDEX payment_references_user_idx ON public.payment_references USING btree (user_id);'
  'ALTER TABLE public.payment_references ENABLE ROW LEVEL SECURITY;'
  'ALTER TABLE public.payment_references ENABLE ALWAYS TRIGGER payment_references_functions_only;'
  'ALTER EXTENSION sora_credits ADD FUNCTION public.distribute_on_citus();'
)
missing=()
for line in "${lots_schema[@]}"; do
  for side in fresh upgraded; do
    grep -qxF -- "$line" "$work/${side}_members.sql" || missing+=("$side: $line")
  done
done
if [ ${#missing[@]} = 0 ]; then
  pass "the compared dumps show credit_lots and credit_allocations (1.2) and payment_references (2.0): sequence, keys, indexes, RLS, policies, triggers, grants (${#lots_schema[@]} lines)"
else
  fail "the compared dumps show credit_lots and credit_allocations (1.2) and payment_references (2.0): sequence, keys, indexes, RLS, policies, triggers, grants" \
    "missing:" "${missing[@]}"
fi
# Which tables' rows and which sequences a dump carries is in pg_extension, in no dump.
extconfig() {
  sql -d "$1" -At -c "SELECT c::regclass::text || coalesce(' ' || nullif(w, ''), '')
    FROM pg_extension e, unnest(e.extconfig, e.extcondition) u(c, w) WHERE e.extname = 'sora_credits'
    ORDER BY 1"
}
extconfig fresh >"$work/fresh_extconfig.txt"
extconfig upgraded >"$work/upgraded_extconfig.txt"
ok "a dump carries the rows of the same tables and sequences from both (pg_extension_config_dump)" \
  diff -u "$work/fresh_extconfig.txt" "$work/upgraded_extconfig.txt"
is "... credit_lots, credit_allocations and credit_lots_id_seq among them" \
  "$(grep -cxE 'credit_lots|credit_allocations|credit_lots_id_seq' "$work/upgraded_extconfig.txt")" 3

sql -d upgraded -c 'CREATE EXTENSION pgtap'
ok "pgTAP on the upgraded data (after_upgrade.sql)" \
  env PGDATABASE=upgraded pg_prove --failures "$here/after_upgrade.sql"
ok "pgTAP on the upgraded data: credit lots (lots_after_upgrade.sql)" \
  env PGDATABASE=upgraded pg_prove --failures "$here/lots_after_upgrade.sql"

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
