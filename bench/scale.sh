#!/usr/bin/env bash
# How the cost grows with the data, one command: bench/scale.sh
#
# Builds the extension into a private server copy and starts a throwaway cluster with the
# settings of bench/run.sh, then builds one database per size in it, in turn, each
# generated in bulk by bench/scale_setup.sql (consistent: verify_ledger() must find
# nothing; its time is reported), and measures, alternating the databases within every
# round so that they share the machine's state:
#   * create_video_generation throughput (bench/workloads/create.sql, a random user among
#     all of the database's users): 1 client with asynchronous commit, 8 clients with
#     synchronous commit, each run right after a CHECKPOINT, with its WAL bytes and full-page
#     images and blocks read into shared_buffers per charge; and, as diagnoses, 1 client
#     charging only users 1..1,000 (the smallest database's users) and 1 client with
#     full_page_writes off (never run a database so), which show what the spread of the
#     users and the full-page images cost;
#   * the time of claim_video_jobs(10), expire_stale_videos(), expire_credits() and
#     list_deleted_videos(), in rolled-back transactions (bench/workloads/scale_*.sql), which
#     return the same rows at every size;
#   * the statements behind them under EXPLAIN (ANALYZE, BUFFERS) (bench/scale_plans.sql):
#     rows returned against rows read, at every size, and the plans at the largest.
# The functions are timed before any charge runs, on the databases as generated.
# Prints the tables and writes docs/performance/scale.md and two PNG plots next to it.
#
# Knobs:
#   SCALE_SIZES   "users:videos ..." (default "1000:120000 100000:500000 1000000:5000000");
#                 the first size is the one the others are compared with
#   SCALE_SMOKE=1 a small trial: sizes "1000:20000 5000:50000", 3 s runs, 1 round, results
#                 in /tmp/sora_credits_scale_smoke instead of docs/performance
#   BENCH_SECONDS length of one throughput run (default 10), BENCH_ROUNDS rounds (default 5)
#   SCALE_STALE   stale jobs per database (default 100), SCALE_DUE expired lots (default 100)
#   SCALE_OUT     where to write scale.md and the plots
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
started=$(date +%s)
if [ "${SCALE_SMOKE:-0}" = 1 ]; then
  sizes=${SCALE_SIZES:-"1000:20000 5000:50000"}
  seconds=${BENCH_SECONDS:-3} rounds=${BENCH_ROUNDS:-1} due=${SCALE_DUE:-50}
  out=${SCALE_OUT:-/tmp/sora_credits_scale_smoke}
else
  sizes=${SCALE_SIZES:-"1000:120000 100000:500000 1000000:5000000"}
  seconds=${BENCH_SECONDS:-10} rounds=${BENCH_ROUNDS:-5} due=${SCALE_DUE:-100}
  out=${SCALE_OUT:-$root/docs/performance}
fi
stale=${SCALE_STALE:-100}
mkdir -p "$out"

. bench/cluster.sh sora_credits_scale
pgbench() { "$SORA_PG_BIN/pgbench" "$@"; }

# The databases, one per size: name, users, videos. The jobs in flight grow with the
# videos (0.2 %, and at least twice the stale ones).
dbs=()
for s in $sizes; do
  IFS=: read -r users videos <<<"$s"
  dbs+=("scale_$users:$users:$videos")
done
info=$work/info.tsv   # db, users, videos, in flight, generation s, verify s, problems, size,
                      # size of what a charge changes at random
# The relations in which a charge changes pages chosen by its user or a random uuid (the
# other indexes it inserts into are appended to at their end).
random_relations="profiles credit_lots videos_pkey videos_user_idempotency_key videos_user_active_idx
  videos_user_inflight_idx credit_transactions_user_idx credit_transactions_one_charge_per_video
  credit_allocations_pkey"
