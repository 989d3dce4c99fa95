-- 03_credit_info: get_credit_info, the STABLE function apps read by GET: POST {} and with
-- p_user_id, GET without and with ?p_user_id= (both READ ONLY), as the user, another user,
-- service_role and anon; every error with its SQLSTATE and HTTP status. The keys of 1.2
-- (credits_paid, credits_promotional, next_expiry, lifetime_expired) are in every answer:
-- a sign-up bonus is a promotional lot that never expires (07_credit_lots has expiring ones).
\set alice 0c030000-0000-4000-8000-000000000001
\set bob 0c030000-0000-4000-8000-000000000002
\set ghost 0c030000-0000-4000-8000-0000000000ff
SELECT plan(20);

CALL test.user_with_videos('alice', :'alice', 100, ARRAY['A heron fishing at dawn']);
SELECT test.sign_up(:'bob', 40);
SELECT jsonb_build_object('user_id', :'alice', 'credits', 85, 'credits_reserved', 15, 'lifetime_granted', 100,
                          'lifetime_spent', 15, 'lifetime_refunded', 0, 'active_videos', 1, 'deleted_videos', 0,
                          'credits_paid', 0, 'credits_promotional', 85, 'next_expiry', NULL, 'lifetime_expired', 0,
                          'last_transaction_at', test.body('alice: A heron fishing at dawn')->'created_at') AS alice_info,
       jsonb_build_object('user_id', :'bob', 'credits', 40, 'credits_reserved', 0, 'lifetime_granted', 40,
                          'lifetime_spent', 0, 'lifetime_refunded', 0, 'active_videos', 0, 'deleted_videos', 0,
                          'credits_paid', 0, 'credits_promotional', 40, 'next_expiry', NULL, 'lifetime_expired', 0)
         AS bob_info \gset

-- The signed-in user about themselves: four ways, one answer, always READ ONLY.
CALL test.request('get_credit_info, no parameters', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info', '{}');
SELECT test.responds('get_credit_info, no parameters', 200, :'alice_info');
CALL test.request('get_credit_info, own p_user_id', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info',
                  format('{"p_user_id": "%s"}', :'alice'));
SELECT test.responds('get_credit_info, own p_user_id', 200, :'alice_info');
CALL test.request('GET get_credit_info', 'authenticated', :'alice', 'GET', '/rpc/get_credit_info');
SELECT test.responds('GET get_credit_info', 200, :'alice_info');
CALL test.request('GET get_credit_info, own p_user_id', 'authenticated', :'alice', 'GET',
                  format('/rpc/get_credit_info?p_user_id=%s', :'alice'));
SELECT test.responds('GET get_credit_info, own p_user_id', 200, :'alice_info');
SELECT is(ARRAY[test.read_only('get_credit_info, no parameters'), test.read_only('get_credit_info, own p_user_id'),
                test.read_only('GET get_credit_info'), test.read_only('GET get_credit_info, own p_user_id')],
          ARRAY[true, true, true, true], 'every get_credit_info request ran READ ONLY (POST too: the function is STABLE)');
SELECT is(jsonb_typeof(test.body('get_credit_info, no parameters')->'last_transaction_at'), 'string',
          'last_transaction_at is a timestamp string');
SELECT is(jsonb_typeof(test.body('get_credit_info, no parameters')->'next_expiry'), 'null',
          'next_expiry is a JSON null when no live credits expire');

-- Another user's id.
CALL test.request('get_credit_info, another user', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info',
                  format('{"p_user_id": "%s"}', :'bob'));
SELECT test.fails_with('get_credit_info, another user', 403, '42501', 'You can only view your own credit information.');
CALL test.request('GET get_credit_info, another user', 'authenticated', :'alice', 'GET',
                  format('/rpc/get_credit_info?p_user_id=%s', :'bob'));
SELECT test.fails_with('GET get_credit_info, another user', 403, '42501', 'You can only view your own credit information.');

-- service_role about anyone.
CALL test.request('get_credit_info as service_role', 'service_role', NULL, 'POST', '/rpc/get_credit_info',
                  format('{"p_user_id": "%s"}', :'bob'));
SELECT test.responds('get_credit_info as service_role', 200, :'bob_info', ARRAY['last_transaction_at']);
CALL test.request('GET get_credit_info as service_role', 'service_role', NULL, 'GET',
                  format('/rpc/get_credit_info?p_user_id=%s', :'alice'));
SELECT test.responds('GET get_credit_info as service_role', 200, :'alice_info');
CALL test.request('get_credit_info as service_role without p_user_id', 'service_role', NULL, 'POST', '/rpc/get_credit_info', '{}');
SELECT test.fails_with('get_credit_info as service_role without p_user_id', 400, '22023',
                       'p_user_id is required when no user is signed in.');

-- anon, and callers without an account.
CALL test.request('get_credit_info as anon', 'anon', NULL, 'POST', '/rpc/get_credit_info', '{}');
SELECT test.fails_with('get_credit_info as anon', 401, '42501', 'permission denied for function get_credit_info');
SELECT is(test.read_only('get_credit_info as anon'), true,
          'the refused anon POST ran READ ONLY as well');
CALL test.request('GET get_credit_info as anon', 'anon', NULL, 'GET', '/rpc/get_credit_info');
SELECT test.fails_with('GET get_credit_info as anon', 401, '42501', 'permission denied for function get_credit_info');
CALL test.request('get_credit_info, user without account', 'authenticated', :'ghost', 'POST', '/rpc/get_credit_info', '{}');
SELECT test.fails_with('get_credit_info, user without account', 404, 'PT404', 'No credit account exists for this user.');
CALL test.request('get_credit_info as service_role, user without account', 'service_role', NULL, 'GET',
                  format('/rpc/get_credit_info?p_user_id=%s', :'ghost'));
SELECT test.fails_with('get_credit_info as service_role, user without account', 404, 'PT404',
                       'No credit account exists for this user.');
CALL test.request('GET get_credit_info, not a uuid', 'authenticated', :'alice', 'GET', '/rpc/get_credit_info?p_user_id=me');
SELECT test.fails_with('GET get_credit_info, not a uuid', 400, '22P02', 'invalid input syntax for type uuid: "me"');
CALL test.request('get_credit_info, misspelled parameter', 'authenticated', :'alice', 'POST', '/rpc/get_credit_info',
                  format('{"user_id": "%s"}', :'alice'));
SELECT test.fails_with('get_credit_info, misspelled parameter', 404, 'PGRST202',
                       'Could not find the function public.get_credit_info(user_id) in the schema cache');

SELECT is(test.balance(:'alice'), 85::bigint, 'reading the figures changed none of them');

SELECT * FROM finish();
