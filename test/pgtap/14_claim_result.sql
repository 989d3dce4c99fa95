-- 14_claim_result: claim_video_jobs never claims a job its caller does not receive (1.2).
-- PostgREST runs an RPC inside its own query and applies limit, offset, Range and filters
-- to the function's rows afterwards; a job claimed but cut there would stay processing,
-- holding its credits, until expire_stale_videos. So a call whose statement could drop rows
-- (a LIMIT below p_limit, an OFFSET, a filter, a join) is refused with 22023 before anything
-- is claimed; the forms that pass every row on (projection, ORDER BY, aggregates, a LIMIT
-- of at least p_limit such as PostgREST's db-max-rows, a CTE) work.
BEGIN;
SELECT plan(23);

SET LOCAL sora_credits.signup_credits = 1000;
INSERT INTO auth.users (id, email) VALUES ('14000000-0000-4000-8000-000000000001', 'worker-queue@example.com');
SELECT test.act_as('authenticated', '14000000-0000-4000-8000-000000000001');
SELECT public.create_video_generation('job ' || g, 1, '480p') FROM generate_series(1, 13) g;
RESET ROLE;
CREATE FUNCTION pg_temp.pending() RETURNS int LANGUAGE sql AS
  $$ SELECT count(*)::int FROM public.videos WHERE status = 'pending' $$;

-- Refused: the statement could drop claimed rows. Nothing is claimed.
SELECT is(test.error_of(stmt) - 'detail', jsonb_build_object(
            'sqlstate', '22023',
            'message', 'claim_video_jobs must return every job it claims: call it without a limit, offset or filter on its result.',
            'hint', 'Ask for the number of jobs with p_limit. Through PostgREST, send no limit, offset, Range header or row filter with /rpc/claim_video_jobs.'),
          'refused: ' || regexp_replace(stmt, '\s+', ' ', 'g'))
FROM unnest(ARRAY[
  'SELECT * FROM public.claim_video_jobs(5) LIMIT 1',
  'SELECT * FROM public.claim_video_jobs(5) OFFSET 1',
  $$SELECT * FROM public.claim_video_jobs(5) WHERE model = 'sora-2-pro'$$,
  'SELECT count(*) FROM (SELECT * FROM public.claim_video_jobs(5) LIMIT 2) j',
  'SELECT j.id FROM public.claim_video_jobs(2) j JOIN public.profiles p ON p.id = j.user_id',
  -- What PostgREST v13 sends for POST /rpc/claim_video_jobs?limit=1 with {"p_limit": 5}.
  $$WITH pgrst_source AS (SELECT "pgrst_call".* FROM "public"."claim_video_jobs"("p_limit" := 5) pgrst_call)
    SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total,
           coalesce(json_agg(_postgrest_t), '[]') AS body
    FROM (SELECT "claim_video_jobs".* FROM "pgrst_source" AS "claim_video_jobs" LIMIT 1 OFFSET 0) _postgrest_t$$,
  -- ... and with a row filter, ?model=eq.sora-2.
  $$WITH pgrst_source AS (SELECT "pgrst_call".* FROM "public"."claim_video_jobs"("p_limit" := 2) pgrst_call)
    SELECT coalesce(json_agg(_postgrest_t), '[]') AS body
    FROM (SELECT "claim_video_jobs".* FROM "pgrst_source" AS "claim_video_jobs"
          WHERE "claim_video_jobs"."model" = 'sora-2') _postgrest_t$$]) stmt;
-- ... and with the request body PostgREST reads the arguments from (POST, {"p_limit": 2}).
SELECT is(test.error_of($$
  WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT '{"p_limit": 2}'::json AS json_data) pgrst_payload,
    LATERAL (SELECT "p_limit" FROM json_to_record(pgrst_payload.json_data) AS _("p_limit" integer) LIMIT 1) pgrst_body,
    LATERAL "public"."claim_video_jobs"("p_limit" := pgrst_body."p_limit") pgrst_call)
  SELECT coalesce(json_agg(_postgrest_t), '[]') FROM (SELECT * FROM "pgrst_source" LIMIT 1 OFFSET 0) _postgrest_t$$)->>'sqlstate',
  '22023', 'refused: PostgREST''s request body, then limit=1');