: >"$info"
for d in "${dbs[@]}"; do
  IFS=: read -r db users videos <<<"$d"
  inflight=$(( videos / 500 > 2 * stale ? videos / 500 : 2 * stale ))
  echo "Generating $db: $users users, $videos videos ($inflight in flight): $(date +%T)"
  sora_db "$db"
  t0=$(date +%s.%N)
  q -d "$db" -v users="$users" -v videos="$videos" -v inflight="$inflight" -v stale="$stale" \
    -v due="$due" -f bench/scale_setup.sql
  t1=$(date +%s.%N)
  # verify_ledger() as an operator runs it; its hash joins get the memory a maintenance
  # session would give them.
  problems=$(q -d "$db" -Atc "SET work_mem = '256MB'" -c 'SELECT count(*) FROM verify_ledger()')
  t2=$(date +%s.%N)
  [ "$problems" = 0 ] || { echo "verify_ledger() found $problems problems in $db"; exit 1; }
  # The counters the ledger check does not cover: videos, reserved credits.
  bad=$(q -d "$db" -Atc "SET work_mem = '256MB'" -c "
    SELECT count(*) FROM profiles p LEFT JOIN (
      SELECT user_id, count(*) FILTER (WHERE deleted_at IS NULL) AS active,
             count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
             COALESCE(sum(credits_cost) FILTER (WHERE status IN ('pending', 'processing')), 0) AS reserved
      FROM videos GROUP BY user_id) v ON v.user_id = p.id
    WHERE (p.active_videos, p.deleted_videos, p.credits_reserved)
          IS DISTINCT FROM (COALESCE(v.active, 0), COALESCE(v.deleted, 0), COALESCE(v.reserved, 0))")
  [ "$bad" = 0 ] || { echo "$bad profiles of $db disagree with their videos"; exit 1; }
  bytes=$(q -d "$db" -Atc 'SELECT pg_database_size(current_database())')
  random=$(q -d "$db" -Atc "SELECT sum(pg_relation_size(r::regclass)) FROM unnest(string_to_array('$(echo $random_relations)', ' ')) r")
  printf '%s\t%s\t%s\t%s\t%.0f\t%.1f\t%s\t%s\t%s\n' "$db" "$users" "$videos" "$inflight" \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$problems" "$bytes" "$random" >>"$info"
  echo "  generated in $(cut -f5 <(tail -1 "$info")) s, verify_ledger() $(cut -f6 <(tail -1 "$info")) s: 0 problems, $(( bytes / 1048576 )) MiB"
done
unset PGDATABASE   # every command below names its database
q -d postgres -c CHECKPOINT

# What each function returns, once per database (the same at every size, by design).
returned=$work/returned.tsv
: >"$returned"
for d in "${dbs[@]}"; do
  IFS=: read -r db _ <<<"$d"
  q -d "$db" -At -F$'\t' <<EOF >>"$returned"
BEGIN;
SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true) \g /dev/null
SELECT '$db', 'claim', count(*) FROM claim_video_jobs(10);
ROLLBACK;
BEGIN;
SELECT set_config('role', 'service_role', true), set_config('request.jwt.claims', '{"role":"service_role"}', true) \g /dev/null
SELECT '$db', 'stale', expire_stale_videos() ->> 'expired';
SELECT '$db', 'credits', expire_credits() ->> 'lots_expired';
ROLLBACK;
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', '{"sub":"00000000-0000-4000-8000-000000000000","role":"authenticated"}', true) \g /dev/null
SELECT '$db', 'deleted', count(*) FROM list_deleted_videos();
ROLLBACK;
EOF
done

# The answers must be the fixed ones, or the sizes would not be compared like for like.
awk -F'\t' -v s="$stale" -v d="$due" '
  { want = ($2 == "claim") ? 10 : ($2 == "stale") ? s : ($2 == "credits") ? d : 100
    if ($3 != want) { printf "%s: %s returned %s, not %s\n", $1, $2, $3, want; bad = 1 } }
  END { exit bad }' "$returned"

# Plans: rows returned against rows read, per database; the plans at the largest.
plans=$work/plans.tsv
: >"$plans"
for d in "${dbs[@]}"; do
  IFS=: read -r db _ <<<"$d"
  q -d "$db" -At -v size="$db" -f bench/scale_plans.sql >>"$plans"
done
largest=${dbs[-1]%%:*}
q -d "$largest" -v text=1 -f bench/scale_plans.sql >"$work/plans.txt"

