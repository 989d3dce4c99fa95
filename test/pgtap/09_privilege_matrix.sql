-- 09_privilege_matrix: what each role may do, generated from two tables of expected
-- outcomes: every function of the extension x (anon, authenticated owner of the rows,
-- authenticated other user, service_role, authenticator), and every table x (SELECT,
-- INSERT, UPDATE, DELETE, TRUNCATE, SELECT ... FOR UPDATE / FOR SHARE / FOR KEY SHARE) x
-- the same roles. An outcome is one of:
--   denied        refused by a privilege: 42501 "permission denied for function|table <name>";
--   N (a number)  allowed: the call returned N rows, or the statement saw / changed N of
--                 the owner's rows (0: allowed, but RLS shows or affects none of them);
--   'SQLSTATE message'  EXECUTE allowed, but the function's own check refuses the caller.
-- Each cell runs in a subtransaction that is rolled back, so every cell sees the same rows.
-- The extension's members (pg_depend deptype 'e') must be exactly the functions and tables
-- named here: a new function or table cannot be added without its rows. A new function is
-- one line in fn_matrix.
BEGIN;

------------------------------------------------------------------------------------------
-- Rows to act on: alice (the owner) has an active and a soft-deleted video and 3 ledger
-- entries; bob is the other user; nobody is an auth user without a credit account.
------------------------------------------------------------------------------------------
CREATE TEMP TABLE users (name text PRIMARY KEY, id uuid);
INSERT INTO users VALUES ('alice', '09000000-0000-4000-8000-000000000001'),
                         ('bob', '09000000-0000-4000-8000-000000000002'),
                         ('nobody', '09000000-0000-4000-8000-000000000003');
CREATE TEMP TABLE vids (name text PRIMARY KEY, id uuid);
GRANT SELECT ON users TO PUBLIC;
GRANT ALL ON vids TO PUBLIC;
CREATE FUNCTION pg_temp.uid(p_name text) RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT id FROM users WHERE name = p_name $$;
CREATE FUNCTION pg_temp.video(p_name text) RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT id FROM vids WHERE name = p_name $$;

SET LOCAL sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) SELECT id, name || '@example.com' FROM users WHERE name <> 'nobody';
SET LOCAL sora_credits.signup_credits = 0;
INSERT INTO auth.users (id, email) SELECT id, name || '@example.com' FROM users WHERE name = 'nobody';
DELETE FROM public.profiles WHERE id = pg_temp.uid('nobody');
SELECT test.act_as('authenticated', pg_temp.uid('alice'));
INSERT INTO vids SELECT 'a_active', (public.create_video_generation('a_active')->>'video_id')::uuid;
INSERT INTO vids SELECT 'a_deleted', (public.create_video_generation('a_deleted')->>'video_id')::uuid;
SELECT public.soft_delete_video(pg_temp.video('a_deleted'));
SELECT test.act_as('authenticated', pg_temp.uid('bob'));
INSERT INTO vids SELECT 'b_active', (public.create_video_generation('b_active')->>'video_id')::uuid;
RESET ROLE;

------------------------------------------------------------------------------------------
-- The expected outcomes
------------------------------------------------------------------------------------------
CREATE TEMP TABLE roles (n int, label text, role text, sub uuid);
INSERT INTO roles VALUES (1, 'anon', 'anon', NULL),
                         (2, 'authenticated (owner)', 'authenticated', pg_temp.uid('alice')),
                         (3, 'authenticated (other user)', 'authenticated', pg_temp.uid('bob')),
                         (4, 'service_role', 'service_role', NULL),
                         (5, 'authenticator', 'authenticator', NULL);

-- Functions: the call, then the outcome per role.
CREATE TEMP TABLE fn_matrix (fn text PRIMARY KEY, call text,
                             anon text, owner text, other text, service_role text, authenticator text);
