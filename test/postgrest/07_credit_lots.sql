-- 07_credit_lots (1.2): credits that expire, as the backend and the app reach them through
-- PostgREST: grant_credits with p_expires_at and p_category from the service key (the
-- replay comparing them, PT422, an expiry not in the future 22023 after the replay), a
-- charge spending the promotion before paid credits, get_credit_info's new keys,
-- list_credit_lots (POST and GET) and GET /credit_lots and /credit_allocations under RLS,
-- direct writes refused, expire_credits as service_role (200) and as a user (403) or anon
-- (401), and verify_ledger's new columns. Connected as authenticator, the suite cannot
-- backdate a lot: the lot that expires is granted to expire a second later, and waited for.
\set alice 0c070000-0000-4000-8000-000000000001
\set bob 0c070000-0000-4000-8000-000000000002
SELECT plan(51);

SELECT test.sign_up(:'alice', 10);
SELECT test.sign_up(:'bob', 5);
-- A promotion of 30 days; the same moment is sent on every retry of the grant.
SELECT to_json(date_trunc('second', now()) + interval '30 days') #>> '{}' AS summer_ends \gset

------------------------------------------------------------------------------------------
-- grant_credits with an expiry and a category, from the service key
------------------------------------------------------------------------------------------
CALL test.request('purchase', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 100, "p_kind": "purchase", "p_reference": "stripe:cs_07_1"}', :'alice'));
SELECT test.responds('purchase', 200,
                     '{"success": true, "credits_granted": 100, "credits_remaining": 110, "idempotent_replay": false}',
                     ARRAY['transaction_id']);
CALL test.request('summer promotion', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "grant", "p_reference": "promo:summer:%s",
           "p_description": "Summer promotion", "p_expires_at": "%s"}', :'alice', :'alice', :'summer_ends'));
SELECT test.responds('summer promotion', 200,
                     '{"success": true, "credits_granted": 30, "credits_remaining": 140, "idempotent_replay": false}',
                     ARRAY['transaction_id']);
CALL test.request('summer promotion, retried', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "grant", "p_reference": "promo:summer:%s",
           "p_description": "Summer promotion", "p_expires_at": "%s"}', :'alice', :'alice', :'summer_ends'));
SELECT test.responds('summer promotion, retried', 200, test.body('summer promotion') || '{"idempotent_replay": true}');
CALL test.request('summer promotion, retried with another expiry', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "grant", "p_reference": "promo:summer:%s",
           "p_expires_at": "%s"}', :'alice', :'alice', (:'summer_ends'::timestamptz + interval '1 day')));
SELECT test.fails_with('summer promotion, retried with another expiry', 422, 'PT422',
                       'This reference was already used for a different grant.');
CALL test.request('summer promotion, retried without the expiry', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "grant", "p_reference": "promo:summer:%s"}', :'alice', :'alice'));
SELECT test.fails_with('summer promotion, retried without the expiry', 422, 'PT422',
                       'This reference was already used for a different grant.');
CALL test.request('summer promotion, retried as paid', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "grant", "p_reference": "promo:summer:%s",
           "p_expires_at": "%s", "p_category": "paid"}', :'alice', :'alice', :'summer_ends'));
SELECT test.fails_with('summer promotion, retried as paid', 422, 'PT422',
                       'This reference was already used for a different grant.');
CALL test.request('grant, expiry in the past', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "grant", "p_expires_at": "2020-01-01T00:00:00+00:00"}', :'alice'));
SELECT test.fails_with('grant, expiry in the past', 400, '22023', 'p_expires_at must be in the future.');
SELECT is(test.body('grant, expiry in the past')->>'hint', 'Give NULL for credits that never expire.',
          'the hint says how to grant credits that never expire');
CALL test.request('grant, unknown category', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 30, "p_kind": "adjustment", "p_category": "free"}', :'alice'));
SELECT test.fails_with('grant, unknown category', 400, '22023', 'p_category must be paid or promotional.');
CALL test.request('grant with an expiry as a user', 'authenticated', :'alice', 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 1000, "p_expires_at": "%s"}', :'alice', :'summer_ends'));
SELECT test.fails_with('grant with an expiry as a user', 403, '42501', 'permission denied for function grant_credits');
SELECT is(test.balance(:'alice'), 140::bigint, 'alice: the bonus, the purchase and the promotion, nothing else');

