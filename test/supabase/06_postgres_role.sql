-- 06_postgres_role: what `postgres` may do. On Supabase it is the everyday admin role (the
-- SQL editor, migrations, `supabase db` commands), not a superuser, and a member of
-- anon, authenticated and service_role. Supabase's default privileges give it ALL on every
-- table supabase_admin creates in public, the extension's tables included, and EXECUTE on
-- its functions. Money may change only through the functions, which write the ledger
-- (issue #11): a direct write of a balance, a counter, a video's cost or status, or a
-- ledger INSERT is refused (42501) by the write guards of 1.2. The append-only ledger
-- holds against it too. Every probe runs in a subtransaction
-- that is undone, so a write that should have been refused leaves nothing behind.
-- connect: postgres
\getenv bonus SORA_SB_BONUS
SELECT gen_random_uuid() AS ivan \gset
SELECT 'ivan-' || :'ivan' || '@example.com' AS ivan_email \gset
SELECT plan(33);

SELECT is(session_user::text, 'postgres', 'connected as postgres');
SELECT is((SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'), false, 'postgres is not a superuser');
SELECT ok(pg_has_role('postgres', 'service_role', 'USAGE') AND pg_has_role('postgres', 'authenticated', 'USAGE'),
          'postgres holds the privileges of service_role and authenticated (Supabase grants them to it)');

-- ivan signs up, gets a grant, pays for a video (as a backend acting for him would).
\set r `"$SORA_SB_AUTH" signup-autoconfirm :'ivan_email' :'ivan'`
SELECT is(:'r'::text, :'ivan'::text, 'the auth server signed ivan up');
SELECT grant_credits(:'ivan', 100, 'grant', NULL, 'From the SQL editor')->>'credits_remaining' AS after_grant \gset
SELECT is(:'after_grant'::bigint, (:bonus + 100)::bigint, 'postgres can grant credits through grant_credits');
BEGIN;
SELECT set_config('request.jwt.claims', json_build_object('sub', :'ivan', 'role', 'authenticated')::text, true) \gset
SET LOCAL ROLE authenticated;
SELECT create_video_generation('A video', 5, '720p')->>'video_id' AS iv \gset
COMMIT;
SELECT is(test.balance(:'ivan'), (:bonus + 85)::bigint, 'ivan paid 15 credits for his video');
SELECT is(test.n_entries(:'ivan'), 3, 'ivan''s ledger: bonus, grant, charge');
SELECT is((SELECT count(*)::integer FROM verify_ledger()), 0, 'postgres runs verify_ledger(): every balance matches its ledger');

-- What the functions do not write, postgres must not write either.
SELECT is(test.sb_sqlstate(format('UPDATE public.profiles SET credits = credits + 1000 WHERE id = %L', :'ivan')),
          '42501', 'postgres cannot UPDATE a balance');
SELECT is(test.sb_sqlstate(format('UPDATE public.profiles SET credits = credits + 1000, lifetime_granted = lifetime_granted + 1000 WHERE id = %L', :'ivan')),
          '42501', 'not even with lifetime_granted to match');
SELECT is(test.sb_sqlstate(format('UPDATE public.profiles SET credits_reserved = 0 WHERE id = %L', :'ivan')),
          '42501', 'postgres cannot UPDATE a counter');
SELECT is(test.sb_sqlstate(format($$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind, description)
                                   VALUES (%L, 1000, %s, 'grant', 'minted')$$, :'ivan', :bonus + 1085)),
          '42501', 'postgres cannot INSERT a ledger entry');
SELECT is(test.sb_sqlstate(format('UPDATE public.videos SET credits_cost = 1 WHERE id = %L', :'iv')),
          '42501', 'postgres cannot UPDATE a video''s cost');
SELECT is(test.sb_sqlstate(format($$UPDATE public.videos SET status = 'completed', video_url = 'https://x.example/v.mp4' WHERE id = %L$$, :'iv')),
          '42501', 'postgres cannot UPDATE a video''s status');
-- The lots (1.2): a lot's credits or expiry, or a new lot, would be credits too.
SELECT is(test.sb_sqlstate(format('UPDATE public.credit_lots SET remaining = amount WHERE user_id = %L', :'ivan')),
          '42501', 'postgres cannot UPDATE what a lot holds');
SELECT is(test.sb_sqlstate(format('UPDATE public.credit_lots SET expires_at = NULL WHERE user_id = %L', :'ivan')),
          '42501', 'postgres cannot make a lot never expire');
SELECT is(test.sb_sqlstate(format($$INSERT INTO public.credit_lots (user_id, kind, category, amount, remaining)
                                   VALUES (%L, 'grant', 'paid', 1000, 1000)$$, :'ivan')),
          '42501', 'postgres cannot INSERT a lot');
SELECT is(test.sb_sqlstate(format($$INSERT INTO public.credit_allocations (user_id, transaction_id, lot_id, amount)
                                   VALUES (%L, 1, 1, 1000)$$, :'ivan')),
          '42501', 'postgres cannot INSERT an allocation');
SELECT is(test.sb_sqlstate('TRUNCATE public.credit_lots'), '42501', 'postgres cannot TRUNCATE the lots');
SELECT is(test.sb_try('SET sora_credits.signup_credits_expire_after = ''10 years'''),
          '{"sqlstate": "42501", "message": "permission denied to set parameter \"sora_credits.signup_credits_expire_after\""}',
          'postgres cannot lengthen the sign-up bonus''s life for its session');
-- The probes above were undone whatever their outcome.
SELECT is(test.balance(:'ivan'), (:bonus + 85)::bigint, 'ivan''s balance is as the functions left it');

-- The append-only ledger holds against postgres today.
SELECT is(test.sb_try(format('UPDATE public.credit_transactions SET amount = amount * 10 WHERE user_id = %L', :'ivan')),
          '{"sqlstate": "42501", "message": "credit_transactions is append-only: ledger entries cannot be changed"}',
          'postgres cannot UPDATE a ledger entry (the append-only trigger)');
SELECT is(test.sb_try(format('DELETE FROM public.credit_transactions WHERE user_id = %L', :'ivan')),
          '{"sqlstate": "42501", "message": "credit_transactions is append-only: ledger entries cannot be deleted"}',
          'postgres cannot DELETE a ledger entry');
SELECT is(test.sb_sqlstate('TRUNCATE public.credit_transactions'), '42501', 'postgres cannot TRUNCATE the ledger');
SELECT is(test.sb_sqlstate(format('DELETE FROM public.profiles WHERE id = %L', :'ivan')), '42501',
          'postgres cannot delete the profile of a user who still exists (the ledger would go with it)');
SELECT is(test.sb_try('ALTER TABLE public.credit_transactions DISABLE TRIGGER credit_transactions_no_delete'),
          '{"sqlstate": "42501", "message": "must be owner of table credit_transactions"}',
          'postgres cannot switch the ledger''s triggers off (it does not own the table)');
SELECT is(test.sb_try('SET sora_credits.signup_credits = 1000000'),
          '{"sqlstate": "42501", "message": "permission denied to set parameter \"sora_credits.signup_credits\""}',
          'postgres cannot raise the sign-up bonus for its session');
SELECT is(test.sb_try(format('ALTER DATABASE %I SET sora_credits.signup_credits = 1000000', current_database())),
          '{"sqlstate": "42501", "message": "permission denied to set parameter \"sora_credits.signup_credits\""}',
          'postgres, the database''s owner, cannot set the bonus for the database');
SELECT is(test.n_entries(:'ivan'), 3, 'ivan''s ledger is unchanged');
SELECT is((SELECT count(*)::integer FROM verify_ledger()), 0, 'and verify_ledger() is still empty');

-- Payment references (2.0): taking one away would let a payment be granted again, adding
-- one would refuse somebody's payment, moving one would give its retries to another user.
SELECT grant_credits(:'ivan', 5, 'purchase', 'sb-pay-' || :'ivan') IS NOT NULL AS paid \gset
SELECT is(test.sb_sqlstate(format('DELETE FROM public.payment_references WHERE user_id = %L', :'ivan')),
          '42501', 'postgres cannot DELETE a payment reference');
SELECT is(test.sb_sqlstate(format($$INSERT INTO public.payment_references (kind, reference, user_id)
                                   VALUES ('purchase', 'someone-elses-payment', %L)$$, :'ivan')),
          '42501', 'postgres cannot INSERT a payment reference');
SELECT is(test.sb_sqlstate('UPDATE public.payment_references SET user_id = user_id'),
          '42501', 'postgres cannot UPDATE a payment reference');

SELECT * FROM finish();
