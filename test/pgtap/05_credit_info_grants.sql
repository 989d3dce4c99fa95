-- 05_credit_info_grants: the sign-up bonus (handle_new_user), grant_credits (shape,
-- idempotence per (kind, reference), refusals, overflow), get_credit_info after a sequence
-- of operations (exact keys and values, who may ask about whom), verify_ledger, and the
-- read-only calls PostgREST makes for GET.
BEGIN;
SELECT plan(62);

------------------------------------------------------------------------------------------
-- Sign-up: the trigger on auth.users creates the profile, with the bonus as a ledger entry
------------------------------------------------------------------------------------------
-- First, before anything in this session has loaded the library: a user's attempt to raise
-- the bonus is either refused, or kept only as a placeholder that loading the library then
-- rejects. Either way, the next sign-up gets no bonus.
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
DO $$
BEGIN
  SET LOCAL sora_credits.signup_credits = 1000;
EXCEPTION WHEN insufficient_privilege THEN NULL;
END
$$;
RESET ROLE;
SET LOCAL client_min_messages = error;  -- the rejection is a WARNING when the library loads
INSERT INTO auth.users (id, email) VALUES ('05000000-0000-4000-8000-000000000004', 'early@example.com');
RESET client_min_messages;
SELECT is((SELECT credits FROM public.profiles WHERE id = '05000000-0000-4000-8000-000000000004'), 0::bigint,
          'a signup_credits value set by a non-superuser before the library loaded grants nothing');
SELECT is(current_setting('sora_credits.signup_credits'), '0', 'signup_credits is still 0');

-- una: signed up with a bonus of 20; vic: without a bonus; sam: inserted the way Supabase
-- Auth does it (as supabase_auth_admin, which has no rights on our tables).
SET LOCAL sora_credits.signup_credits = 20;
INSERT INTO auth.users (id, email) VALUES ('05000000-0000-4000-8000-000000000001', 'una@example.com');
SET LOCAL ROLE supabase_auth_admin;
INSERT INTO auth.users (id, email) VALUES ('05000000-0000-4000-8000-000000000003', 'sam@example.com');
RESET ROLE;
SET LOCAL sora_credits.signup_credits = 0;
INSERT INTO auth.users (id, email) VALUES ('05000000-0000-4000-8000-000000000002', 'vic@example.com');

SELECT results_eq($$SELECT id, user_id, credits FROM public.profiles
                    WHERE id = '05000000-0000-4000-8000-000000000001'$$,
                  $$VALUES ('05000000-0000-4000-8000-000000000001'::uuid, '05000000-0000-4000-8000-000000000001'::uuid, 20::bigint)$$,
                  'signup with signup_credits = 20: a profile (id = user_id = auth id) with 20 credits');
SELECT results_eq($$SELECT kind, amount, balance_after, video_id, reference FROM public.credit_transactions
                    WHERE user_id = '05000000-0000-4000-8000-000000000001'$$,
                  $$VALUES ('signup_bonus'::text, 20::bigint, 20::bigint, NULL::uuid, NULL::text)$$,
                  'signup with a bonus: exactly one signup_bonus ledger row of 20');
SELECT results_eq($$SELECT credits, (SELECT count(*)::int FROM public.credit_transactions t WHERE t.user_id = p.id)
                    FROM public.profiles p WHERE id = '05000000-0000-4000-8000-000000000003'$$,
                  $$VALUES (20::bigint, 1)$$,
                  'signup by supabase_auth_admin (as Supabase Auth does it): profile with the bonus and its entry');
SELECT results_eq($$SELECT credits FROM public.profiles WHERE id = '05000000-0000-4000-8000-000000000002'$$,
                  $$VALUES (0::bigint)$$, 'signup with signup_credits = 0: a profile with 0 credits');
SELECT is(test.n_entries('05000000-0000-4000-8000-000000000002'), 0, 'signup without a bonus: no ledger row');

