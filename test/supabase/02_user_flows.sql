-- 02_user_flows: a signed-in user's calls, made as PostgREST makes them (authenticator, one
-- transaction per request, the role and request.jwt.claims transaction-local, the role's
-- own statement_timeout, safeupdate preloaded): charge, idempotent replay, PT422, PT402,
-- get_credit_info (POST and GET), table reads under RLS, soft delete, restore, PT410 and
-- list_deleted_videos; then what anon, authenticated and service_role may not do directly.
-- The users are signed up by the auth server (autoconfirm), so they hold the sign-up bonus.
-- connect: authenticator
\getenv bonus SORA_SB_BONUS
SELECT gen_random_uuid() AS alice, gen_random_uuid() AS bob \gset
SELECT 'alice-' || :'alice' || '@example.com' AS alice_email, 'bob-' || :'bob' || '@example.com' AS bob_email \gset
-- alice's balance after the top-up of 100, and after her first video (15 credits)
SELECT :bonus + 100 AS granted, :bonus + 85 AS after_charge \gset
SELECT plan(60);

SELECT is(session_user::text, 'authenticator', 'connected as authenticator, as PostgREST is');
CREATE TEMP TABLE safeupdate_probe (x integer);
SELECT throws_ok('UPDATE safeupdate_probe SET x = 1', '21000', 'UPDATE requires a WHERE clause',
                 'authenticator''s session preloads safeupdate, as on Supabase');

-- The auth server signs alice and bob up; the payment webhook tops alice up.
\set r `"$SORA_SB_AUTH" signup-autoconfirm :'alice_email' :'alice'`
SELECT is(:'r'::text, :'alice'::text, 'the auth server signed alice up (email, autoconfirm)');
\set r `"$SORA_SB_AUTH" signup-autoconfirm :'bob_email' :'bob'`
SELECT is(:'r'::text, :'bob'::text, 'the auth server signed bob up');
SELECT is(test.balance(:'alice'), :bonus::bigint, 'alice''s profile holds the sign-up bonus');
CALL test.request('02 top-up', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'alice', 'p_amount', 100, 'p_reference', '02:' || :'alice')::text);
SELECT is(test.status('02 top-up'), 200, 'the webhook''s grant_credits: HTTP 200');

