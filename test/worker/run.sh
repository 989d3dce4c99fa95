#!/usr/bin/env bash
# Drives the real sora-worker binary (argument 1) against a throwaway cluster holding a
# Supabase stand-in database with the extension, using real shell commands as generators:
# ones that succeed, fail, print no URL, hang, are stopped by SIGTERM, or lose their
# database connection. Asserts in the database (statuses, URLs, refunds, balances, error
# messages) and on the worker (exit status, one log line per job).
# Expects the extension to be built and installed (scripts/build.sh).
set -euo pipefail
worker=${1:?usage: test/worker/run.sh PATH_TO_SORA_WORKER}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=../../scripts/pgcluster.sh
. "$root/scripts/pgcluster.sh"
# shellcheck source=../support/tap.sh
. "$root/test/support/tap.sh"

pg_start
WORK=$(mktemp -d /tmp/sora_worker_test.XXXXXX)
export WORK  # the generator commands below find their files through it
background=()
cleanup() {
  for pid in "${background[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  pg_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

sora_db sora_worker_test
# What docs/worker.md asks of the DSN's user: a login role that may SET ROLE service_role.
psql -q -v ON_ERROR_STOP=1 -c 'CREATE ROLE sora_worker LOGIN' \
  -c 'GRANT service_role TO sora_worker' -c 'CREATE ROLE outsider LOGIN'
dsn="dbname=$PGDATABASE user=sora_worker"

# --- queries and waits -----------------------------------------------------------------
q() { psql -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
video() { q "SELECT $2 FROM videos WHERE id = '$1'"; }             # video ID COLUMN
refunds() { q "SELECT count(*) FROM credit_transactions WHERE video_id = '$1' AND kind = 'refund'"; }
balance() { q "SELECT credits FROM profiles WHERE id = '$1'"; }
log_lines() { grep -c "video=$2 " "$WORK/$1.log" || true; }         # log_lines RUN VIDEO
outcome() { sed -n "s/.*video=$2 outcome=\([a-z]*\) .*/\1/p" "$WORK/$1.log"; }
# Processes still alive with the job's id in their environment (zombies have none).
job_processes() { grep -lsa "SORA_VIDEO_ID=$1" /proc/[0-9]*/environ | wc -l || true; }
session_gone() { [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE usename = 'sora_worker'")" = 0 ]; }
# Waits until the command succeeds. The cap (a minute) only ends a hung test; no assertion
# depends on how long anything takes.
wait_until() {
  for _ in $(seq 600); do "$@" && return 0; sleep 0.1; done
  echo "gave up waiting for: $*" >&2
  return 1
}
no_job_processes() { [ "$(job_processes "$1")" = 0 ]; }
logged() { grep -q "$2" "$WORK/$1.log"; }                           # logged RUN PATTERN

# --- fixtures --------------------------------------------------------------------------
new_user() {  # new_user CREDITS: prints the new user's id
  local id
  id=$(q "SELECT gen_random_uuid()")
  q "INSERT INTO auth.users (id) VALUES ('$id')"
  q "SELECT grant_credits('$id', $1, 'grant')" >/dev/null
  echo "$id"
}
new_video() {  # new_video USER PROMPT: a 5-second 720p sora-2 video (15 credits); prints its id
  psql -XAtq -v ON_ERROR_STOP=1 -v uid="$1" -v prompt="$2" <<'SQL'
SET ROLE authenticated;
SELECT set_config('request.jwt.claims',
                  json_build_object('sub', :'uid', 'role', 'authenticated')::text, false) \gset x_
SELECT create_video_generation(:'prompt', 5, '720p') ->> 'video_id';
SQL
}
run_worker() {  # run_worker NAME ARGS...: runs it to the end; stderr in $WORK/NAME.log, status in rc
  local name=$1
  shift
  rc=0
  "$worker" --dsn "$dsn" "$@" 2>"$WORK/$name.log" || rc=$?
}
start_worker() {  # start_worker NAME ARGS...: in the background; its pid in worker_pid
  local name=$1
  shift
  "$worker" --dsn "$dsn" "$@" 2>"$WORK/$name.log" &
  worker_pid=$!
  background+=("$worker_pid")
}
wait_worker() { rc=0; wait "$worker_pid" || rc=$?; }

# A generator that waits for a file, so the test decides when the job ends.
wait_for_go='touch "$WORK/started.$SORA_VIDEO_ID"
while [ ! -e "$WORK/go.$SORA_VIDEO_ID" ]; do sleep 0.05; done
echo "https://cdn.example.com/videos/$SORA_VIDEO_ID.mp4"'

echo "# success: two jobs at once, the prompt reaches the command only through the environment"
alice=$(new_user 100)
tricky_prompt='A cat "quoted" it'"'"'s; $(touch $WORK/pwned) `touch $WORK/pwned` | & > x'
v1=$(new_video "$alice" "$tricky_prompt")
v2=$(new_video "$alice" 'Phở bò buổi sáng')
run_worker success --once --batch 2 --command '
  printf "%s|%s|%s|%s|%s" "$SORA_VIDEO_ID" "$SORA_PROMPT" "$SORA_MODEL" "$SORA_RESOLUTION" \
    "$SORA_DURATION_SECONDS" > "$WORK/env.$SORA_VIDEO_ID"
  echo "rendering $SORA_DURATION_SECONDS s" >&2
  echo "https://cdn.example.com/videos/$SORA_VIDEO_ID.mp4"'
is "exit status 0" "$rc" 0
for v in "$v1" "$v2"; do
  is "$v completed" "$(video "$v" status)" completed
  is "$v has the printed URL" "$(video "$v" video_url)" "https://cdn.example.com/videos/$v.mp4"
  is "$v not refunded" "$(refunds "$v")" 0
  is "$v logged once" "$(log_lines success "$v")" 1
  is "$v logged as completed" "$(outcome success "$v")" completed
done
is "environment of $v1" "$(cat "$WORK/env.$v1")" "$v1|$tricky_prompt|sora-2|720p|5"
is "environment of $v2" "$(cat "$WORK/env.$v2")" "$v2|Phở bò buổi sáng|sora-2|720p|5"
is "the prompt was not run as shell code" "$(ls "$WORK" | grep -c pwned || true)" 0
is "alice paid 2 x 15 credits" "$(balance "$alice")" 70

echo "# failure: exit 3 with a stderr line refunds with that line; exit 0 without a URL refunds"
bob=$(new_user 50)
v3=$(new_video "$bob" 'A storm over the sea')
run_worker fail --once --command '
  echo "https://cdn.example.com/not-this.mp4"
  echo "loading model" >&2
  echo "The model rejected the prompt." >&2
  exit 3'
is "exit status 0" "$rc" 0
is "$v3 failed" "$(video "$v3" status)" failed
is "$v3 reason is the last stderr line" "$(video "$v3" error_message)" "The model rejected the prompt."
is "$v3 has no URL" "$(video "$v3" "coalesce(video_url, 'none')")" none
is "$v3 refunded exactly once" "$(refunds "$v3")" 1
is "$v3 refund amount" "$(q "SELECT amount FROM credit_transactions WHERE video_id = '$v3' AND kind = 'refund'")" 15
is "$v3 logged once" "$(log_lines fail "$v3")" 1
is "$v3 logged as refunded" "$(outcome fail "$v3")" refunded
is "bob has his credits back" "$(balance "$bob")" 50
v4=$(new_video "$bob" 'A quiet forest')
run_worker nourl --once --command 'echo "all done, no link"'
is "exit status 0" "$rc" 0
is "$v4 failed" "$(video "$v4" status)" failed
is "$v4 reason" "$(video "$v4" error_message)" \
  "The video generator printed no valid video URL (http:// or https://, at most 2048 characters)."
is "$v4 refunded exactly once" "$(refunds "$v4")" 1
is "$v4 logged once" "$(log_lines nourl "$v4")" 1
is "bob has his credits back again" "$(balance "$bob")" 50

echo "# hang: a job running past --job-timeout is killed with its whole process group and refunded"
carol=$(new_user 15)
v5=$(new_video "$carol" 'A very long render')
run_worker hang --once --job-timeout 1 --command '
  sleep 300 &
  echo "still rendering" >&2
  wait'
is "exit status 0" "$rc" 0
is "$v5 failed" "$(video "$v5" status)" failed
is "$v5 reason" "$(video "$v5" error_message)" "Video generation timed out after 1 second."
is "$v5 refunded exactly once" "$(refunds "$v5")" 1
is "$v5 logged as refunded" "$(outcome hang "$v5")" refunded
is "$v5 logged once" "$(log_lines hang "$v5")" 1
wait_until no_job_processes "$v5" || true
is "nothing the job started is left running" "$(job_processes "$v5")" 0
is "carol has her credits back" "$(balance "$carol")" 15

echo "# SIGTERM while a job runs: the job is finished and reported, no new job is claimed"
dave=$(new_user 100)
v6=$(new_video "$dave" 'First in the queue')
v7=$(new_video "$dave" 'Second in the queue')
start_worker sigterm --batch 1 --poll-interval 1 --command "$wait_for_go"
wait_until test -e "$WORK/started.$v6"
kill -TERM "$worker_pid"
touch "$WORK/go.$v6"  # only now can the job end: the worker already has the signal
wait_worker
is "exit status 0" "$rc" 0
is "$v6 completed" "$(video "$v6" status)" completed
is "$v6 logged once" "$(log_lines sigterm "$v6")" 1
is "$v7 was not claimed" "$(video "$v7" status)" pending
is "$v7 not logged" "$(log_lines sigterm "$v7")" 0
is "the stop was logged" "$(grep -c 'stop requested' "$WORK/sigterm.log")" 1
run_worker next --once --command 'echo "https://cdn.example.com/videos/$SORA_VIDEO_ID.mp4"'
is "the next worker completes $v7" "$(video "$v7" status)" completed
is "dave paid 2 x 15 credits" "$(balance "$dave")" 70

echo "# a second SIGTERM: the job in hand is killed and refunded at once"
v8=$(new_video "$dave" 'Never finishes')
start_worker twice --command 'touch "$WORK/started.$SORA_VIDEO_ID"; sleep 300'
wait_until test -e "$WORK/started.$v8"
kill -TERM "$worker_pid"
wait_until logged twice 'stop requested'  # two signals sent at once may arrive as one
kill -TERM "$worker_pid"
wait_worker
is "exit status 0" "$rc" 0
is "$v8 failed" "$(video "$v8" status)" failed
is "$v8 reason" "$(video "$v8" error_message)" "Video generation was stopped because the worker shut down."
is "$v8 refunded exactly once" "$(refunds "$v8")" 1
is "$v8 logged once" "$(log_lines twice "$v8")" 1
wait_until no_job_processes "$v8" || true
is "nothing the job started is left running" "$(job_processes "$v8")" 0
is "dave has the 15 credits of $v8 back" "$(balance "$dave")" 70

echo "# connection lost while a job runs: the worker retries with backoff, reconnects, reports the job"
v9=$(new_video "$dave" 'Outlives its connection')
start_worker reconnect --once --command "$wait_for_go"
wait_until test -e "$WORK/started.$v9"
q "ALTER ROLE sora_worker NOLOGIN"  # the first reconnection attempt fails
is "the worker's session is terminated" \
  "$(q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'sora_worker'")" t
wait_until session_gone
touch "$WORK/go.$v9"
wait_until logged reconnect 'cannot reconnect'
q "ALTER ROLE sora_worker LOGIN"
wait_worker
is "exit status 0" "$rc" 0
is "$v9 completed after reconnecting" "$(video "$v9" status)" completed
is "$v9 logged once" "$(log_lines reconnect "$v9")" 1
is "the loss was logged" "$(grep -c 'connection lost: .*; reconnecting in 1 s' "$WORK/reconnect.log")" 1
is "the failed attempt was logged, with a longer wait" \
  "$(grep -c 'cannot reconnect: .*not permitted to log in; retrying in 2 s' "$WORK/reconnect.log")" 1
is "the reconnection was logged" "$(grep -c 'reconnected' "$WORK/reconnect.log")" 1

echo "# LISTEN: a notification wakes an idle worker long before its next poll, also after a reconnection"
start_worker listen --poll-interval 3600 --command 'echo "https://cdn.example.com/videos/$SORA_VIDEO_ID.mp4"'
wait_until logged listen 'waiting for jobs'
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'sora_worker'" >/dev/null
waiting_again() { [ "$(grep -c 'waiting for jobs' "$WORK/listen.log")" = 2 ]; }
wait_until waiting_again  # reconnected, listening again, and found the queue empty
is "the idle worker noticed the loss" "$(grep -c 'connection lost' "$WORK/listen.log")" 1
v10=$(new_video "$dave" 'Announced by NOTIFY')
q "NOTIFY sora_credits_jobs"
is_completed() { [ "$(video "$1" status)" = completed ]; }
wait_until is_completed "$v10" || true
is "$v10 completed" "$(video "$v10" status)" completed
kill -TERM "$worker_pid"
wait_worker
is "exit status 0 after SIGTERM while idle" "$rc" 0
is "$v10 logged once" "$(log_lines listen "$v10")" 1

echo "# the owner: at 2.0 the worker names each video's owner (p_user_id); at 1.2, only the video"
q "ALTER ROLE sora_worker SET log_statement = 'all'"
erin=$(new_user 100)
v11=$(new_video "$erin" 'Completed with its owner')
v12=$(new_video "$erin" 'Refunded with its owner')
ends_by_prompt='[ "$SORA_PROMPT" = "Completed with its owner" ] || exit 3
echo "https://cdn.example.com/videos/$SORA_VIDEO_ID.mp4"'
run_worker owner --once --batch 2 --command "$ends_by_prompt"
is "exit status 0" "$rc" 0
is "$v11 completed, $v12 refunded" "$(video "$v11" status) $(video "$v12" status)" "completed failed"
# The server logs each call's parameters: $1 the video, $3 its owner.
called_with_owner() { grep -c "parameters: \$1 = '$1', \$2 = '[^']*', \$3 = '$2'" "$SORA_PGROOT/server.log" || true; }
is "$v11 was completed naming its owner" "$(called_with_owner "$v11" "$erin")" 1
is "$v12 was refunded naming its owner" "$(called_with_owner "$v12" "$erin")" 1
q "ALTER ROLE sora_worker RESET log_statement"
PGDATABASE=sora_worker_1_2 createdb sora_worker_1_2
PGDATABASE=sora_worker_1_2 psql -X -q -v ON_ERROR_STOP=1 -f "$root/test/support/supabase_standin.sql" \
  -c "CREATE EXTENSION sora_credits VERSION '1.2'" >/dev/null
frank=$(PGDATABASE=sora_worker_1_2 new_user 100)
v13=$(PGDATABASE=sora_worker_1_2 new_video "$frank" 'Completed with its owner')
v14=$(PGDATABASE=sora_worker_1_2 new_video "$frank" 'Refunded at 1.2')
dsn="dbname=sora_worker_1_2 user=sora_worker" run_worker old --once --batch 2 --command "$ends_by_prompt"
is "at 1.2: exit status 0" "$rc" 0
is "at 1.2: $v13 completed, $v14 refunded" \
  "$(PGDATABASE=sora_worker_1_2 video "$v13" status) $(PGDATABASE=sora_worker_1_2 video "$v14" status)" \
  "completed failed"
is "at 1.2: frank has the credits of $v14 back" "$(PGDATABASE=sora_worker_1_2 balance "$frank")" 85

echo "# usage and setup errors"
rc=0; "$worker" 2>"$WORK/usage.log" || rc=$?
is "no options: exit status 2" "$rc" 2
is "no options: message" "$(head -1 "$WORK/usage.log")" "sora-worker: --dsn is required"
rc=0; "$worker" --dsn x --command true --batch 0 2>"$WORK/usage.log" || rc=$?
is "--batch 0: exit status 2" "$rc" 2
is "--batch 0: message" "$(head -1 "$WORK/usage.log")" \
  "sora-worker: --batch must be a whole number from 1 to 100, not '0'"
rc=0; "$worker" --help >"$WORK/help.txt" || rc=$?
is "--help: exit status 0" "$rc" 0
is "--help: usage on stdout" "$(head -c 19 "$WORK/help.txt")" "Usage: sora-worker "
rc=0; "$worker" --dsn "dbname=$PGDATABASE user=outsider" --command true --once 2>"$WORK/outsider.log" || rc=$?
is "a user who may not SET ROLE service_role: exit status 1" "$rc" 1
is "a user who may not SET ROLE service_role: message" "$(cat "$WORK/outsider.log")" \
  "sora-worker: cannot act as service_role: permission denied to set role \"service_role\" (the DSN's user must be able to SET ROLE service_role)"
rc=0; "$worker" --dsn "dbname=no_such_database user=sora_worker" --command true --once 2>"$WORK/nodb.log" || rc=$?
is "no such database: exit status 1" "$rc" 1
is "no such database: message" "$(grep -c '^sora-worker: cannot connect: .*"no_such_database" does not exist' "$WORK/nodb.log")" 1
run_worker empty --once --command 'exit 1'
is "--once with an empty queue: exit status 0" "$rc" 0
is "--once with an empty queue: no job lines" "$(grep -c 'video=' "$WORK/empty.log" || true)" 0

echo "# the ledger"
is "every balance equals the sum of its ledger entries" "$(q "SELECT count(*) FROM verify_ledger()")" 0
is "no video is left claimed" "$(q "SELECT count(*) FROM videos WHERE status = 'processing'")" 0

done_testing || {
  for f in "$WORK"/*.log; do echo "# --- $f"; sed 's/^/#   /' "$f"; done
  exit 1
}
