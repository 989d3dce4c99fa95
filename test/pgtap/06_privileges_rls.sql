-- 06_privileges_rls: what each API role may read and write directly (PostgREST's table
-- endpoints): RLS visibility per table for anon, the owner, another user and service_role;
-- refused writes on profiles/videos/credit_transactions; the append-only ledger trigger;
-- video_pricing writable by service_role only; no row locks for users; policy shape; the
-- EXECUTE matrix of every function.
BEGIN;
SELECT plan(123);

-- Users: alice with an active and a soft-deleted video, bob with one video; 100 credits each.
SET LOCAL sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) VALUES
  ('06000000-0000-4000-8000-000000000001', 'alice@example.com'),
  ('06000000-0000-4000-8000-000000000002', 'bob@example.com');
SET LOCAL sora_credits.signup_credits = 0;
CREATE TEMP TABLE vids (name text PRIMARY KEY, id uuid);
GRANT ALL ON vids TO PUBLIC;
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
INSERT INTO vids SELECT 'a_active', (public.create_video_generation('a_active')->>'video_id')::uuid;
INSERT INTO vids SELECT 'a_deleted', (public.create_video_generation('a_deleted')->>'video_id')::uuid;
SELECT public.soft_delete_video((SELECT id FROM vids WHERE name = 'a_deleted'));
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000002');
INSERT INTO vids SELECT 'b_active', (public.create_video_generation('b_active')->>'video_id')::uuid;
RESET ROLE;

-- What exists, as the superuser sees it.
CREATE TEMP TABLE totals AS SELECT
  (SELECT count(*)::int FROM public.profiles) AS profiles,
  (SELECT count(*)::int FROM public.videos) AS videos,
  (SELECT count(*)::int FROM public.credit_transactions) AS entries,
  (SELECT count(*)::int FROM public.credit_transactions WHERE user_id = '06000000-0000-4000-8000-000000000001') AS alice_entries;
GRANT SELECT ON totals TO PUBLIC;
SELECT results_eq('SELECT profiles, videos, entries, alice_entries FROM totals', $$VALUES (2, 3, 5, 3)$$,
                  'setup: 2 profiles, 3 videos (one deleted), 5 ledger rows (3 of them alice''s)');

------------------------------------------------------------------------------------------
-- SELECT visibility
------------------------------------------------------------------------------------------
-- anon: prices only.
SELECT test.act_as('anon');
SELECT results_eq('SELECT count(*)::int FROM public.video_pricing', ARRAY[5], 'anon reads video_pricing');
SELECT throws_ok(format('SELECT * FROM public.%I', t), '42501', format('permission denied for table %s', t),
                 format('anon cannot read %s', t))
FROM unnest(ARRAY['profiles', 'videos', 'credit_transactions']) t;

-- the owner: their own profile, their own videos that are not deleted, their own ledger.
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
SELECT results_eq('SELECT count(*)::int FROM public.video_pricing', ARRAY[5], 'authenticated reads video_pricing');
SELECT results_eq('SELECT id, credits FROM public.profiles',
                  $$VALUES ('06000000-0000-4000-8000-000000000001'::uuid, 70::bigint)$$,
                  'owner: exactly their own profile');
SELECT results_eq('SELECT prompt FROM public.videos', $$VALUES ('a_active'::text)$$,
                  'owner: their own videos, without the soft-deleted one');
SELECT results_eq($$SELECT count(*)::int, count(*) FILTER (WHERE user_id = '06000000-0000-4000-8000-000000000001')::int
                    FROM public.credit_transactions$$,
                  'SELECT alice_entries, alice_entries FROM totals', 'owner: all of their ledger rows and no one else''s');

-- another user: none of alice's rows.
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000002');
SELECT is_empty($$SELECT * FROM public.profiles WHERE id = '06000000-0000-4000-8000-000000000001'$$,
                'other user: cannot see alice''s profile');
