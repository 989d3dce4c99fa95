#!/usr/bin/env bash
# The Citus suite: sora_credits on a real Citus cluster (a coordinator and its workers),
# which nothing in this repository builds: Citus is not packaged in Debian, and code from
# other repositories is never part of this one. CI has no such cluster, so without one
# the suite says so and passes; docs/scaling.md says how the cluster it ran on was made.
#
#   test/citus/run.sh INTEGRATION_TESTS   (CTest passes the integration suite's binary)
#
# Environment:
#   SORA_CITUS_HOST   the coordinator's host (or socket folder). Unset (with SORA_CITUS_PORT
#                     unset): the suite is skipped, and passes
#   SORA_CITUS_PORT   the coordinator's port
#   SORA_CITUS_DB     the database (default: postgres), with the citus extension and at
#                     least two workers added to it (citus_add_node)
#   SORA_CITUS_WORKER_PG_CTL  pg_ctl for one worker, with its -D (and -l), as a command line
#                     run by bash, such as "runuser -u postgres -- pg_ctl -D DIR -l LOG": the
#                     load is run again while that worker is cut off (stop -m immediate) and
#                     restarted, three times. Unset: that part says it was skipped
# It connects to the coordinator as supabase_admin, the bootstrap superuser, as a Supabase
# database would have it (test/support/supabase_standin.sql). The nodes run the
# PostgreSQL 15 that scripts/build.sh installs the extension into, with pgTAP.
#
# What it runs, on the coordinator, as the API roles make the calls on Supabase:
#   1. CREATE EXTENSION (which Citus replays on every worker);
#   2. distribute_on_citus(), first refused by a worker that cannot take its changes, then
#      again once it can;
#   3. which calls are single-shard transactions, from Citus's own log of what it sends
#      to the workers (citus.log_remote_commands);
#   4. the contract's flows (01_flows.sql, pgTAP);
#   5. the concurrency specs that matter on a cluster (double spend, idempotency, refund
#      races, payment references across shards), the same specs and expected output as on
#      one server, with Citus's lock-wait detection for the isolation tester;
#   6. the mixed load of the integration suite with its ledger invariants, then again
#      while a worker is restarted mid-load.
#
# What it changes in that database, which must not have sora_credits yet: it loads the
# Supabase stand-in into it when it has no schema auth yet, creates sora_credits and
# distributes it, creates pgTAP if it is missing, loads the tests' helpers into schema test
# (dropped first), and deletes every auth.users row between its parts: give it a database
# of a cluster made for testing, such as a new one.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# the caller's libpq settings must not redirect any connection of the suite
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGSERVICEFILE PGPASSWORD
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"

host=${SORA_CITUS_HOST:-} port=${SORA_CITUS_PORT:-}
if [ -z "$host" ] && [ -z "$port" ]; then
  echo "citus: SKIPPED: no Citus cluster given (SORA_CITUS_HOST and SORA_CITUS_PORT are not set)."
  echo "citus: this suite needs a Citus coordinator with workers, which CI does not have;"
  echo "citus: see the header of test/citus/run.sh and docs/scaling.md to run it."
  exit 0
fi
[ -n "$host" ] && [ -n "$port" ] || bail_out "set both SORA_CITUS_HOST and SORA_CITUS_PORT (one of them is empty)"
db=${SORA_CITUS_DB:-postgres}
integration=${1:?usage: test/citus/run.sh INTEGRATION_TESTS}
[ -x "$integration" ] || bail_out "no integration suite binary at $integration"

coordinator() { psql -X -q -v ON_ERROR_STOP=1 --no-password -h "$host" -p "$port" -d "$db" -U supabase_admin "$@" </dev/null; }
val() { coordinator -At -c "$1"; }
# The same query on every worker, one line per worker: "port|result".
on_workers() { val "SELECT nodeport || '|' || result FROM run_command_on_workers(\$cmd\$$1\$cmd\$) ORDER BY nodeport"; }

