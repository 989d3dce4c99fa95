-- After ALTER EXTENSION sora_credits UPDATE (1.0 -> 1.1 -> 1.2 -> 2.0) on the data of fill_1_0.sql: the 1.1
-- features work on rows that 1.0 wrote (run.sh has already compared every row and the
-- schema). In one transaction, rolled back.
BEGIN;
SELECT plan(17);

CREATE FUNCTION pg_temp.vid(p_prompt text) RETURNS uuid LANGUAGE sql AS
  $$ SELECT id FROM public.videos WHERE prompt = p_prompt $$;

SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'), '2.0', 'the extension is at 2.0');
SELECT results_eq($$SELECT right(user_id::text, 1), count(*)::int FROM public.videos
                    WHERE status IN ('pending', 'processing') GROUP BY 1 ORDER BY 1$$,
                  $$VALUES ('1', 2), ('2', 2), ('3', 1)$$,
                  'the jobs 1.0 left in flight: one 2, two 2 (both soft-deleted or not), three 1');
SET LOCAL enable_seqscan = off;
SELECT results_eq($$SELECT right(user_id::text, 1), count(*)::int FROM public.videos
                    WHERE status IN ('pending', 'processing') GROUP BY 1 ORDER BY 1$$,
                  $$VALUES ('1', 2), ('2', 2), ('3', 1)$$,
                  'the same counts read through videos_user_inflight_idx, built by the upgrade over 1.0''s rows');
RESET enable_seqscan;

-- The in-flight cap counts what 1.0 queued.
SET LOCAL sora_credits.max_inflight_per_user = 2;
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.create_video_generation('one 6')$$, 'PT429',
                 'Too many videos in progress: 2 of your videos are still being generated, and the limit is 2 at a time.',
                 'one: 2 jobs from 1.0 in flight, cap 2: PT429');
SELECT is(public.create_video_generation('one 4', 5, '720p', 'sora-2', 'one-key-4')->'idempotent_replay', 'true'::jsonb,
          'one: a retry of a 1.0 key at the cap replays');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000002');
SELECT throws_ok($$SELECT public.create_video_generation('two 3')$$, 'PT429', NULL,
                 'two: a soft-deleted pending job from 1.0 counts too: PT429');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000003');
SELECT lives_ok($$SELECT public.create_video_generation('three 2', 1, '480p')$$, 'three: 1 in flight, one more accepted');
SELECT throws_ok($$SELECT public.create_video_generation('three 3', 1, '480p')$$, 'PT429', NULL, 'three: then PT429');
RESET ROLE;

-- Expiry refunds 1.0's stuck jobs through the refund path.
UPDATE public.videos SET updated_at = now() - interval '2 hours' WHERE prompt <> 'three 2';
CREATE TEMP TABLE before_expiry AS SELECT id, credits FROM public.profiles;
SELECT test.act_as('service_role');
SELECT is(public.expire_stale_videos(), '{"expired": 5, "credits_refunded": 133}'::jsonb,
          'expire_stale_videos: the five 1.0 jobs in flight (15 + 15 + 60 + 3 + 40 credits)');
RESET ROLE;
SELECT results_eq($$SELECT right(p.id::text, 1), p.credits - b.credits FROM public.profiles p JOIN before_expiry b USING (id) ORDER BY 1$$,
                  $$VALUES ('1', 30::bigint), ('2', 63), ('3', 40), ('4', 0), ('5', 0), ('6', 0), ('7', 0), ('8', 0)$$,
                  'each owner got their jobs'' cost back');
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE kind = 'refund'), 6,
          'one refund entry per expired job, besides 1.0''s refund of "one 3"');
SELECT is((SELECT status FROM public.videos WHERE prompt = 'three 2'), 'pending', 'the job queued after the upgrade is not stale');
-- 1.2: the charges were made before the upgrade (no allocations), so each refund is a new lot.
SELECT results_eq($$SELECT right(l.user_id::text, 1), l.category, l.amount, l.remaining, l.expires_at IS NULL
                    FROM public.credit_lots l JOIN public.credit_transactions t ON t.id = l.transaction_id
                    WHERE l.kind = 'refund' AND t.kind = 'refund' ORDER BY 1, 3$$,
                  $$VALUES ('1', 'paid', 15::bigint, 15::bigint, true), ('1', 'paid', 15, 15, true),
                           ('2', 'paid', 3, 3, true), ('2', 'paid', 60, 60, true), ('3', 'paid', 40, 40, true)$$,
                  'each refund of a 1.0 charge is a new never-expiring paid lot of its amount, made by the refund entry');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'every balance still equals its ledger');

-- The ledger written by 1.0 is owner-proof now; deleting a user still cascades.
SELECT throws_ok($$DELETE FROM public.credit_transactions WHERE user_id = '0a000000-0000-4000-8000-000000000004'$$,
                 '42501', 'credit_transactions is append-only: ledger entries cannot be deleted', 'DELETE of 1.0 entries refused');
SELECT lives_ok($$DELETE FROM auth.users WHERE id = '0a000000-0000-4000-8000-000000000004'$$, 'deleting a 1.0 user cascades');
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE user_id = '0a000000-0000-4000-8000-000000000004'), 0,
          'with their ledger');

SELECT * FROM finish();
ROLLBACK;
