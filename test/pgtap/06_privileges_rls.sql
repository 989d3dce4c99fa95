-- 06_privileges_rls: RLS and privilege rules that the privilege matrix (09) does not show:
-- a token without sub sees no rows; the ledger is append-only even for the superuser (a
-- trigger); rows leave only with their user (cascade); a price set by service_role is what
-- users see and pay; the shape of the policies; the ledger's identity sequence.
BEGIN;
SELECT plan(14);

-- Users: alice and bob, 100 credits and one video each.
SET LOCAL sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) VALUES
  ('06000000-0000-4000-8000-000000000001', 'alice@example.com'),
  ('06000000-0000-4000-8000-000000000002', 'bob@example.com');
SET LOCAL sora_credits.signup_credits = 0;
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
SELECT public.create_video_generation('a_active');
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000002');
SELECT public.create_video_generation('b_active');
RESET ROLE;

------------------------------------------------------------------------------------------
-- A token without sub sees no account and no video
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated');
SELECT is_empty('SELECT * FROM public.profiles', 'authenticated without sub: no profile visible');
SELECT is_empty('SELECT * FROM public.videos', 'authenticated without sub: no video visible');
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
-- video_pricing: a price set by service_role is what users see and pay
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
INSERT INTO public.video_pricing (model, resolution, credits_per_second) VALUES ('sora-2', '4k', 12);
UPDATE public.video_pricing SET credits_per_second = 13 WHERE model = 'sora-2' AND resolution = '4k';
SELECT test.act_as('authenticated', '06000000-0000-4000-8000-000000000001');
SELECT results_eq($$SELECT credits_per_second FROM public.video_pricing WHERE resolution = '4k'$$, ARRAY[13],
                  'users see the price service_role set');
SELECT is(public.create_video_generation('in 4k', 1, '4k', 'sora-2')->'credits_charged', '13'::jsonb,
          'and are charged it');
RESET ROLE;

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

-- The ledger's identity sequence is not usable by the API roles.
SELECT is(has_sequence_privilege(r, pg_get_serial_sequence('public.credit_transactions', 'id'), 'USAGE, SELECT, UPDATE'),
          false, format('%s has no privilege on the credit_transactions id sequence', r))
FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r;

SELECT * FROM finish();
ROLLBACK;