SELECT is_empty($$SELECT * FROM public.videos WHERE user_id = '06000000-0000-4000-8000-000000000001'$$,
                'other user: cannot see alice''s videos');
SELECT is_empty($$SELECT * FROM public.credit_transactions WHERE user_id = '06000000-0000-4000-8000-000000000001'$$,
                'other user: cannot see alice''s ledger');
SELECT results_eq('SELECT prompt FROM public.videos', $$VALUES ('b_active'::text)$$, 'other user: only their own video');

-- a token without sub: nothing.
SELECT test.act_as('authenticated');
SELECT is_empty('SELECT * FROM public.profiles', 'authenticated without sub: no profile visible');
SELECT is_empty('SELECT * FROM public.videos', 'authenticated without sub: no video visible');

-- service_role: everything, deleted videos included.
SELECT test.act_as('service_role');
SELECT results_eq($$SELECT (SELECT count(*)::int FROM public.profiles), (SELECT count(*)::int FROM public.videos),
                           (SELECT count(*)::int FROM public.credit_transactions)$$,
                  'SELECT profiles, videos, entries FROM totals', 'service_role sees every row of every table');
RESET ROLE;

------------------------------------------------------------------------------------------
-- Direct writes on profiles, videos and credit_transactions: refused for every API role
------------------------------------------------------------------------------------------
CREATE TEMP TABLE write_attempts (tbl text, op text, stmt text);
GRANT SELECT ON write_attempts TO PUBLIC;
INSERT INTO write_attempts VALUES
  ('profiles', 'INSERT', $$INSERT INTO public.profiles (id, user_id, credits) VALUES ('06000000-0000-4000-8000-000000000009', '06000000-0000-4000-8000-000000000009', 1000000)$$),
  ('profiles', 'UPDATE', $$UPDATE public.profiles SET credits = 1000000 WHERE id = '06000000-0000-4000-8000-000000000001'$$),
  ('profiles', 'DELETE', $$DELETE FROM public.profiles WHERE id = '06000000-0000-4000-8000-000000000001'$$),
  ('profiles', 'TRUNCATE', 'TRUNCATE public.profiles CASCADE'),
  ('videos', 'INSERT', $$INSERT INTO public.videos (user_id, prompt, model, resolution, duration_seconds, credits_cost) VALUES ('06000000-0000-4000-8000-000000000001', 'free video', 'sora-2-pro', '1080p', 60, 1)$$),
  ('videos', 'UPDATE', $$UPDATE public.videos SET deleted_at = NULL WHERE user_id = '06000000-0000-4000-8000-000000000001'$$),
  ('videos', 'DELETE', $$DELETE FROM public.videos WHERE user_id = '06000000-0000-4000-8000-000000000001'$$),
  ('videos', 'TRUNCATE', 'TRUNCATE public.videos CASCADE'),
  ('credit_transactions', 'INSERT', $$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind) VALUES ('06000000-0000-4000-8000-000000000001', 1000, 1070, 'grant')$$),
  ('credit_transactions', 'UPDATE', $$UPDATE public.credit_transactions SET amount = 1000 WHERE user_id = '06000000-0000-4000-8000-000000000001'$$),
  ('credit_transactions', 'DELETE', $$DELETE FROM public.credit_transactions WHERE user_id = '06000000-0000-4000-8000-000000000001'$$),
  ('credit_transactions', 'TRUNCATE', 'TRUNCATE public.credit_transactions');

SELECT test.act_as('anon');
SELECT throws_ok(stmt, '42501', format('permission denied for table %s', tbl), format('anon: %s on %s refused', op, tbl))
FROM write_attempts ORDER BY tbl, op;
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
SELECT throws_ok(stmt, '42501', format('permission denied for table %s', tbl), format('authenticated owner: %s on %s refused', op, tbl))
FROM write_attempts ORDER BY tbl, op;
SELECT test.act_as('service_role');
SELECT throws_ok(stmt, '42501', format('permission denied for table %s', tbl), format('service_role: %s on %s refused', op, tbl))
FROM write_attempts ORDER BY tbl, op;
RESET ROLE;
SELECT results_eq($$SELECT (SELECT credits FROM public.profiles WHERE id = '06000000-0000-4000-8000-000000000001'),
                           (SELECT count(*)::int FROM public.videos), (SELECT count(*)::int FROM public.credit_transactions)$$,
                  $$SELECT 70::bigint, videos, entries FROM totals$$, 'refused writes changed nothing');