val 'SELECT 1' >/dev/null 2>&1 || bail_out "cannot connect to $db on $host:$port as supabase_admin"
[ "$(val "SELECT count(*) FROM pg_extension WHERE extname = 'citus'")" = 1 ] \
  || bail_out "$db on $host:$port has no citus extension"
workers=$(val "SELECT count(*) FROM citus_get_active_worker_nodes()")
[ "$workers" -ge 2 ] || bail_out "the coordinator has $workers active workers; the suite needs at least 2"
echo "citus: $(val "SELECT citus_version()" | cut -d' ' -f1,2) on $host:$port, $workers workers"

if [ -z "$(val "SELECT 1 FROM pg_namespace WHERE nspname = 'auth'")" ]; then
  coordinator -f "$root/test/support/supabase_standin.sql" >/dev/null
fi
# A distributed install cannot be dropped and made again here: DROP EXTENSION leaves the
# shards Citus made on the workers (docs/scaling.md).
[ -z "$(val "SELECT 1 FROM pg_extension WHERE extname = 'sora_credits'")" ] \
  || bail_out "$db already has sora_credits: give the suite a cluster's database without it"
coordinator -c "CREATE EXTENSION sora_credits"

# 1. CREATE EXTENSION on the coordinator, replayed by Citus on every worker, where
#    auth.users does not exist: the install builds on auth.users only where it is.
version=$(val "SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'")
is "every worker has the coordinator's version ($version)" \
  "$(on_workers "SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'" | cut -d'|' -f2 | sort -u)" \
  "$version"
is "the coordinator has the sign-up triggers on auth.users" \
  "$(val "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass AND tgname LIKE 'sora_credits%'")" \
  "sora_credits_on_auth_user_created,sora_credits_on_auth_user_updated"
is "the coordinator's profiles reference auth.users" \
  "$(val "SELECT confdeltype FROM pg_constraint WHERE conname = 'profiles_id_fkey' AND confrelid = 'auth.users'::regclass")" \
  "c"
is "no worker has an auth.users table" \
  "$(on_workers "SELECT to_regclass('auth.users') IS NULL" | cut -d'|' -f2 | sort -u)" "t"
is "every worker has the extension's tables" \
  "$(on_workers "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('profiles', 'videos', 'credit_transactions', 'credit_lots', 'credit_allocations', 'video_pricing', 'payment_references')" | cut -d'|' -f2 | sort -u)" \
  "7"

# 2. distribute_on_citus(), once, on the coordinator. First while one worker cannot take
#    the changes (a policy renamed there): it is refused after the other worker took them
#    (each worker commits on its own); called again once that worker is fixed, it completes,
#    and every node has the same keys (checked below).
sqlstate_of() {  # SQL: the SQLSTATE and message it raises, as "STATE MESSAGE"
  coordinator -At -c "DO \$\$ BEGIN PERFORM $1; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '% %', SQLSTATE, SQLERRM; END \$\$" 2>&1 | sed -n 's/^NOTICE:  //p'
}
on_worker() {  # PORT SQL: on that worker alone
  val "SELECT result FROM master_run_on_worker(ARRAY[(SELECT nodename FROM pg_dist_node WHERE nodeport = $1 AND groupid <> 0)], ARRAY[$1], ARRAY[\$cmd\$$2\$cmd\$], false)"
}
last_worker=$(val "SELECT max(nodeport) FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary'")
first_worker=$(val "SELECT min(nodeport) FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary'")
videos_key="SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'videos_pkey'"
on_worker "$last_worker" "ALTER POLICY credit_lots_select_own ON public.credit_lots RENAME TO credit_lots_renamed" >/dev/null
refused=$(sqlstate_of "public.distribute_on_citus()")
is "refused (55000) while a worker cannot take the changes, naming it" \
  "$(cut -d' ' -f1 <<<"$refused") $(grep -c ":$last_worker: ERROR:  policy \"credit_lots_select_own\"" <<<"$refused")" "55000 1"
