#!/usr/bin/env bash
# bench/scale_report.sh WORK ROUNDS SECONDS ELAPSED OUTDIR: turns what bench/scale.sh left in
# WORK (info.tsv, returned.tsv, medians.tsv, plans.tsv, plans.txt) into the tables it prints
# and writes to OUTDIR/scale.md, and two PNG plots (gnuplot).
set -euo pipefail
work=$1 rounds=$2 seconds=$3 elapsed=$4 out=$5
info=$work/info.tsv medians=$work/medians.tsv plans=$work/plans.tsv returned=$work/returned.tsv
# A copy of the figures, so that the report can be written again after bench/scale.sh has
# removed its folder: bench/scale_report.sh /tmp/sora_credits_scale_data ROUNDS SECONDS ELAPSED OUT
if [ "$work" != /tmp/sora_credits_scale_data ]; then
  rm -rf /tmp/sora_credits_scale_data && mkdir -p /tmp/sora_credits_scale_data
  cp "$work"/*.tsv "$work"/*.txt /tmp/sora_credits_scale_data/
fi

dbs=$(cut -f1 "$info")
first=$(head -1 "$info" | cut -f1)
largest=$(tail -1 "$info" | cut -f1)
field() { awk -F'\t' -v d="$1" -v c="$2" '$1 == d { print $c }' "$info"; }
# med DB WORKLOAD COLUMN (3 tps, 4 ms, 5 WAL bytes, 6 FPIs, 7 blocks read into shared_buffers)
med() { awk -F'\t' -v d="$1" -v w="$2" -v c="$3" '$1 == d && $2 == w { print $c }' "$medians"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
num() { awk -v x="$1" 'BEGIN { s = sprintf("%.0f", x); r = ""; while (length(s) > 3) { r = "," substr(s, length(s) - 2) r; s = substr(s, 1, length(s) - 3) } print s r }'; }
back() { awk -F'\t' -v d="$1" -v f="$2" '$1 == d && $2 == f { print $3 }' "$returned"; }
header() {  # the size columns of a table: | LABEL | db1 | db2 | ...
  local line="| $1 |" rule="|---|"
  for d in $dbs; do line+=" $(num "$(field "$d" 2)") users, $(num "$(field "$d" 3)") videos |"; rule+="---:|"; done
  echo "$line$2"; echo "$rule$3"
}

# The indexes a statement's plan at the largest size reads (from plans.txt, by its heading).
indexes() {
  awk -v s="### $1" '$0 == s { on = 1; next } /^### / { on = 0 }
    on { while (match($0, /(Scan using|Index Scan on) [a-z0-9_]+/)) { i = substr($0, RSTART, RLENGTH); sub(/^.* /, "", i)
         if (!(i in seen)) { seen[i] = 1; out = out (out ? ", " : "") i }; $0 = substr($0, RSTART + RLENGTH) } }
    END { print out }' "$work/plans.txt"
}
# yes, or how many rows a statement reads per row it returns, at the largest size.
verdict() {
  awk -F'\t' -v d="$largest" -v s="$1" '$1 == d && $2 == s {
    if ($4 <= 2 * $3 + 10) print "yes"; else printf "no: %.0f rows read per row returned\n", $4 / ($3 ? $3 : 1) }' "$plans"
}
plan_cell() { awk -F'\t' -v d="$1" -v s="$2" -v c="$3" '$1 == d && $2 == s { print $c }' "$plans"; }
findings() {
  local s read ret f
  for f in claim stale credits deleted; do
    case $f in
      claim) echo "* **claim_video_jobs(10)**: one statement; $(verdict "claim_video_jobs(10): claim" | sed 's/^yes$/it reads only what it claims/; s/^no: \(.*\)/it does not read only what it claims (\1)/'):"
             echo "  at every size it reads $(for d in $dbs; do printf '%s, ' "$(plan_cell "$d" "claim_video_jobs(10): claim" 4)"; done | sed 's/, $//') rows to claim 10"
             echo "  ($(indexes "claim_video_jobs(10): claim"): the oldest pending jobs in order, then each by its key)."
             echo "  Its UPDATE cannot be HOT (status is in the partial indexes' predicates), so each claimed"
             echo "  job also gets a new entry in five of the videos indexes (videos_pkey,"
             echo "  videos_user_idempotency_key, videos_user_active_idx, videos_user_inflight_idx,"
             echo "  videos_inflight_updated_idx): a constant"
             echo "  number per job, but in larger indexes, whose pages are less often in shared_buffers: the"
             echo "  time per call goes from $(med "$first" "fn claim" 4) to $(med "$largest" "fn claim" 4) ms while the rows it reads stay the same." ;;
      stale) s="expire_stale_videos(): stale jobs, custom plan"
             echo "* **expire_stale_videos()**: the listing of the stale jobs $(verdict "$s" | sed 's/^yes$/is proportional to what it returns/; s/^no: \(.*\)/is not proportional to what it returns (\1)/'):"
             echo "  it reads $(for d in $dbs; do printf '%s, ' "$(plan_cell "$d" "$s" 4)"; done | sed 's/, $//') rows to return"
             echo "  $(plan_cell "$largest" "$s" 3) (the jobs in flight per size: $(for d in $dbs; do printf '%s, ' "$(num "$(field "$d" 4)")"; done | sed 's/, $//'))."
             echo "  It reads videos_inflight_updated_idx (2.0), the partial index of the jobs in flight in"
             echo "  the listing's order (updated_at, id), from its start up to \`now() - timeout\`, with no filter"
             echo "  and no sort; 1.x read videos_user_inflight_idx, keyed by user, and so every job in flight."
             echo "  Per stale job the function then locks the profile and the video and reads the charge's"
             echo "  lot split by keys ($(indexes "expire_stale_videos(), per job: lot split")): $(verdict "expire_stale_videos(), per job: lot split")."
             echo "  The whole call went from $(med "$first" "fn stale" 4) to $(med "$largest" "fn stale" 4) ms; the listing's part of it from"
             echo "  $(plan_cell "$first" "$s" 6) to $(plan_cell "$largest" "$s" 6) ms; the rest are the $(plan_cell "$largest" "$s" 3) refunds, whose writes (like a charge's) land"
             echo "  in larger indexes." ;;
      credits) s="expire_credits(): users with expired lots"
             echo "* **expire_credits()**: the listing of the users with expired lots $(verdict "$s" | sed 's/^yes$/is proportional to what it returns/; s/^no: \(.*\)/is not proportional to what it returns (\1)/')"
             echo "  ($(indexes "$s"), read up to now(): $(for d in $dbs; do printf '%s, ' "$(plan_cell "$d" "$s" 4)"; done | sed 's/, $//') rows for $(plan_cell "$largest" "$s" 3) users,"
             echo "  while the lots that expire later grow with the users); each user's settling reads only their"
             echo "  live lots ($(indexes "expire_credits(), per user: lots to settle"): $(verdict "expire_credits(), per user: lots to settle"))." ;;
      deleted) s="list_deleted_videos(): custom plan"
             echo "* **list_deleted_videos()**: $(verdict "$s" | sed 's/^yes$/reads only what it returns/'), with either plan"
             echo "  ($(indexes "$s"), the user's deleted videos only: $(plan_cell "$largest" "$s" 4) rows read for"
             echo "  $(plan_cell "$largest" "$s" 3) returned)." ;;
    esac
  done
}

workloads=("create c=1 async" "create c=8" "create c=1 async, users 1..1000" "create c=1 async, no full-page images")
labels=("create, 1 client, asynchronous commit" "create, 8 clients, synchronous commit"
        "diagnosis: 1 client, asynchronous commit, users 1..1,000 only"
        "diagnosis: 1 client, asynchronous commit, full_page_writes off")
{
  echo "# How the cost grows with the data"
  echo
  echo "Issue 14: \"with at least 1,000,000 users, 5,000,000 videos and the matching ledger, create"
  echo "throughput stays within 15 % of the 1,000-user database; claim_video_jobs(10),"
  echo "expire_stale_videos, expire_credits and list_deleted_videos cost in proportion to what they"
  echo "return, not to the table (show the plans).\""
  echo
  echo "Measured by \`bench/scale.sh\` on $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo),"
  echo "$(lscpu | sed -n 's/^Model name: *//p' | head -1), PostgreSQL $(pg_config --version | cut -d' ' -f2),"
  echo "$(date -u +%Y-%m-%d); medians of $rounds alternating rounds (${seconds} s per throughput run)."
  echo "The whole run took $(( elapsed / 60 )) min $(( elapsed % 60 )) s. One cluster with bench/run.sh's settings"
  echo "(shared_buffers 1 GB, max_wal_size 8 GB, checkpoint_timeout 1 h, fsync on), one database per size."
  if [ -f "$work/load.txt" ]; then
    echo "The machine is shared: load average over 1, 5 and 15 minutes $(cat "$work/load.txt")."
  fi
  echo
  echo "## The databases"
  echo
  echo "Each generated in bulk by \`bench/scale_setup.sql\` (set-based SQL as the superuser, in"
  echo "replica mode as a restore loads rows; then VACUUM ANALYZE): users 1..N with one purchase"
  echo "lot each, videos spread over a year (about 5 % failed and refunded, 10 % soft-deleted,"
  echo "0.2 % pending or processing), their charges, refunds, lots and allocations, every 10th user"
  echo "a promotional lot that expires later, and the same fixed answers at every size: $(back "$first" stale) stale jobs,"
  echo "$(back "$first" credits) lots past their expiry, a probe user with $(back "$first" deleted) deleted videos. \`verify_ledger()\` found"
  echo "nothing in any of them (and the video counters and reserved credits of every profile match"
  echo "its videos)."
  echo
  echo "| database | users | videos | jobs in flight | generated in | verify_ledger() | problems | size on disk | what a charge changes at random |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  while IFS=$'\t' read -r d u v f g t p b r; do
    echo "| $d | $(num "$u") | $(num "$v") | $(num "$f") | $g s | $t s | $p | $(num $(( b / 1048576 ))) MiB | $(num $(( r / 1048576 ))) MiB |"
  done <"$info"
  echo
  echo "The last column: the size of the relations in which a charge changes a page chosen by its"
  echo "user or by a random uuid (profiles, credit_lots, videos_pkey, videos_user_idempotency_key,"
  echo "videos_user_active_idx, videos_user_inflight_idx, credit_transactions_user_idx,"
  echo "credit_transactions_one_charge_per_video, credit_allocations_pkey); its other writes append"
  echo "at the end of their table or index. shared_buffers is 1,024 MiB."
  echo
  echo "## create_video_generation throughput"
  echo
  echo "\`bench/workloads/create.sql\` for a random user among all of the database's users, each run"
  echo "right after a CHECKPOINT; ratio = tps / tps of the $(num "$(field "$first" 2)")-user database (target: ≥ 0.85)."
  echo
  header "workload" "" ""
  for i in "${!workloads[@]}"; do
    w=${workloads[$i]}
    line="| ${labels[$i]}, tps |"; rline="| ratio to $(num "$(field "$first" 2)") users |"
    wline="| WAL bytes per charge |"; fline="| full-page images per charge |"
    bline="| blocks read into shared_buffers per charge |"
    for d in $dbs; do
      line+=" $(num "$(med "$d" "$w" 3)") |"
      rline+=" $(ratio "$(med "$d" "$w" 3)" "$(med "$first" "$w" 3)") |"
      wline+=" $(num "$(med "$d" "$w" 5)") |"; fline+=" $(med "$d" "$w" 6) |"; bline+=" $(med "$d" "$w" 7) |"
    done
    echo "$line"; echo "$rline"; echo "$wline"; echo "$fline"; echo "$bline"
  done
  echo
  echo "| target (issue 14) | measured at $(num "$(field "$largest" 2)") users, $(num "$(field "$largest" 3)") videos | verdict |"
  echo "|---|---:|---|"
  for i in 0 1; do
    w=${workloads[$i]}
    r=$(ratio "$(med "$largest" "$w" 3)" "$(med "$first" "$w" 3)")
    echo "| ${labels[$i]}: within 15 % of the $(num "$(field "$first" 2)")-user database (ratio ≥ 0.85) | $r | $(awk -v r="$r" 'BEGIN { print (r >= 0.85 ? "met" : "MISSED") }') |"
  done
  echo
  w="create c=1 async"; nf="create c=1 async, no full-page images"; hot="create c=1 async, users 1..1000"
  echo "Why a charge slows down with the users: it changes up to nine pages chosen by its user or by"
  echo "a random uuid (the profile and the lot it updates in place, the leaf pages of the seven"
  echo "indexes named above), and the first change of a page after a checkpoint writes the whole page"
  echo "(8 kB) into the WAL. At $(num "$(field "$first" 2)") users those pages are few and hot: $(med "$first" "$w" 6) full-page images and"
  echo "$(med "$first" "$w" 7) blocks read per charge ($(num "$(med "$first" "$w" 5)") WAL bytes). At $(num "$(field "$largest" 2)") users they are"
  echo "$(num $(( $(field "$largest" 9) / 1048576 ))) MiB against 1,024 MiB of shared_buffers, and almost every charge reaches pages no charge"
  echo "has changed since the checkpoint: $(med "$largest" "$w" 6) full-page images and $(med "$largest" "$w" 7) blocks read (from the OS"
  echo "cache) per charge, $(num "$(med "$largest" "$w" 5)") WAL bytes (1 client, asynchronous commit). The two diagnoses"
  echo "separate the causes at the largest size:"
  echo
  echo "* the same statements charging only users 1..1,000 of the $(num "$(field "$largest" 2)"): ratio"
  echo "  $(ratio "$(med "$largest" "$hot" 3)" "$(med "$first" "$hot" 3)") ($(med "$largest" "$hot" 6) full-page images, $(med "$largest" "$hot" 7) blocks read per charge): with as few"
  echo "  users as the smallest database has, what the larger tables cost; the rest of the drop comes"
  echo "  from the spread of the charges over many more pages;"
  echo "* full_page_writes off (never run a database so): ratio $(ratio "$(med "$largest" "$nf" 3)" "$(med "$first" "$nf" 3)") against"
  echo "  $(ratio "$(med "$largest" "$w" 3)" "$(med "$first" "$w" 3)") with it on: the difference is the full-page images, the rest the buffer misses."
  echo
  echo "Both are PostgreSQL's own costs of keeping indexes by user and by random uuid over tables"
  echo "larger than shared_buffers; the charge runs the same statements, each reading a constant"
  echo "number of index entries, at every size. Every run here starts right after a CHECKPOINT, the"
  echo "worst case for the images: the longer a run between checkpoints, the more charges share them."
  echo
  echo "## The four functions: time per call"
  echo
  echo "pgbench, one client, each call in its own transaction (with the role and claims set as"
  echo "PostgREST sets them), rolled back so that every call finds the same rows; run before any"
  echo "charge, on the databases as generated. Milliseconds per transaction."
  echo
  header "function (returns)" " largest / first |" "---:|"
  for f in "claim:claim_video_jobs(10):jobs" "stale:expire_stale_videos():jobs refunded" \
           "credits:expire_credits():lots written off" "deleted:list_deleted_videos(), probe user:videos"; do
    IFS=: read -r key name what <<<"$f"
    line="| $name ($(back "$first" "$key") $what) |"
    for d in $dbs; do line+=" $(med "$d" "fn $key" 4) |"; done
    echo "$line $(ratio "$(med "$largest" "fn $key" 4)" "$(med "$first" "fn $key" 4)") |"
  done
  echo
  echo "## The statements behind them: rows read against rows returned"
  echo
  echo "\`bench/scale_plans.sql\`: each statement the C++ runs for these functions (SPI, with"
  echo "@extschema@ = public), prepared with the functions' parameter types, under EXPLAIN"
  echo "(ANALYZE, BUFFERS) in a rolled-back transaction; custom plan = the plan of the first five"
  echo "executions, generic = the plan the plan cache may keep afterwards. Per size: rows returned"
  echo "/ rows the scans read (their output plus what their filters removed) / shared buffers"
  echo "touched / execution time."
  echo
  header "statement" " indexes (largest) | reads what it returns? |" "---|---|"
  cut -f2 "$plans" | awk '!seen[$0]++' | while IFS= read -r s; do
    line="| $s |"
    for d in $dbs; do
      line+=" $(awk -F'\t' -v d="$d" -v s="$s" '$1 == d && $2 == s { printf "%s / %s / %s / %s ms", $3, $4, $5, $6 }' "$plans") |"
    done
    echo "$line $(indexes "$s") | $(verdict "$s") |"
  done
  echo
  echo "## Findings"
  echo
  findings
  echo
  echo "## The plans at $(num "$(field "$largest" 2)") users, $(num "$(field "$largest" 3)") videos"
  echo
  echo "As \`psql -v text=1 -f bench/scale_plans.sql\` prints them (the planning lines left out)."
  awk '/^### / { if (open) print "```"; print ""; print "#### " substr($0, 5); print ""; print "```"; open = 1; next }
       /QUERY PLAN/ || /^-+$/ || /^\([0-9]+ rows?\)$/ || /Planning Time/ { next }
       /^ *Planning:$/ { skip = 1; next }
       skip && /^ *Buffers:/ { skip = 0; next }
       { skip = 0 }
       open && NF { print }
       END { if (open) print "```" }' "$work/plans.txt"
} | tee "$out/scale.md"