-- A fresh account as its owner sees it.
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000002');
INSERT INTO test.res SELECT 'vic_fresh', public.get_credit_info();
RESET ROLE;
SELECT is(test.res('vic_fresh'),
          jsonb_build_object('user_id', '05000000-0000-4000-8000-000000000002', 'credits', 0,
                             'credits_reserved', 0, 'lifetime_granted', 0, 'lifetime_spent', 0,
                             'lifetime_refunded', 0, 'active_videos', 0, 'deleted_videos', 0,
                             'last_transaction_at', NULL, 'lifetime_expired', 0, 'credits_paid', 0,
                             'credits_promotional', 0, 'next_expiry', NULL),
          'get_credit_info of a fresh account: zeros and last_transaction_at null');

------------------------------------------------------------------------------------------
-- grant_credits: shape, values, the ledger entry
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'g1', public.grant_credits('05000000-0000-4000-8000-000000000001', 100, 'purchase', 'pay_1');
RESET ROLE;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('g1')) k),
          ARRAY['credits_granted', 'credits_remaining', 'idempotent_replay', 'success', 'transaction_id'],
          'grant_credits returns exactly the contract keys');
SELECT is(test.res('g1') - 'transaction_id',
          '{"success": true, "credits_granted": 100, "credits_remaining": 120, "idempotent_replay": false}'::jsonb,
          'grant: success, credits_granted 100, credits_remaining 120, idempotent_replay false');
SELECT results_eq($$SELECT id, user_id, amount, balance_after, kind, reference FROM public.credit_transactions
                    WHERE kind = 'purchase' AND reference = 'pay_1'$$,
                  $$SELECT (test.res('g1')->>'transaction_id')::bigint, '05000000-0000-4000-8000-000000000001'::uuid,
                           100::bigint, 120::bigint, 'purchase'::text, 'pay_1'::text$$,
                  'grant: one purchase ledger row, id = transaction_id');
SELECT is(test.balance('05000000-0000-4000-8000-000000000001'), 120::bigint, 'grant: balance 20 + 100');

-- A retried webhook: same (kind, reference), same user and amount: the original, nothing granted.
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'g1_replay', public.grant_credits('05000000-0000-4000-8000-000000000001', 100, 'purchase', 'pay_1');
RESET ROLE;
SELECT is(test.res('g1_replay')->'transaction_id', test.res('g1')->'transaction_id', 'replay: same transaction_id');
SELECT is(test.res('g1_replay')->'idempotent_replay', 'true'::jsonb, 'replay: idempotent_replay true');
SELECT is(test.res('g1_replay')->'credits_remaining', '120'::jsonb, 'replay: credits_remaining 120');
SELECT results_eq($$SELECT test.balance('05000000-0000-4000-8000-000000000001'),
                           test.n_entries('05000000-0000-4000-8000-000000000001')$$,
                  $$VALUES (120::bigint, 2)$$, 'replay: nothing granted, no new ledger row');

-- The same reference for something else: PT422, nothing written.
SELECT test.act_as('service_role');
SELECT throws_ok($$SELECT public.grant_credits('05000000-0000-4000-8000-000000000001', 150, 'purchase', 'pay_1')$$,
                 'PT422', 'This reference was already used for a different grant.', 'same reference, different amount: PT422');
SELECT throws_ok($$SELECT public.grant_credits('05000000-0000-4000-8000-000000000002', 100, 'purchase', 'pay_1')$$,
                 'PT422', 'This reference was already used for a different grant.', 'same reference, different user: PT422');
RESET ROLE;
SELECT results_eq($$SELECT test.balance('05000000-0000-4000-8000-000000000001'), test.balance('05000000-0000-4000-8000-000000000002'),
                           (SELECT count(*)::int FROM public.credit_transactions)$$,
                  $$VALUES (120::bigint, 0::bigint, 3)$$, 'PT422: no balance changed, no ledger row written');