-- No row locks for users either: a FOR UPDATE/SHARE on a profile would block its charges.
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
SELECT throws_ok(format('SELECT * FROM public.%I %s', t, l), '42501', format('permission denied for table %s', t),
                 format('authenticated: SELECT ... %s on %s refused', l, t))
FROM unnest(ARRAY['profiles', 'videos', 'credit_transactions']) t,
     unnest(ARRAY['FOR UPDATE', 'FOR SHARE', 'FOR KEY SHARE']) l;
SELECT test.act_as('anon');
SELECT throws_ok('SELECT * FROM public.video_pricing FOR UPDATE', '42501', 'permission denied for table video_pricing',
                 'anon: SELECT ... FOR UPDATE on video_pricing refused');
RESET ROLE;

-- The ledger is append-only even for the owner/superuser (a trigger, not a privilege).
SELECT throws_ok($$UPDATE public.credit_transactions SET description = 'edited' WHERE user_id = '06000000-0000-4000-8000-000000000001'$$,
                 '42501', 'credit_transactions is append-only: ledger entries cannot be changed',
                 'superuser: UPDATE credit_transactions refused by the trigger');

-- Rows go away only with the user: deleting the auth user (as Supabase Auth does) cascades.
SET LOCAL ROLE supabase_auth_admin;
SELECT lives_ok($$DELETE FROM auth.users WHERE id = '06000000-0000-4000-8000-000000000002'$$,
                'supabase_auth_admin deletes bob from auth.users');
RESET ROLE;
SELECT results_eq($$SELECT (SELECT count(*)::int FROM public.profiles WHERE id = '06000000-0000-4000-8000-000000000002'),
                           (SELECT count(*)::int FROM public.videos WHERE user_id = '06000000-0000-4000-8000-000000000002'),
                           (SELECT count(*)::int FROM public.credit_transactions WHERE user_id = '06000000-0000-4000-8000-000000000002')$$,
                  $$VALUES (0, 0, 0)$$, 'deleting the user removed their profile, videos and ledger');

------------------------------------------------------------------------------------------
-- video_pricing: written by service_role only
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT lives_ok($$INSERT INTO public.video_pricing (model, resolution, credits_per_second) VALUES ('sora-2', '4k', 12)$$,
                'service_role inserts a price');
SELECT lives_ok($$UPDATE public.video_pricing SET credits_per_second = 13 WHERE model = 'sora-2' AND resolution = '4k'$$,
                'service_role updates a price');
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
SELECT results_eq($$SELECT credits_per_second FROM public.video_pricing WHERE resolution = '4k'$$, ARRAY[13],
                  'users see the new price');
SELECT is(public.create_video_generation('in 4k', 1, '4k', 'sora-2')->'credits_charged', '13'::jsonb,
          'and are charged it');
SELECT throws_ok(stmt, '42501', 'permission denied for table video_pricing', format('authenticated: %s on video_pricing refused', op))
FROM (VALUES ('INSERT', $$INSERT INTO public.video_pricing VALUES ('sora-2', '8k', 1)$$),
             ('UPDATE', $$UPDATE public.video_pricing SET credits_per_second = 1 WHERE model = 'sora-2-pro'$$),
             ('DELETE', $$DELETE FROM public.video_pricing WHERE model = 'sora-2-pro'$$)) AS w(op, stmt);
