-- 04_operator_flows: the payment webhook and the operator with the service role key:
-- grant_credits with a reference (a retried webhook grants once; the reference reused for
-- another amount is PT422; another kind is another grant), its refusals, verify_ledger,
-- the price list that only service_role writes; and the same calls by a user and anon.
-- connect: authenticator
\getenv bonus SORA_SB_BONUS
SELECT gen_random_uuid() AS dave \gset
SELECT 'dave-' || :'dave' || '@example.com' AS dave_email, 'stripe:pi_' || replace(:'dave', '-', '') AS ref,
       'sb-' || left(:'dave', 8) AS model \gset
SELECT plan(29);

\set r `"$SORA_SB_AUTH" signup-autoconfirm :'dave_email' :'dave'`
SELECT is(:'r'::text, :'dave'::text, 'the auth server signed dave up');

CALL test.request('04 purchase', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 500, 'p_kind', 'purchase', 'p_reference', :'ref',
                                    'p_description', '500 credits (Stripe)')::text);
SELECT test.responds('04 purchase', 200, jsonb_build_object('success', true, 'credits_granted', 500,
                     'credits_remaining', :bonus + 500, 'idempotent_replay', false), ARRAY['transaction_id']);
CALL test.request('04 purchase, webhook retried', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 500, 'p_kind', 'purchase', 'p_reference', :'ref')::text);
SELECT test.responds('04 purchase, webhook retried', 200, test.body('04 purchase') || '{"idempotent_replay": true}');
SELECT is(test.balance(:'dave'), (:bonus + 500)::bigint, 'the retried webhook granted nothing');
SELECT is(test.sb_count(:'dave', 'purchase'), 1, 'one purchase entry');
CALL test.request('04 reference, other amount', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 400, 'p_kind', 'purchase', 'p_reference', :'ref')::text);
SELECT test.fails_with('04 reference, other amount', 422, 'PT422', 'This reference was already used for a different grant.');
CALL test.request('04 reference, other kind', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 50, 'p_kind', 'grant', 'p_reference', :'ref')::text);
SELECT test.responds('04 reference, other kind', 200, jsonb_build_object('success', true, 'credits_granted', 50,
                     'credits_remaining', :bonus + 550, 'idempotent_replay', false), ARRAY['transaction_id']);
CALL test.request('04 amount 0', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 0)::text);
SELECT test.fails_with('04 amount 0', 400, '22023', 'p_amount must be a positive number of credits.');
CALL test.request('04 unknown kind', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 5, 'p_kind', 'gift')::text);
SELECT test.fails_with('04 unknown kind', 400, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.');
CALL test.request('04 unknown user', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', gen_random_uuid(), 'p_amount', 5)::text);
SELECT test.fails_with('04 unknown user', 404, 'PT404', 'No credit account exists for this user.');
SELECT is(test.sb_ledger(:'dave'),
          jsonb_build_array(jsonb_build_object('kind', 'signup_bonus', 'amount', :bonus),
                            '{"kind": "purchase", "amount": 500}'::jsonb, '{"kind": "grant", "amount": 50}'::jsonb),
          'dave''s ledger: the sign-up bonus, one purchase, one grant');

CALL test.request('04 user grants', 'authenticated', :'dave', 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 5)::text);
SELECT test.fails_with('04 user grants', 403, '42501', 'permission denied for function grant_credits');
CALL test.request('04 anon grants', 'anon', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 5)::text);
SELECT test.fails_with('04 anon grants', 401, '42501', 'permission denied for function grant_credits');
SELECT is(test.balance(:'dave'), (:bonus + 550)::bigint, 'the refused grants changed nothing');

CALL test.request('04 verify_ledger', 'service_role', NULL, 'POST', '/rpc/verify_ledger', '{}');
SELECT test.responds('04 verify_ledger', 200, '[]');
CALL test.request('04 anon verifies', 'anon', NULL, 'GET', '/rpc/verify_ledger');
SELECT test.fails_with('04 anon verifies', 401, '42501', 'permission denied for function verify_ledger');

