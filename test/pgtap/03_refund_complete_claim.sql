-- 03_refund_complete_claim: the backend worker's functions (service_role only):
-- claim_video_jobs (oldest first, each job once, p_limit bounds), credits_reserved through a
-- video's life, refund_video_credits (exactly once, PT409/PT404) and
-- complete_video_generation (idempotent per URL, PT409, URL validation).
BEGIN;
SELECT plan(70);

-- Creates a video as the current (authenticated) user and remembers its result under p_name.
CREATE FUNCTION pg_temp.new_video(p_name text, p_duration int DEFAULT 5) RETURNS void LANGUAGE sql AS $$
  INSERT INTO test.res SELECT p_name, public.create_video_generation(p_name, p_duration, '720p', 'sora-2')
$$;
CREATE FUNCTION pg_temp.status(p_video uuid) RETURNS text LANGUAGE sql AS
  $$ SELECT status FROM public.videos WHERE id = p_video $$;
-- credits_reserved as the user sees it through get_credit_info (call as that user).
CREATE FUNCTION pg_temp.reserved() RETURNS bigint LANGUAGE sql AS
  $$ SELECT (public.get_credit_info()->>'credits_reserved')::bigint $$;

-- Users: alice (1000 credits) for jobs, refunds and completions; bob (200) for credits_reserved.
SET LOCAL sora_credits.signup_credits = 1000;
INSERT INTO auth.users (id, email) VALUES ('03000000-0000-4000-8000-000000000001', 'alice@example.com');
SET LOCAL sora_credits.signup_credits = 200;
INSERT INTO auth.users (id, email) VALUES ('03000000-0000-4000-8000-000000000002', 'bob@example.com');
SET LOCAL sora_credits.signup_credits = 0;

------------------------------------------------------------------------------------------
-- claim_video_jobs: oldest pending first, at most p_limit, each job once
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT pg_temp.new_video(format('job %s', n)) FROM generate_series(1, 7) n;
RESET ROLE;
-- One transaction has one now(): spread created_at so that "job 1" is the oldest.
UPDATE public.videos SET created_at = now() - (10 - substr(prompt, 5)::int) * interval '1 minute'
WHERE prompt LIKE 'job _';
CREATE TEMP TABLE before_claim AS
  SELECT test.balance('03000000-0000-4000-8000-000000000001') AS balance,
         (SELECT count(*) FROM public.credit_transactions) AS entries;

SELECT test.act_as('service_role');
SELECT results_eq('SELECT prompt, status FROM public.claim_video_jobs(2)',
                  $$VALUES ('job 1'::text, 'processing'::text), ('job 2', 'processing')$$,
                  'claim(2): the two oldest pending jobs, now processing');
SELECT results_eq('SELECT prompt, status FROM public.claim_video_jobs(2)',
                  $$VALUES ('job 3'::text, 'processing'::text), ('job 4', 'processing')$$,
                  'claim(2) again: the next two, never the same job twice');
SELECT results_eq('SELECT prompt FROM public.claim_video_jobs()', $$VALUES ('job 5'::text)$$,
                  'claim() defaults to one job');
SELECT results_eq('SELECT prompt FROM public.claim_video_jobs(10)', $$VALUES ('job 6'::text), ('job 7')$$,
                  'claim(10) with two left: returns the two');
SELECT is_empty('SELECT * FROM public.claim_video_jobs(5)', 'claim with no pending job: no rows');
RESET ROLE;
SELECT results_eq($$SELECT status, count(*)::int FROM public.videos WHERE prompt LIKE 'job _' GROUP BY status$$,
                  $$VALUES ('processing'::text, 7)$$, 'all seven jobs are processing in the table');
SELECT results_eq($$SELECT test.balance('03000000-0000-4000-8000-000000000001'),
                           (SELECT count(*) FROM public.credit_transactions)$$,
                  'SELECT balance, entries FROM before_claim', 'claiming changes no credits and writes no ledger entry');
SELECT results_eq($$SELECT user_id, model, resolution, duration_seconds, credits_cost
                    FROM public.videos WHERE prompt = 'job 1'$$,
                  $$VALUES ('03000000-0000-4000-8000-000000000001'::uuid, 'sora-2'::text, '720p'::text, 5, 15::bigint)$$,
                  'a claimed job keeps its request');

-- Bad limits and callers that are not the worker.
SELECT test.act_as('service_role');
SELECT throws_ok(format('SELECT * FROM public.claim_video_jobs(%s)', l), '22023',
                 'p_limit must be between 1 and 100.', format('claim_video_jobs(%s): 22023', l))