is "the other worker took the changes; the coordinator and the refusing worker did not" \
  "$(on_worker "$first_worker" "$videos_key") | $(val "$videos_key") | $(on_worker "$last_worker" "$videos_key")" \
  "PRIMARY KEY (id, user_id) | PRIMARY KEY (id) | PRIMARY KEY (id)"
on_worker "$last_worker" "ALTER POLICY credit_lots_renamed ON public.credit_lots RENAME TO credit_lots_select_own" >/dev/null
coordinator -c "SELECT public.distribute_on_citus()" >/dev/null
is "the user's five tables are co-located by user, the references spread by reference, the prices everywhere" \
  "$(val "SELECT string_agg(t, ', ' ORDER BY t) FROM (
          SELECT c.relname || ' ' || CASE p.partmethod WHEN 'n' THEN 'reference'
                   ELSE column_to_column_name(p.logicalrelid, p.partkey)
                        || CASE WHEN p.colocationid = (SELECT colocationid FROM pg_dist_partition
                                                       WHERE logicalrelid = 'public.profiles'::regclass)
                                THEN ' with profiles' ELSE ' apart' END END AS t
          FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid
          WHERE c.relnamespace = 'public'::regnamespace) d")" \
  "credit_allocations user_id with profiles, credit_lots user_id with profiles, credit_transactions user_id with profiles, payment_references reference apart, profiles id with profiles, video_pricing reference, videos user_id with profiles"
is "a second call is refused (55000)" \
  "$(sqlstate_of "public.distribute_on_citus()")" "55000 sora_credits is already distributed"
keys="SELECT string_agg(k, '; ' ORDER BY k) FROM (
        SELECT conrelid::regclass || ' ' || pg_get_constraintdef(oid) AS k FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'f')
          AND conrelid::regclass::text !~ '_[0-9]+\$') d"
is "every worker's tables have the coordinator's keys and foreign keys" \
  "$(on_workers "$keys" | cut -d'|' -f2- | sort -u)" "$(val "$keys")"
is "the coordinator's profiles no longer reference auth.users; a trigger deletes a deleted user's account" \
  "$(val "SELECT count(*) FROM pg_constraint WHERE conname = 'profiles_id_fkey'") $(val "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass AND tgname = 'sora_credits_on_auth_user_deleted'")" \
  "0 1"

# The coordinator's own copy of the rows, left on disk by the distribution, removed as
# docs/scaling.md says (the ledger's truncate guard off for that transaction alone).
coordinator -c "BEGIN" -c "SET LOCAL citus.enable_unsafe_triggers = on" \
  -c "ALTER TABLE public.credit_transactions DISABLE TRIGGER credit_transactions_guard_truncate" \
  -c "SELECT count(truncate_local_data_after_distributing_table(t)) FROM unnest('{public.credit_allocations,public.credit_lots,public.credit_transactions,public.videos,public.payment_references,public.profiles,public.video_pricing}'::regclass[]) t" \
  -c "ALTER TABLE public.credit_transactions ENABLE ALWAYS TRIGGER credit_transactions_guard_truncate" \
  -c "COMMIT" >/dev/null
is "the coordinator's local copies are empty, the ledger's truncate guard is on again on every node" \
  "$(val "SELECT sum(pg_relation_size(c.oid)) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname !~ '_[0-9]+\$'") $(val "SELECT tgenabled FROM pg_trigger WHERE tgname = 'credit_transactions_guard_truncate'") $(on_workers "SELECT string_agg(DISTINCT tgenabled::text, ',') FROM pg_trigger WHERE tgname LIKE 'credit_transactions_guard_truncate%'" | cut -d'|' -f2 | sort -u)" \
  "0 A A"

# The tests' helpers, on the coordinator only (their functions read its test.res), and pgTAP
# on every node (an assertion over one shard's rows is sent to that shard's worker whole).
coordinator -c "SET client_min_messages = warning" -c "SET citus.enable_ddl_propagation = off" \
  -c "DROP SCHEMA IF EXISTS test CASCADE" >/dev/null
