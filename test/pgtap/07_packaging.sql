-- 07_packaging: the extension as a package, inside this test's transaction: DROP EXTENSION
-- removes everything (the trigger on auth.users included); CREATE EXTENSION ... SCHEMA api
-- puts everything in api and works end to end there (nothing hard-codes public); a
-- database without the Supabase prerequisites is refused with 55000, naming what is
-- missing, and nothing is left behind.
BEGIN;
SELECT plan(47);

-- Every object name the extension creates, for "nothing left" checks.
CREATE TEMP TABLE our_functions (name name);
INSERT INTO our_functions VALUES ('create_video_generation'), ('create_video_request'), ('soft_delete_video'),
  ('restore_video'), ('get_credit_info'), ('list_deleted_videos'), ('refund_video_credits'),
  ('complete_video_generation'), ('claim_video_jobs'), ('grant_credits'), ('verify_ledger'),
  ('handle_new_user'), ('refuse_direct_change'), ('guard_ledger'), ('guard_extension_objects');
CREATE TEMP TABLE our_relations (name name);
INSERT INTO our_relations VALUES ('video_pricing'), ('profiles'), ('videos'), ('credit_transactions'),
  ('credit_transactions_id_seq'), ('videos_user_active_idx'), ('videos_user_deleted_idx');
CREATE FUNCTION pg_temp.leftovers() RETURNS int LANGUAGE sql AS $$
  SELECT (SELECT count(*)::int FROM pg_proc WHERE proname IN (SELECT name FROM our_functions))
       + (SELECT count(*)::int FROM pg_class c WHERE relname IN (SELECT name FROM our_relations)
            AND relnamespace <> pg_my_temp_schema())
       + (SELECT count(*)::int FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relname = 'users' AND n.nspname LIKE 'auth%' AND NOT t.tgisinternal)
       + (SELECT count(*)::int FROM pg_extension WHERE extname = 'sora_credits')
$$;

-- Use the installed extension first, so this session has cached its statements for public.
SET LOCAL sora_credits.signup_credits = 10;
INSERT INTO auth.users (id, email) VALUES ('07000000-0000-4000-8000-000000000001', 'early@example.com');
SELECT test.act_as('authenticated', '07000000-0000-4000-8000-000000000001');
SELECT is(public.create_video_generation('before the drop', 1, '480p')->'credits_remaining', '9'::jsonb,
          'the extension in public works before the drop');
RESET ROLE;

------------------------------------------------------------------------------------------
-- DROP EXTENSION removes everything it created, its trigger on auth.users included
------------------------------------------------------------------------------------------
SELECT lives_ok('DROP EXTENSION sora_credits', 'DROP EXTENSION sora_credits');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname IN (SELECT name FROM our_functions)), 0,
          'no function of the extension is left');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relname IN (SELECT name FROM our_relations)
             AND relnamespace <> pg_my_temp_schema()), 0,
          'no table, sequence or index of the extension is left');
SELECT is((SELECT count(*)::int FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass AND NOT tgisinternal), 0,
          'no trigger is left on auth.users');
SELECT is(pg_temp.leftovers(), 0, 'nothing at all is left');
SELECT lives_ok($$INSERT INTO auth.users (id, email) VALUES ('07000000-0000-4000-8000-000000000002', 'after@example.com')$$,
                'auth.users accepts new users after the drop (no dangling trigger)');
SELECT is((SELECT count(*)::int FROM auth.users WHERE id::text LIKE '07000000-%'), 2, 'auth.users rows are untouched');

------------------------------------------------------------------------------------------
-- CREATE EXTENSION sora_credits SCHEMA api: everything lives in api and works there
------------------------------------------------------------------------------------------
CREATE SCHEMA api;
-- As for any schema PostgREST exposes, the API roles need USAGE on it.
GRANT USAGE ON SCHEMA api TO anon, authenticated, service_role;
SELECT lives_ok('CREATE EXTENSION sora_credits SCHEMA api', 'CREATE EXTENSION sora_credits SCHEMA api');
SELECT is((SELECT array_agg(t ORDER BY t) FROM unnest(ARRAY['video_pricing', 'profiles', 'videos', 'credit_transactions']) t
           WHERE to_regclass('api.' || t) IS NOT NULL),
          ARRAY['credit_transactions', 'profiles', 'video_pricing', 'videos'], 'the 4 tables are in api');