INSERT INTO fn_matrix VALUES
  ('create_video_generation(text,integer,text,text,text)', $$SELECT public.create_video_generation('matrix', 1, '480p')$$,
   'denied', '1', '1', '42501 Not signed in: this action needs an authenticated user.', 'denied'),
  ('create_video_request(text,integer,text,text)', $$SELECT public.create_video_request('matrix', 1, '480p')$$,
   'denied', '1', '1', '42501 Not signed in: this action needs an authenticated user.', 'denied'),
  ('soft_delete_video(uuid,uuid)', $$SELECT public.soft_delete_video(pg_temp.video('a_active'))$$,
   'denied', '1', 'PT404 Video not found.', '1', 'denied'),
  ('restore_video(uuid,uuid)', $$SELECT public.restore_video(pg_temp.video('a_deleted'))$$,
   'denied', '1', 'PT404 Video not found.', '1', 'denied'),
  ('get_credit_info(uuid)', $$SELECT public.get_credit_info(pg_temp.uid('alice'))$$,
   'denied', '1', '42501 You can only view your own credit information.', '1', 'denied'),
  ('list_deleted_videos()', 'SELECT * FROM public.list_deleted_videos()',
   'denied', '1', '0', '0', 'denied'),
  ('refund_video_credits(uuid,text,uuid)', $$SELECT public.refund_video_credits(pg_temp.video('a_active'))$$,
   'denied', 'denied', 'denied', '1', 'denied'),
  ('complete_video_generation(uuid,text,uuid)',
   $$SELECT public.complete_video_generation(pg_temp.video('a_active'), 'https://cdn.example.com/v.mp4')$$,
   'denied', 'denied', 'denied', '1', 'denied'),
  ('claim_video_jobs(integer)', 'SELECT * FROM public.claim_video_jobs(100)',
   'denied', 'denied', 'denied', '3', 'denied'),
  ('grant_credits(uuid,bigint,text,text,text,timestamp with time zone,text)',
   $$SELECT public.grant_credits(pg_temp.uid('alice'), 10, p_expires_at => now() + interval '1 day')$$,
   'denied', 'denied', 'denied', '1', 'denied'),
  -- Each user lists their own lots (bob has his sign-up lot); service_role has no sub.
  ('list_credit_lots()', 'SELECT * FROM public.list_credit_lots()',
   'denied', '1', '1', '0', 'denied'),
  ('expire_credits()', 'SELECT public.expire_credits()',
   'denied', 'denied', 'denied', '1', 'denied'),
  ('verify_ledger()', 'SELECT * FROM public.verify_ledger()',
   'denied', 'denied', 'denied', '0', 'denied'),
  ('handle_new_user()', 'SELECT public.handle_new_user()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('refuse_direct_change()', 'SELECT public.refuse_direct_change()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('guard_ledger()', 'SELECT public.guard_ledger()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('guard_extension_objects()', 'SELECT public.guard_extension_objects()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('guard_schema_drop()', 'SELECT public.guard_schema_drop()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('expire_stale_videos(interval)', $$SELECT public.expire_stale_videos('1 hour')$$,
   'denied', 'denied', 'denied', '1', 'denied'),
  ('videos_notify_new_job()', 'SELECT public.videos_notify_new_job()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('video_pricing_replace_on_restore()', 'SELECT public.video_pricing_replace_on_restore()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  -- (2.0) a Citus cluster's: the trigger on auth.users, and the operator's one-time calls
  ('handle_deleted_user()', 'SELECT public.handle_deleted_user()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('distribute_on_citus()', 'SELECT public.distribute_on_citus()',
   'denied', 'denied', 'denied', 'denied', 'denied'),
  ('write_ddl_guard()', 'SELECT public.write_ddl_guard()',
   'denied', 'denied', 'denied', 'denied', 'denied');

-- Tables: the owner's rows (all of video_pricing's sora-2 prices), a valid new row, a change.
CREATE TEMP TABLE table_spec (tbl text PRIMARY KEY, owned text, new_row text, change text);
INSERT INTO table_spec VALUES
  ('video_pricing', $$model = 'sora-2'$$, $$VALUES ('sora-2', '8k', 50)$$, 'credits_per_second = credits_per_second + 1'),
  ('profiles', $$id = pg_temp.uid('alice')$$,
   $$(id, user_id, credits) VALUES (pg_temp.uid('nobody'), pg_temp.uid('nobody'), 1000000)$$, 'credits = credits + 1000000'),
  ('videos', $$user_id = pg_temp.uid('alice')$$,
   $$(user_id, prompt, model, resolution, duration_seconds, credits_cost)
     VALUES (pg_temp.uid('alice'), 'free video', 'sora-2-pro', '1080p', 60, 1)$$, 'deleted_at = NULL'),
  ('credit_transactions', $$user_id = pg_temp.uid('alice')$$,
   $$(user_id, amount, balance_after, kind) VALUES (pg_temp.uid('alice'), 1000, 1070, 'grant')$$, 'amount = 1000'),
  ('credit_lots', $$user_id = pg_temp.uid('alice')$$,
   $$(user_id, kind, category, amount, remaining) VALUES (pg_temp.uid('alice'), 'grant', 'paid', 1000, 1000)$$,
   'remaining = amount'),
  ('credit_allocations', $$user_id = pg_temp.uid('alice')$$,
   $$(user_id, transaction_id, lot_id, amount) VALUES (pg_temp.uid('alice'), 1, 1, 1000)$$, 'amount = 1000'),
  ('payment_references', $$user_id = pg_temp.uid('alice')$$,
   $$(kind, reference, user_id) VALUES ('purchase', 'free credits', pg_temp.uid('alice'))$$, $$reference = 'taken'$$);
-- The statements (%1$I table, %2$s the owner's rows, %3$s new row, %4$s change).
CREATE TEMP TABLE ops (op text PRIMARY KEY, stmt text);
INSERT INTO ops VALUES
  ('SELECT', 'SELECT * FROM public.%1$I WHERE %2$s'),
  ('INSERT', 'INSERT INTO public.%1$I %3$s'),
  ('UPDATE', 'UPDATE public.%1$I SET %4$s WHERE %2$s'),
  ('DELETE', 'DELETE FROM public.%1$I WHERE %2$s'),
  ('TRUNCATE', 'TRUNCATE public.%1$I CASCADE'),
  ('SELECT FOR UPDATE', 'SELECT * FROM public.%1$I WHERE %2$s FOR UPDATE'),
  ('SELECT FOR SHARE', 'SELECT * FROM public.%1$I WHERE %2$s FOR SHARE'),
  ('SELECT FOR KEY SHARE', 'SELECT * FROM public.%1$I WHERE %2$s FOR KEY SHARE');

CREATE TEMP TABLE table_matrix (tbl text REFERENCES table_spec, op text REFERENCES ops,
                                anon text, owner text, other text, service_role text, authenticator text,
                                PRIMARY KEY (tbl, op));
INSERT INTO table_matrix VALUES
  ('video_pricing', 'SELECT',               '3',      '3',      '3',      '3',      'denied'),
  ('video_pricing', 'INSERT',               'denied', 'denied', 'denied', '1',      'denied'),
  ('video_pricing', 'UPDATE',               'denied', 'denied', 'denied', '3',      'denied'),
  ('video_pricing', 'DELETE',               'denied', 'denied', 'denied', '3',      'denied'),
  ('video_pricing', 'TRUNCATE',             'denied', 'denied', 'denied', 'denied', 'denied'),
  ('video_pricing', 'SELECT FOR UPDATE',    'denied', 'denied', 'denied', '3',      'denied'),
  ('video_pricing', 'SELECT FOR SHARE',     'denied', 'denied', 'denied', '3',      'denied'),
  ('video_pricing', 'SELECT FOR KEY SHARE', 'denied', 'denied', 'denied', '3',      'denied'),
  ('profiles', 'SELECT',                    'denied', '1',      '0',      '1',      'denied'),
  ('profiles', 'INSERT',                    'denied', 'denied', 'denied', 'denied', 'denied'),
  ('profiles', 'UPDATE',                    'denied', 'denied', 'denied', 'denied', 'denied'),
  ('profiles', 'DELETE',                    'denied', 'denied', 'denied', 'denied', 'denied'),
  ('profiles', 'TRUNCATE',                  'denied', 'denied', 'denied', 'denied', 'denied'),
  ('profiles', 'SELECT FOR UPDATE',         'denied', 'denied', 'denied', 'denied', 'denied'),
  ('profiles', 'SELECT FOR SHARE',          'denied', 'denied', 'denied', 'denied', 'denied'),
  ('profiles', 'SELECT FOR KEY SHARE',      'denied', 'denied', 'denied', 'denied', 'denied'),
  -- RLS hides the owner's soft-deleted video from her; service_role sees both.
  ('videos', 'SELECT',                      'denied', '1',      '0',      '2',      'denied'),
  ('videos', 'INSERT',                      'denied', 'denied', 'denied', 'denied', 'denied'),
  ('videos', 'UPDATE',                      'denied', 'denied', 'denied', 'denied', 'denied'),
  ('videos', 'DELETE',                      'denied', 'denied', 'denied', 'denied', 'denied'),
  ('videos', 'TRUNCATE',                    'denied', 'denied', 'denied', 'denied', 'denied'),
  ('videos', 'SELECT FOR UPDATE',           'denied', 'denied', 'denied', 'denied', 'denied'),
  ('videos', 'SELECT FOR SHARE',            'denied', 'denied', 'denied', 'denied', 'denied'),
  ('videos', 'SELECT FOR KEY SHARE',        'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'SELECT',         'denied', '3',      '0',      '3',      'denied'),
  ('credit_transactions', 'INSERT',         'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'UPDATE',         'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'DELETE',         'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'TRUNCATE',       'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'SELECT FOR UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'SELECT FOR SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_transactions', 'SELECT FOR KEY SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  -- 1.2: alice has her sign-up lot, and allocations for its grant and her two charges.
  ('credit_lots', 'SELECT', 'denied', '1', '0', '1', 'denied'),
  ('credit_lots', 'INSERT', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_lots', 'UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_lots', 'DELETE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_lots', 'TRUNCATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_lots', 'SELECT FOR UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_lots', 'SELECT FOR SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_lots', 'SELECT FOR KEY SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'SELECT', 'denied', '3', '0', '3', 'denied'),
  ('credit_allocations', 'INSERT', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'DELETE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'TRUNCATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'SELECT FOR UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'SELECT FOR SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('credit_allocations', 'SELECT FOR KEY SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  -- (2.0) only the functions read or write it
  ('payment_references', 'SELECT', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'INSERT', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'DELETE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'TRUNCATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'SELECT FOR UPDATE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'SELECT FOR SHARE', 'denied', 'denied', 'denied', 'denied', 'denied'),
  ('payment_references', 'SELECT FOR KEY SHARE', 'denied', 'denied', 'denied', 'denied', 'denied');

------------------------------------------------------------------------------------------
-- Running a cell
------------------------------------------------------------------------------------------
-- The outcome of p_sql run as a role, every change it made rolled back.
CREATE FUNCTION pg_temp.try(p_role text, p_sub uuid, p_sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_outcome jsonb;
BEGIN
  PERFORM test.act_as(p_role, p_sub);
  v_outcome := test.outcome(p_sql);
  RAISE EXCEPTION 'roll the cell back';
EXCEPTION WHEN raise_exception THEN
  RETURN v_outcome;  -- the role and the claims are rolled back with the rest
END
$$;

-- An expected outcome as test.outcome reports it (without detail and hint).
CREATE FUNCTION pg_temp.expected(p_outcome text, p_kind text, p_name text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE
    WHEN p_outcome = 'denied' THEN jsonb_build_object('sqlstate', '42501',
                                                      'message', format('permission denied for %s %s', p_kind, p_name))
    WHEN p_outcome ~ '^\d+$' THEN jsonb_build_object('rows', p_outcome::int)
    ELSE jsonb_build_object('sqlstate', left(p_outcome, 5), 'message', substr(p_outcome, 7))
  END
$$;
CREATE FUNCTION pg_temp.words(p_outcome text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE WHEN p_outcome = 'denied' THEN 'refused by privilege (42501)'
              WHEN p_outcome ~ '^\d+$' THEN format('allowed, %s row(s)', p_outcome)
              ELSE 'allowed, refused by the function: ' || p_outcome END
$$;

-- Every cell, from the two matrices.
CREATE TEMP VIEW cells AS
  SELECT 1 AS part, f.fn AS what, r.n, r.label, r.role, r.sub, f.call AS stmt,
         pg_temp.expected(e.outcome, 'function', split_part(f.fn, '(', 1)) AS expected,
         format('%s: EXECUTE %s -> %s', r.label, f.fn, pg_temp.words(e.outcome)) AS description
  FROM fn_matrix f
  CROSS JOIN LATERAL (VALUES (1, f.anon), (2, f.owner), (3, f.other), (4, f.service_role), (5, f.authenticator)) e(n, outcome)
  JOIN roles r ON r.n = e.n
  UNION ALL
  SELECT 2, m.tbl || ' ' || m.op, r.n, r.label, r.role, r.sub,
         format(o.stmt, m.tbl, s.owned, s.new_row, s.change),
         pg_temp.expected(e.outcome, 'table', m.tbl),
         format('%s: %s on %s -> %s', r.label, m.op, m.tbl, pg_temp.words(e.outcome))
  FROM table_matrix m JOIN table_spec s USING (tbl) JOIN ops o USING (op)
  CROSS JOIN LATERAL (VALUES (1, m.anon), (2, m.owner), (3, m.other), (4, m.service_role), (5, m.authenticator)) e(n, outcome)
  JOIN roles r ON r.n = e.n;

------------------------------------------------------------------------------------------
-- Tests
------------------------------------------------------------------------------------------
SELECT plan((SELECT count(*)::int FROM cells) + 3);

-- Completeness: the matrices name exactly the extension's functions and tables, and every
-- table has a row for every operation.
CREATE TEMP VIEW members AS
  SELECT d.classid, d.objid FROM pg_depend d
  WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
    AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sora_credits');
SELECT set_eq($$SELECT objid::regprocedure::text FROM members WHERE classid = 'pg_proc'::regclass$$,
              'SELECT fn FROM fn_matrix', 'fn_matrix names exactly the functions of the extension');
SELECT set_eq($$SELECT c.relname::text FROM members m JOIN pg_class c ON c.oid = m.objid
                WHERE m.classid = 'pg_class'::regclass AND c.relkind IN ('r', 'p', 'v', 'm', 'f')$$,
              'SELECT tbl FROM table_spec', 'table_spec names exactly the tables of the extension');
SELECT set_eq('SELECT tbl, op FROM table_matrix', 'SELECT tbl, op FROM table_spec, ops',
              'table_matrix has a row for every table and every operation');

SELECT is(pg_temp.try(role, sub, stmt) - 'detail' - 'hint', expected, description)
FROM cells ORDER BY part, what, n;

SELECT * FROM finish();
ROLLBACK;