-- A reference is unique per kind: the same reference under another kind is a new grant;
-- kind defaults to purchase.
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'g2', public.grant_credits('05000000-0000-4000-8000-000000000001', 5, 'grant', 'pay_1', 'goodwill');
INSERT INTO test.res SELECT 'g3', public.grant_credits('05000000-0000-4000-8000-000000000001', 10);
INSERT INTO test.res SELECT 'g_adjust', public.grant_credits('05000000-0000-4000-8000-000000000002', 1, 'adjustment', 'ticket-7');
RESET ROLE;
SELECT is(test.res('g2') - 'transaction_id',
          '{"success": true, "credits_granted": 5, "credits_remaining": 125, "idempotent_replay": false}'::jsonb,
          'same reference under kind grant: a new grant');
SELECT results_eq($$SELECT kind, reference, description FROM public.credit_transactions
                    WHERE id = (test.res('g2')->>'transaction_id')::bigint$$,
                  $$VALUES ('grant'::text, 'pay_1'::text, 'goodwill'::text)$$, 'grant: kind, reference and description stored');
SELECT results_eq($$SELECT kind, amount, reference FROM public.credit_transactions
                    WHERE id = (test.res('g3')->>'transaction_id')::bigint$$,
                  $$VALUES ('purchase'::text, 10::bigint, NULL::text)$$, 'grant without p_kind: a purchase of 10');
SELECT is(test.res('g_adjust')->'credits_remaining', '1'::jsonb, 'kind adjustment accepted');

-- Bad arguments: 22023 naming the parameter; unknown user: PT404; nothing written.
SELECT test.act_as('service_role');
SELECT throws_ok(format('SELECT public.grant_credits(%s)', args), '22023', msg, what)
FROM (VALUES
  ($$'05000000-0000-4000-8000-000000000001', 0$$, 'p_amount must be a positive number of credits.', 'amount 0'),
  ($$'05000000-0000-4000-8000-000000000001', -1$$, 'p_amount must be a positive number of credits.', 'amount -1'),
  ($$'05000000-0000-4000-8000-000000000001', NULL$$, 'p_amount is required.', 'amount NULL'),
  ($$NULL, 10$$, 'p_user_id is required.', 'user NULL'),
  ($$'05000000-0000-4000-8000-000000000001', 10, 'video_generation'$$,
   'p_kind must be one of purchase, grant, adjustment, signup_bonus.', 'kind video_generation'),
  ($$'05000000-0000-4000-8000-000000000001', 10, 'refund'$$,
   'p_kind must be one of purchase, grant, adjustment, signup_bonus.', 'kind refund'),
  ($$'05000000-0000-4000-8000-000000000001', 10, 'gift'$$,
   'p_kind must be one of purchase, grant, adjustment, signup_bonus.', 'kind gift'),
  ($$'05000000-0000-4000-8000-000000000001', 10, NULL$$, 'p_kind is required.', 'kind NULL'),
  ($$'05000000-0000-4000-8000-000000000001', 10, 'purchase', ''$$, 'p_reference must not be empty.', 'blank reference')
) AS bad(args, msg, what);
SELECT throws_ok($$SELECT public.grant_credits('05000000-0000-4000-8000-0000000000ff', 10)$$, 'PT404',
                 'No credit account exists for this user.', 'grant to an unknown user: PT404');
-- Overflow: a balance above bigint is refused with 22003, and nothing is written.
SELECT throws_ok($$SELECT public.grant_credits('05000000-0000-4000-8000-000000000001', 9223372036854775807, 'grant', 'huge')$$,
                 '22003', 'This amount would exceed the largest balance an account can hold.',
                 'grant that would overflow the balance: 22003');
RESET ROLE;
SELECT results_eq($$SELECT test.balance('05000000-0000-4000-8000-000000000001'),
                           test.n_entries('05000000-0000-4000-8000-000000000001'),
                           (SELECT count(*)::int FROM public.credit_transactions WHERE reference = 'huge')$$,
                  $$VALUES (135::bigint, 4, 0)$$, 'refused grants (22023, PT404, 22003) wrote nothing');

-- Users cannot grant themselves credits.
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.grant_credits('05000000-0000-4000-8000-000000000001', 1000)$$, '42501',
                 'permission denied for function grant_credits', 'authenticated cannot grant credits');
SELECT test.act_as('anon');
SELECT throws_ok($$SELECT public.grant_credits('05000000-0000-4000-8000-000000000001', 1000)$$, '42501',
                 'permission denied for function grant_credits', 'anon cannot grant credits');
