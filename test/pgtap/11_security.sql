-- 11_security: the operator-side attacks of issue 10, each run as the role that attacks,
-- each refused with its SQLSTATE and leaving everything as it was (1.2):
--  1. the database owner (who owns schema public) renaming, dropping or shadowing the
--     extension's schema; and the statements following the schema by OID, not by a
--     name cached from an earlier call;
--  2. the auth server's role (owner of auth.uid() and auth.users) replacing auth.uid() or
--     putting a view in place of auth.users: none of it runs inside the functions;
--  3. the database owner dropping the ledger's backstops (its unique indexes);
--  4. DDL that would rewrite or unguard the ledger, and direct writes of balances, videos
--     and ledger rows by a role holding every table privilege (Supabase's postgres);
--  6. a JWT claim role = service_role in a session of another role.
-- (5, settings from a connection's startup options, needs new connections: test/bgworker.)
BEGIN;
SELECT plan(94);

-- Roles of this test (rolled back with it): the database's owner, and an administrator
-- with what Supabase's default privileges give postgres (ALL on the tables, BYPASSRLS).
CREATE ROLE sec_db_owner NOLOGIN;
CREATE ROLE sec_admin NOLOGIN BYPASSRLS;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO sec_db_owner', current_database()); END $$;
GRANT ALL ON public.profiles, public.videos, public.credit_transactions, public.video_pricing,
  public.credit_lots, public.credit_allocations, public.payment_references TO sec_admin;
GRANT USAGE ON SCHEMA auth TO sec_admin;
-- What the attacker's code would leave behind if it ran: who ran it.
CREATE TABLE test.trap_log (ran_as text, is_superuser boolean);
GRANT INSERT, SELECT ON test.trap_log TO PUBLIC;
CREATE FUNCTION test.trap() RETURNS boolean LANGUAGE sql AS $$
  INSERT INTO test.trap_log SELECT current_user, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
  SELECT true
$$;
GRANT EXECUTE ON FUNCTION test.trap() TO PUBLIC;

-- Users: alice (100 credits, one of them from a payment, and one video), bob (100 credits).
SET LOCAL sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) VALUES ('11000000-0000-4000-8000-000000000002', 'bob@example.com');
SET LOCAL sora_credits.signup_credits = 99;
INSERT INTO auth.users (id, email) VALUES ('11000000-0000-4000-8000-000000000001', 'alice@example.com');
INSERT INTO test.res SELECT 'pay-0', public.grant_credits('11000000-0000-4000-8000-000000000001', 1, 'purchase', 'pay-0');
SET LOCAL sora_credits.signup_credits = 0;
SELECT test.act_as('authenticated', '11000000-0000-4000-8000-000000000001');
INSERT INTO test.res SELECT 'a1', public.create_video_generation('a1');
RESET ROLE;
CREATE TEMP TABLE before AS
  SELECT (SELECT array_agg(credits ORDER BY id) FROM public.profiles) AS balances,
         (SELECT count(*) FROM public.credit_transactions) AS entries,
         (SELECT count(*) FROM public.videos) AS videos;
GRANT SELECT ON before TO PUBLIC;
CREATE FUNCTION pg_temp.unchanged() RETURNS boolean LANGUAGE sql AS $$
  SELECT b.balances = (SELECT array_agg(credits ORDER BY id) FROM public.profiles)
     AND b.entries = (SELECT count(*) FROM public.credit_transactions)
     AND b.videos = (SELECT count(*) FROM public.videos)
  FROM before b
$$;

------------------------------------------------------------------------------------------
-- 1. The extension's schema: not renamed, dropped or shadowed by its owner
------------------------------------------------------------------------------------------
SET LOCAL ROLE sec_db_owner;
SELECT ok((SELECT pg_has_role('sec_db_owner', nspowner, 'USAGE') FROM pg_namespace WHERE nspname = 'public'),
          'the database owner owns schema public (pg_database_owner)');
SELECT throws_ok('ALTER SCHEMA public RENAME TO public_old', '42501',
                 'sora_credits: only a superuser may drop, disable or rename what the credit ledger relies on',
                 'database owner: renaming the extension''s schema is refused');
SELECT throws_ok('DROP SCHEMA public CASCADE', '42501',
                 'sora_credits: only a superuser may drop the schema that holds the credit ledger',
                 'database owner: DROP SCHEMA public CASCADE (which would drop the extension) is refused');
SELECT throws_ok('DROP SCHEMA IF EXISTS nothing_here, public', '42501', NULL,
                 'database owner: the extension''s schema anywhere in a DROP SCHEMA list is refused');
SELECT throws_ok('DROP OWNED BY pg_database_owner CASCADE', '42501', NULL,
                 'database owner: DROP OWNED BY the schema''s owner is refused');
SELECT lives_ok('ALTER SCHEMA public OWNER TO sec_db_owner',
                'database owner: handing schema public to itself is allowed (nothing is removed)');
SELECT throws_ok('DROP OWNED BY sec_db_owner CASCADE', '42501',
                 'sora_credits: only a superuser may drop the schema that holds the credit ledger',
                 'and DROP OWNED BY the new owner is refused too');
-- Its own DDL in public goes on as before.
SELECT lives_ok('CREATE TABLE public.sec_own (x int); CREATE INDEX sec_own_x ON public.sec_own (x);
                 DROP INDEX public.sec_own_x; DROP TABLE public.sec_own; CREATE SCHEMA sec_mine; DROP SCHEMA sec_mine',
                'database owner: creating and dropping its own tables, indexes and schemas still works');
RESET ROLE;
SELECT is((SELECT n.nspname::text FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
           WHERE e.extname = 'sora_credits'), 'public', 'the extension is still in schema public');

-- Even when a superuser renames the schema (which the event trigger allows), the statements
-- follow the schema by OID in every backend: the name this backend used before now belongs
-- to a look-alike schema whose views would run the trap as the functions' owner.
SELECT test.act_as('authenticated', '11000000-0000-4000-8000-000000000001');
SELECT is((public.get_credit_info()->>'credits')::int, 85, 'alice''s balance, read through schema public (cached plans)');
RESET ROLE;
ALTER SCHEMA public RENAME TO sec_renamed;
CREATE SCHEMA public;
GRANT USAGE ON SCHEMA public TO PUBLIC;
CREATE VIEW public.profiles AS SELECT p.*, 0 AS decoy FROM sec_renamed.profiles p WHERE test.trap();
CREATE VIEW public.videos AS SELECT v.* FROM sec_renamed.videos v WHERE test.trap();
SET LOCAL search_path = sec_renamed, public;
SELECT test.act_as('authenticated', '11000000-0000-4000-8000-000000000001');
SELECT sec_renamed.is((sec_renamed.get_credit_info()->>'credits')::int, 85,
                      'after the rename, get_credit_info reads the real profiles');
SELECT sec_renamed.is((sec_renamed.create_video_generation('renamed', 1, '480p')->>'credits_remaining')::int, 84,
                      'and a charge writes the real tables');
RESET ROLE;
SELECT sec_renamed.is((SELECT count(*)::int FROM test.trap_log), 0,
                      'no look-alike view of the old name ran (nothing executed the trap)');
SET LOCAL search_path = "$user", public;
DROP VIEW public.profiles, public.videos;
DROP SCHEMA public;
ALTER SCHEMA sec_renamed RENAME TO public;
SELECT test.act_as('authenticated', '11000000-0000-4000-8000-000000000001');
SELECT is((public.get_credit_info()->>'credits')::int, 84, 'renamed back: the same backend follows it again');
RESET ROLE;

------------------------------------------------------------------------------------------
-- 2. Code of the auth server's role never runs inside the functions
------------------------------------------------------------------------------------------
SET LOCAL ROLE supabase_auth_admin;
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN test.trap() THEN '11000000-0000-4000-8000-000000000002'::uuid END
$$;
CREATE OR REPLACE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN test.trap() THEN 'service_role' END
$$;
RESET ROLE;
SELECT test.act_as('authenticated', '11000000-0000-4000-8000-000000000001');
SELECT is(public.get_credit_info()->>'user_id', '11000000-0000-4000-8000-000000000001',
          'with auth.uid() replaced, the caller is still the sub of the JWT claims');
SELECT is((public.create_video_generation('a2', 1, '480p')->>'credits_remaining')::int, 83,
          'a charge goes to the signed-in user, not to the one auth.uid() now names');
SELECT is(public.soft_delete_video(test.vid('a1'))->>'already_deleted', 'false', 'soft_delete_video works');
SELECT is((SELECT count(*)::int FROM public.list_deleted_videos()), 1, 'list_deleted_videos works');
SELECT throws_ok($$SELECT public.get_credit_info('11000000-0000-4000-8000-000000000002')$$, '42501',
                 'You can only view your own credit information.',
                 'with auth.role() replaced to say service_role, no service powers');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM test.trap_log), 0,
          'neither replaced function ran inside the functions (as their superuser owner or at all)');