SELECT is((SELECT count(*)::int FROM pg_class WHERE relname IN (SELECT name FROM our_relations)
             AND relnamespace NOT IN ('api'::regnamespace, pg_my_temp_schema())), 0,
          'no table, sequence or index of the extension outside api');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname IN (SELECT name FROM our_functions)
             AND pronamespace = 'api'::regnamespace), 15, 'all 15 functions are in api');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname IN (SELECT name FROM our_functions)
             AND pronamespace <> 'api'::regnamespace), 0, 'no function of the extension outside api');
SELECT is(ARRAY(SELECT DISTINCT tgfoid FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass AND NOT tgisinternal),
          ARRAY[to_regprocedure('api.handle_new_user()')::oid], 'the auth.users triggers run api.handle_new_user()');
SELECT is(ARRAY(SELECT c::regclass::text FROM pg_extension e, unnest(e.extconfig) c
                WHERE e.extname = 'sora_credits' ORDER BY 1),
          ARRAY['api.credit_allocations', 'api.credit_lots', 'api.credit_lots_id_seq', 'api.credit_transactions',
                'api.credit_transactions_id_seq', 'api.payment_references', 'api.profiles', 'api.video_pricing',
                'api.videos'],
          'extconfig lists the api tables and sequence');

-- A new user and a full charge, with a search_path that does not contain api.
SET LOCAL search_path = public;
SET LOCAL sora_credits.signup_credits = 50;
INSERT INTO auth.users (id, email) VALUES ('07000000-0000-4000-8000-000000000003', 'api@example.com');
SELECT results_eq($$SELECT p.credits, t.kind, t.amount FROM api.profiles p JOIN api.credit_transactions t ON t.user_id = p.id
                    WHERE p.id = '07000000-0000-4000-8000-000000000003'$$,
                  $$VALUES (50::bigint, 'signup_bonus'::text, 50::bigint)$$,
                  'the trigger created the profile and the bonus in api');
SELECT test.act_as('authenticated', '07000000-0000-4000-8000-000000000003');
INSERT INTO test.res SELECT 'charge', api.create_video_generation('in api', 5, '720p', 'sora-2', 'api-key');
INSERT INTO test.res SELECT 'replay', api.create_video_generation('in api', 5, '720p', 'sora-2', 'api-key');
SELECT throws_ok($$SELECT api.create_video_generation('too much', 60, '1080p', 'sora-2-pro')$$, 'PT402',
                 'Insufficient credits. You have 35 credits, but need 1200 credits.', 'api: PT402 from api tables');
SELECT results_eq('SELECT prompt, status FROM api.videos', $$VALUES ('in api'::text, 'pending'::text)$$,
                  'api: the owner sees the video through RLS on api.videos');
SELECT is(api.soft_delete_video((SELECT (r->>'video_id')::uuid FROM test.res WHERE name = 'charge'))->'already_deleted',
          'false'::jsonb, 'api: soft_delete_video');
SELECT results_eq('SELECT prompt FROM api.list_deleted_videos()', $$VALUES ('in api'::text)$$,
                  'api: list_deleted_videos reads api.videos');
SELECT is(api.restore_video((SELECT (r->>'video_id')::uuid FROM test.res WHERE name = 'charge'))->'already_active',
          'false'::jsonb, 'api: restore_video');
SELECT is(api.get_credit_info()->'credits_reserved', '15'::jsonb, 'api: get_credit_info');
SELECT test.act_as('service_role');
SELECT results_eq('SELECT prompt, status FROM api.claim_video_jobs(10)', $$VALUES ('in api'::text, 'processing'::text)$$,
                  'api: claim_video_jobs');
SELECT is(api.refund_video_credits((SELECT (r->>'video_id')::uuid FROM test.res WHERE name = 'charge'))->'credits_refunded',
          '15'::jsonb, 'api: refund_video_credits');
SELECT is(api.grant_credits('07000000-0000-4000-8000-000000000003', 25, 'purchase', 'api-pay')->'credits_remaining',
          '75'::jsonb, 'api: grant_credits');
SELECT is_empty('SELECT * FROM api.verify_ledger()', 'api: verify_ledger is empty');
RESET ROLE;
SELECT is((SELECT r - 'video_id' - 'created_at' - 'transaction_id' FROM test.res WHERE name = 'charge'),
          '{"success": true, "status": "pending", "credits_charged": 15, "credits_remaining": 35, "idempotent_replay": false}'::jsonb,
          'api: create_video_generation charged 15 of 50');