[ -n "$(val "SELECT 1 FROM pg_extension WHERE extname = 'pgtap'")" ] || coordinator -c "CREATE EXTENSION pgtap" >/dev/null
PGOPTIONS="-c citus.enable_ddl_propagation=off -c client_min_messages=warning" coordinator \
  -f "$root/test/support/pgtap_helpers.sql" -f "$root/test/isolation/helpers.sql" >/dev/null

# 3. Single-shard calls: what Citus sends to the workers during one call as an API role
# (citus.log_remote_commands), as "SERVERS PREPARED": the workers it spoke to, and how many
# of them it committed with two-phase commit. "1 0" is a single-shard transaction.
coordinator -c "DELETE FROM auth.users" -c "SET sora_credits.signup_credits = 0" \
  -c "INSERT INTO auth.users (id, email) VALUES ('c2000000-0000-4000-8000-000000000001', 'shard@example.com')" \
  -c "BEGIN" -c "SELECT test.act_as('service_role')" \
  -c "SELECT public.grant_credits('c2000000-0000-4000-8000-000000000001', 100)" -c "COMMIT" >/dev/null
user="'c2000000-0000-4000-8000-000000000001'"
remote() {  # ROLE SQL: SERVERS PREPARED
  local log
  log=$(coordinator -c "SET citus.log_remote_commands = on" -c "BEGIN" \
    -c "SELECT test.act_as('$1', CASE WHEN '$1' = 'authenticated' THEN $user::uuid END)" -c "$2" -c "COMMIT" 2>&1 >/dev/null)
  grep -q ERROR <<<"$log" && { grep -m1 ERROR <<<"$log"; return; }
  echo "$(grep -oE 'on server [^ ]+' <<<"$log" | sort -u | wc -l) $(grep -c 'PREPARE TRANSACTION' <<<"$log")"
}
video() { val "SELECT id FROM public.videos WHERE user_id = $user AND prompt = '$1'"; }
coordinator -c "BEGIN" -c "SELECT test.act_as('authenticated', $user)" \
  -c "SELECT public.create_video_generation('one', 1, '480p'), public.create_video_generation('two', 1, '480p')" \
  -c "COMMIT" >/dev/null
