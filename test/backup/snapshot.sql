-- Everything a backup must keep, as sorted text: run on the source and on the restored
-- database by test/backup/run.sh, which compares the two outputs line by line.
\set ON_ERROR_STOP 1
\pset footer off
\echo == rows
SELECT * FROM auth.users ORDER BY id;
SELECT * FROM video_pricing ORDER BY model, resolution;
SELECT * FROM profiles ORDER BY id;
SELECT * FROM videos ORDER BY id;
SELECT * FROM credit_transactions ORDER BY id;
\echo == identity sequence
SELECT last_value, is_called FROM credit_transactions_id_seq;
\echo == extension, row-level security and policies
SELECT extname, extversion FROM pg_extension WHERE extname = 'sora_credits';
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname;
SELECT tablename, policyname, permissive, roles, cmd, qual, with_check FROM pg_policies
WHERE schemaname = 'public' ORDER BY tablename, policyname;
\echo == privileges on tables, sequences and functions
SELECT c.relname, a.grantee::regrole, a.privilege_type, a.is_grantable
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace = 'public'::regnamespace ORDER BY 1, 2::text, 3;
SELECT p.oid::regprocedure, a.grantee::regrole, a.privilege_type
FROM pg_proc p, aclexplode(p.proacl) a
WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1::text, 2::text, 3;
\echo == triggers
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger
WHERE NOT tgisinternal ORDER BY 1::text, 2;