results=$work/results.tsv   # db, workload, tps, ms, WAL bytes, FPIs, buffer reads per transaction
: >"$results"
# run DB WORKLOAD SCRIPT CLIENTS SYNC TRANSACTIONS|- [LAST_USER]: one pgbench run (-t
# TRANSACTIONS, or BENCH_SECONDS long when -; charges for users 1..LAST_USER, by default all),
# recorded with the WAL it wrote and the blocks read into shared_buffers per transaction.
stats() {
  q -d "$1" -At -F' ' -c "SELECT w.wal_bytes, w.wal_fpi, d.blks_read FROM pg_stat_wal w,
    pg_stat_database d WHERE d.datname = current_database()"
}
run() {
  local db=$1 workload=$2 script=$3 clients=$4 sync=$5 count=$6 log length
  local last=${7:-$(cut -d: -f2 <<<"$(grep "^$db:" <(printf '%s\n' "${dbs[@]}"))")}
  local -a users=()
  [ "$script" = create.sql ] && users=(-D first_user=1 -D last_user="$last")
  length=(-T "$seconds"); [ "$count" = - ] || length=(-t "$count")
  local wal0 wal1
  wal0=$(stats "$db")
  log=$(PGOPTIONS="-c synchronous_commit=$sync" pgbench -n -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" \
        "${length[@]}" "${users[@]}" -f "bench/workloads/$script" "$db" 2>&1) || { echo "$log"; return 1; }
  grep -q 'number of failed transactions: 0 ' <<<"$log" || { echo "$log"; return 1; }
  wal1=$(stats "$db")
  local tps lat n
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$log")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$log")
  n=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$log")
  read -r b0 f0 r0 <<<"$wal0"; read -r b1 f1 r1 <<<"$wal1"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$db" "$workload" "$tps" "$lat" \
    "$(( (b1 - b0) / n ))" "$(echo "scale=2; ($f1 - $f0) / $n" | bc)" \
    "$(echo "scale=2; ($r1 - $r0) / $n" | bc)" >>"$results"
}

fns="claim:scale_claim.sql:200 stale:scale_expire_stale.sql:10 credits:scale_expire_credits.sql:10 deleted:scale_list_deleted.sql:200"
for round in $(seq "$rounds"); do
  echo "Functions, round $round of $rounds: $(date +%T)"
  for d in "${dbs[@]}"; do
    IFS=: read -r db _ <<<"$d"
    for f in $fns; do
      IFS=: read -r name script count <<<"$f"
      run "$db" "fn $name" "$script" 1 on "$count"
    done
  done
done

load0=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$rounds"); do
  echo "Charges, round $round of $rounds: $(date +%T)"
  for d in "${dbs[@]}"; do
    IFS=: read -r db _ <<<"$d"
    for w in "create c=1 async:1:off" "create c=8:8:on"; do
      IFS=: read -r workload clients sync <<<"$w"
      q -d "$db" -c CHECKPOINT
      run "$db" "$workload" create.sql "$clients" "$sync" -
    done
    # Diagnosis: the same 1,000 users as the smallest database, among all the others.
    q -d "$db" -c CHECKPOINT
    run "$db" "create c=1 async, users 1..1000" create.sql 1 off - 1000
    # Diagnosis only (never run a database so): the same as c=1 async without full-page images.
    q -d postgres -c 'ALTER SYSTEM SET full_page_writes = off' -c 'SELECT pg_reload_conf()' >/dev/null
    q -d "$db" -c CHECKPOINT
    run "$db" "create c=1 async, no full-page images" create.sql 1 off -
    q -d postgres -c 'ALTER SYSTEM RESET full_page_writes' -c 'SELECT pg_reload_conf()' >/dev/null
  done
done
q -d postgres -Atc 'SHOW full_page_writes' | grep -qx on
# The machine's load when the charges began and ended (other work on it skews the figures).
echo "$load0 when the charges began, $(cut -d' ' -f1-3 /proc/loadavg) when they ended" >"$work/load.txt"

# Medians per database and workload: tps, ms, WAL bytes, FPIs and buffer reads per transaction.
medians=$work/medians.tsv
sort -t$'\t' -k1,1 -k2,2 "$results" | awk -F'\t' '
  function med(a, c,   i, j, t) {
    for (i = 2; i <= c; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    return (c % 2) ? a[(c + 1) / 2] : (a[c / 2] + a[c / 2 + 1]) / 2
  }
  { key = $1 "\t" $2; if (key != last && last != "") flush(); last = key
    n++; tps[n] = $3 + 0; ms[n] = $4 + 0; wal[n] = $5 + 0; fpi[n] = $6 + 0; rd[n] = $7 + 0 }
  function flush(   t, m, w, f, r) {
    t = med(tps, n); m = med(ms, n); w = med(wal, n); f = med(fpi, n); r = med(rd, n)
    print last "\t" t "\t" m "\t" w "\t" f "\t" r
    n = 0; split("", tps); split("", ms); split("", wal); split("", fpi); split("", rd)
  }
  END { if (last != "") flush() }' >"$medians"

elapsed=$(( $(date +%s) - started ))
"$root/bench/scale_report.sh" "$work" "$rounds" "$seconds" "$elapsed" "$out"
