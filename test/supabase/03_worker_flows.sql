-- 03_worker_flows: the video worker with the service role key, through PostgREST: claim
-- (the oldest pending jobs of the whole queue, which other files share), complete, refund
-- exactly once, conflicts (PT409), expiry of a stale job exactly once, verify_ledger; the
-- same calls by a user (403) and anon (401) change nothing. Then the PostgREST cut of a
-- claim (issue #11): `limit` applied outside claim_video_jobs must not strand claimed jobs.
-- connect: authenticator
\getenv bonus SORA_SB_BONUS
SELECT gen_random_uuid() AS carol \gset
SELECT 'carol-' || :'carol' || '@example.com' AS carol_email, :bonus + 100 AS granted \gset
SELECT plan(44);

\set r `"$SORA_SB_AUTH" signup-autoconfirm :'carol_email' :'carol'`
SELECT is(:'r'::text, :'carol'::text, 'the auth server signed carol up');
CALL test.request('03 top-up', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'carol', 'p_amount', 100, 'p_reference', '03:' || :'carol')::text);
CALL test.request('03 p1', 'authenticated', :'carol', 'POST', '/rpc/create_video_generation', '{"p_prompt": "one"}');
CALL test.request('03 p2', 'authenticated', :'carol', 'POST', '/rpc/create_video_generation', '{"p_prompt": "two"}');
CALL test.request('03 p3', 'authenticated', :'carol', 'POST', '/rpc/create_video_generation', '{"p_prompt": "three"}');
SELECT test.body('03 p1')->>'video_id' AS p1, test.body('03 p2')->>'video_id' AS p2, test.body('03 p3')->>'video_id' AS p3 \gset
SELECT is(test.balance(:'carol'), (:granted - 45)::bigint, 'setup: carol paid for three videos of 15 credits');

------------------------------------------------------------------------------------------
-- claim_video_jobs: the oldest pending jobs, moved to processing
------------------------------------------------------------------------------------------
SELECT test.pending_ids(2) AS oldest_2 \gset
CALL test.request('03 claim 2', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs', '{"p_limit": 2}');
SELECT is(test.status('03 claim 2'), 200, 'claim_video_jobs(2): HTTP 200');
SELECT is(ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(test.body('03 claim 2')) e), :'oldest_2'::uuid[],
          'it returns the two oldest pending jobs of the queue, oldest first');