------------------------------------------------------------------------------------------
-- What the app shows: get_credit_info's new keys
------------------------------------------------------------------------------------------
CALL test.request('credit info with a promotion', 'authenticated', :'alice', 'GET', '/rpc/get_credit_info');
SELECT test.responds('credit info with a promotion', 200,
  jsonb_build_object('user_id', :'alice', 'credits', 140, 'credits_paid', 100, 'credits_promotional', 40,
                     'next_expiry', jsonb_build_object('credits', 30, 'expires_at', :'summer_ends'),
                     'credits_reserved', 0, 'lifetime_granted', 140, 'lifetime_spent', 0, 'lifetime_refunded', 0,
                     'lifetime_expired', 0, 'active_videos', 0, 'deleted_videos', 0),
  ARRAY['last_transaction_at']);
SELECT is((test.body('credit info with a promotion')#>>'{next_expiry,expires_at}')::timestamptz,
          :'summer_ends'::timestamptz, 'next_expiry.expires_at is the moment the promotion was granted with');

------------------------------------------------------------------------------------------
-- A charge spends the promotion first, then the bonus (promotional, never expiring), then
-- paid credits; the split is readable by its owner
------------------------------------------------------------------------------------------
CALL test.request('a 15 s video', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A kite over the dunes", "p_duration_seconds": 15}');
SELECT test.responds('a 15 s video', 200,
                     '{"success": true, "status": "pending", "credits_charged": 45, "credits_remaining": 95, "idempotent_replay": false}',
                     ARRAY['video_id', 'transaction_id', 'created_at']);
SELECT test.body('a 15 s video')->>'transaction_id' AS charge_id, test.body('a 15 s video')->>'video_id' AS video_id \gset
CALL test.request('GET the charge''s split', 'authenticated', :'alice', 'GET',
                  format('/credit_allocations?select=lot_id,amount&transaction_id=eq.%s&order=amount.desc', :'charge_id'));
SELECT is(ARRAY(SELECT (e->>'amount')::bigint FROM jsonb_array_elements(test.body('GET the charge''s split')) e),
          ARRAY[30, 10, 5]::bigint[], 'the charge took 30 from the promotion, 10 from the bonus, 5 from the purchase');
SELECT is(test.read_only('GET the charge''s split'), true, 'a table read runs READ ONLY');

CALL test.request('list_credit_lots', 'authenticated', :'alice', 'POST', '/rpc/list_credit_lots', '{}');
SELECT is(test.status('list_credit_lots'), 200, 'list_credit_lots: HTTP 200');
SELECT is(ARRAY(SELECT format('%s %s %s/%s', e->>'kind', e->>'category', e->>'remaining', e->>'amount')
                FROM jsonb_array_elements(test.body('list_credit_lots')) e),
          ARRAY['purchase paid 95/100', 'grant promotional 0/30', 'signup_bonus promotional 0/10'],
          'the lot with credits left first, then the spent ones, newest first');
SELECT is(ARRAY(SELECT k FROM jsonb_object_keys(test.body('list_credit_lots')->0) k ORDER BY 1),
          ARRAY['amount', 'category', 'created_at', 'depleted', 'expires_at', 'id', 'kind', 'remaining', 'transaction_id', 'user_id'],
          'each element is a whole credit_lots row');
SELECT is(test.read_only('list_credit_lots'), true, 'list_credit_lots runs READ ONLY (STABLE), POST too');
CALL test.request('GET list_credit_lots, one kind', 'authenticated', :'alice', 'GET',
                  '/rpc/list_credit_lots?select=kind,remaining,expires_at&kind=eq.purchase');
SELECT test.responds('GET list_credit_lots, one kind', 200, '[{"kind": "purchase", "remaining": 95, "expires_at": null}]');
CALL test.request('list_credit_lots as service_role', 'service_role', NULL, 'POST', '/rpc/list_credit_lots', '{}');
SELECT test.responds('list_credit_lots as service_role', 200, '[]');
CALL test.request('list_credit_lots as anon', 'anon', NULL, 'POST', '/rpc/list_credit_lots', '{}');
SELECT test.fails_with('list_credit_lots as anon', 401, '42501', 'permission denied for function list_credit_lots');

------------------------------------------------------------------------------------------
-- The tables: own rows only (RLS), no writes for any API role
------------------------------------------------------------------------------------------
CALL test.request('GET /credit_lots as alice', 'authenticated', :'alice', 'GET', '/credit_lots?select=user_id,kind');
SELECT is(ARRAY(SELECT DISTINCT e->>'user_id' FROM jsonb_array_elements(test.body('GET /credit_lots as alice')) e),
          ARRAY[:'alice'], 'alice reads her own lots only');
SELECT is(jsonb_array_length(test.body('GET /credit_lots as alice')), 3, 'all three of them');
CALL test.request('GET /credit_lots?user_id=eq.<alice> as bob', 'authenticated', :'bob', 'GET',
                  format('/credit_lots?user_id=eq.%s', :'alice'));
SELECT test.responds('GET /credit_lots?user_id=eq.<alice> as bob', 200, '[]');
CALL test.request('GET /credit_allocations?user_id=eq.<alice> as bob', 'authenticated', :'bob', 'GET',
                  format('/credit_allocations?user_id=eq.%s', :'alice'));
SELECT test.responds('GET /credit_allocations?user_id=eq.<alice> as bob', 200, '[]');
CALL test.request('GET /credit_lots as service_role', 'service_role', NULL, 'GET',
                  format('/credit_lots?select=kind,remaining&user_id=eq.%s&order=id', :'bob'));
SELECT test.responds('GET /credit_lots as service_role', 200, '[{"kind": "signup_bonus", "remaining": 5}]');
CALL test.request('GET /credit_lots as anon', 'anon', NULL, 'GET', '/credit_lots');
SELECT test.fails_with('GET /credit_lots as anon', 401, '42501', 'permission denied for table credit_lots');
CALL test.request('PATCH /credit_lots as alice', 'authenticated', :'alice', 'PATCH',
                  format('/credit_lots?user_id=eq.%s', :'alice'), '{"remaining": 1000}');
SELECT test.fails_with('PATCH /credit_lots as alice', 403, '42501', 'permission denied for table credit_lots');
CALL test.request('PATCH /credit_lots as service_role', 'service_role', NULL, 'PATCH',
                  format('/credit_lots?user_id=eq.%s', :'alice'), '{"expires_at": null}');
SELECT test.fails_with('PATCH /credit_lots as service_role', 403, '42501', 'permission denied for table credit_lots');
CALL test.request('DELETE /credit_allocations as service_role', 'service_role', NULL, 'DELETE',
                  format('/credit_allocations?user_id=eq.%s', :'alice'));
SELECT test.fails_with('DELETE /credit_allocations as service_role', 403, '42501',
                       'permission denied for table credit_allocations');

------------------------------------------------------------------------------------------
-- A refund gives each lot back what the charge took
------------------------------------------------------------------------------------------
CALL test.request('refund the video', 'service_role', NULL, 'POST', '/rpc/refund_video_credits',
                  format('{"p_video_id": "%s", "p_reason": "The model timed out."}', :'video_id'));
SELECT test.responds('refund the video', 200,
                     jsonb_build_object('success', true, 'video_id', :'video_id', 'credits_refunded', 45,
                                        'credits_remaining', 140, 'already_refunded', false),
                     ARRAY['transaction_id']);
CALL test.request('GET lots after the refund', 'authenticated', :'alice', 'GET', '/credit_lots?select=kind,remaining&order=id');
SELECT test.responds('GET lots after the refund', 200,
  '[{"kind": "signup_bonus", "remaining": 10}, {"kind": "purchase", "remaining": 100}, {"kind": "grant", "remaining": 30}]');

------------------------------------------------------------------------------------------
-- A lot that expires: not spendable once past expires_at, written off by expire_credits
------------------------------------------------------------------------------------------
SELECT to_json(clock_timestamp() + interval '1 second') #>> '{}' AS flash_ends \gset
CALL test.request('flash promotion', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 5, "p_kind": "grant", "p_reference": "promo:flash:%s", "p_expires_at": "%s"}',
         :'alice', :'alice', :'flash_ends'));