for call in "authenticated|SELECT public.get_credit_info()" \
            "authenticated|SELECT count(*) FROM public.list_credit_lots()" \
            "authenticated|SELECT count(*) FROM public.list_deleted_videos()" \
            "authenticated|SELECT public.soft_delete_video('$(video one)')" \
            "authenticated|SELECT public.restore_video('$(video one)')" \
            "service_role|SELECT public.complete_video_generation('$(video one)', 'https://cdn.example.com/a.mp4', $user)" \
            "authenticated|SELECT public.create_video_generation('three', 1, '480p')" \
            "service_role|SELECT public.refund_video_credits('$(video two)', 'x', $user)" \
            "service_role|SELECT public.grant_credits($user, 5)" \
            "service_role|SELECT public.grant_credits($user, 5, 'grant', NULL, NULL, pg_catalog.now() + interval '1 second')"; do
  is "single-shard: ${call#*|}" "$(remote "${call%%|*}" "${call#*|}")" "1 0"
done
# A charge over three lots, after the expiry of a fourth, and its refund after one of its
# lots has expired too: each part is on the user's shard alone as well.
mark=$(val "SELECT max(id) FROM public.credit_transactions WHERE user_id = $user")
coordinator -c "BEGIN" -c "SELECT test.act_as('service_role')" \
  -c "SELECT public.grant_credits($user, 5, 'grant', NULL, NULL, pg_catalog.now() + interval '4 seconds')" \
  -c "COMMIT" -c "SELECT pg_sleep(1.1)" >/dev/null
is "single-shard: a charge over three lots, after an expiry" \
  "$(remote authenticated "SELECT public.create_video_generation('five', 35, '720p')")" "1 0"
coordinator -c "SELECT pg_sleep(3)" >/dev/null
is "single-shard: its refund, which writes off what it gives back to the expired lot" \
  "$(remote service_role "SELECT public.refund_video_credits('$(video five)', 'x', $user)")" "1 0"
is "those calls wrote the entries and allocations they write on one server" \
  "$(val "SELECT string_agg(t.kind || ' ' || t.amount || ' ' || (SELECT count(*) FROM public.credit_allocations a WHERE a.user_id = t.user_id AND a.transaction_id = t.id), ', ' ORDER BY t.id) FROM public.credit_transactions t WHERE t.user_id = $user AND t.id > $mark")" \
  "grant 5 1, expiry -5 1, video_generation -105 3, refund 105 3, expiry -5 1"
# A grant of a payment reference also claims the reference, on the reference's shard: one
# on another worker than the user's is committed on both with two-phase commit, by design.
node_of() { val "SELECT nodeport FROM pg_dist_shard_placement WHERE shardid = get_shard_id_for_distribution_column('public.$1', $2)"; }
n=1
while [ "$(node_of payment_references "'order-$n'")" = "$(node_of profiles "$user")" ]; do n=$((n + 1)); done
is "a grant of a payment reference whose shard is on another worker: two workers, two-phase commit" \
  "$(remote service_role "SELECT public.grant_credits($user, 5, 'purchase', 'order-$n')")" "2 2"

# 4. The contract's flows
coordinator -c "DELETE FROM auth.users" >/dev/null
ok "the contract's flows through the coordinator (01_flows.sql)" \
  pg_prove --failures --host "$host" --port "$port" --dbname "$db" --username supabase_admin "$here/01_flows.sql"

# 5. Concurrency: the specs of test/isolation that matter on a cluster, expected as there.
# Citus's isolation-tester function sees a session waiting on a worker's lock.
coordinator -c "DELETE FROM auth.users" -c "SELECT citus_internal.replace_isolation_tester_func()" >/dev/null
iso=$(mktemp -d /tmp/sora_citus_iso.XXXXXX)
specs="charge_race idempotency_race refund_race refund_complete_race charge_grant_refund delete_refund_race payment_reference_race"
set +e
"$(pg_config --pkglibdir)/pgxs/src/test/isolation/pg_isolation_regress" --use-existing \
  --host="$host" --port="$port" --user=supabase_admin --dbname="$db" \
  --inputdir="$root/test/isolation" --outputdir="$iso" $specs >"$iso/run.log" 2>&1
rc=$?
set -e
coordinator -c "SELECT citus_internal.restore_isolation_tester_func()" >/dev/null
if [ $rc = 0 ]; then pass "the concurrency specs, as on one server: $specs"
else fail "the concurrency specs, as on one server: $specs" "$(cat "$iso/run.log")" "$(head -80 "$iso/regression.diffs" 2>/dev/null)"; fi
rm -rf "$iso"

# 6. The mixed load and its invariants (test/integration), through the coordinator; the one
# invariant that joins videos and entries by the video alone needs repartition joins.
load_env=(env PGHOST="$host" PGPORT="$port" PGDATABASE="$db" PGUSER=supabase_admin
          PGOPTIONS="-c citus.enable_repartition_joins=on")
coordinator -c "DELETE FROM auth.users" >/dev/null
ok "the mixed load keeps the ledger consistent on the cluster" \
  "${load_env[@]}" "$integration" --gtest_filter='ConcurrentLoad.*'
if [ -n "${SORA_CITUS_WORKER_PG_CTL:-}" ]; then
  coordinator -c "DELETE FROM auth.users" >/dev/null
  ok "... and while a worker is cut off and restarted three times: no acknowledged commit lost" \
    "${load_env[@]}" SORA_PG_CTL="$SORA_CITUS_WORKER_PG_CTL" "$integration" --gtest_filter='CrashRecovery.*'
else
  echo "# skipped: the load with a worker restarted (SORA_CITUS_WORKER_PG_CTL is not set)"
fi

done_testing
