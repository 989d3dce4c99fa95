-- 07_replica_mode: postgres with session_replication_role = replica. On the supabase/postgres
-- image supautils lets postgres set it (its supautils.conf lists session_replication_role
-- in privileged_role_allowed_configs), as Supabase's migration guide needs for restoring
-- data. This database has no supautils, so supabase_admin sets it and hands the session to
-- postgres: the same session the image gives postgres. Replica mode silences ordinary
-- triggers, the ledger's append-only triggers included, so only privileges can stop
-- postgres there (issue #11). Since 1.2 the write guards are ENABLE ALWAYS: in replica mode
-- a role may add rows, as a restore does, but never change or remove one; a row so added
-- that does not match its balance shows in verify_ledger().
-- connect: supabase_admin
\getenv bonus SORA_SB_BONUS
SELECT gen_random_uuid() AS judy \gset
SELECT 'judy-' || :'judy' || '@example.com' AS judy_email \gset
SELECT plan(11);

\set r `"$SORA_SB_AUTH" signup-autoconfirm :'judy_email' :'judy'`
SELECT is(:'r'::text, :'judy'::text, 'the auth server signed judy up');
SELECT is(test.sb_count(:'judy', 'signup_bonus'), 1, 'judy''s ledger has her sign-up bonus');

BEGIN;
SET LOCAL session_replication_role = replica;
SET LOCAL ROLE postgres;
SELECT current_user AS probe_role, current_setting('session_replication_role') AS probe_mode,
       test.sb_sqlstate(format('UPDATE public.credit_transactions SET amount = amount + 1000, balance_after = balance_after + 1000 WHERE user_id = %L', :'judy')) AS ledger_update,
       test.sb_sqlstate(format('DELETE FROM public.credit_transactions WHERE user_id = %L', :'judy')) AS ledger_delete,
       test.sb_sqlstate(format($$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind) VALUES (%L, 1000, 1000, 'grant')$$, :'judy')) AS ledger_insert,
       test.sb_sqlstate(format('UPDATE public.profiles SET credits = credits + 1000 WHERE id = %L', :'judy')) AS balance_update,
       test.sb_sqlstate(format('UPDATE public.credit_lots SET remaining = remaining + 1000, amount = amount + 1000 WHERE user_id = %L', :'judy')) AS lot_update,
       test.sb_sqlstate(format('DELETE FROM public.credit_allocations WHERE user_id = %L', :'judy')) AS allocation_delete,
       test.sb_sqlstate('DELETE FROM public.payment_references') AS reference_delete \gset
ROLLBACK;
SELECT is(ARRAY[:'probe_role', :'probe_mode'], ARRAY['postgres', 'replica'], 'the probes ran as postgres in replica mode');

SELECT is(:'ledger_update'::text, '42501', 'postgres in replica mode cannot UPDATE a ledger entry');
SELECT is(:'ledger_delete'::text, '42501', 'postgres in replica mode cannot DELETE a ledger entry');
SELECT is(:'ledger_insert'::text, 'no error (1 rows)', 'postgres in replica mode can INSERT a ledger entry (what a restore does)');
SELECT is(:'balance_update'::text, '42501', 'postgres in replica mode cannot UPDATE a balance');
SELECT is(:'lot_update'::text, '42501', 'postgres in replica mode cannot UPDATE a credit lot');
SELECT is(:'allocation_delete'::text, '42501', 'postgres in replica mode cannot DELETE an allocation');
SELECT is(:'reference_delete'::text, '42501', 'postgres in replica mode cannot DELETE a payment reference (2.0)');

SELECT is(test.sb_ledger(:'judy'), jsonb_build_array(jsonb_build_object('kind', 'signup_bonus', 'amount', :bonus)),
          'the probes were undone: judy''s ledger is her bonus alone');

SELECT * FROM finish();
