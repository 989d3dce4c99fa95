-- 04_worker: the backend worker's functions with the service key: claim_video_jobs (SETOF
-- videos through json_agg), complete_video_generation and refund_video_credits, with all
-- parameters and only the required ones; the same requests with a user's token (403) and
-- the anon key (401) change nothing; GET of these VOLATILE functions is 405.
\set alice 0c040000-0000-4000-8000-000000000001
\set unknown 0c040000-0000-4000-8000-0000000000ff
SELECT plan(40);

CALL test.user_with_videos('alice', :'alice', 1000, ARRAY['one', 'two', 'three', 'four']);
SELECT test.body('alice: one')->>'video_id' AS v1, test.body('alice: two')->>'video_id' AS v2,
       test.body('alice: three')->>'video_id' AS v3, test.body('alice: four')->>'video_id' AS v4 \gset
SELECT is(test.balance(:'alice'), 940::bigint, 'setup: alice paid 4 * 15 credits');

------------------------------------------------------------------------------------------
-- claim_video_jobs: the oldest pending videos of every user (the queue is shared, so the
-- expected jobs are read from the table right before each claim)
------------------------------------------------------------------------------------------
SELECT test.pending_ids(1) AS oldest_1 \gset
CALL test.request('claim_video_jobs, no parameters', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs', '{}');
SELECT is(test.status('claim_video_jobs, no parameters'), 200, 'claim_video_jobs, no parameters: HTTP 200');
SELECT is(ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(test.body('claim_video_jobs, no parameters')) e),
          :'oldest_1'::uuid[], 'a JSON array with the one oldest pending video (p_limit defaults to 1)');
SELECT is(test.body('claim_video_jobs, no parameters')->0, test.video_row((:'oldest_1'::uuid[])[1]),
          'the element is the whole videos row as it is now');