# Plots: the throughput ratio per size, and the functions' time per size.
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
for d in $dbs; do
  line="$(field "$d" 3)"
  for w in "${workloads[@]}"; do line+=" $(ratio "$(med "$d" "$w" 3)" "$(med "$first" "$w" 3)")"; done
  echo "$line"
done >"$data/create.dat"
for d in $dbs; do
  echo "$(field "$d" 3) $(med "$d" "fn claim" 4) $(med "$d" "fn stale" 4) $(med "$d" "fn credits" 4) $(med "$d" "fn deleted" 4)"
done >"$data/functions.dat"
gnuplot <<EOF
set terminal pngcairo size 800,500 font ",11" noenhanced
set key bottom left
set grid
set logscale x
set xlabel "videos in the database (users: $(for d in $dbs; do printf '%s ' "$(num "$(field "$d" 2)")"; done| sed 's/ $//; s/ / \/ /g'))"
set output "$out/scale_create.png"
set title "create_video_generation throughput, relative to the $(num "$(field "$first" 2)")-user database"
set ylabel "tps / tps at $(num "$(field "$first" 2)") users"; set yrange [0:1.3]
plot "$data/create.dat" using 1:2 with linespoints lw 2 title "1 client, asynchronous commit", \
     "" using 1:3 with linespoints lw 2 title "8 clients, synchronous commit", \
     "" using 1:4 with linespoints lw 2 dt 2 title "diagnosis: 1 client, async, users 1..1,000 only", \
     "" using 1:5 with linespoints lw 2 dt 2 title "diagnosis: 1 client, async, full_page_writes off", \
     0.85 with lines lw 1 dt 3 lc rgb "red" title "target: 0.85"
set output "$out/scale_functions.png"
set title "time per call (rolled back), same rows returned at every size"
set logscale y; set yrange [0.05:500]; set key top left
set ylabel "milliseconds per call"
plot "$data/functions.dat" using 1:2 with linespoints lw 2 title "claim_video_jobs(10)", \
     "" using 1:3 with linespoints lw 2 title "expire_stale_videos() ($(back "$first" stale) jobs)", \
     "" using 1:4 with linespoints lw 2 title "expire_credits() ($(back "$first" credits) lots)", \
     "" using 1:5 with linespoints lw 2 title "list_deleted_videos() ($(back "$first" deleted) videos)"
EOF
echo "Wrote $out/scale.md, $out/scale_create.png and $out/scale_functions.png"