SELECT test.act_as('anon');
SELECT throws_ok(stmt, '42501', 'permission denied for table video_pricing', format('anon: %s on video_pricing refused', op))
FROM (VALUES ('INSERT', $$INSERT INTO public.video_pricing VALUES ('sora-2', '8k', 1)$$),
             ('UPDATE', $$UPDATE public.video_pricing SET credits_per_second = 1 WHERE model = 'sora-2-pro'$$),
             ('DELETE', $$DELETE FROM public.video_pricing WHERE model = 'sora-2-pro'$$)) AS w(op, stmt);
RESET ROLE;
SELECT results_eq($$SELECT model, credits_per_second FROM public.video_pricing WHERE model = 'sora-2-pro' ORDER BY 2$$,
                  $$VALUES ('sora-2-pro'::text, 10), ('sora-2-pro', 20)$$, 'refused price changes changed nothing');

------------------------------------------------------------------------------------------
-- Policies: (select auth.uid()), one SELECT policy on videos, no write policies
------------------------------------------------------------------------------------------
SELECT is((SELECT count(*)::int FROM pg_policies
           WHERE schemaname = 'public' AND qual ~ 'auth\.uid\(\)' AND qual !~ '\(\s*SELECT auth\.uid\(\)'),
          0, 'every policy calls auth.uid() through (select auth.uid())');
SELECT is((SELECT count(*)::int FROM pg_policies
           WHERE schemaname = 'public' AND tablename IN ('profiles', 'videos', 'credit_transactions')
             AND qual ~ 'SELECT auth\.uid\(\)'),
          3, 'profiles, videos and credit_transactions each have an auth.uid() policy');
SELECT is((SELECT count(*)::int FROM pg_policies
           WHERE schemaname = 'public' AND tablename = 'videos' AND permissive = 'PERMISSIVE'
             AND cmd IN ('SELECT', 'ALL') AND roles && ARRAY['authenticated', 'public']::name[]),
          1, 'videos: exactly one permissive SELECT policy for authenticated');
SELECT is((SELECT count(*)::int FROM pg_policies
           WHERE schemaname = 'public' AND tablename IN ('profiles', 'videos', 'credit_transactions')
             AND cmd <> 'SELECT'),
          0, 'no INSERT/UPDATE/DELETE/ALL policies on profiles, videos, credit_transactions');

------------------------------------------------------------------------------------------
-- EXECUTE matrix: every function x (anon, authenticated, service_role)
------------------------------------------------------------------------------------------
SELECT is(has_function_privilege(r, to_regprocedure('public.' || f), 'EXECUTE'), allowed,
          format('%s %s EXECUTE %s', r, CASE WHEN allowed THEN 'has' ELSE 'has no' END, f))
FROM (VALUES
  ('create_video_generation(text,integer,text,text,text)', false, true, true),
  ('create_video_request(text,integer,text,text)', false, true, true),
  ('soft_delete_video(uuid)', false, true, true),
  ('restore_video(uuid)', false, true, true),
  ('get_credit_info(uuid)', false, true, true),
  ('list_deleted_videos()', false, true, true),
  ('refund_video_credits(uuid,text)', false, false, true),
  ('complete_video_generation(uuid,text)', false, false, true),
  ('claim_video_jobs(integer)', false, false, true),
  ('grant_credits(uuid,bigint,text,text,text)', false, false, true),
  ('verify_ledger()', false, false, true),
  ('handle_new_user()', false, false, false),
  ('credit_transactions_refuse_update()', false, false, false)
) AS m(f, anon, authenticated, service_role),
LATERAL (VALUES ('anon', m.anon), ('authenticated', m.authenticated), ('service_role', m.service_role)) AS p(r, allowed);

-- The ledger's identity sequence is not usable by the API roles.
SELECT is(has_sequence_privilege(r, pg_get_serial_sequence('public.credit_transactions', 'id'), 'USAGE, SELECT, UPDATE'),
          false, format('%s has no privilege on the credit_transactions id sequence', r))
FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r;

SELECT * FROM finish();
ROLLBACK;