SELECT is(test.sb_statuses(:'oldest_2'), ARRAY['processing', 'processing'], 'both are processing now');
SELECT ok(NOT (:'oldest_2'::uuid[] && test.pending_ids(100)), 'neither is pending any more: no other worker gets them');
CALL test.request('03 claim 0', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs', '{"p_limit": 0}');
SELECT test.fails_with('03 claim 0', 400, '22023', 'p_limit must be between 1 and 100.');

------------------------------------------------------------------------------------------
-- complete, refund exactly once, and the conflicts between them
------------------------------------------------------------------------------------------
CALL test.request('03 complete p1', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', :'p1', 'p_video_url', 'https://cdn.example.com/p1.mp4')::text);
SELECT test.responds('03 complete p1', 200, jsonb_build_object('success', true, 'video_id', :'p1', 'status', 'completed',
                     'video_url', 'https://cdn.example.com/p1.mp4', 'already_completed', false));
SELECT is(test.video_row(:'p1')->>'status', 'completed', 'p1 is completed');
CALL test.request('03 complete p1, again', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', :'p1', 'p_video_url', 'https://cdn.example.com/p1.mp4')::text);
SELECT test.responds('03 complete p1, again', 200, test.body('03 complete p1') || '{"already_completed": true}');
CALL test.request('03 complete p1, other URL', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', :'p1', 'p_video_url', 'https://cdn.example.com/other.mp4')::text);
SELECT test.fails_with('03 complete p1, other URL', 409, 'PT409', 'This video is already completed with a different URL.');
CALL test.request('03 refund p1', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  json_build_object('p_video_id', :'p1')::text);
SELECT test.fails_with('03 refund p1', 409, 'PT409', 'This video was completed and cannot be refunded.');

CALL test.request('03 refund p2', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  json_build_object('p_video_id', :'p2', 'p_reason', 'GPU out of memory')::text);
SELECT test.responds('03 refund p2', 200, jsonb_build_object('success', true, 'video_id', :'p2', 'credits_refunded', 15,
                     'credits_remaining', :granted - 30, 'already_refunded', false), ARRAY['transaction_id']);
CALL test.request('03 refund p2, again', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  json_build_object('p_video_id', :'p2', 'p_reason', 'retried callback')::text);
SELECT test.responds('03 refund p2, again', 200,
                     test.body('03 refund p2') || '{"credits_refunded": 0, "already_refunded": true}');
SELECT is(test.sb_video_entries(:'p2', 'refund'), 1, 'p2 has exactly one refund entry');
SELECT is(test.balance(:'carol'), (:granted - 30)::bigint, 'carol got 15 credits back, once');
SELECT is(ARRAY[test.video_row(:'p2')->>'status', test.video_row(:'p2')->>'error_message'],
          ARRAY['failed', 'GPU out of memory'], 'p2 is failed with the first reason');
CALL test.request('03 complete p2', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', :'p2', 'p_video_url', 'https://cdn.example.com/p2.mp4')::text);
SELECT test.fails_with('03 complete p2', 409, 'PT409', 'This video failed and its credits were refunded; it cannot be completed.');
CALL test.request('03 refund an unknown video', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  json_build_object('p_video_id', gen_random_uuid())::text);
SELECT test.fails_with('03 refund an unknown video', 404, 'PT404', 'Video not found.');

------------------------------------------------------------------------------------------
-- expire_stale_videos: a job nobody finished, refunded once
------------------------------------------------------------------------------------------
-- p3 looks a century old; no other job of the database is older than 99 years.
SELECT test.sb_age_job(:'p3', '100 years') \gset
CALL test.request('03 expire', 'service_role', NULL, 'POST', '/rpc/expire_stale_videos', '{"p_older_than": "99 years"}');
SELECT test.responds('03 expire', 200, '{"expired": 1, "credits_refunded": 15}');
SELECT is(ARRAY[test.video_row(:'p3')->>'status', test.video_row(:'p3')->>'error_message'],
          ARRAY['failed', 'Timed out: the video was not generated in time, so its credits were refunded.'],
          'p3 is failed, with the timeout''s reason');
SELECT is(test.sb_video_entries(:'p3', 'refund'), 1, 'p3 has exactly one refund entry');
CALL test.request('03 expire, again', 'service_role', NULL, 'POST', '/rpc/expire_stale_videos', '{"p_older_than": "99 years"}');
SELECT test.responds('03 expire, again', 200, '{"expired": 0, "credits_refunded": 0}');
CALL test.request('03 late refund of p3', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  json_build_object('p_video_id', :'p3')::text);
SELECT is(test.body('03 late refund of p3')->'already_refunded', 'true'::jsonb, 'the worker''s late refund of p3 is a replay');
SELECT is(test.sb_video_entries(:'p3', 'refund'), 1, 'still exactly one refund entry');
CALL test.request('03 expire 0', 'service_role', NULL, 'POST', '/rpc/expire_stale_videos', '{"p_older_than": "0"}');
SELECT test.fails_with('03 expire 0', 400, '22023', 'p_older_than must be positive (more than 0, with no negative part).');

CALL test.request('03 credit info', 'service_role', NULL, 'GET', '/rpc/get_credit_info?p_user_id=' || :'carol');
SELECT test.responds('03 credit info', 200,
                     jsonb_build_object('user_id', :'carol', 'credits', :granted - 15, 'credits_reserved', 0,
                                        'lifetime_granted', :granted, 'lifetime_spent', 45, 'lifetime_refunded', 30,
                                        'active_videos', 3, 'deleted_videos', 0, 'lifetime_expired', 0,
                                        'next_expiry', NULL),
                     ARRAY['last_transaction_at', 'credits_paid', 'credits_promotional']);
SELECT is((test.body('03 credit info')->>'credits_paid')::bigint + (test.body('03 credit info')->>'credits_promotional')::bigint,
          (:granted - 15)::bigint, 'credits_paid and credits_promotional add up to credits');
CALL test.request('03 verify_ledger', 'service_role', NULL, 'GET', '/rpc/verify_ledger');
SELECT test.responds('03 verify_ledger', 200, '[]');

------------------------------------------------------------------------------------------
-- The worker's functions are the service role's only
------------------------------------------------------------------------------------------
SELECT test.pending_ids(100) AS pending_before \gset
CALL test.request('03 user claims', 'authenticated', :'carol', 'POST', '/rpc/claim_video_jobs', '{}');
SELECT test.fails_with('03 user claims', 403, '42501', 'permission denied for function claim_video_jobs');
CALL test.request('03 user refunds', 'authenticated', :'carol', 'POST', '/rpc/refund_video_credits', json_build_object('p_video_id', :'p1')::text);
SELECT test.fails_with('03 user refunds', 403, '42501', 'permission denied for function refund_video_credits');
CALL test.request('03 user completes', 'authenticated', :'carol', 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', :'p1', 'p_video_url', 'https://x.example/p1.mp4')::text);
SELECT test.fails_with('03 user completes', 403, '42501', 'permission denied for function complete_video_generation');
CALL test.request('03 user expires', 'authenticated', :'carol', 'POST', '/rpc/expire_stale_videos', '{}');
SELECT test.fails_with('03 user expires', 403, '42501', 'permission denied for function expire_stale_videos');
CALL test.request('03 user verifies', 'authenticated', :'carol', 'GET', '/rpc/verify_ledger');
SELECT test.fails_with('03 user verifies', 403, '42501', 'permission denied for function verify_ledger');
CALL test.request('03 anon claims', 'anon', NULL, 'POST', '/rpc/claim_video_jobs', '{}');
SELECT test.fails_with('03 anon claims', 401, '42501', 'permission denied for function claim_video_jobs');
CALL test.request('03 anon refunds', 'anon', NULL, 'POST', '/rpc/refund_video_credits', json_build_object('p_video_id', :'p1')::text);
SELECT test.fails_with('03 anon refunds', 401, '42501', 'permission denied for function refund_video_credits');
CALL test.request('03 anon expires', 'anon', NULL, 'POST', '/rpc/expire_stale_videos', '{}');
SELECT test.fails_with('03 anon expires', 401, '42501', 'permission denied for function expire_stale_videos');
SELECT is(test.pending_ids(100), :'pending_before'::uuid[], 'the refused calls took no job');
SELECT is(test.balance(:'carol'), (:granted - 15)::bigint, 'and changed no balance');

------------------------------------------------------------------------------------------
-- A claim read through PostgREST with ?limit=1: refused, nothing claimed (1.2)
------------------------------------------------------------------------------------------
CALL test.request('03 q1', 'authenticated', :'carol', 'POST', '/rpc/create_video_generation', '{"p_prompt": "four"}');
CALL test.request('03 q2', 'authenticated', :'carol', 'POST', '/rpc/create_video_generation', '{"p_prompt": "five"}');
SELECT test.body('03 q1')->>'video_id' AS q1, test.body('03 q2')->>'video_id' AS q2 \gset
SELECT test.pending_ids(100) AS pending_before_cut \gset
CALL test.request('03 claim 5, limit=1', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs?limit=1', '{"p_limit": 5}');
-- A result PostgREST would cut is refused before anything is claimed (1.2).
SELECT test.fails_with('03 claim 5, limit=1', 400, '22023',
                       'claim_video_jobs must return every job it claims: call it without a limit, offset or filter on its result.');
SELECT is(test.pending_ids(100), :'pending_before_cut'::uuid[], 'no job left the queue');
CALL test.request('03 claim 2', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs', '{"p_limit": 2}');
SELECT ARRAY(SELECT id FROM unnest(:'pending_before_cut'::uuid[]) id WHERE id <> ALL (test.pending_ids(100)) ORDER BY id) AS moved,
       ARRAY(SELECT DISTINCT (j #>> '{}')::uuid FROM jsonb_path_query(test.body('03 claim 2'), 'strict $.**.id') j
             ORDER BY 1) AS returned \gset
SELECT is(cardinality(:'returned'::uuid[]), 2, 'claim_video_jobs(2) without limit: two jobs');
SELECT is(:'moved'::uuid[], :'returned'::uuid[], 'every job that left the queue was handed to the worker');
-- The worker refunds what it got (q1, q2 or whatever older jobs the claim took).
SELECT set_config('sb.moved', :'moved', false) \gset
DO $$
DECLARE v uuid;
BEGIN
  FOREACH v IN ARRAY current_setting('sb.moved')::uuid[] LOOP
    CALL test.request('03 refund moved ' || v, 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                      json_build_object('p_video_id', v)::text);
  END LOOP;
END
$$;
SELECT is(test.sb_statuses(:'moved'::uuid[]), array_fill('failed'::text, ARRAY[cardinality(:'moved'::uuid[])]),
          'the jobs that left the queue are refunded');

SELECT * FROM finish();