SELECT is(test.error_of('SELECT EXISTS (SELECT 1 FROM public.claim_video_jobs(2))')->>'sqlstate', '22023',
          'refused: EXISTS, which reads one row');
SELECT is(test.error_of('SELECT public.claim_video_jobs(5) LIMIT 1')->>'sqlstate', '22023',
          'refused: in a select list, under a LIMIT');
PREPARE cut(bigint) AS SELECT * FROM public.claim_video_jobs(3) LIMIT $1;
SELECT is(test.error_of('EXECUTE cut(2)')->>'sqlstate', '22023', 'refused: a LIMIT given as a parameter below p_limit');
SELECT is(pg_temp.pending(), 13, 'after every refusal, all 13 jobs are still pending');

-- Allowed: every claimed row reaches the caller.
SELECT is((SELECT count(*)::int FROM public.claim_video_jobs(1)), 1, 'allowed: count(*) over the call');
SELECT is((SELECT count(*)::int FROM (SELECT (public.claim_video_jobs(1)).id) j), 1, 'allowed: in a select list');
SELECT is((SELECT array_agg(status) FROM (SELECT status FROM public.claim_video_jobs(2) ORDER BY created_at DESC) j),
          ARRAY['processing', 'processing'], 'allowed: a projection and ORDER BY');
SELECT is((SELECT count(*)::int FROM (SELECT * FROM public.claim_video_jobs(1) LIMIT 1000) j), 1,
          'allowed: a LIMIT of at least p_limit (PostgREST''s db-max-rows)');
SELECT is((SELECT count(*) FILTER (WHERE model = 'sora-2')::int FROM public.claim_video_jobs(1)), 1,
          'allowed: an aggregate''s FILTER (every row still reaches the aggregate)');
SELECT is(test.error_of($$
            WITH pgrst_source AS (SELECT "pgrst_call".* FROM "public"."claim_video_jobs"("p_limit" := 2) pgrst_call)
            SELECT coalesce(json_agg(_postgrest_t), '[]') AS body
            FROM (SELECT "claim_video_jobs"."id" FROM "pgrst_source" AS "claim_video_jobs") _postgrest_t$$), NULL,
          'allowed: what PostgREST sends without limit or filters (select=id)');
SELECT is(test.error_of($$
  WITH pgrst_source AS (SELECT "pgrst_call".* FROM (SELECT '{"p_limit": 1}'::json AS json_data) pgrst_payload,
    LATERAL (SELECT "p_limit" FROM json_to_record(pgrst_payload.json_data) AS _("p_limit" integer) LIMIT 1) pgrst_body,
    LATERAL "public"."claim_video_jobs"("p_limit" := pgrst_body."p_limit") pgrst_call)
  SELECT coalesce(json_agg(_postgrest_t), '[]') FROM (SELECT * FROM "pgrst_source" LIMIT 1000 OFFSET 0) _postgrest_t$$), NULL,
  'allowed: PostgREST''s request body under its db-max-rows limit of 1000');
EXECUTE cut(10);
SELECT is(pg_temp.pending(), 1, 'allowed: a LIMIT parameter of at least p_limit; 12 of the 13 jobs claimed so far');
SELECT is((SELECT count(*)::int FROM public.videos WHERE status = 'processing'), 12,
          'every claimed job was returned to a caller above');
SELECT is(test.error_of('SELECT * FROM public.claim_video_jobs(5)'), NULL, 'a plain call still works');
SELECT is(pg_temp.pending(), 0, 'and took the last one');

SELECT * FROM finish();
ROLLBACK;
