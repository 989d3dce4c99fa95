#!/usr/bin/env bash
# The benchmark, one command: bench/run.sh
#
# Builds the extension into a private server copy (as the tests do), starts a throwaway
# cluster and runs pgbench workloads against databases in that one cluster, alternating
# them within every round so that they share the machine's state:
#   ext      the extension;
#   seed     bench/seed_plpgsql.sql, the headline baseline: the same API in PL/pgSQL as the
#            seed design does it, on the contract's schema and nothing more;
#   plpgsql  bench/baseline_plpgsql.sql, the old baseline: the seed with the extension's
#            extra CHECKs and indexes;
#   bare     only the writes of a charge, in one statement planned once (bench/bare_floor.sql),
#            on the extension's tables with their lots: the floor cost of this schema;
#   plain    a copy of plpgsql whose partial video indexes are replaced by a plain one, for
#            the video-list query.
# It also measures the WAL bytes per charge of ext, seed, plpgsql and bare (3,000 charges each
# after a CHECKPOINT). Prints a table of medians and ratios and writes docs/performance/results.md and the PNG
# plots next to it. BENCH_SECONDS (default 8) is the length of one run, BENCH_ROUNDS
# (default 3) the number of alternating rounds.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${BENCH_SECONDS:-8}
rounds=${BENCH_ROUNDS:-3}
out=$root/docs/performance
mkdir -p "$out"

. bench/cluster.sh sora_credits_bench

echo "Setting up the databases (1,004 users, 121,010 videos of history each): $(date +%T)"
sora_db ext
sora_db bare
for v in seed:seed_plpgsql plpgsql:baseline_plpgsql; do
  IFS=: read -r db file <<<"$v"
  createdb "$db"
  q -d "$db" -f test/support/supabase_standin.sql -f "bench/$file.sql" >/dev/null
done
unset PGDATABASE   # every command below names its database
q -d ext -f bench/setup.sql -f bench/setup_lots.sql >/dev/null
for db in seed plpgsql bare; do q -d "$db" -f bench/setup.sql >/dev/null; done
q -d bare -f bench/bare_floor.sql
createdb plain -T plpgsql
q -d plain -c 'DROP INDEX videos_user_active_idx, videos_user_deleted_idx' \
  -c 'CREATE INDEX videos_user_idx ON videos (user_id, created_at DESC)' -c 'ANALYZE videos'

results=$work/results.tsv
: >"$results"
# bench WORKLOAD VARIANT DB SCRIPT CLIENTS SYNC [pgbench -D options...]
bench() {
  local workload=$1 variant=$2 db=$3 script=$4 clients=$5 sync=$6; shift 6
  local log
  log=$(PGOPTIONS="-c synchronous_commit=$sync" "$SORA_PG_BIN/pgbench" -n \
        -c "$clients" -j "$(( clients < 2 ? 1 : 2 ))" -T "$seconds" "$@" -f "bench/workloads/$script" "$db" 2>&1) \
    || { echo "$log"; return 1; }
  grep -q 'number of failed transactions: 0 ' <<<"$log" || { echo "$log"; return 1; }
  local tps lat
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$log")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$log")
  printf '%s\t%s\t%s\t%s\n' "$workload" "$variant" "$tps" "$lat" >>"$results"
}

# WAL bytes per charge, once per variant: 3,000 charges from one client right after a
# CHECKPOINT (so that every variant pays its full-page images alike), the WAL position's
# advance divided by the charges. Stored as a result row whose figure is the bytes.
charges=3000
for v in ext:create.sql seed:create.sql plpgsql:create.sql bare:bare.sql; do
  IFS=: read -r db script <<<"$v"
  q -d "$db" -c CHECKPOINT
  lsn=$(q -d "$db" -Atc 'SELECT pg_current_wal_lsn()')
  PGOPTIONS="-c synchronous_commit=off" "$SORA_PG_BIN/pgbench" -n -t "$charges" -D first_user=1 -D last_user=1000 \
    -f "bench/workloads/$script" "$db" >/dev/null
  bytes=$(q -d "$db" -Atc "SELECT round(pg_wal_lsn_diff(pg_current_wal_lsn(), '$lsn') / $charges)")
  printf 'wal per charge\t%s\t%s\t0\n' "$db" "$bytes" >>"$results"
done

hot=1          # the hot-row workload: every client charges user 1
for round in $(seq "$rounds"); do
  echo "Round $round of $rounds: $(date +%T)"
  for clients in 1 2 4 8; do
    for v in ext:ext:create.sql seed:seed:create.sql plpgsql:plpgsql:create.sql bare:bare:bare.sql; do
      IFS=: read -r variant db script <<<"$v"
      bench "create c=$clients" "$variant" "$db" "$script" "$clients" on -D first_user=1 -D last_user=1000
      [ "$clients" = 1 ] && bench "create c=1 async" "$variant" "$db" "$script" 1 off -D first_user=1 -D last_user=1000
    done
  done
  for v in ext:ext:create.sql seed:seed:create.sql plpgsql:plpgsql:create.sql bare:bare:bare.sql; do
    IFS=: read -r variant db script <<<"$v"
    bench "hot user c=8" "$variant" "$db" "$script" 8 on -D first_user=$hot -D last_user=$hot
  done
  for h in 1001:10 1002:1000 1003:20000 1004:100000; do
    IFS=: read -r user videos <<<"$h"
    for db in ext seed plpgsql; do
      bench "credit info $videos" "$db" "$db" credit_info.sql 1 on -D first_user="$user" -D last_user="$user"
    done
  done
  for db in ext seed plpgsql; do
    bench "mixed c=4" "$db" "$db" create.sql@3 4 on -D first_user=1 -D last_user=1000 \
      -f bench/workloads/credit_info.sql@4 -f bench/workloads/list_videos.sql@2 \
      -f bench/workloads/worker.sql@1
  done
  for db in plpgsql plain; do
    bench "video list 20000" "$db" "$db" list_videos.sql 1 on -D first_user=1003 -D last_user=1003
  done
  # 1.2: the same charge for one user with 1 live lot, 20 live lots, and 10,000 spent lots
  # (bench/setup_lots.sql), one client, so only the lots differ. Each round starts with
  # another of the three, so that none always runs after the same work (or autovacuum).
  lots=(2001:"1 lot" 2002:"20 lots" 2003:"10000 spent lots")
  for i in 0 1 2; do
    IFS=: read -r user label <<<"${lots[(i + round) % 3]}"
    bench "create, $label" ext ext create.sql 1 on -D first_user="$user" -D last_user="$user"
  done
done

# Medians per workload and variant, then the table.
medians=$work/medians.tsv
sort -t$'\t' -k1,1 -k2,2 -k3,3g "$results" | awk -F'\t' '
  { key = $1 "\t" $2; n[key]++; v[key, n[key]] = $3 }
  END { for (k in n) { c = n[k]; m = (c % 2) ? v[k, (c + 1) / 2] : (v[k, c / 2] + v[k, c / 2 + 1]) / 2;
        print k "\t" m "\t" 1000 / m } }' | sort >"$medians"
"$root/bench/report.sh" "$medians" "$rounds" "$seconds" "$out"
