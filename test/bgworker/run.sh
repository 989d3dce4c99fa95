#!/usr/bin/env bash
# The expiry background worker, on a throwaway cluster restarted with
# shared_preload_libraries = 'sora_credits', expire_interval 1s and four listed databases:
# app (1.2), old (1.0), plain (no extension) and missing (does not exist). Checks that
#  - stuck jobs in app are refunded and the run is logged with its counts, fresh ones kept;
#  - credits left in lots past their expiry are written off in app (1.2) by the next run: an
#    expiry entry per lot, lifetime_expired, and a log line with the credits and lots;
#  - old, plain and missing are skipped with one clear log line each, not every interval;
#  - a failing run is logged and the next interval tries again;
#  - a reload (SIGHUP) changes the schedule;
#  - a fast shutdown stops the worker cleanly;
#  - settings and a connection's startup options: without preloading, a non-superuser's
#    startup option for a sora_credits setting replaces the database's value with the
#    built-in default when the library loads (what docs/operations.md says); preloaded, the
#    same option is refused at connection (42501) and the database's value stays.
# Every wait polls with a generous upper bound; nothing depends on how fast the machine is.
# Expects the extension built and installed (scripts/build.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"

trap pg_stop EXIT
pg_start
log=$SORA_PGROOT/server.log
sql() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
value() { psql -X -A -t -v ON_ERROR_STOP=1 "$@"; }
# wait_for DESCRIPTION COMMAND...: a check that COMMAND succeeds within 120 s. What follows
# needs it, so the suite stops if it does not, with the end of the server log.
wait_for() {
  local what=$1
  shift
  for _ in $(seq 1 240); do
    if "$@"; then pass "$what"; return 0; fi
    sleep 0.5
  done
  fail "$what" "gave up after 120 s; the server log ends with:" "$(tail -40 "$log")"
  bail_out "$what did not happen"
}
logged() { grep -qF -- "$1" "$log"; }
count_logged() { grep -cF -- "$1" "$log" || true; }

for db in app old plain; do createdb "$db"; done
for db in app old; do sql -d "$db" -f "$root/test/support/supabase_standin.sql" >/dev/null; done
sql -d app -c 'CREATE EXTENSION sora_credits'
sql -d old -c "CREATE EXTENSION sora_credits VERSION '1.0'"
for db in app old; do sql -d "$db" -f "$root/test/support/pgtap_helpers.sql"; done

# A login role with the API's privileges, and an operator's database-level setting.
sql -d app -c 'CREATE ROLE sora_settings_user LOGIN IN ROLE authenticated' \
    -c 'ALTER DATABASE app SET sora_credits.max_inflight_per_user = 2'
# Loads the library in a session of that role (the call itself is refused: nobody signed
# in) and prints the setting.
inflight_cap_seen_by() {
  PGOPTIONS=$1 psql -X -q -A -t -d app -U sora_settings_user 2>&1 \
    -c "DO \$\$ BEGIN PERFORM get_credit_info(); EXCEPTION WHEN insufficient_privilege THEN END \$\$" \
    -c 'SHOW sora_credits.max_inflight_per_user'
}
is "not preloaded: a session sees the database's max_inflight_per_user" "$(inflight_cap_seen_by '')" 2
out=$(inflight_cap_seen_by '-c sora_credits.max_inflight_per_user=0')
ok "not preloaded: a non-superuser's startup option for it is refused with a WARNING" \
  grep -q 'WARNING:  permission denied to set parameter "sora_credits.max_inflight_per_user"' <<<"$out"
is "not preloaded: ... and the setting falls back to its built-in default (documented)" "$(tail -1 <<<"$out")" 0

# LOAD first: ALTER SYSTEM accepts a sora_credits.* setting only once the library defines it.
sql -c "LOAD 'sora_credits'" \
    -c "ALTER SYSTEM SET shared_preload_libraries = 'sora_credits'" \
    -c "ALTER SYSTEM SET sora_credits.databases = 'app, old, plain, missing'" \
    -c "ALTER SYSTEM SET sora_credits.expire_interval = '1s'"