SELECT is((SELECT r->'idempotent_replay' FROM test.res WHERE name = 'replay'), 'true'::jsonb, 'api: the replay found the api video');
SELECT results_eq($$SELECT kind, amount FROM api.credit_transactions WHERE user_id = '07000000-0000-4000-8000-000000000003' ORDER BY id$$,
                  $$VALUES ('signup_bonus'::text, 50::bigint), ('video_generation', -15), ('refund', 15), ('purchase', 25)$$,
                  'api: the whole ledger is in api.credit_transactions');
RESET search_path;

------------------------------------------------------------------------------------------
-- Missing prerequisites: 55000 naming what is missing; nothing is left behind
------------------------------------------------------------------------------------------
SELECT lives_ok('DROP EXTENSION sora_credits', 'DROP EXTENSION sora_credits (from api)');
SELECT is(pg_temp.leftovers(), 0, 'nothing is left after dropping the api install');

ALTER SCHEMA auth RENAME TO auth_off;
SELECT throws_ok('CREATE EXTENSION sora_credits', '55000',
                 'sora_credits needs a Supabase-compatible database; missing: schema auth, table auth.users (id uuid primary key), function auth.uid(), function auth.role(), function auth.jwt()',
                 'no auth schema: 55000 naming the schema, the table and the functions');
SELECT is(pg_temp.leftovers(), 0, 'the refused CREATE EXTENSION left nothing behind');
ALTER SCHEMA auth_off RENAME TO auth;

ALTER FUNCTION auth.jwt() RENAME TO jwt_off;
SELECT throws_ok('CREATE EXTENSION sora_credits', '55000',
                 'sora_credits needs a Supabase-compatible database; missing: function auth.jwt()',
                 'no auth.jwt(): 55000 naming exactly it');
SELECT is(pg_temp.leftovers(), 0, 'left nothing behind');
ALTER FUNCTION auth.jwt_off() RENAME TO jwt;

ALTER ROLE service_role RENAME TO service_role_off;
SELECT throws_ok('CREATE EXTENSION sora_credits', '55000',
                 'sora_credits needs a Supabase-compatible database; missing: role service_role',
                 'no role service_role: 55000 naming exactly it');
SELECT is(pg_temp.leftovers(), 0, 'left nothing behind');
ALTER ROLE service_role_off RENAME TO service_role;

-- With everything back, it installs again.
SELECT lives_ok('CREATE EXTENSION sora_credits', 'CREATE EXTENSION sora_credits with the prerequisites back');
SELECT is((SELECT count(*)::int FROM public.video_pricing), 5, 'reinstalled in public with its seed prices');
SET LOCAL sora_credits.signup_credits = 10;
INSERT INTO auth.users (id, email) VALUES ('07000000-0000-4000-8000-000000000004', 'again@example.com');
SELECT test.act_as('authenticated', '07000000-0000-4000-8000-000000000004');
SELECT is(public.create_video_generation('after reinstall', 1, '480p')->'credits_remaining', '9'::jsonb,
          'the reinstalled extension works in this session');
RESET ROLE;
-- Dropped and created again in the same schema: statements this session prepared must
-- follow the new tables, not the dropped ones.
SELECT set_config('search_path', 'public, auth', true);
SELECT lives_ok('DROP EXTENSION sora_credits; CREATE EXTENSION sora_credits',
                'DROP and CREATE EXTENSION again in public');
-- The install script pins its own search_path with SET LOCAL: it must not leak out.
SELECT is(current_setting('search_path'), 'public, auth',
          'CREATE EXTENSION leaves the installer''s search_path as it was');
-- Users who existed before CREATE EXTENSION get an account, empty: no bonus is minted.
SELECT is((SELECT credits FROM public.profiles WHERE id = '07000000-0000-4000-8000-000000000004'),
          0::bigint, 'an existing user gets a profile at CREATE EXTENSION, with 0 credits');
SELECT is((SELECT count(*)::int FROM public.credit_transactions), 0,
          'the backfill writes no ledger entry');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'the backfilled accounts are consistent');
INSERT INTO auth.users (id, email) VALUES ('07000000-0000-4000-8000-000000000005', 'third@example.com');
SELECT test.act_as('authenticated', '07000000-0000-4000-8000-000000000005');
SELECT is(public.create_video_generation('third install', 1, '480p')->'credits_remaining', '9'::jsonb,
          'and works again, on the new tables');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM public.videos), 1, 'the new videos table holds just that video');

SELECT * FROM finish();
ROLLBACK;
