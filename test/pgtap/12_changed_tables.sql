-- 12_changed_tables: the functions when the tables under them are not what they were written
-- for: a superuser added or dropped a column of videos, changed a column's type, let a NULL
-- or an unknown status in, added a trigger that skips a write, or attached the sign-up
-- trigger to a table whose id is not a uuid. Each gives the right rows or an error with its
-- SQLSTATE and message: never a crash, an internal error (XX000) or a silent 0, and the
-- next call works. So are the extension's trigger functions attached the wrong way. Each change is made in a savepoint and rolled back after its tests.
BEGIN;
SELECT plan(33);

CREATE FUNCTION pg_temp.video(p_prompt text) RETURNS uuid LANGUAGE sql AS
  $$ SELECT id FROM public.videos WHERE prompt = p_prompt $$;
-- alice's account as one value: balance, counters, ledger and videos.
CREATE FUNCTION pg_temp.account() RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' | ',
    (SELECT p::text FROM public.profiles p WHERE id = '12000000-0000-4000-8000-000000000001'),
    (SELECT string_agg(t::text, ',' ORDER BY id) FROM public.credit_transactions t
     WHERE user_id = '12000000-0000-4000-8000-000000000001'),
    (SELECT string_agg(v::text, ',' ORDER BY id) FROM public.videos v
     WHERE user_id = '12000000-0000-4000-8000-000000000001'))