SELECT test.responds('flash promotion', 200,
                     '{"success": true, "credits_granted": 5, "credits_remaining": 145, "idempotent_replay": false}',
                     ARRAY['transaction_id']);
SELECT pg_sleep(1.2);
CALL test.request('credit info after the flash promotion', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info', '{}');
SELECT is(test.body('credit info after the flash promotion') - ARRAY['user_id', 'last_transaction_at', 'next_expiry',
            'credits_reserved', 'lifetime_spent', 'lifetime_refunded', 'active_videos', 'deleted_videos'],
          '{"credits": 140, "credits_paid": 100, "credits_promotional": 40, "lifetime_granted": 145, "lifetime_expired": 0}',
          'past its expiry, the lot is not spendable, before any sweep (nothing is written by a read)');
SELECT is(test.balance(:'alice'), 145::bigint, 'the stored balance still holds it until it is written off');

CALL test.request('expire_credits as a user', 'authenticated', :'alice', 'POST', '/rpc/expire_credits', '{}');
SELECT test.fails_with('expire_credits as a user', 403, '42501', 'permission denied for function expire_credits');
CALL test.request('expire_credits as anon', 'anon', NULL, 'POST', '/rpc/expire_credits', '{}');
SELECT test.fails_with('expire_credits as anon', 401, '42501', 'permission denied for function expire_credits');
SELECT is(test.balance(:'alice'), 145::bigint, 'the refused calls wrote nothing off');
CALL test.request('GET expire_credits', 'service_role', NULL, 'GET', '/rpc/expire_credits');
SELECT test.fails_with('GET expire_credits', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');
CALL test.request('expire_credits', 'service_role', NULL, 'POST', '/rpc/expire_credits', '{}');
SELECT test.responds('expire_credits', 200, '{"lots_expired": 1, "credits_expired": 5}');
SELECT is(test.read_only('expire_credits'), false, 'expire_credits runs READ WRITE (VOLATILE)');
CALL test.request('expire_credits again', 'service_role', NULL, 'POST', '/rpc/expire_credits', '{}');
SELECT test.responds('expire_credits again', 200, '{"lots_expired": 0, "credits_expired": 0}');
SELECT is(test.balance(:'alice'), 140::bigint, 'the expired credits left the stored balance');
CALL test.request('GET the expiry entry', 'authenticated', :'alice', 'GET',
                  '/credit_transactions?select=kind,amount,balance_after,video_id&kind=eq.expiry');
SELECT test.responds('GET the expiry entry', 200,
                     '[{"kind": "expiry", "amount": -5, "balance_after": 140, "video_id": null}]');
CALL test.request('GET the expiry''s description', 'authenticated', :'alice', 'GET',
                  '/credit_transactions?select=description&kind=eq.expiry');
SELECT matches(test.body('GET the expiry''s description')#>>'{0,description}', '^Credits expired \(lot [0-9]+, promotional\)$',
               'its description names the lot and its category');
-- The retry of a grant whose lot has expired since is still answered: the replay is
-- checked before the expiry.
CALL test.request('flash promotion, retried after its expiry', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 5, "p_kind": "grant", "p_reference": "promo:flash:%s", "p_expires_at": "%s"}',
         :'alice', :'alice', :'flash_ends'));
