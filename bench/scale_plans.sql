-- The SQL statements behind claim_video_jobs(10), expire_stale_videos(), expire_credits()
-- and list_deleted_videos(), as the C++ prepares them (src/api/videos.cpp, expire.cpp,
-- lots.cpp, locks.cpp; @extschema@ is public, $n the parameters the functions pass), run
-- under EXPLAIN (ANALYZE, BUFFERS) in a transaction that is rolled back:
--   psql -At -v size=LABEL -f bench/scale_plans.sql          one line per statement:
--       size, statement, rows returned, rows the scans read (returned by the scan nodes plus
--       those their filters removed), shared buffers touched, milliseconds
--   psql -v text=1 -f bench/scale_plans.sql                  the plans as text
-- Last, the stale jobs' listing again with the index the findings propose (created in the
-- transaction, so rolled back with it).
-- Statements with parameters run as prepared statements, like SPI's: with the plan of the
-- first executions (custom, planned for the values) and with the generic plan the plan
-- cache may switch to after five executions (plan_cache_mode = force_generic_plan).
\set ON_ERROR_STOP 1
\if :{?text}
\else
\set text 0
\endif
SET jit = off;  -- as the functions' short statements run: below jit_above_cost
CREATE FUNCTION pg_temp.measure(p_size text, p_label text, p_sql text, p_generic boolean)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  plan jsonb;
  scanned numeric;
BEGIN
  PERFORM set_config('plan_cache_mode', CASE WHEN p_generic THEN 'force_generic_plan' ELSE 'auto' END, true);
  EXECUTE 'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ' || p_sql INTO plan;
  SELECT COALESCE(sum(((n ->> 'Actual Rows')::numeric + COALESCE((n ->> 'Rows Removed by Filter')::numeric, 0)
                       + COALESCE((n ->> 'Rows Removed by Index Recheck')::numeric, 0))
                      * (n ->> 'Actual Loops')::numeric), 0)
  INTO scanned
  FROM jsonb_path_query(plan, 'strict $.** ? (exists (@."Node Type"))') n
  WHERE n ->> 'Node Type' IN ('Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan');
  RETURN concat_ws(E'\t', p_size, p_label,
                   plan -> 0 -> 'Plan' ->> 'Actual Rows', scanned,
                   (plan -> 0 -> 'Plan' ->> 'Shared Hit Blocks')::bigint
                     + (plan -> 0 -> 'Plan' ->> 'Shared Read Blocks')::bigint,
                   round((plan -> 0 ->> 'Execution Time')::numeric, 3));
END
$$;

PREPARE claim(bigint) AS
  WITH claimed AS (
    UPDATE public.videos v SET status = 'processing', updated_at = now()
    FROM (SELECT id FROM public.videos WHERE status = 'pending'
          ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED) next
    WHERE v.id = next.id RETURNING v.*
  ) SELECT * FROM claimed ORDER BY created_at, id;
PREPARE stale(interval) AS
  SELECT id, user_id FROM public.videos
  WHERE status IN ('pending', 'processing') AND updated_at < now() - $1
  ORDER BY updated_at, id;
PREPARE charge_split(uuid) AS
  SELECT a.lot_id, a.amount, l.category, (l.expires_at <= now()) IS TRUE AS expired
  FROM public.credit_transactions t
  JOIN public.credit_allocations a ON a.user_id = t.user_id AND a.transaction_id = t.id
  JOIN public.credit_lots l ON l.id = a.lot_id
  WHERE t.video_id = $1 AND t.kind = 'video_generation' ORDER BY a.lot_id;
PREPARE due AS
  SELECT DISTINCT user_id FROM public.credit_lots
  WHERE NOT depleted AND expires_at IS NOT NULL AND expires_at <= now();
PREPARE settle(uuid) AS
  SELECT id, remaining, category, (expires_at <= now()) IS TRUE AS expired
  FROM public.credit_lots WHERE user_id = $1 AND NOT depleted
  ORDER BY expires_at, category DESC, created_at, id;
PREPARE deleted(uuid) AS
  SELECT * FROM public.videos WHERE user_id = $1 AND deleted_at IS NOT NULL
  ORDER BY deleted_at DESC;

BEGIN;
-- A stale job and a user with an expired lot, for the statements that run once per item.
SELECT id AS stale_video FROM public.videos
WHERE status IN ('pending', 'processing') AND updated_at < now() - interval '1 hour'
ORDER BY updated_at, id LIMIT 1 \gset
SELECT user_id AS due_user FROM public.credit_lots
WHERE NOT depleted AND expires_at <= now() ORDER BY expires_at, id LIMIT 1 \gset
\set probe '00000000-0000-4000-8000-000000000000'

\if :text
\echo '### claim_video_jobs(10): claim'
SAVEPOINT s; EXPLAIN (ANALYZE, BUFFERS) EXECUTE claim(10); ROLLBACK TO s;
\echo '### expire_stale_videos(): stale jobs, custom plan'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE stale('1 hour');
\echo '### expire_stale_videos(): stale jobs, generic plan'
SET LOCAL plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE stale('1 hour');
SET LOCAL plan_cache_mode = auto;
\echo '### expire_stale_videos(), per job: lot split'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE charge_split(:'stale_video');
\echo '### expire_credits(): users with expired lots'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE due;
\echo '### expire_credits(), per user: lots to settle'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE settle(:'due_user');
\echo '### list_deleted_videos(): custom plan'
EXPLAIN (ANALYZE, BUFFERS) EXECUTE deleted(:'probe');
\echo '### list_deleted_videos(): generic plan'
SET LOCAL plan_cache_mode = force_generic_plan;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE deleted(:'probe');
SET LOCAL plan_cache_mode = auto;
\else
SAVEPOINT s;
SELECT pg_temp.measure(:'size', 'claim_video_jobs(10): claim', 'EXECUTE claim(10)', false);
ROLLBACK TO s;
SELECT pg_temp.measure(:'size', 'expire_stale_videos(): stale jobs, custom plan', $$EXECUTE stale('1 hour')$$, false);
SELECT pg_temp.measure(:'size', 'expire_stale_videos(): stale jobs, generic plan', $$EXECUTE stale('1 hour')$$, true);
SELECT pg_temp.measure(:'size', 'expire_stale_videos(), per job: lot split', format('EXECUTE charge_split(%L)', :'stale_video'), false);
SELECT pg_temp.measure(:'size', 'expire_credits(): users with expired lots', 'EXECUTE due', false);
SELECT pg_temp.measure(:'size', 'expire_credits(), per user: lots to settle', format('EXECUTE settle(%L)', :'due_user'), false);
SELECT pg_temp.measure(:'size', 'list_deleted_videos(): custom plan', format('EXECUTE deleted(%L)', :'probe'), false);
SELECT pg_temp.measure(:'size', 'list_deleted_videos(): generic plan', format('EXECUTE deleted(%L)', :'probe'), true);
\endif
ROLLBACK;