as_pg_owner "$PG_BIN/pg_ctl" -D "$SORA_PGROOT/data" -l "$log" -w restart >/dev/null
wait_for "the launcher logs its schedule" \
  logged 'sora_credits: expiring stale video jobs every 1s in "app", "old", "plain", "missing"'

# One user per database with a job stuck for two hours and a fresh one; app's user also has
# a job that is processing and stuck. Ages are set in one statement, so one run sees them all.
jobs() {
  sql -d "$1" <<'EOF'
SET sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) VALUES ('0b000000-0000-4000-8000-000000000001', 'worker@example.com');
BEGIN;
SELECT test.act_as('authenticated', '0b000000-0000-4000-8000-000000000001');
SELECT create_video_generation(p, 5) FROM unnest(ARRAY['stuck pending', 'stuck processing', 'fresh']) p;
COMMIT;
UPDATE videos SET status = CASE prompt WHEN 'stuck processing' THEN 'processing' ELSE status END,
                  updated_at = now() - interval '2 hours'
WHERE prompt LIKE 'stuck%';
EOF
}
refused=no
out=$(inflight_cap_seen_by '-c sora_credits.max_inflight_per_user=0') || refused=yes
is "preloaded: a non-superuser's startup option for a sora_credits setting is refused at connection" "$refused" yes
ok "preloaded: the refusal names the setting" \
  grep -q 'permission denied to set parameter "sora_credits.max_inflight_per_user"' <<<"$out"
is "preloaded: the database's value stays" "$(inflight_cap_seen_by '')" 2
sql -d app -c 'ALTER DATABASE app RESET sora_credits.max_inflight_per_user'

jobs app >/dev/null
jobs old >/dev/null
status() { value -d "$1" -c "SELECT string_agg(prompt || '=' || status, ', ' ORDER BY prompt) FROM videos"; }
app_refunded() { [ "$(status app)" = "fresh=pending, stuck pending=failed, stuck processing=failed" ]; }
wait_for "app's two stuck jobs are refunded, the fresh one kept" app_refunded
ok "app's run is logged with its counts" \
  logged 'sora_credits: expired 2 stale video jobs in database "app" and refunded 30 credits (sora_credits.job_timeout = 1 hour)'
is "app has 2 refund entries" "$(value -d app -c "SELECT count(*) FROM credit_transactions WHERE kind = 'refund'")" 2
is "app's ledger matches its balances" "$(value -d app -c "SELECT count(*) FROM verify_ledger()")" 0

is "the 1.0 database is not touched" "$(status old)" "fresh=pending, stuck pending=pending, stuck processing=processing"
for line in 'sora_credits: skipped database "old": sora_credits is at version 1.0' \
            'sora_credits: skipped database "plain": the sora_credits extension is not installed there' \
            'sora_credits: skipped database "missing" listed in sora_credits.databases: it does not exist'; do
  is "logged once: $line" "$(count_logged "$line")" 1
done

# A failing run: a constraint that refuses the expiry's write. It is logged, and once the
# constraint is gone the next interval expires the job.
sql -d app <<'EOF'
ALTER TABLE videos ADD CONSTRAINT refuse_expiry CHECK (error_message NOT LIKE 'Timed out%') NOT VALID;
UPDATE videos SET updated_at = now() - interval '2 hours' WHERE prompt = 'fresh';
EOF
wait_for "a failing run is logged" logged 'violates check constraint "refuse_expiry"'
is "the failing run changes nothing" "$(status app)" "fresh=pending, stuck pending=failed, stuck processing=failed"
sql -d app -c 'ALTER TABLE videos DROP CONSTRAINT refuse_expiry'
app_recovered() { [ "$(status app)" = "fresh=failed, stuck pending=failed, stuck processing=failed" ]; }
wait_for "the next interval expires the job" app_recovered
ok "the run after the error is logged" \
  logged 'sora_credits: expired 1 stale video job in database "app" and refunded 15 credits'