SELECT test.responds('flash promotion, retried after its expiry', 200,
                     test.body('flash promotion') || '{"credits_remaining": 140, "idempotent_replay": true}');
CALL test.request('credit info after the sweep', 'authenticated', :'alice', 'GET', '/rpc/get_credit_info');
SELECT is(test.body('credit info after the sweep') - ARRAY['user_id', 'last_transaction_at', 'next_expiry',
            'credits_reserved', 'lifetime_spent', 'lifetime_refunded', 'active_videos', 'deleted_videos'],
          '{"credits": 140, "credits_paid": 100, "credits_promotional": 40, "lifetime_granted": 145, "lifetime_expired": 5}',
          'after the sweep: the same spendable credits, and lifetime_expired counts the 5');

------------------------------------------------------------------------------------------
-- verify_ledger: balances, ledger and lots agree
------------------------------------------------------------------------------------------
CALL test.request('verify_ledger', 'service_role', NULL, 'POST', '/rpc/verify_ledger', '{}');
SELECT test.responds('verify_ledger', 200, '[]');
CALL test.request('verify_ledger, the columns', 'service_role', NULL, 'GET',
                  '/rpc/verify_ledger?select=user_id,credits,ledger_sum,lots_remaining,problem');
SELECT test.responds('verify_ledger, the columns', 200, '[]');

SELECT * FROM finish();
