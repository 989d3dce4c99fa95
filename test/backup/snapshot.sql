-- Everything a backup must keep, as sorted text: run on the source and on the restored
-- database by test/backup/run.sh and test/supabase/restore.sh, which compare the two
-- outputs line by line. Nothing in it names the database, so the two may be called apart.
\set ON_ERROR_STOP 1
\pset footer off
\echo == rows
SELECT * FROM auth.users ORDER BY id;
SELECT to_regclass('auth.identities') IS NOT NULL AS has_identities \gset
\if :has_identities
SELECT * FROM auth.identities ORDER BY id;
\endif
SELECT * FROM shop.orders ORDER BY id;
SELECT * FROM video_pricing ORDER BY model, resolution;
SELECT * FROM profiles ORDER BY id;
SELECT * FROM videos ORDER BY id;
SELECT * FROM credit_transactions ORDER BY id;
SELECT * FROM credit_lots ORDER BY id;
SELECT * FROM credit_allocations ORDER BY user_id, transaction_id, lot_id;
\echo == identity sequences
SELECT last_value, is_called FROM credit_transactions_id_seq;
SELECT last_value, is_called FROM credit_lots_id_seq;
\echo == extension, row-level security and policies
SELECT extname, extversion FROM pg_extension WHERE extname = 'sora_credits';
SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' ORDER BY relname;
SELECT tablename, policyname, permissive, roles, cmd, qual, with_check FROM pg_policies
WHERE schemaname = 'public' ORDER BY tablename, policyname;
\echo == owners and privileges of tables, sequences and functions
SELECT c.oid::regclass::text, c.relkind, c.relowner::regrole FROM pg_class c
WHERE c.relnamespace IN ('public'::regnamespace, 'shop'::regnamespace) ORDER BY 1;
SELECT c.oid::regclass::text, a.grantee::regrole, a.privilege_type, a.is_grantable
FROM pg_class c, aclexplode(c.relacl) a
WHERE c.relnamespace IN ('public'::regnamespace, 'shop'::regnamespace) ORDER BY 1, 2::text, 3;
SELECT p.oid::regprocedure, a.grantee::regrole, a.privilege_type
FROM pg_proc p, aclexplode(p.proacl) a
WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1::text, 2::text, 3;
\echo == triggers
SELECT tgrelid::regclass, tgname, tgenabled FROM pg_trigger
WHERE NOT tgisinternal ORDER BY 1::text, 2;
\echo == sora_credits settings of the database and of roles (no dump carries them)
SELECT coalesce(r.rolname, '(all roles)') AS role,
       CASE WHEN d.setdatabase = 0 THEN '(all databases)' ELSE '(this database)' END AS db, s
FROM pg_db_role_setting d LEFT JOIN pg_roles r ON r.oid = d.setrole, unnest(d.setconfig) s
WHERE d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND s LIKE 'sora\_credits.%' ORDER BY 1, 2, 3;