# 1.2: credits left in an expired lot. Two users of app get promotions that expire in a day
# (one also buys credits and spends 5, which come from the promotion: it expires first);
# then both promotions are backdated in one statement (as the superuser: grant_credits takes
# only future expiries), so one run sees both, and the worker writes them off.
sql -d app >/dev/null <<'EOF'
INSERT INTO auth.users (id, email) VALUES ('0b000000-0000-4000-8000-000000000002', 'lots-a@example.com'),
                                          ('0b000000-0000-4000-8000-000000000003', 'lots-b@example.com');
BEGIN;
SELECT test.act_as('service_role');
SELECT grant_credits('0b000000-0000-4000-8000-000000000002', 30, 'grant', NULL, 'promotion', now() + interval '1 day');
SELECT grant_credits('0b000000-0000-4000-8000-000000000002', 10, 'purchase', 'pay_lots_a');
SELECT grant_credits('0b000000-0000-4000-8000-000000000003', 40, 'grant', NULL, 'trial', now() + interval '1 day');
SELECT test.act_as('authenticated', '0b000000-0000-4000-8000-000000000002');
SELECT create_video_generation('spends the promotion first', 5, '480p');
COMMIT;
UPDATE credit_lots SET expires_at = now() - interval '1 minute' WHERE kind = 'grant';
EOF
lots_users="('0b000000-0000-4000-8000-000000000002', '0b000000-0000-4000-8000-000000000003')"
expiries() { value -d app -c "SELECT count(*) FROM credit_transactions WHERE kind = 'expiry'"; }
two_expiries() { [ "$(expiries)" = 2 ]; }
wait_for "the worker writes off the two expired lots" two_expiries
is "one expiry entry per lot, of what was left in it (30 - 5, and 40)" "$(value -d app -c "SELECT string_agg(right(t.user_id::text, 1)
  || ' ' || t.amount || ' ' || (t.description = format('Credits expired (lot %s, promotional)', a.lot_id)), ', ' ORDER BY t.user_id)
  FROM credit_transactions t JOIN credit_allocations a ON a.transaction_id = t.id WHERE t.kind = 'expiry'")" "2 -25 true, 3 -40 true"
is "the lots are empty, the balances lowered and lifetime_expired raised" "$(value -d app -c "SELECT string_agg(concat_ws(' ',
  right(p.id::text, 1), p.credits, p.lifetime_expired,
  (SELECT sum(remaining) FROM credit_lots l WHERE l.user_id = p.id AND l.kind = 'grant')), ', ' ORDER BY p.id)
  FROM profiles p WHERE p.id IN $lots_users")" "2 10 25 0, 3 0 40 0"
wait_for "the run is logged with the credits and the lots" \
  logged 'sora_credits: expired 65 credits left in 2 credit lots in database "app"'
is "app's ledger, lots and allocations still verify" "$(value -d app -c "SELECT count(*) FROM verify_ledger()")" 0

# A reload changes the schedule: off, then on again.
sql -c "ALTER SYSTEM SET sora_credits.expire_interval = '0'" -c 'SELECT pg_reload_conf()' >/dev/null
wait_for "SIGHUP: expire_interval 0 turns expiry off" \
  logged 'sora_credits: stale-job expiry is off (sora_credits.expire_interval = 0)'
sql -c "ALTER SYSTEM SET sora_credits.expire_interval = '2s'" -c 'SELECT pg_reload_conf()' >/dev/null
wait_for "SIGHUP: 2s turns it on again" \
  logged 'sora_credits: expiring stale video jobs every 2s in "app", "old", "plain", "missing"'

# A fast shutdown: the launcher logs that it stops; pg_ctl fails if the server does not stop.
stop_fast() { as_pg_owner "$PG_BIN/pg_ctl" -D "$SORA_PGROOT/data" -m fast -w stop >/dev/null; }
ok "fast shutdown" stop_fast
ok "the launcher logs its stop" logged 'sora_credits: expiry worker stopping'
is "the launcher exits cleanly" \
  "$(grep -E 'background worker "sora_credits expiry launcher".*(exit code [^0]|terminated by signal)' "$log" || true)" ""
ok "the server shuts down" logged 'database system is shut down'
trap - EXIT
rm -rf "$SORA_PGROOT"
done_testing