-- A view in place of auth.users: the ledger guard finds the real table by OID.
SET LOCAL ROLE supabase_auth_admin;
ALTER TABLE auth.users RENAME TO users_real;
CREATE VIEW auth.users AS SELECT u.* FROM auth.users_real u WHERE test.trap();
GRANT SELECT ON auth.users TO PUBLIC;
RESET ROLE;
SELECT throws_ok($$DELETE FROM public.profiles WHERE id = '11000000-0000-4000-8000-000000000002'$$, '42501',
                 'credit_transactions is append-only: ledger entries cannot be deleted',
                 'superuser deleting bob''s profile while bob exists (in the renamed table): refused');
SET LOCAL ROLE supabase_auth_admin;
SELECT lives_ok($$DELETE FROM auth.users_real WHERE id = '11000000-0000-4000-8000-000000000002'$$,
                'the auth server deletes bob from the real (renamed) auth.users: the cascade is allowed');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE user_id = '11000000-0000-4000-8000-000000000002'), 0,
          'bob''s ledger went with him');
SELECT is((SELECT count(*)::int FROM test.trap_log), 0, 'and the view put in auth.users''s place never ran');
SET LOCAL ROLE supabase_auth_admin;
DROP VIEW auth.users;
ALTER TABLE auth.users_real RENAME TO users;
RESET ROLE;
-- The snapshot for the checks below, without bob.
TRUNCATE test.trap_log;
DELETE FROM before;
INSERT INTO before SELECT (SELECT array_agg(credits ORDER BY id) FROM public.profiles),
                          (SELECT count(*) FROM public.credit_transactions), (SELECT count(*) FROM public.videos);

