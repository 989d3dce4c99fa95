-- 05_grants_ledger: grant_credits as the payment webhook sends it with the service key (all
-- parameters, only the required ones, a retried webhook), every error with its SQLSTATE
-- and HTTP status, and the same request with a user's token (403) or the anon key (401)
-- granting nothing; verify_ledger, STABLE and set-returning, by POST and GET.
\set alice 0c050000-0000-4000-8000-000000000001
\set bob 0c050000-0000-4000-8000-000000000002
\set ghost 0c050000-0000-4000-8000-0000000000ff
SELECT plan(22);

SELECT test.sign_up(:'alice', 20);
SELECT test.sign_up(:'bob', 0);

------------------------------------------------------------------------------------------
-- grant_credits
------------------------------------------------------------------------------------------
CALL test.request('grant_credits, all parameters', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 500, "p_kind": "purchase", "p_reference": "stripe:cs_05_1",
           "p_description": "500 credits pack"}', :'alice'));
SELECT test.responds('grant_credits, all parameters', 200,
                     '{"success": true, "credits_granted": 500, "credits_remaining": 520, "idempotent_replay": false}',
                     ARRAY['transaction_id']);
SELECT is(jsonb_typeof(test.body('grant_credits, all parameters')->'transaction_id'), 'number', 'transaction_id is a JSON number');
CALL test.request('grant_credits, only the required parameters', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 50}', :'bob'));
SELECT test.responds('grant_credits, only the required parameters', 200,
                     '{"success": true, "credits_granted": 50, "credits_remaining": 50, "idempotent_replay": false}',
                     ARRAY['transaction_id']);

-- The ledger as the user reads it: the two grants with their kinds and descriptions.
CALL test.request('GET own grant', 'authenticated', :'alice', 'GET',
  format('/credit_transactions?select=kind,amount,balance_after,reference,description&id=eq.%s',
         test.body('grant_credits, all parameters')->>'transaction_id'));
SELECT test.responds('GET own grant', 200,
  '[{"kind": "purchase", "amount": 500, "balance_after": 520, "reference": "stripe:cs_05_1", "description": "500 credits pack"}]');
CALL test.request('GET own default grant', 'authenticated', :'bob', 'GET',
  format('/credit_transactions?select=kind,amount,reference,description&id=eq.%s',
         test.body('grant_credits, only the required parameters')->>'transaction_id'));
SELECT test.responds('GET own default grant', 200,
  '[{"kind": "purchase", "amount": 50, "reference": null, "description": "Credits purchased"}]');

CALL test.request('grant_credits, retried webhook', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 500, "p_kind": "purchase", "p_reference": "stripe:cs_05_1"}', :'alice'));
SELECT test.responds('grant_credits, retried webhook', 200,
                     test.body('grant_credits, all parameters') || '{"idempotent_replay": true}');

-- Errors.
CALL test.request('grant_credits, reference reused for another amount', 'service_role', NULL, 'POST', '/rpc/grant_credits',
  format('{"p_user_id": "%s", "p_amount": 5000, "p_reference": "stripe:cs_05_1"}', :'alice'));
SELECT test.fails_with('grant_credits, reference reused for another amount', 422, 'PT422',
                       'This reference was already used for a different grant.');
CALL test.request('grant_credits, zero credits', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 0}', :'alice'));
SELECT test.fails_with('grant_credits, zero credits', 400, '22023', 'p_amount must be a positive number of credits.');
CALL test.request('grant_credits, unknown kind', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 10, "p_kind": "gift"}', :'alice'));
SELECT test.fails_with('grant_credits, unknown kind', 400, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.');
CALL test.request('grant_credits, beyond the largest balance', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 9223372036854775807}', :'alice'));
SELECT test.fails_with('grant_credits, beyond the largest balance', 400, '22003',
                       'This amount would exceed the largest balance an account can hold.');
CALL test.request('grant_credits, user without account', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 10}', :'ghost'));
SELECT test.fails_with('grant_credits, user without account', 404, 'PT404', 'No credit account exists for this user.');
CALL test.request('grant_credits without p_amount', 'service_role', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s"}', :'alice'));
SELECT test.fails_with('grant_credits without p_amount', 404, 'PGRST202',
                       'Could not find the function public.grant_credits(p_user_id) in the schema cache');
CALL test.request('grant_credits to oneself', 'authenticated', :'alice', 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 1000000}', :'alice'));
SELECT test.fails_with('grant_credits to oneself', 403, '42501', 'permission denied for function grant_credits');
CALL test.request('grant_credits as anon', 'anon', NULL, 'POST', '/rpc/grant_credits',
                  format('{"p_user_id": "%s", "p_amount": 1000000}', :'alice'));
SELECT test.fails_with('grant_credits as anon', 401, '42501', 'permission denied for function grant_credits');
CALL test.request('GET grant_credits', 'service_role', NULL, 'GET',
                  format('/rpc/grant_credits?p_user_id=%s&p_amount=100', :'alice'));
SELECT test.fails_with('GET grant_credits', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');
SELECT is(test.balance(:'alice'), 520::bigint, 'alice: only the first grant counted');
SELECT is(test.n_entries(:'alice'), 2, 'alice: the sign-up bonus and one grant in the ledger');

------------------------------------------------------------------------------------------
-- verify_ledger: RETURNS TABLE, an empty JSON array when every balance matches
------------------------------------------------------------------------------------------
CALL test.request('verify_ledger', 'service_role', NULL, 'POST', '/rpc/verify_ledger', '{}');
SELECT test.responds('verify_ledger', 200, '[]');
SELECT is(test.read_only('verify_ledger'), true, 'verify_ledger runs READ ONLY');
CALL test.request('GET verify_ledger', 'service_role', NULL, 'GET', '/rpc/verify_ledger');
SELECT test.responds('GET verify_ledger', 200, '[]');
CALL test.request('verify_ledger as a user', 'authenticated', :'alice', 'GET', '/rpc/verify_ledger');
SELECT test.fails_with('verify_ledger as a user', 403, '42501', 'permission denied for function verify_ledger');
CALL test.request('verify_ledger as anon', 'anon', NULL, 'POST', '/rpc/verify_ledger', '{}');
SELECT test.fails_with('verify_ledger as anon', 401, '42501', 'permission denied for function verify_ledger');

SELECT * FROM finish();