FROM unnest(ARRAY['0', '101', 'NULL', '-1']) l;
SELECT lives_ok('SELECT * FROM public.claim_video_jobs(100)', 'claim_video_jobs(100) is allowed');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT throws_ok('SELECT * FROM public.claim_video_jobs(1)', '42501',
                 'permission denied for function claim_video_jobs', 'authenticated cannot claim jobs');
SELECT test.act_as('anon');
SELECT throws_ok('SELECT * FROM public.claim_video_jobs(1)', '42501',
                 'permission denied for function claim_video_jobs', 'anon cannot claim jobs');
RESET ROLE;

------------------------------------------------------------------------------------------
-- credits_reserved: held while pending or processing, released by completion or refund
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000002');
SELECT is(pg_temp.reserved(), 0::bigint, 'reserved: 0 before any video');
SELECT pg_temp.new_video('bob 1');       -- 15
SELECT pg_temp.new_video('bob 2', 10);   -- 30
SELECT is(pg_temp.reserved(), 45::bigint, 'reserved: 45 for two pending videos');
SELECT test.act_as('service_role');
SELECT set_eq('SELECT prompt, status FROM public.claim_video_jobs(100)',
              $$VALUES ('bob 1'::text, 'processing'::text), ('bob 2', 'processing')$$,
              'both of bob''s videos claimed');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000002');
SELECT is(pg_temp.reserved(), 45::bigint, 'reserved: unchanged by pending -> processing');
SELECT test.act_as('service_role');
SELECT lives_ok($$SELECT public.complete_video_generation(test.vid('bob 1'), 'https://cdn.example.com/bob1.mp4')$$,
                'complete bob 1');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000002');
SELECT is(pg_temp.reserved(), 30::bigint, 'reserved: completion released 15');
SELECT test.act_as('service_role');
SELECT lives_ok($$SELECT public.refund_video_credits(test.vid('bob 2'), 'failed')$$, 'refund bob 2');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000002');
SELECT is(pg_temp.reserved(), 0::bigint, 'reserved: refund released 30');
SELECT is((public.get_credit_info()->>'credits')::bigint, 185::bigint, 'bob: 200 - 15 - 30 + 30 = 185');
-- straight from pending, too
SELECT pg_temp.new_video('bob 3');
SELECT pg_temp.new_video('bob 4');
SELECT test.act_as('service_role');
SELECT lives_ok($$SELECT public.refund_video_credits(test.vid('bob 3'))$$, 'refund pending bob 3');
SELECT lives_ok($$SELECT public.complete_video_generation(test.vid('bob 4'), 'https://cdn.example.com/bob4.mp4')$$,
                'complete pending bob 4');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000002');
SELECT is(pg_temp.reserved(), 0::bigint, 'reserved: pending -> failed and pending -> completed release too');
RESET ROLE;

------------------------------------------------------------------------------------------
-- refund_video_credits: shape and values
------------------------------------------------------------------------------------------
-- A processing video to refund later (claimed now, while it is the only pending one).
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT pg_temp.new_video('refund when processing');
SELECT test.act_as('service_role');
SELECT results_eq('SELECT prompt FROM public.claim_video_jobs(100)', $$VALUES ('refund when processing'::text)$$,
                  'claimed: refund when processing');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT pg_temp.new_video('refund me');
SELECT pg_temp.new_video('complete me');
SELECT pg_temp.new_video('deleted then refunded');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('deleted then refunded'))$$, 'owner deletes a video');
RESET ROLE;
CREATE TEMP TABLE before_refund AS SELECT test.balance('03000000-0000-4000-8000-000000000001') AS balance;

SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'refund1', public.refund_video_credits(test.vid('refund me'), 'model timeout');
RESET ROLE;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('refund1')) k),
          ARRAY['already_refunded', 'credits_refunded', 'credits_remaining', 'success', 'transaction_id', 'video_id'],
          'refund returns exactly the contract keys');
SELECT is(test.res('refund1') - 'transaction_id',
          jsonb_build_object('success', true, 'video_id', test.vid('refund me'), 'credits_refunded', 15,
                             'credits_remaining', (SELECT balance + 15 FROM before_refund),
                             'already_refunded', false),
          'refund: success, video_id, credits_refunded 15, credits_remaining, already_refunded false');
SELECT is(test.balance('03000000-0000-4000-8000-000000000001'), (SELECT balance + 15 FROM before_refund),
          'refund: the 15 credits are back');