-- The auth server's role cannot unhook the sign-up trigger.
SET LOCAL ROLE supabase_auth_admin;
SELECT throws_ok('ALTER TABLE auth.users DISABLE TRIGGER sora_credits_on_auth_user_created', '42501',
                 'sora_credits: only a superuser may drop, disable or rename what the credit ledger relies on',
                 'auth admin: disabling the sign-up trigger is refused');
SELECT throws_ok('ALTER TABLE auth.users DISABLE TRIGGER ALL', '42501', NULL,
                 'auth admin: disabling all triggers of auth.users is refused');
SELECT throws_ok('DROP TRIGGER sora_credits_on_auth_user_created ON auth.users', '2BP01', NULL,
                 'auth admin: dropping the sign-up trigger is refused (an extension member)');
RESET ROLE;
SELECT is((SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'sora_credits_on_auth_user_created'), 'O',
          'the sign-up trigger is still there and enabled');

------------------------------------------------------------------------------------------
-- 3. The ledger's backstops cannot be dropped by the database owner
------------------------------------------------------------------------------------------
SET LOCAL ROLE sec_db_owner;
SELECT throws_ok(format('DROP INDEX public.%I', i), '42501',
                 'sora_credits: only a superuser may drop, disable or rename what the credit ledger relies on',
                 format('database owner: DROP INDEX %s is refused', i))
FROM unnest(ARRAY['credit_transactions_one_charge_per_video', 'credit_transactions_one_refund_per_video',
                  'credit_transactions_reference_per_kind', 'videos_user_inflight_idx', 'videos_pending_idx',
                  'videos_inflight_updated_idx', 'credit_lots_live_idx', 'credit_lots_expiring_idx']) i;
SELECT is(test.error_of('DROP INDEX public.credit_transactions_reference_per_kind')->>'detail',
          'The command would remove or disable: index credit_transactions_reference_per_kind.',
          'the refusal names what the command would remove');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM pg_indexes WHERE schemaname = 'public' AND indexname IN
             ('credit_transactions_one_charge_per_video', 'credit_transactions_one_refund_per_video',
              'credit_transactions_reference_per_kind', 'videos_user_inflight_idx', 'videos_pending_idx',
              'videos_inflight_updated_idx', 'credit_lots_live_idx', 'credit_lots_expiring_idx')), 8,
          'every index is still there');
SELECT throws_ok($$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind, reference)
                   SELECT user_id, 1, 1, 'purchase', 'pay-1' FROM public.profiles CROSS JOIN generate_series(1, 2)$$,
                 '23505', NULL, 'one payment reference twice is still refused by the unique index');