SELECT is(test.body('claim_video_jobs, no parameters')#>>'{0,status}', 'processing', 'its status is processing');
SELECT test.pending_ids(2) AS oldest_2 \gset
CALL test.request('claim_video_jobs, p_limit 2', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs', '{"p_limit": 2}');
SELECT is(ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(test.body('claim_video_jobs, p_limit 2')) e),
          :'oldest_2'::uuid[], 'p_limit 2: the next two pending videos, oldest first');
SELECT is(ARRAY(SELECT DISTINCT e->>'status' FROM jsonb_array_elements(test.body('claim_video_jobs, p_limit 2')) e),
          ARRAY['processing'], 'all of them processing');

CALL test.request('claim_video_jobs, p_limit 0', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs', '{"p_limit": 0}');
SELECT test.fails_with('claim_video_jobs, p_limit 0', 400, '22023', 'p_limit must be between 1 and 100.');
SELECT test.pending_ids(100) AS pending_before \gset
CALL test.request('claim_video_jobs as a user', 'authenticated', :'alice', 'POST', '/rpc/claim_video_jobs', '{}');
SELECT test.fails_with('claim_video_jobs as a user', 403, '42501', 'permission denied for function claim_video_jobs');
CALL test.request('claim_video_jobs as anon', 'anon', NULL, 'POST', '/rpc/claim_video_jobs', '{}');
SELECT test.fails_with('claim_video_jobs as anon', 401, '42501', 'permission denied for function claim_video_jobs');
CALL test.request('GET claim_video_jobs', 'service_role', NULL, 'GET', '/rpc/claim_video_jobs?p_limit=5');
SELECT test.fails_with('GET claim_video_jobs', 405, '25006', 'cannot execute claim_video_jobs() in a read-only transaction');
-- PostgREST would cut the result after the claim: refused before anything is claimed.
CALL test.request('claim_video_jobs, limit=1', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs?limit=1', '{"p_limit": 2}');
SELECT test.fails_with('claim_video_jobs, limit=1', 400, '22023',
                       'claim_video_jobs must return every job it claims: call it without a limit, offset or filter on its result.');
CALL test.request('claim_video_jobs, a filter', 'service_role', NULL, 'POST', '/rpc/claim_video_jobs?model=eq.sora-2-pro', '{"p_limit": 2}');
SELECT test.fails_with('claim_video_jobs, a filter', 400, '22023',
                       'claim_video_jobs must return every job it claims: call it without a limit, offset or filter on its result.');
SELECT is(test.pending_ids(100), :'pending_before'::uuid[], 'the refused claims took no job');

------------------------------------------------------------------------------------------
-- complete_video_generation (both parameters are required)
------------------------------------------------------------------------------------------
CALL test.request('complete_video_generation', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/v1.mp4"}', :'v1'));
SELECT test.responds('complete_video_generation', 200,
                     jsonb_build_object('success', true, 'video_id', :'v1', 'status', 'completed',
                                        'video_url', 'https://cdn.example.com/v1.mp4', 'already_completed', false));
SELECT is(test.video_row(:'v1')->>'status', 'completed', 'the video is completed');
CALL test.request('complete_video_generation, again', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/v1.mp4"}', :'v1'));
SELECT test.responds('complete_video_generation, again', 200,
                     test.body('complete_video_generation') || '{"already_completed": true}');
CALL test.request('complete_video_generation, another URL', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/other.mp4"}', :'v1'));
SELECT test.fails_with('complete_video_generation, another URL', 409, 'PT409',
                       'This video is already completed with a different URL.');
CALL test.request('complete_video_generation, ftp URL', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "ftp://cdn.example.com/v2.mp4"}', :'v2'));
SELECT test.fails_with('complete_video_generation, ftp URL', 400, '22023', 'p_video_url must be an http:// or https:// URL.');
CALL test.request('complete_video_generation, unknown id', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/x.mp4"}', :'unknown'));
SELECT test.fails_with('complete_video_generation, unknown id', 404, 'PT404', 'Video not found.');
CALL test.request('complete_video_generation without p_video_url', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s"}', :'v2'));
SELECT test.fails_with('complete_video_generation without p_video_url', 404, 'PGRST202',
                       'Could not find the function public.complete_video_generation(p_video_id) in the schema cache');
CALL test.request('complete_video_generation as a user', 'authenticated', :'alice', 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/v2.mp4"}', :'v2'));
SELECT test.fails_with('complete_video_generation as a user', 403, '42501', 'permission denied for function complete_video_generation');
CALL test.request('complete_video_generation as anon', 'anon', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/v2.mp4"}', :'v2'));
SELECT test.fails_with('complete_video_generation as anon', 401, '42501', 'permission denied for function complete_video_generation');
CALL test.request('GET complete_video_generation', 'service_role', NULL, 'GET',
                  format('/rpc/complete_video_generation?p_video_id=%s&p_video_url=https://cdn.example.com/v2.mp4', :'v2'));
SELECT test.fails_with('GET complete_video_generation', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');
SELECT is(test.video_row(:'v2')->>'video_url', NULL, 'the refused requests completed nothing');

------------------------------------------------------------------------------------------
-- refund_video_credits
------------------------------------------------------------------------------------------
CALL test.request('refund_video_credits, all parameters', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s", "p_reason": "The model rejected the prompt."}', :'v2'));
SELECT test.responds('refund_video_credits, all parameters', 200,
                     jsonb_build_object('success', true, 'video_id', :'v2', 'credits_refunded', 15,
                                        'credits_remaining', 955, 'already_refunded', false), ARRAY['transaction_id']);
SELECT is((SELECT jsonb_build_object('status', v->'status', 'error_message', v->'error_message') FROM test.video_row(:'v2') v),
          '{"status": "failed", "error_message": "The model rejected the prompt."}', 'the video failed with the reason');
CALL test.request('refund_video_credits, only p_video_id', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s"}', :'v3'));
SELECT test.responds('refund_video_credits, only p_video_id', 200,
                     jsonb_build_object('success', true, 'video_id', :'v3', 'credits_refunded', 15,
                                        'credits_remaining', 970, 'already_refunded', false), ARRAY['transaction_id']);
SELECT is(test.video_row(:'v3')->>'error_message', 'Video generation failed.', 'without p_reason: the default reason');
CALL test.request('refund_video_credits, again', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s", "p_reason": "retried callback"}', :'v2'));
SELECT test.responds('refund_video_credits, again', 200,
                     test.body('refund_video_credits, all parameters')
                       || '{"credits_refunded": 0, "credits_remaining": 970, "already_refunded": true}');

CALL test.request('refund_video_credits, completed video', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s"}', :'v1'));
SELECT test.fails_with('refund_video_credits, completed video', 409, 'PT409', 'This video was completed and cannot be refunded.');
CALL test.request('complete_video_generation, refunded video', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  format('{"p_video_id": "%s", "p_video_url": "https://cdn.example.com/v2.mp4"}', :'v2'));
SELECT test.fails_with('complete_video_generation, refunded video', 409, 'PT409',
                       'This video failed and its credits were refunded; it cannot be completed.');
CALL test.request('refund_video_credits, unknown id', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s"}', :'unknown'));
SELECT test.fails_with('refund_video_credits, unknown id', 404, 'PT404', 'Video not found.');
CALL test.request('refund_video_credits, p_video_id null', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  '{"p_video_id": null}');
SELECT test.fails_with('refund_video_credits, p_video_id null', 400, '22023', 'p_video_id is required.');
CALL test.request('refund_video_credits as the owner', 'authenticated', :'alice', 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s"}', :'v4'));
SELECT test.fails_with('refund_video_credits as the owner', 403, '42501', 'permission denied for function refund_video_credits');
CALL test.request('refund_video_credits as anon', 'anon', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s"}', :'v4'));
SELECT test.fails_with('refund_video_credits as anon', 401, '42501', 'permission denied for function refund_video_credits');
CALL test.request('GET refund_video_credits', 'service_role', NULL, 'GET', format('/rpc/refund_video_credits?p_video_id=%s', :'v4'));
SELECT test.fails_with('GET refund_video_credits', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');
SELECT is((SELECT jsonb_build_object('status', v->'status', 'refunded_at', v->'refunded_at') FROM test.video_row(:'v4') v),
          '{"status": "pending", "refunded_at": null}', 'the refused refunds left the last video pending');
SELECT is(test.balance(:'alice'), 970::bigint, 'alice got back exactly the two refunds (940 + 15 + 15)');
SELECT is(test.n_entries(:'alice'), 7, 'alice''s ledger: sign-up, four charges, two refunds');

SELECT * FROM finish();