SELECT results_eq($$SELECT status, error_message, refunded_at IS NOT NULL FROM public.videos
                    WHERE id = test.vid('refund me')$$,
                  $$VALUES ('failed'::text, 'model timeout'::text, true)$$,
                  'refund: video failed, error_message = the reason, refunded_at set');
SELECT results_eq($$SELECT id, user_id, amount, balance_after FROM public.credit_transactions
                    WHERE video_id = test.vid('refund me') AND kind = 'refund'$$,
                  $$SELECT (test.res('refund1')->>'transaction_id')::bigint,
                           '03000000-0000-4000-8000-000000000001'::uuid, 15::bigint,
                           (test.res('refund1')->>'credits_remaining')::bigint$$,
                  'refund: exactly one refund ledger row, amount +15, id = transaction_id');

-- A second refund (a retried worker callback) changes nothing.
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'refund2', public.refund_video_credits(test.vid('refund me'), 'retried callback');
RESET ROLE;
SELECT is(test.res('refund2') - 'credits_remaining',
          jsonb_build_object('success', true, 'video_id', test.vid('refund me'), 'credits_refunded', 0,
                             'transaction_id', test.res('refund1')->'transaction_id',
                             'already_refunded', true),
          'second refund: already_refunded true, credits_refunded 0, same transaction_id');
SELECT is((test.res('refund2')->>'credits_remaining')::bigint, test.balance('03000000-0000-4000-8000-000000000001'),
          'second refund: credits_remaining is the balance');
SELECT is(test.balance('03000000-0000-4000-8000-000000000001'), (SELECT balance + 15 FROM before_refund),
          'second refund: balance unchanged');
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE video_id = test.vid('refund me')), 2,
          'second refund: still one charge and one refund row');
SELECT is((SELECT error_message FROM public.videos WHERE id = test.vid('refund me')), 'model timeout',
          'second refund: the first reason is kept');

-- A processing video and a soft-deleted video can be refunded.
SELECT test.act_as('service_role');
SELECT is(public.refund_video_credits(test.vid('refund when processing'))->'credits_refunded', '15'::jsonb,
          'a processing video is refunded');
SELECT is(public.refund_video_credits(test.vid('deleted then refunded'))->'credits_refunded', '15'::jsonb,
          'a soft-deleted video is refunded');

-- Refused refunds.
SELECT lives_ok($$SELECT public.complete_video_generation(test.vid('complete me'), 'https://cdn.example.com/c.mp4')$$,
                'complete a video');
CREATE TEMP TABLE before_refused AS SELECT test.balance('03000000-0000-4000-8000-000000000001') AS balance,
  (SELECT count(*) FROM public.credit_transactions) AS entries;
GRANT SELECT ON before_refused TO PUBLIC;
SELECT throws_ok($$SELECT public.refund_video_credits(test.vid('complete me'), 'too late')$$, 'PT409',
                 'This video was completed and cannot be refunded.', 'refund of a completed video: PT409');
SELECT throws_ok($$SELECT public.refund_video_credits('03000000-0000-4000-8000-0000000000ff')$$, 'PT404',
                 'Video not found.', 'refund of an unknown video: PT404');
SELECT throws_ok($$SELECT public.refund_video_credits(NULL)$$, '22023',
                 'p_video_id is required.', 'refund with a NULL id: 22023');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.refund_video_credits(test.vid('job 6'))$$, '42501',
                 'permission denied for function refund_video_credits',
                 'the owner (authenticated) cannot refund their own video');
SELECT test.act_as('anon');
SELECT throws_ok($$SELECT public.refund_video_credits(test.vid('job 6'))$$, '42501',
                 'permission denied for function refund_video_credits', 'anon cannot refund');
RESET ROLE;
SELECT results_eq($$SELECT test.balance('03000000-0000-4000-8000-000000000001'),
                           (SELECT count(*) FROM public.credit_transactions),
                           pg_temp.status(test.vid('complete me'))$$,
                  $$SELECT balance, entries, 'completed'::text FROM before_refused$$,
                  'refused refunds changed nothing');

------------------------------------------------------------------------------------------
-- complete_video_generation
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT pg_temp.new_video('complete when processing');
RESET ROLE;
CREATE TEMP TABLE before_complete AS SELECT test.balance('03000000-0000-4000-8000-000000000001') AS balance;
SELECT test.act_as('service_role');
SELECT results_eq($$SELECT prompt FROM public.claim_video_jobs(100)$$,
                  $$VALUES ('complete when processing'::text)$$, 'claimed: complete when processing');