------------------------------------------------------------------------------------------
-- 4. DDL that rewrites or unguards the ledger; direct writes by an administrator
------------------------------------------------------------------------------------------
SET LOCAL ROLE sec_db_owner;
SELECT throws_ok(stmt, '42501', NULL, 'database owner: ' || stmt)
FROM unnest(ARRAY[
  'ALTER TABLE public.credit_transactions ALTER COLUMN amount TYPE bigint USING amount * 2',
  'DROP TRIGGER credit_transactions_guard ON public.credit_transactions',
  'ALTER TABLE public.credit_transactions DISABLE TRIGGER credit_transactions_guard',
  'ALTER TABLE public.profiles DISABLE TRIGGER profiles_functions_only',
  'ALTER TABLE public.profiles DROP CONSTRAINT profiles_credits_check',
  'UPDATE public.profiles SET credits = credits + 1000']) stmt;
RESET ROLE;
SET LOCAL ROLE sec_admin;
SELECT throws_ok(stmt, '42501', msg, 'administrator with every table privilege: ' || regexp_replace(stmt, '\s+', ' ', 'g'))
FROM (VALUES
  ('UPDATE public.profiles SET credits = credits + 1000', 'profiles can be changed only through the sora_credits functions.'),
  ($$INSERT INTO public.profiles (id, user_id, credits)
     VALUES ('11000000-0000-4000-8000-0000000000ff', '11000000-0000-4000-8000-0000000000ff', 1000)$$,
   'profiles can be changed only through the sora_credits functions.'),
  ('DELETE FROM public.profiles', 'profiles can be changed only through the sora_credits functions.'),
  ('TRUNCATE public.profiles CASCADE', 'profiles can be changed only through the sora_credits functions.'),
  ($$UPDATE public.videos SET status = 'completed', video_url = 'https://x.example/v.mp4'$$,
   'videos can be changed only through the sora_credits functions.'),
  ('UPDATE public.videos SET credits_cost = 1', 'videos can be changed only through the sora_credits functions.'),
  ($$INSERT INTO public.videos (user_id, prompt, model, resolution, duration_seconds, credits_cost)
     SELECT id, 'free', 'sora-2', '720p', 5, 1 FROM public.profiles$$,
   'videos can be changed only through the sora_credits functions.'),
  ('DELETE FROM public.videos', 'videos can be changed only through the sora_credits functions.'),
  ($$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind)
     SELECT id, 1000, credits + 1000, 'grant' FROM public.profiles$$,
   'credit_transactions can be changed only through the sora_credits functions.'),
  ('UPDATE public.credit_transactions SET amount = amount', 'credit_transactions is append-only: ledger entries cannot be changed'),
  ('DELETE FROM public.credit_transactions', 'credit_transactions is append-only: ledger entries cannot be deleted'),
  ('TRUNCATE public.credit_transactions', 'credit_transactions is append-only: ledger entries cannot be deleted'),
  ('UPDATE public.credit_lots SET remaining = amount', 'credit_lots can be changed only through the sora_credits functions.'),
  ($$UPDATE public.credit_lots SET expires_at = NULL$$, 'credit_lots can be changed only through the sora_credits functions.'),
  ($$INSERT INTO public.credit_lots (user_id, kind, category, amount, remaining)
     SELECT id, 'grant', 'paid', 1000, 1000 FROM public.profiles$$,
   'credit_lots can be changed only through the sora_credits functions.'),
  ('DELETE FROM public.credit_lots', 'credit_lots can be changed only through the sora_credits functions.'),
  ('TRUNCATE public.credit_lots', 'credit_lots can be changed only through the sora_credits functions.'),
  ('UPDATE public.credit_allocations SET amount = 1', 'credit_allocations can be changed only through the sora_credits functions.'),
  ('DELETE FROM public.credit_allocations', 'credit_allocations can be changed only through the sora_credits functions.'),
  ('TRUNCATE public.credit_allocations', 'credit_allocations can be changed only through the sora_credits functions.'),
  ($$INSERT INTO public.payment_references (kind, reference, user_id) SELECT 'purchase', 'taken', id FROM public.profiles$$,
   'payment_references can be changed only through the sora_credits functions.'),
  ('DELETE FROM public.payment_references', 'payment_references can be changed only through the sora_credits functions.'),
  ('TRUNCATE public.payment_references', 'payment_references can be changed only through the sora_credits functions.')
) AS t(stmt, msg);
SELECT is(test.error_of('UPDATE public.profiles SET credits = credits + 1000')->>'hint',
          'Credits are added with grant_credits(), spent with create_video_generation() and given back with refund_video_credits(); a correction is a grant of kind adjustment.',
          'the refusal says which functions to use');