-- The price list: service_role writes it, users read it.
CALL test.request('04 add a price', 'service_role', NULL, 'POST', '/video_pricing',
                  json_build_object('model', :'model', 'resolution', '720p', 'credits_per_second', 7)::text);
SELECT is(test.status('04 add a price'), 201, 'service_role adds a price: HTTP 201');
CALL test.request('04 charge at it', 'authenticated', :'dave', 'POST', '/rpc/create_video_generation',
                  json_build_object('p_prompt', 'new model', 'p_duration_seconds', 2, 'p_model', :'model')::text);
SELECT is((test.body('04 charge at it')->>'credits_charged')::integer, 14, 'a charge uses the new price (2 s at 7)');
CALL test.request('04 user adds a price', 'authenticated', :'dave', 'POST', '/video_pricing',
                  json_build_object('model', :'model', 'resolution', '1080p', 'credits_per_second', 1)::text);
SELECT test.fails_with('04 user adds a price', 403, '42501', 'permission denied for table video_pricing');
CALL test.request('04 remove the price', 'service_role', NULL, 'DELETE', '/video_pricing?model=eq.' || :'model');
SELECT is(test.status('04 remove the price'), 204, 'service_role removes it: HTTP 204');
CALL test.request('04 finish the job', 'service_role', NULL, 'POST', '/rpc/complete_video_generation',
                  json_build_object('p_video_id', test.body('04 charge at it')->>'video_id',
                                    'p_video_url', 'https://cdn.example.com/new.mp4')::text);
SELECT is(test.status('04 finish the job'), 200, 'the worker completes dave''s job');
-- A promotion that expires (1.2): 50 promotional credits for 30 days, spent before the paid ones.
SELECT to_jsonb(date_trunc('second', now() + interval '30 days')) #>> '{}' AS promo_end \gset
CALL test.request('04 promotion', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 50, 'p_kind', 'grant',
                                    'p_reference', 'promo:' || :'dave', 'p_expires_at', :'promo_end')::text);
SELECT is(test.status('04 promotion'), 200, 'the promotion is granted: HTTP 200');
CALL test.request('04 promotion, in the past', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  json_build_object('p_user_id', :'dave', 'p_amount', 50, 'p_kind', 'grant',
                                    'p_expires_at', '2020-01-01T00:00:00Z')::text);
SELECT test.fails_with('04 promotion, in the past', 400, '22023', 'p_expires_at must be in the future.');
CALL test.request('04 credit info with a promotion', 'authenticated', :'dave', 'POST', '/rpc/get_credit_info', '{}');
SELECT is(test.body('04 credit info with a promotion')->'next_expiry',
          jsonb_build_object('credits', 50, 'expires_at', :'promo_end'),
          'get_credit_info shows the promotion''s 50 credits and when they expire');
CALL test.request('04 dave lists his lots', 'authenticated', :'dave', 'GET', '/rpc/list_credit_lots?select=kind,category,remaining');
SELECT is(test.body('04 dave lists his lots')->0, '{"kind": "grant", "category": "promotional", "remaining": 50}',
          'list_credit_lots: the promotion first, the next to be spent');
CALL test.request('04 dave reads credit_lots', 'authenticated', :'dave', 'GET', '/credit_lots?select=user_id');
SELECT is((SELECT count(*)::integer FROM jsonb_array_elements(test.body('04 dave reads credit_lots')) e
           WHERE e->>'user_id' <> :'dave'), 0, 'RLS: dave reads only his own lots');
CALL test.request('04 sweep', 'service_role', NULL, 'POST', '/rpc/expire_credits', '{}');
SELECT is(test.status('04 sweep'), 200, 'service_role runs expire_credits: HTTP 200');
CALL test.request('04 user sweeps', 'authenticated', :'dave', 'POST', '/rpc/expire_credits', '{}');
SELECT test.fails_with('04 user sweeps', 403, '42501', 'permission denied for function expire_credits');
CALL test.request('04 verify_ledger at the end', 'service_role', NULL, 'GET', '/rpc/verify_ledger');
SELECT test.responds('04 verify_ledger at the end', 200, '[]');

SELECT * FROM finish();