INSERT INTO test.res SELECT 'complete1', public.complete_video_generation(test.vid('complete when processing'),
                                                                    'https://cdn.example.com/p.mp4');
INSERT INTO test.res SELECT 'complete_again', public.complete_video_generation(test.vid('complete when processing'),
                                                                         'https://cdn.example.com/p.mp4');
RESET ROLE;
SELECT ok(test.res('complete1') @> jsonb_build_object('success', true,
            'video_id', test.vid('complete when processing'), 'already_completed', false),
          'complete: success, video_id, already_completed false');
SELECT results_eq($$SELECT status, video_url FROM public.videos WHERE id = test.vid('complete when processing')$$,
                  $$VALUES ('completed'::text, 'https://cdn.example.com/p.mp4'::text)$$,
                  'processing -> completed with the URL');
SELECT results_eq($$SELECT status, video_url FROM public.videos WHERE id = test.vid('complete me')$$,
                  $$VALUES ('completed'::text, 'https://cdn.example.com/c.mp4'::text)$$,
                  'pending -> completed with the URL');
SELECT ok(test.res('complete_again') @> '{"success": true, "already_completed": true}',
          'completing again with the same URL: already_completed true');
SELECT is((SELECT count(*)::int FROM public.credit_transactions
           WHERE video_id IN (test.vid('complete me'), test.vid('complete when processing'))), 2,
          'completion writes no ledger entry (only the two charges)');
SELECT is(test.balance('03000000-0000-4000-8000-000000000001'), (SELECT balance FROM before_complete),
          'completion changes no balance');

SELECT test.act_as('service_role');
SELECT throws_ok($$SELECT public.complete_video_generation(test.vid('complete me'), 'https://cdn.example.com/other.mp4')$$,
                 'PT409', 'This video is already completed with a different URL.',
                 'completing again with a different URL: PT409');
SELECT throws_ok($$SELECT public.complete_video_generation(test.vid('refund me'), 'https://cdn.example.com/x.mp4')$$,
                 'PT409', 'This video failed and its credits were refunded; it cannot be completed.',
                 'completing a failed (refunded) video: PT409');
SELECT throws_ok($$SELECT public.complete_video_generation('03000000-0000-4000-8000-0000000000ff', 'https://x.example/v.mp4')$$,
                 'PT404', 'Video not found.', 'completing an unknown video: PT404');
SELECT throws_ok($$SELECT public.complete_video_generation(NULL, 'https://x.example/v.mp4')$$,
                 '22023', 'p_video_id is required.', 'complete with a NULL id: 22023');
SELECT throws_ok(format('SELECT public.complete_video_generation(test.vid(%L), %s)', 'job 7', url), '22023', msg,
                 format('complete with URL %s: 22023', url))
FROM (VALUES ('NULL', 'p_video_url is required.'),
             ($$''$$, 'p_video_url must not be empty.'),
             ($$'   '$$, 'p_video_url must not be empty.'),
             ($$'ftp://x'$$, 'p_video_url must be an http:// or https:// URL.'),
             ($$'cdn.example.com/v.mp4'$$, 'p_video_url must be an http:// or https:// URL.'),
             ($$'javascript:alert(1)'$$, 'p_video_url must be an http:// or https:// URL.')) AS bad(url, msg);
SELECT is(public.complete_video_generation(test.vid('job 7'), 'http://cdn.example.com/j7.mp4')->'already_completed',
          'false'::jsonb, 'an http:// URL is accepted');
SELECT test.act_as('authenticated', '03000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.complete_video_generation(test.vid('job 6'), 'https://cdn.example.com/j6.mp4')$$,
                 '42501', 'permission denied for function complete_video_generation',
                 'the owner (authenticated) cannot complete a video');
SELECT test.act_as('anon');
SELECT throws_ok($$SELECT public.complete_video_generation(test.vid('job 6'), 'https://cdn.example.com/j6.mp4')$$,
                 '42501', 'permission denied for function complete_video_generation', 'anon cannot complete a video');
RESET ROLE;
SELECT results_eq($$SELECT status, video_url FROM public.videos WHERE id IN (test.vid('complete me'), test.vid('job 6'))
                    ORDER BY prompt$$,
                  $$VALUES ('completed'::text, 'https://cdn.example.com/c.mp4'::text), ('processing', NULL)$$,
                  'refused completions changed nothing');

-- The ledger invariant holds after all of this.
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger(): credits = sum(amount) for every profile');

SELECT * FROM finish();
ROLLBACK;