SELECT lives_ok($$UPDATE public.video_pricing SET credits_per_second = credits_per_second WHERE model = 'sora-2'$$,
                'prices stay writable for those granted it (video_pricing is not guarded)');
RESET ROLE;
-- In replica mode (which a restore uses, and supautils lets Supabase's postgres set) the
-- guards fire too: rows may be added, as a restore adds them, but never changed or removed.
SET LOCAL session_replication_role = replica;
SET LOCAL ROLE sec_admin;
SELECT throws_ok(stmt, '42501', NULL, 'administrator in replica mode: ' || stmt)
FROM unnest(ARRAY['UPDATE public.profiles SET credits = credits + 1000',
                  'DELETE FROM public.profiles',
                  'UPDATE public.videos SET credits_cost = 1',
                  'TRUNCATE public.videos CASCADE',
                  'UPDATE public.credit_transactions SET amount = amount',
                  'DELETE FROM public.credit_transactions',
                  'TRUNCATE public.credit_transactions',
                  'UPDATE public.credit_lots SET remaining = amount',
                  'DELETE FROM public.credit_lots',
                  'TRUNCATE public.credit_lots',
                  'UPDATE public.credit_allocations SET amount = 1',
                  'TRUNCATE public.credit_allocations']) stmt;
RESET ROLE;
RESET session_replication_role;
SELECT ok(pg_temp.unchanged(), 'no balance, video or ledger entry changed');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() is empty');

-- What replica mode does let through, an INSERT as a restore makes, verify_ledger() shows
-- when it does not match the balance.
SET LOCAL session_replication_role = replica;
SET LOCAL ROLE sec_admin;
SELECT lives_ok($$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind)
                  VALUES ('11000000-0000-4000-8000-000000000001', 1000, 1083, 'grant')$$,
                'administrator in replica mode: an INSERT (what a restore does) goes through');
RESET ROLE;
RESET session_replication_role;
SELECT results_eq('SELECT user_id, credits, ledger_sum, lots_remaining, problem FROM public.verify_ledger()',
                  $$VALUES ('11000000-0000-4000-8000-000000000001'::uuid, 83::bigint, 1083::bigint, 83::bigint,
                            'balance differs from the sum of the ledger'),
                           ('11000000-0000-4000-8000-000000000001'::uuid, 83::bigint, 1083::bigint, 83::bigint,
                            format('entry %s (grant, 1000): its allocations move 0',
                                   (SELECT max(id) FROM public.credit_transactions)))$$,
                  'and verify_ledger() names the account whose balance no longer matches, and the entry without a lot');
DELETE FROM before;  -- (the snapshot is not used below)

-- The functions themselves still write (they run as the owner).
SELECT test.act_as('service_role');
SELECT is((public.grant_credits('11000000-0000-4000-8000-000000000001', 5)->>'credits_granted')::int, 5,
          'grant_credits still writes profiles and the ledger');
RESET ROLE;
-- Trigger functions called directly: an error with a SQLSTATE, never an internal error.
SELECT throws_ok(format('SELECT public.%s()', f), '39P01', NULL, format('%s() called directly: 39P01', f))
FROM unnest(ARRAY['refuse_direct_change', 'guard_ledger', 'handle_new_user', 'guard_schema_drop']) f;

------------------------------------------------------------------------------------------
-- 6. Service powers need the database role, not only the claim
------------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.claim_service(p_role text) RETURNS void LANGUAGE sql AS $$
  SELECT set_config('role', 'none', true);
  SELECT set_config('request.jwt.claims',
                    '{"sub": "11000000-0000-4000-8000-000000000003", "role": "service_role"}', true);
  SELECT set_config('role', p_role, true);
$$;
INSERT INTO auth.users (id, email) VALUES ('11000000-0000-4000-8000-000000000003', 'mallory@example.com');
SELECT pg_temp.claim_service('authenticated');
SELECT throws_ok($$SELECT public.get_credit_info('11000000-0000-4000-8000-000000000001')$$, '42501',
                 'You can only view your own credit information.',
                 'authenticated with a service_role claim: no one else''s credit info');
SELECT throws_ok(format('SELECT public.soft_delete_video(%L)', test.vid('a1')), 'PT404', 'Video not found.',
                 'authenticated with a service_role claim: no one else''s video');
RESET ROLE;
SELECT pg_temp.claim_service('service_role');
SELECT is(public.get_credit_info('11000000-0000-4000-8000-000000000001')->>'user_id',
          '11000000-0000-4000-8000-000000000001', 'service_role with the claim: anyone''s credit info');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