$$;
-- Whether a text is valid UTF-8 (convert_from checks it).
CREATE FUNCTION pg_temp.is_utf8(p_text text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM convert_from(convert_to(p_text, 'UTF8'), 'UTF8');
  RETURN true;
EXCEPTION WHEN character_not_in_repertoire THEN
  RETURN false;
END
$$;
-- A trigger function that skips the change of its row.
CREATE FUNCTION test.skip_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;

SET LOCAL sora_credits.signup_credits = 1000;
INSERT INTO auth.users (id, email) VALUES ('12000000-0000-4000-8000-000000000001', 'alice@example.com');
SET LOCAL sora_credits.signup_credits = 0;
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
INSERT INTO test.res SELECT p, public.create_video_generation(p, 5, '720p')
FROM unnest(ARRAY['a', 'b', 'c', 'd', 'e']) p;
INSERT INTO test.res SELECT 'deleted', public.soft_delete_video(pg_temp.video('e'));
RESET ROLE;
-- One transaction has one now(): spread created_at so that the jobs are claimed a, b, c, d, e.
-- A claim in a savepoint is rolled back with it: each claim below takes b.
UPDATE public.videos SET created_at = now() - (ascii('z') - ascii(prompt)) * interval '1 minute';

------------------------------------------------------------------------------------------
-- claim_video_jobs and list_deleted_videos return the videos row type as it is now
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT results_eq('SELECT prompt FROM public.claim_video_jobs(1)', $$VALUES ('a'::text)$$,
                  'claim before any change (its plan is now cached)');
RESET ROLE;

SAVEPOINT add_column;
ALTER TABLE public.videos ADD COLUMN note text DEFAULT 'added later';
UPDATE public.videos SET note = 'deleted, with a note' WHERE prompt = 'e';
SELECT test.act_as('service_role');
SELECT results_eq('SELECT prompt, status, note FROM public.claim_video_jobs(1)',
                  $$VALUES ('b'::text, 'processing'::text, 'added later'::text)$$,
                  'after ADD COLUMN: claim returns the job with the new column''s value');
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
SELECT results_eq('SELECT prompt, note FROM public.list_deleted_videos()',
                  $$VALUES ('e'::text, 'deleted, with a note'::text)$$,
                  'after ADD COLUMN: list_deleted_videos returns the new column''s value');
RESET ROLE;
ROLLBACK TO add_column;

SAVEPOINT drop_column;
-- A column in the middle of the row: the row type keeps a dropped attribute there.
ALTER TABLE public.videos DROP COLUMN error_message;
-- The rows as the table has them now (alice's own reads cannot see a deleted video).
CREATE TABLE pg_temp.deleted_row AS SELECT * FROM public.videos WHERE prompt = 'e';
GRANT SELECT ON pg_temp.deleted_row TO PUBLIC;
SELECT test.act_as('service_role');
CREATE TABLE pg_temp.claimed AS SELECT * FROM public.claim_video_jobs(1);
RESET ROLE;
SELECT results_eq('SELECT * FROM pg_temp.claimed', $$SELECT * FROM public.videos WHERE prompt = 'b'$$,
                  'after DROP COLUMN: claim returns the whole row, as the table now has it');
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
SELECT results_eq('SELECT * FROM public.list_deleted_videos()', 'SELECT * FROM pg_temp.deleted_row',
                  'after DROP COLUMN: list_deleted_videos returns the whole row');
RESET ROLE;
ROLLBACK TO drop_column;

SELECT test.act_as('service_role');
SELECT results_eq('SELECT prompt, status FROM public.claim_video_jobs(1)',
                  $$VALUES ('b'::text, 'processing'::text)$$,
                  'both changes rolled back: claim works as before');
RESET ROLE;

------------------------------------------------------------------------------------------
-- Results read by name: a NULL, a changed type, an unknown status, a skipped write
------------------------------------------------------------------------------------------
SAVEPOINT null_balance;
ALTER TABLE public.profiles ALTER COLUMN credits DROP NOT NULL;
UPDATE public.profiles SET credits = NULL WHERE id = '12000000-0000-4000-8000-000000000001';
-- (get_credit_info's credits come from the lots since 1.2; its counters are read the same way.)
ALTER TABLE public.profiles ALTER COLUMN credits_reserved DROP NOT NULL;
UPDATE public.profiles SET credits_reserved = NULL WHERE id = '12000000-0000-4000-8000-000000000001';
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
SELECT throws_ok('SELECT public.get_credit_info()', '23502',
                 'sora_credits: column "credits_reserved" of a statement''s result is NULL',
                 'a NULL counter: get_credit_info raises 23502, not a figure of 0');
SELECT throws_ok($$SELECT public.create_video_generation('f', 5, '720p')$$, '23502',
                 'sora_credits: column "credits" of a statement''s result is NULL',
                 'a NULL balance: a charge (reading it under the profile lock) raises 23502');
RESET ROLE;
ROLLBACK TO null_balance;

SAVEPOINT numeric_spent;
ALTER TABLE public.profiles ALTER COLUMN lifetime_spent TYPE numeric;
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
SELECT throws_ok('SELECT public.get_credit_info()', '42804',
                 'sora_credits: column "lifetime_spent" of a statement''s result is of type numeric, not bigint',
                 'a column of another type: 42804, not its bytes read as a bigint');
RESET ROLE;
ROLLBACK TO numeric_spent;

SAVEPOINT unknown_status;
ALTER TABLE public.videos DROP CONSTRAINT videos_status_check;
UPDATE public.videos SET status = 'paused' WHERE prompt = 'd';
SELECT test.act_as('service_role');
SELECT throws_ok(format('SELECT public.refund_video_credits(%L)', pg_temp.video('d')), '23514',
                 'sora_credits: a video has the unknown status "paused"',
                 'an unknown status: refund raises 23514, not an internal error');
SELECT throws_ok(format('SELECT public.complete_video_generation(%L, %L)', pg_temp.video('d'),
                        'https://cdn.example.com/d.mp4'), '23514',
                 'sora_credits: a video has the unknown status "paused"',
                 'an unknown status: completion raises 23514');
RESET ROLE;
-- A message longer than the boundary's buffer is cut between characters, never inside one.
UPDATE public.videos SET status = repeat('é', 1000) WHERE prompt = 'd';
SELECT test.act_as('service_role');
CREATE TABLE pg_temp.long_status AS
  SELECT test.error_of(format('SELECT public.refund_video_credits(%L)', pg_temp.video('d'))) AS e;
RESET ROLE;
SELECT is((SELECT e->>'sqlstate' FROM pg_temp.long_status), '23514',
          'an unknown status of 2000 bytes: still 23514');
SELECT ok((SELECT pg_temp.is_utf8(e->>'message') AND e->>'message' LIKE 'sora_credits: a video has the unknown status "ééé%'
           FROM pg_temp.long_status),
          'its message, cut to fit, is valid UTF-8');
ROLLBACK TO unknown_status;

SAVEPOINT skipped_write;
CREATE TABLE pg_temp.before AS SELECT pg_temp.account() AS account;
CREATE TRIGGER skip_profile_update BEFORE UPDATE ON public.profiles
  FOR EACH ROW EXECUTE FUNCTION test.skip_row();
SELECT test.act_as('service_role');
SELECT throws_ok($$SELECT public.grant_credits('12000000-0000-4000-8000-000000000001', 10)$$,
                 'P0002', 'sora_credits: a statement returned no row where one was required',
                 'a trigger skips the balance update of a grant: P0002, not a reported success');
SELECT throws_ok(format('SELECT public.refund_video_credits(%L)', pg_temp.video('d')), 'P0002',
                 'sora_credits: a statement returned no row where one was required',
                 'a trigger skips the balance update of a refund: P0002');
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.create_video_generation('f', 5, '720p')$$, 'P0002',
                 'sora_credits: a statement returned no row where one was required',
                 'a trigger skips the balance update of a charge: P0002');
RESET ROLE;
SELECT is(pg_temp.account(), (SELECT account FROM pg_temp.before),
          'the skipped writes left nothing behind: no video, no ledger entry, no counter changed');
ROLLBACK TO skipped_write;

------------------------------------------------------------------------------------------
-- The sign-up trigger on a table whose id is not a uuid, is NULL, or is missing
------------------------------------------------------------------------------------------
SAVEPOINT signup;
CREATE TABLE test.text_users (id text);
CREATE TABLE test.nullable_users (id uuid);
CREATE TABLE test.users_without_id (user_id uuid);
CREATE TRIGGER on_user AFTER INSERT ON test.text_users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
CREATE TRIGGER on_user AFTER INSERT ON test.nullable_users FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
CREATE TRIGGER on_user AFTER INSERT ON test.users_without_id FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
SELECT throws_ok($$INSERT INTO test.text_users VALUES ('12000000-0000-4000-8000-000000000002')$$,
                 '42804', 'sora_credits: column "id" of table text_users is of type text, not uuid',
                 'sign-up trigger: an id of type text raises 42804');
SELECT throws_ok('INSERT INTO test.nullable_users VALUES (NULL)', '23502',
                 'sora_credits: column "id" of table nullable_users is NULL',
                 'sign-up trigger: a NULL id raises 23502');
SELECT throws_ok($$INSERT INTO test.users_without_id VALUES ('12000000-0000-4000-8000-000000000002')$$,
                 '42703', 'sora_credits: table users_without_id has no column "id"',
                 'sign-up trigger: a table without id raises 42703');
SELECT is((SELECT count(*)::int FROM public.profiles WHERE id = '12000000-0000-4000-8000-000000000002'), 0,
          'no profile was created by the refused sign-ups');
ROLLBACK TO signup;

------------------------------------------------------------------------------------------
-- Trigger functions attached the wrong way: 39P01, or 42809 for a ledger guard whose
-- table has no uuid key
------------------------------------------------------------------------------------------
SAVEPOINT misattached;
CREATE TABLE test.parents (id uuid PRIMARY KEY);
CREATE TABLE test.children (user_id uuid REFERENCES test.parents ON DELETE CASCADE);
CREATE TABLE test.int_keyed (id int PRIMARY KEY);
INSERT INTO test.parents VALUES ('12000000-0000-4000-8000-000000000003');
INSERT INTO test.children VALUES ('12000000-0000-4000-8000-000000000003');
CREATE TRIGGER signup_before BEFORE INSERT ON test.parents FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();
SELECT throws_ok($$INSERT INTO test.parents VALUES ('12000000-0000-4000-8000-000000000004')$$, '39P01',
                 'sora_credits: handle_new_user must be an AFTER INSERT or UPDATE FOR EACH ROW trigger',
                 'the sign-up trigger as a BEFORE trigger: 39P01');
DROP TRIGGER signup_before ON test.parents;
CREATE TRIGGER guard_after AFTER UPDATE ON test.parents FOR EACH ROW EXECUTE FUNCTION public.refuse_direct_change();
SELECT throws_ok('UPDATE test.parents SET id = id', '39P01',
                 'sora_credits: a write guard must be a BEFORE trigger, per row or for TRUNCATE',
                 'a write guard as an AFTER trigger: 39P01');
DROP TRIGGER guard_after ON test.parents;
CREATE TRIGGER ledger_no_argument BEFORE UPDATE ON test.children FOR EACH ROW EXECUTE FUNCTION public.guard_ledger();
SELECT throws_ok('UPDATE test.children SET user_id = user_id', '39P01',
                 'sora_credits: guard_ledger takes the OID of auth.users',
                 'the ledger guard without its argument: 39P01');
DROP TRIGGER ledger_no_argument ON test.children;
-- A cascade (the one deletion the guard lets through) looks its user up in the table given.
DO $$ BEGIN
  EXECUTE format('CREATE TRIGGER ledger_int_keyed BEFORE DELETE ON test.children FOR EACH ROW
                  EXECUTE FUNCTION public.guard_ledger(%L)', 'test.int_keyed'::regclass::oid);
END $$;
SELECT throws_ok('DELETE FROM test.parents', '42809',
                 'sora_credits: the primary key of int_keyed is not one uuid column',
                 'the ledger guard given a table without a uuid key: 42809');
ROLLBACK TO misattached;
------------------------------------------------------------------------------------------
-- After all of it, the session and the account work as before
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '12000000-0000-4000-8000-000000000001');
SELECT is((public.get_credit_info()->>'credits')::bigint, 925::bigint,
          'get_credit_info: 1000 - 5 charges of 15');
SELECT is((public.create_video_generation('f', 5, '720p')->>'credits_remaining')::bigint, 910::bigint,
          'a charge works');
SELECT results_eq('SELECT prompt FROM public.list_deleted_videos()', $$VALUES ('e'::text)$$,
                  'list_deleted_videos works');
SELECT test.act_as('service_role');
SELECT is((public.refund_video_credits(pg_temp.video('d'))->>'credits_refunded')::bigint, 15::bigint,
          'a refund works');
SELECT is((public.grant_credits('12000000-0000-4000-8000-000000000001', 10)->>'credits_remaining')::bigint,
          935::bigint, 'a grant works');
SELECT is((public.complete_video_generation(pg_temp.video('b'), 'https://cdn.example.com/b.mp4')->>'status'),
          'completed', 'a completion works');
SELECT results_eq('SELECT prompt FROM public.claim_video_jobs(5)', $$VALUES ('c'::text), ('e'), ('f')$$,
                  'claim works: c, e (deleted, still pending) and f are the jobs left');
RESET ROLE;
INSERT INTO auth.users (id, email) VALUES ('12000000-0000-4000-8000-000000000002', 'bob@example.com');
SELECT is((SELECT count(*)::int FROM public.profiles WHERE id = '12000000-0000-4000-8000-000000000002'), 1,
          'the sign-up trigger on auth.users works');

SELECT * FROM finish();
ROLLBACK;