RESET ROLE;

------------------------------------------------------------------------------------------
-- get_credit_info after charges, a refund, a completion and a soft delete
------------------------------------------------------------------------------------------
-- una: 20 bonus + 100 + 5 + 10 granted = 135; videos of 15, 30 and 5 = 50 spent; the 30 one
-- refunded; the 15 one completed; the 5 one pending and soft-deleted.
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
INSERT INTO test.res SELECT 'v15', public.create_video_generation('fifteen', 5, '720p', 'sora-2');
INSERT INTO test.res SELECT 'v30', public.create_video_generation('thirty', 10, '720p', 'sora-2');
INSERT INTO test.res SELECT 'v5', public.create_video_generation('five', 5, '480p', 'sora-2');
SELECT test.act_as('service_role');
SELECT lives_ok($$SELECT public.refund_video_credits(test.vid('v30'), 'failed')$$, 'refund the 30-credit video');
SELECT lives_ok($$SELECT public.complete_video_generation(test.vid('v15'), 'https://cdn.example.com/15.mp4')$$,
                'complete the 15-credit video');
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('v5'))$$, 'soft delete the 5-credit video');
INSERT INTO test.res SELECT 'info_own', public.get_credit_info();
INSERT INTO test.res SELECT 'info_own_id', public.get_credit_info('05000000-0000-4000-8000-000000000001');
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'info_service', public.get_credit_info('05000000-0000-4000-8000-000000000001');
RESET ROLE;

SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('info_own')) k),
          ARRAY['active_videos', 'credits', 'credits_paid', 'credits_promotional', 'credits_reserved',
                'deleted_videos', 'last_transaction_at', 'lifetime_expired', 'lifetime_granted',
                'lifetime_refunded', 'lifetime_spent', 'next_expiry', 'user_id'],
          'get_credit_info returns exactly the contract keys');
SELECT is(test.res('info_own') - 'last_transaction_at',
          '{"user_id": "05000000-0000-4000-8000-000000000001", "credits": 115, "credits_reserved": 5,
            "lifetime_granted": 135, "lifetime_spent": 50, "lifetime_refunded": 30,
            "active_videos": 2, "deleted_videos": 1, "lifetime_expired": 0, "credits_paid": 105,
            "credits_promotional": 10, "next_expiry": null}'::jsonb,
          'get_credit_info: credits 115 (105 paid, 10 promotional), reserved 5, granted 135, spent 50, refunded 30, 2 active, 1 deleted');
SELECT is((test.res('info_own')->>'last_transaction_at')::timestamptz,
          (SELECT max(created_at) FROM public.credit_transactions WHERE user_id = '05000000-0000-4000-8000-000000000001'),
          'get_credit_info: last_transaction_at is the time of the last ledger entry');
SELECT is((test.res('info_own')->>'credits')::bigint,
          (SELECT sum(amount)::bigint FROM public.credit_transactions WHERE user_id = '05000000-0000-4000-8000-000000000001'),
          'get_credit_info: credits = sum of the ledger');
-- The figures are kept as counters; they must agree with the rows they count.
SELECT is((test.res('info_own')->>'credits_reserved')::bigint,
          (SELECT coalesce(sum(credits_cost), 0)::bigint FROM public.videos
           WHERE user_id = '05000000-0000-4000-8000-000000000001' AND status IN ('pending', 'processing')),
          'credits_reserved = cost of the pending and processing videos');
SELECT is(ARRAY[(test.res('info_own')->>'active_videos')::int, (test.res('info_own')->>'deleted_videos')::int],
          (SELECT ARRAY[count(*) FILTER (WHERE deleted_at IS NULL), count(*) FILTER (WHERE deleted_at IS NOT NULL)]::int[]
           FROM public.videos WHERE user_id = '05000000-0000-4000-8000-000000000001'),
          'active_videos and deleted_videos = the videos without and with deleted_at');
