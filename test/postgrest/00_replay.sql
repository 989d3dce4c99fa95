-- 00_replay: the replay itself, against PostgREST's contract: the statements it sends for
-- a request (the settings statement, the RPC statement of the contract's example, the
-- transaction mode of each kind of request), PGRST202 for a body that matches no function,
-- no overloaded API function, and the SQLSTATE -> HTTP status mapping, row by row.
\set alice 0c000000-0000-4000-8000-000000000001
SELECT plan(51);

SELECT is(session_user::text, 'authenticator', 'the suite is connected as authenticator, as PostgREST is');

-- Statements compared modulo whitespace (PostgREST's spacing is not part of the contract).
CREATE FUNCTION pg_temp.squeeze(p_sql text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT rtrim(btrim(regexp_replace(regexp_replace(p_sql, '\s+', ' ', 'g'), '\s*([(),;])\s*', '\1', 'g')), ';') $$;
-- The set_config calls of a settings statement, in order: [name, value] pairs.
CREATE FUNCTION pg_temp.settings(p_locals text) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
  SELECT array_agg(m[1] || '=' || replace(m[2], '''''', '''') ORDER BY n)
  FROM regexp_matches(p_locals, 'set_config\(''([^'']*)'', ''((?:[^'']|'''')*)'', true\)', 'g') WITH ORDINALITY AS t(m, n)
$$;

------------------------------------------------------------------------------------------
-- The RPC statement: the contract's example, sent by a real request
------------------------------------------------------------------------------------------
SELECT test.sign_up(:'alice', 100);
CALL test.request('contract example', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A fox", "p_duration_seconds": 5, "p_resolution": "720p"}');
SELECT is(test.status('contract example'), 200, 'the contract''s example request succeeds');
SELECT is(pg_temp.squeeze((SELECT main_sql FROM test.responses WHERE name = 'contract example')), pg_temp.squeeze($sql$
WITH pgrst_source AS (SELECT pgrst_call.pgrst_scalar FROM (SELECT $1 AS json_data) pgrst_payload,
  LATERAL (SELECT "p_prompt", "p_duration_seconds", "p_resolution"
             FROM json_to_record(pgrst_payload.json_data)
               AS _("p_prompt" text, "p_duration_seconds" integer, "p_resolution" text) LIMIT 1) pgrst_body,
  LATERAL (SELECT "public"."create_video_generation"("p_prompt" := pgrst_body."p_prompt",
             "p_duration_seconds" := pgrst_body."p_duration_seconds",
             "p_resolution" := pgrst_body."p_resolution") pgrst_scalar) pgrst_call)
SELECT null::bigint AS total_result_set, 1 AS page_total,
       coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, 'null') AS body,
       nullif(current_setting('response.headers', true), '') AS response_headers,
       nullif(current_setting('response.status', true), '') AS response_status, '' AS response_inserted
FROM (SELECT "create_video_generation".* FROM "pgrst_source" AS "create_video_generation") _postgrest_t;
$sql$), 'the statement sent is the contract''s, with the body as $1');

-- A body's keys pick the parameters, in the function's order, whatever their order in the body.
SELECT is((test.pgrst_plan('POST', '/rpc/grant_credits', '{"p_amount": 5, "p_user_id": "x"}')).main_sql,
          (test.pgrst_plan('POST', '/rpc/grant_credits', '{"p_user_id": "x", "p_amount": 5}')).main_sql,
          'the order of the body''s keys does not matter');
SELECT matches((test.pgrst_plan('GET', '/rpc/get_credit_info?p_user_id=0c000000-0000-4000-8000-000000000001', NULL)).main_sql,
               '"public"\."get_credit_info"\("p_user_id" := ''0c000000-0000-4000-8000-000000000001''::uuid\)',
               'GET passes each query-string argument directly, cast to the parameter''s type');
SELECT matches((test.pgrst_plan('POST', '/rpc/get_credit_info', '{}')).main_sql,
               'FROM \(SELECT "public"\."get_credit_info"\(\) pgrst_scalar\) pgrst_call',
               'an empty body calls the function without arguments (every default)');
SELECT matches((test.pgrst_plan('POST', '/rpc/claim_video_jobs', '{}')).main_sql,
               'coalesce\(json_agg\(_postgrest_t\), ''\[\]''\) AS body',
               'a set-returning function''s rows come back through json_agg, [] when none');

------------------------------------------------------------------------------------------
-- The settings statement
------------------------------------------------------------------------------------------
SELECT is(pg_temp.settings(test.pgrst_locals('authenticated', :'alice', 'POST', '/rpc/create_video_generation', true)),
          ARRAY['search_path="public", "public", "extensions"', 'statement_timeout=8s', 'role=authenticated',
                'request.jwt.claims=' || test.jwt_claims('authenticated', :'alice'), 'request.method=POST',
                'request.path=/rpc/create_video_generation',
                'request.headers={"accept": "application/json", "content-type": "application/json", "authorization": "Bearer authenticated-jwt"}',
                'request.cookies={}'],
          'authenticated: search_path, the role''s statement_timeout, role, claims, method, path, headers, cookies');
SELECT is((test.jwt_claims('authenticated', :'alice')::jsonb) - ARRAY['aud', 'email', 'aal', 'is_anonymous'],
          jsonb_build_object('sub', :'alice', 'role', 'authenticated'), 'a user''s claims carry sub and role');
SELECT is((pg_temp.settings(test.pgrst_locals('anon', NULL, 'GET', '/video_pricing', false)))[2:3],
          ARRAY['statement_timeout=3s', 'role=anon'], 'anon: its own statement_timeout, then the role');
SELECT is((pg_temp.settings(test.pgrst_locals('service_role', NULL, 'GET', '/profiles', false)))[2],
          'role=service_role', 'service_role has no role settings');
SELECT is((test.jwt_claims('service_role', NULL)::jsonb)->'sub', NULL, 'the service key has no sub');

------------------------------------------------------------------------------------------
-- Transaction modes
------------------------------------------------------------------------------------------
SELECT is((test.pgrst_plan(m, u, b)).read_only, ro, format('%s %s runs %s', m, u, CASE WHEN ro THEN 'READ ONLY' ELSE 'READ WRITE' END))
FROM (VALUES ('POST', '/rpc/create_video_generation', '{"p_prompt": "x"}', false),
             ('GET', '/rpc/create_video_generation?p_prompt=x', NULL, true),
             ('POST', '/rpc/get_credit_info', '{}', true),
             ('POST', '/rpc/list_deleted_videos', '{}', true),
             ('POST', '/rpc/verify_ledger', '{}', true),
             ('POST', '/rpc/list_credit_lots', '{}', true),
             ('POST', '/rpc/expire_credits', '{}', false),
             ('GET', '/videos', NULL, true),
             ('PATCH', '/profiles?id=eq.x', '{"credits": 1}', false)) AS r(m, u, b, ro);

------------------------------------------------------------------------------------------
-- Function resolution: PGRST202, and no overloads (which would be PGRST203)
------------------------------------------------------------------------------------------
CALL test.request('an extra key', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A fox", "p_user_id": "0c000000-0000-4000-8000-000000000002"}');
SELECT test.fails_with('an extra key', 404, 'PGRST202',
                       'Could not find the function public.create_video_generation(p_prompt, p_user_id) in the schema cache');
SELECT is(test.read_only('an extra key'), NULL, 'PostgREST refused it without a transaction');
SELECT is(test.balance(:'alice'), 85::bigint, 'only the contract example charged alice');
SELECT is(ARRAY(SELECT proname::text FROM pg_catalog.pg_proc
                WHERE pronamespace = 'public'::regnamespace
                  AND proname IN ('create_video_generation', 'create_video_request', 'soft_delete_video', 'restore_video',
                                  'get_credit_info', 'list_deleted_videos', 'refund_video_credits',
                                  'complete_video_generation', 'claim_video_jobs', 'grant_credits', 'verify_ledger',
                                  'expire_stale_videos', 'list_credit_lots', 'expire_credits')
                ORDER BY 1),
          ARRAY['claim_video_jobs', 'complete_video_generation', 'create_video_generation', 'create_video_request',
                'expire_credits', 'expire_stale_videos', 'get_credit_info', 'grant_credits', 'list_credit_lots',
                'list_deleted_videos', 'refund_video_credits', 'restore_video', 'soft_delete_video', 'verify_ledger'],
          'each API function exists exactly once: no overload can make a call ambiguous');

------------------------------------------------------------------------------------------
-- SQLSTATE -> HTTP status, the contract's table
------------------------------------------------------------------------------------------
SELECT is(test.http_status(s, r), h, format('%s as %s -> %s', s, r, h))
FROM (VALUES ('PT402', 'authenticated', 402), ('PT404', 'authenticated', 404), ('PT409', 'service_role', 409),
             ('PT410', 'authenticated', 410), ('PT422', 'service_role', 422), ('PT429', 'authenticated', 429),
             ('42501', 'anon', 401), ('42501', 'authenticated', 403), ('42501', 'service_role', 403),
             ('P0001', 'authenticated', 400), ('23505', 'service_role', 409), ('23503', 'service_role', 409),
             ('22023', 'authenticated', 400), ('22P02', 'authenticated', 400), ('23514', 'authenticated', 400),
             ('23502', 'authenticated', 400), ('25006', 'authenticated', 405), ('40001', 'authenticated', 500),
             ('40P01', 'authenticated', 500), ('53400', 'authenticated', 500), ('XX000', 'authenticated', 500),
             ('53300', 'authenticated', 503), ('08006', 'authenticated', 503), ('57P01', 'authenticated', 503),
             ('42883', 'anon', 404), ('42P01', 'anon', 404)) AS m(s, r, h);

SELECT * FROM finish();