------------------------------------------------------------------------------------------
-- The charge, its replay, a reused key, and too few credits
------------------------------------------------------------------------------------------
\set charge '{"p_prompt": "A red fox running through snow", "p_duration_seconds": 5, "p_resolution": "720p", "p_idempotency_key": "02-k1"}'
CALL test.request('02 charge', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation', :'charge');
SELECT test.responds('02 charge', 200,
                     jsonb_build_object('success', true, 'status', 'pending', 'credits_charged', 15,
                                        'credits_remaining', :after_charge, 'idempotent_replay', false),
                     ARRAY['video_id', 'transaction_id', 'created_at']);
SELECT test.body('02 charge')->>'video_id' AS v1 \gset
SELECT is(test.video_row(:'v1')->>'user_id', :'alice', 'the video is alice''s');
SELECT is((test.video_row(:'v1')->>'credits_cost')::bigint, 15::bigint, 'it cost 15 credits (5 s of sora-2 at 720p)');
SELECT is(test.sb_video_entries(:'v1', 'video_generation'), 1, 'one video_generation ledger entry for it');
SELECT is(test.balance(:'alice'), :after_charge::bigint, 'alice''s balance went down by 15');

CALL test.request('02 charge, retried', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation', :'charge');
SELECT test.responds('02 charge, retried', 200, test.body('02 charge') || '{"idempotent_replay": true}');
SELECT is(test.balance(:'alice'), :after_charge::bigint, 'the retry charged nothing');
SELECT is(cardinality(test.video_ids(:'alice')), 1, 'and created no second video');
SELECT is(test.sb_video_entries(:'v1', 'video_generation'), 1, 'and wrote no second charge');

CALL test.request('02 key reused', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A red fox running through snow", "p_duration_seconds": 6, "p_idempotency_key": "02-k1"}');
SELECT test.fails_with('02 key reused', 422, 'PT422', 'This idempotency key was already used for a different video request.');

CALL test.request('02 too expensive', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A long film", "p_duration_seconds": 60, "p_resolution": "1080p", "p_model": "sora-2-pro"}');
SELECT test.fails_with('02 too expensive', 402, 'PT402',
                       format('Insufficient credits. You have %s credits, but need 1200 credits.', :after_charge));
SELECT is((test.body('02 too expensive')->>'details')::jsonb,
          jsonb_build_object('credits', :after_charge, 'required', 1200, 'shortfall', 1200 - :after_charge),
          'PT402 details: credits, required, shortfall');
SELECT is(test.balance(:'alice'), :after_charge::bigint, 'PT402 charged nothing');
SELECT is(cardinality(test.video_ids(:'alice')), 1, 'PT402 created no video');

CALL test.request('02 charge without a user', 'service_role', NULL, 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A cat"}');
SELECT test.fails_with('02 charge without a user', 403, '42501', 'Not signed in: this action needs an authenticated user.');

------------------------------------------------------------------------------------------
-- get_credit_info, and reads of the tables under RLS
------------------------------------------------------------------------------------------
CALL test.request('02 credit info', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info', '{}');
SELECT test.responds('02 credit info', 200,
                     jsonb_build_object('user_id', :'alice', 'credits', :after_charge, 'credits_reserved', 15,
                                        'lifetime_granted', :granted, 'lifetime_spent', 15, 'lifetime_refunded', 0,
                                        'active_videos', 1, 'deleted_videos', 0, 'lifetime_expired', 0,
                                        -- the charge spent the (promotional) sign-up bonus first
                                        'credits_promotional', greatest(:bonus - 15, 0),
                                        'credits_paid', :after_charge - greatest(:bonus - 15, 0),
                                        'next_expiry', NULL),
                     ARRAY['last_transaction_at']);
CALL test.request('02 credit info, GET', 'authenticated', :'alice', 'GET', '/rpc/get_credit_info');
SELECT test.responds('02 credit info, GET', 200, test.body('02 credit info'));
SELECT is(test.read_only('02 credit info, GET'), true, 'the GET ran in a read-only transaction');
CALL test.request('02 credit info of bob', 'authenticated', :'alice', 'GET', '/rpc/get_credit_info?p_user_id=' || :'bob');
SELECT test.fails_with('02 credit info of bob', 403, '42501', 'You can only view your own credit information.');

CALL test.request('02 alice reads profiles', 'authenticated', :'alice', 'GET', '/profiles?select=id,credits');
SELECT test.responds('02 alice reads profiles', 200, jsonb_build_array(jsonb_build_object('id', :'alice', 'credits', :after_charge)));
CALL test.request('02 alice reads her ledger', 'authenticated', :'alice', 'GET', '/credit_transactions?select=kind,amount&order=id.asc');
SELECT test.responds('02 alice reads her ledger', 200,
                     ('[{"kind": "signup_bonus", "amount": ' || :bonus || '}, {"kind": "purchase", "amount": 100}, '
                      '{"kind": "video_generation", "amount": -15}]')::jsonb);
CALL test.request('02 bob reads videos', 'authenticated', :'bob', 'GET', '/videos?select=id');
SELECT test.responds('02 bob reads videos', 200, '[]');

------------------------------------------------------------------------------------------
-- Soft delete, restore, the restore window, list_deleted_videos
------------------------------------------------------------------------------------------
CALL test.request('02 bob deletes alice''s video', 'authenticated', :'bob', 'POST', '/rpc/soft_delete_video',
                  json_build_object('p_video_id', :'v1')::text);
SELECT test.fails_with('02 bob deletes alice''s video', 404, 'PT404', 'Video not found.');
CALL test.request('02 soft delete', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  json_build_object('p_video_id', :'v1')::text);
SELECT test.responds('02 soft delete', 200, jsonb_build_object('success', true, 'video_id', :'v1', 'already_deleted', false),
                     ARRAY['deleted_at']);
CALL test.request('02 soft delete, again', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  json_build_object('p_video_id', :'v1')::text);
SELECT test.responds('02 soft delete, again', 200, test.body('02 soft delete') || '{"already_deleted": true}');
CALL test.request('02 videos after the delete', 'authenticated', :'alice', 'GET', '/videos?select=id');
SELECT test.responds('02 videos after the delete', 200, '[]');
CALL test.request('02 list deleted', 'authenticated', :'alice', 'GET', '/rpc/list_deleted_videos?select=id,status');
SELECT test.responds('02 list deleted', 200, jsonb_build_array(jsonb_build_object('id', :'v1', 'status', 'pending')));
CALL test.request('02 bob lists deleted', 'authenticated', :'bob', 'POST', '/rpc/list_deleted_videos', '{}');
SELECT test.responds('02 bob lists deleted', 200, '[]');
CALL test.request('02 credit info, deleted', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info', '{}');
SELECT is(ARRAY[test.body('02 credit info, deleted')->>'active_videos', test.body('02 credit info, deleted')->>'deleted_videos',
                test.body('02 credit info, deleted')->>'credits'],
          ARRAY['0', '1', :'after_charge'], 'counters: 0 active, 1 deleted; the balance is unchanged');

CALL test.request('02 restore', 'authenticated', :'alice', 'POST', '/rpc/restore_video', json_build_object('p_video_id', :'v1')::text);
SELECT test.responds('02 restore', 200, jsonb_build_object('success', true, 'video_id', :'v1', 'already_active', false));
CALL test.request('02 restore, again', 'authenticated', :'alice', 'POST', '/rpc/restore_video', json_build_object('p_video_id', :'v1')::text);
SELECT test.responds('02 restore, again', 200, jsonb_build_object('success', true, 'video_id', :'v1', 'already_active', true));
CALL test.request('02 videos after the restore', 'authenticated', :'alice', 'GET', '/videos?select=id');
SELECT test.responds('02 videos after the restore', 200, jsonb_build_array(jsonb_build_object('id', :'v1')));
CALL test.request('02 list deleted, none', 'authenticated', :'alice', 'POST', '/rpc/list_deleted_videos', '{}');
SELECT test.responds('02 list deleted, none', 200, '[]');

CALL test.request('02 delete for good', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video', json_build_object('p_video_id', :'v1')::text);
SELECT test.age_deletion(:'v1', '31 days') \gset
CALL test.request('02 restore too late', 'authenticated', :'alice', 'POST', '/rpc/restore_video', json_build_object('p_video_id', :'v1')::text);
SELECT test.fails_with('02 restore too late', 410, 'PT410',
                       'This video was deleted more than 30 days ago and can no longer be restored.');
CALL test.request('02 list deleted, too late', 'authenticated', :'alice', 'POST', '/rpc/list_deleted_videos', '{}');
SELECT is(jsonb_array_length(test.body('02 list deleted, too late')), 1, 'a video past the window is still listed as deleted');

------------------------------------------------------------------------------------------
-- What the API roles may not do directly
------------------------------------------------------------------------------------------
CALL test.request('02 PATCH own credits', 'authenticated', :'alice', 'PATCH', '/profiles?id=eq.' || :'alice', '{"credits": 1000000}');
SELECT test.fails_with('02 PATCH own credits', 403, '42501', 'permission denied for table profiles');
CALL test.request('02 POST a ledger entry', 'authenticated', :'alice', 'POST', '/credit_transactions',
                  json_build_object('user_id', :'alice', 'amount', 1000, 'balance_after', 1000, 'kind', 'grant')::text);
SELECT test.fails_with('02 POST a ledger entry', 403, '42501', 'permission denied for table credit_transactions');
CALL test.request('02 PATCH a video', 'authenticated', :'alice', 'PATCH', '/videos?id=eq.' || :'v1', '{"credits_cost": 1}');
SELECT test.fails_with('02 PATCH a video', 403, '42501', 'permission denied for table videos');
CALL test.request('02 service PATCH credits', 'service_role', NULL, 'PATCH', '/profiles?id=eq.' || :'alice', '{"credits": 1000000}');
SELECT test.fails_with('02 service PATCH credits', 403, '42501', 'permission denied for table profiles');
CALL test.request('02 service POST a ledger entry', 'service_role', NULL, 'POST', '/credit_transactions',
                  json_build_object('user_id', :'alice', 'amount', 1000, 'balance_after', 1000, 'kind', 'grant')::text);
SELECT test.fails_with('02 service POST a ledger entry', 403, '42501', 'permission denied for table credit_transactions');
CALL test.request('02 service DELETE a video', 'service_role', NULL, 'DELETE', '/videos?id=eq.' || :'v1');
SELECT test.fails_with('02 service DELETE a video', 403, '42501', 'permission denied for table videos');
CALL test.request('02 user grants herself', 'authenticated', :'alice', 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'alice', 'p_amount', 1000)::text);
SELECT test.fails_with('02 user grants herself', 403, '42501', 'permission denied for function grant_credits');
SELECT is(test.balance(:'alice'), :after_charge::bigint, 'none of the refused writes changed alice''s balance');
SELECT is(test.n_entries(:'alice'), 3, 'nor her ledger');

CALL test.request('02 anon charges', 'anon', NULL, 'POST', '/rpc/create_video_generation', '{"p_prompt": "A cat"}');
SELECT test.fails_with('02 anon charges', 401, '42501', 'permission denied for function create_video_generation');
CALL test.request('02 anon credit info', 'anon', NULL, 'GET', '/rpc/get_credit_info');
SELECT test.fails_with('02 anon credit info', 401, '42501', 'permission denied for function get_credit_info');
CALL test.request('02 anon lists deleted', 'anon', NULL, 'POST', '/rpc/list_deleted_videos', '{}');
SELECT test.fails_with('02 anon lists deleted', 401, '42501', 'permission denied for function list_deleted_videos');
CALL test.request('02 anon reads profiles', 'anon', NULL, 'GET', '/profiles?select=id');
SELECT test.fails_with('02 anon reads profiles', 401, '42501', 'permission denied for table profiles');
CALL test.request('02 anon reads videos', 'anon', NULL, 'GET', '/videos?select=id');
SELECT test.fails_with('02 anon reads videos', 401, '42501', 'permission denied for table videos');
CALL test.request('02 anon reads prices', 'anon', NULL, 'GET', '/video_pricing?select=model,resolution,credits_per_second');
SELECT is(test.status('02 anon reads prices'), 200, 'anon reads the price list: HTTP 200');
SELECT ok(test.body('02 anon reads prices') @> '[{"model": "sora-2", "resolution": "720p", "credits_per_second": 3}]',
          'with the seeded price of sora-2 at 720p');
CALL test.request('02 anon changes a price', 'anon', NULL, 'PATCH', '/video_pricing?model=eq.sora-2', '{"credits_per_second": 1}');
SELECT test.fails_with('02 anon changes a price', 401, '42501', 'permission denied for table video_pricing');
CALL test.request('02 user changes a price', 'authenticated', :'alice', 'PATCH', '/video_pricing?model=eq.sora-2', '{"credits_per_second": 1}');
SELECT test.fails_with('02 user changes a price', 403, '42501', 'permission denied for table video_pricing');

-- The worker finishes alice's job, so that the queue holds nothing of this file.
CALL test.request('02 worker completes v1', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', :'v1', 'p_video_url', 'https://cdn.example.com/v1.mp4')::text);
SELECT is(test.status('02 worker completes v1'), 200, 'the worker completed alice''s (deleted) video');

SELECT * FROM finish();