SELECT is(ARRAY[(test.res('info_own')->>'lifetime_granted')::bigint, (test.res('info_own')->>'lifetime_spent')::bigint,
                (test.res('info_own')->>'lifetime_refunded')::bigint],
          (SELECT ARRAY[sum(amount) FILTER (WHERE kind IN ('signup_bonus', 'purchase', 'grant')),
                        -sum(amount) FILTER (WHERE kind = 'video_generation'),
                        sum(amount) FILTER (WHERE kind = 'refund')]::bigint[]
           FROM public.credit_transactions WHERE user_id = '05000000-0000-4000-8000-000000000001'),
          'lifetime_granted/spent/refunded = the sums of the ledger by kind');
SELECT is(test.res('info_own_id'), test.res('info_own'), 'asking about oneself by id: the same answer');
SELECT is(test.res('info_service'), test.res('info_own'), 'service_role asking with the id: the same answer');

-- Who may ask about whom.
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.get_credit_info('05000000-0000-4000-8000-000000000002')$$, '42501',
                 'You can only view your own credit information.', 'authenticated asking about another user: 42501');
SELECT test.act_as('authenticated');  -- a token without sub
SELECT throws_ok('SELECT public.get_credit_info()', '42501',
                 'Not signed in: this action needs an authenticated user.', 'authenticated without a user: 42501');
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-0000000000ff');
SELECT throws_ok('SELECT public.get_credit_info()', 'PT404',
                 'No credit account exists for this user.', 'a signed-in user without a profile: PT404');
SELECT test.act_as('service_role');
SELECT throws_ok('SELECT public.get_credit_info()', '22023',
                 'p_user_id is required when no user is signed in.', 'service_role without an id: 22023');
SELECT throws_ok($$SELECT public.get_credit_info('05000000-0000-4000-8000-0000000000ff')$$, 'PT404',
                 'No credit account exists for this user.', 'service_role, unknown id: PT404');
SELECT test.act_as('anon');
SELECT throws_ok('SELECT public.get_credit_info()', '42501',
                 'permission denied for function get_credit_info', 'anon cannot call get_credit_info');
RESET ROLE;

------------------------------------------------------------------------------------------
-- verify_ledger: empty when consistent, finds a tampered balance, service_role only
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() is empty after all of this');
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
SELECT throws_ok('SELECT * FROM public.verify_ledger()', '42501',
                 'permission denied for function verify_ledger', 'authenticated cannot call verify_ledger');
SELECT test.act_as('anon');
SELECT throws_ok('SELECT * FROM public.verify_ledger()', '42501',
                 'permission denied for function verify_ledger', 'anon cannot call verify_ledger');
RESET ROLE;
UPDATE public.profiles SET credits = credits + 7 WHERE id = '05000000-0000-4000-8000-000000000002';
SELECT test.act_as('service_role');
SELECT results_eq('SELECT user_id, credits, ledger_sum, lots_remaining, problem FROM public.verify_ledger()',
                  $$VALUES ('05000000-0000-4000-8000-000000000002'::uuid, 8::bigint, 1::bigint, 1::bigint,
                            'balance differs from the credits remaining in the lots'),
                           ('05000000-0000-4000-8000-000000000002'::uuid, 8::bigint, 1::bigint, 1::bigint,
                            'balance differs from the sum of the ledger')$$,
                  'verify_ledger() reports a balance that differs from its ledger and from its lots');
RESET ROLE;

------------------------------------------------------------------------------------------
-- GET /rpc/...: PostgREST runs STABLE functions in a READ ONLY transaction
------------------------------------------------------------------------------------------
SET LOCAL transaction_read_only = on;
SELECT test.act_as('authenticated', '05000000-0000-4000-8000-000000000001');
SELECT is(public.get_credit_info(), test.res('info_own'), 'get_credit_info works read-only (GET)');
SELECT results_eq('SELECT prompt FROM public.list_deleted_videos()', $$VALUES ('five'::text)$$,
                  'list_deleted_videos works read-only (GET)');
SELECT throws_ok($$SELECT public.create_video_generation('by GET')$$, '25006', NULL,
                 'a VOLATILE writer called read-only fails with 25006 (HTTP 405)');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
