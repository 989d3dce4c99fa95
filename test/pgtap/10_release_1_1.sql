-- 10_release_1_1: what version 1.1 adds. The in-flight cap (PT429 under the profile lock,
-- replays still replay, the index that counts), expire_stale_videos (which jobs, the refund
-- it writes, p_older_than and sora_credits.job_timeout, privileges), updated_at on every
-- status change, the owner-proof ledger (DELETE and TRUNCATE refused for the superuser and
-- owner, the auth.users cascade allowed), the new settings, and the new objects' shape.
BEGIN;
SELECT plan(87);

CREATE FUNCTION pg_temp.new_video(p_name text, p_key text DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
  INSERT INTO test.res SELECT p_name, public.create_video_generation(p_name, 5, '720p', 'sora-2', p_key)
$$;
CREATE FUNCTION pg_temp.video(p_name text) RETURNS public.videos LANGUAGE sql AS
  $$ SELECT * FROM public.videos WHERE id = test.vid(p_name) $$;
-- Ages a video as a stuck job would be: not updated for p_age.
CREATE FUNCTION pg_temp.age(p_name text, p_age interval) RETURNS void LANGUAGE sql AS
  $$ UPDATE public.videos SET updated_at = now() - p_age WHERE id = test.vid(p_name) $$;
CREATE FUNCTION pg_temp.explain(p_sql text) RETURNS SETOF text LANGUAGE plpgsql AS
  $$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN (COSTS OFF) ' || p_sql; END $$;
-- A plan's lines, without the leading spaces and arrow of each node.
CREATE FUNCTION pg_temp.plan_lines(p_sql text) RETURNS text[] LANGUAGE sql AS $$
  SELECT array_agg(regexp_replace(p, '^ *(-> +)?', '')) FROM pg_temp.explain(p_sql) p
$$;
CREATE FUNCTION pg_temp.in_flight(p_user uuid) RETURNS int LANGUAGE sql AS $$
  SELECT count(*)::int FROM public.videos WHERE user_id = p_user AND status IN ('pending', 'processing')
$$;

-- Users: alice (cap), bob (cap meets balance), carol (expiry), dave (updated_at), erin (ledger).
SET LOCAL sora_credits.signup_credits = 1000;
INSERT INTO auth.users (id, email) VALUES
  ('10000000-0000-4000-8000-000000000001', 'alice@example.com'),
  ('10000000-0000-4000-8000-000000000003', 'carol@example.com'),
  ('10000000-0000-4000-8000-000000000004', 'dave@example.com'),
  ('10000000-0000-4000-8000-000000000005', 'erin@example.com');
SET LOCAL sora_credits.signup_credits = 15;
INSERT INTO auth.users (id, email) VALUES ('10000000-0000-4000-8000-000000000002', 'bob@example.com');
SET LOCAL sora_credits.signup_credits = 0;

------------------------------------------------------------------------------------------
-- The new objects
------------------------------------------------------------------------------------------
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'), '2.0',
          'CREATE EXTENSION installs version 2.0 (1.0 + the 1.1, 1.2 and 2.0 upgrade scripts)');
SELECT is(pg_get_function_arguments('public.expire_stale_videos(interval)'::regprocedure),
          'p_older_than interval DEFAULT NULL::interval', 'expire_stale_videos: arguments and default');
SELECT is(pg_get_function_result('public.expire_stale_videos(interval)'::regprocedure), 'jsonb',
          'expire_stale_videos returns jsonb');
SELECT results_eq($$SELECT p.prosecdef, p.provolatile = 'v', l.lanname = 'c',
                           p.proconfig = ARRAY['search_path=pg_catalog, pg_temp'] COLLATE "C"
                    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
                    WHERE p.oid = 'public.expire_stale_videos(interval)'::regprocedure$$,
                  $$VALUES (true, true, true, true)$$,
                  'expire_stale_videos: SECURITY DEFINER, VOLATILE, LANGUAGE c, pinned search_path');
SELECT is((SELECT count(*)::int FROM pg_proc WHERE proname = 'expire_stale_videos'), 1,
          'expire_stale_videos: one function of that name (no overloads for PostgREST)');
SELECT is(array_agg(has_function_privilege(r, 'public.expire_stale_videos(interval)', 'EXECUTE') ORDER BY r),
          ARRAY[false, false, true], 'expire_stale_videos: EXECUTE for service_role only (anon, authenticated, service_role)')
FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r;
SELECT ok(NOT EXISTS (SELECT FROM pg_proc p, aclexplode(p.proacl) a
                      WHERE p.proname IN ('expire_stale_videos', 'guard_ledger',
                                          'videos_notify_new_job')
                        AND a.grantee = 0),
          'no new function is executable by PUBLIC');
SELECT is(array_agg(has_function_privilege(r, f::regprocedure, 'EXECUTE')),
          ARRAY[false, false, false, false, false, false], 'the new trigger functions: no EXECUTE for the API roles')
FROM unnest(ARRAY['anon', 'authenticated', 'service_role']) r,
     unnest(ARRAY['public.guard_ledger()', 'public.videos_notify_new_job()']) f;
SELECT is(pg_get_indexdef('public.videos_user_inflight_idx'::regclass),
          $$CREATE INDEX videos_user_inflight_idx ON public.videos USING btree (user_id) WHERE (status = ANY (ARRAY['pending'::text, 'processing'::text]))$$,
          'videos_user_inflight_idx (user_id) WHERE status is pending or processing');
-- tgtype bits: 1 ROW, 2 BEFORE, 4 INSERT, 8 DELETE, 16 UPDATE, 32 TRUNCATE.
SELECT results_eq($$SELECT tgname::text COLLATE "default", tgtype::int, tgfoid::regproc::text, tgenabled::text FROM pg_trigger
                    WHERE tgrelid IN ('public.credit_transactions'::regclass, 'public.videos'::regclass)
                      AND NOT tgisinternal ORDER BY tgname$$,
                  $$VALUES ('credit_transactions_guard'::text, 31, 'guard_ledger'::text, 'A'::text),
                           ('credit_transactions_guard_truncate', 34, 'guard_ledger', 'A'),
                           ('videos_functions_only', 31, 'refuse_direct_change', 'A'),
                           ('videos_functions_only_truncate', 34, 'refuse_direct_change', 'A'),
                           ('videos_notify_new_job', 5, 'videos_notify_new_job', 'O')$$,
                  'triggers: the ledger and videos guarded (1.2); NOTIFY after each new video');
SELECT is((SELECT array_agg(pg_describe_object(classid, objid, 0) ORDER BY objid::regprocedure::text) FROM pg_depend
           WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
             AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sora_credits')
             AND pg_describe_object(classid, objid, 0) ~ '(expire_stale|guard_ledger|notify_new_job)'),
          ARRAY['function expire_stale_videos(interval)', 'function guard_ledger()',
                'function videos_notify_new_job()'],
          'the new functions are members of the extension (DROP EXTENSION removes them)');

------------------------------------------------------------------------------------------
-- Settings
------------------------------------------------------------------------------------------
SELECT results_eq($$SELECT current_setting('sora_credits.max_inflight_per_user'), current_setting('sora_credits.job_timeout'),
                           current_setting('sora_credits.expire_interval'), current_setting('sora_credits.databases')$$,
                  $$VALUES ('0'::text, '1 hour'::text, '1 minute'::text, ''::text)$$,
                  'defaults: no cap, job_timeout 1 hour, expire_interval 1 minute, no databases');
SELECT is(test.error_of($$SET LOCAL sora_credits.job_timeout = '0'$$) - 'hint',
          jsonb_build_object('sqlstate', '22023', 'message', 'invalid value for parameter "sora_credits.job_timeout": "0"',
                             'detail', 'sora_credits.job_timeout must be positive (more than 0, with no negative part).'),
          'job_timeout 0: refused, 22023 with the rule');
SELECT is(test.error_of($$SET LOCAL sora_credits.job_timeout = '-1 hour'$$)->>'detail',
          'sora_credits.job_timeout must be positive (more than 0, with no negative part).', 'job_timeout negative: refused');
SELECT is(test.error_of($$SET LOCAL sora_credits.job_timeout = 'soon'$$)->>'detail',
          'sora_credits.job_timeout must be an interval such as ''1 hour''.', 'job_timeout not an interval: refused');
SELECT is(test.error_of($$SET LOCAL sora_credits.max_inflight_per_user = -1$$)->>'sqlstate', '22023',
          'max_inflight_per_user -1: refused');
SELECT is(test.error_of($$SET LOCAL sora_credits.expire_interval = '1 minute'$$)->>'sqlstate', '55P02',
          'expire_interval is a server setting (postgresql.conf and reload), not a session one');
SELECT is(test.error_of($$SET LOCAL sora_credits.databases = 'postgres'$$)->>'sqlstate', '55P02',
          'databases is a server setting too');
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT is(test.error_of(format('SET LOCAL %s = %L', s, v))->>'message',
          format('permission denied to set parameter "%s"', s), format('authenticated cannot SET %s', s))
FROM (VALUES ('sora_credits.max_inflight_per_user', '0'), ('sora_credits.job_timeout', '100 years')) AS t(s, v);
RESET ROLE;

------------------------------------------------------------------------------------------
-- The in-flight cap
------------------------------------------------------------------------------------------
-- No cap (0): alice queues three videos.
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT pg_temp.new_video('a1', 'key-a1');
SELECT pg_temp.new_video('a2');
SELECT pg_temp.new_video('a3');
RESET ROLE;
SELECT is(pg_temp.in_flight('10000000-0000-4000-8000-000000000001'), 3, 'cap 0: three videos in flight, no limit');

SET LOCAL sora_credits.max_inflight_per_user = 3;
CREATE TEMP TABLE alice_before AS
  SELECT (SELECT credits FROM public.profiles WHERE id = '10000000-0000-4000-8000-000000000001') AS credits,
         (SELECT count(*) FROM public.videos WHERE user_id = '10000000-0000-4000-8000-000000000001') AS videos,
         (SELECT count(*) FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000001') AS entries;
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT is(test.error_of($$SELECT public.create_video_generation('a4')$$),
          jsonb_build_object('sqlstate', 'PT429',
                             'message', 'Too many videos in progress: 3 of your videos are still being generated, and the limit is 3 at a time.',
                             'detail', '{"in_flight":3,"limit":3}',
                             'hint', 'Wait until one of your videos is finished, then ask again.'),
          'at the cap: PT429 saying how many are in flight and the limit, DETAIL as JSON');
SELECT throws_ok($$SELECT public.create_video_request('a4 legacy')$$, 'PT429',
                 'Too many videos in progress: 3 of your videos are still being generated, and the limit is 3 at a time.',
                 'create_video_request: the same cap');
SELECT throws_ok($$SELECT public.create_video_generation('a4', 5, '720p', 'sora-2', 'key-a4')$$, 'PT429', NULL,
                 'a new idempotency key at the cap: PT429');
SELECT is((public.create_video_generation('a1', 5, '720p', 'sora-2', 'key-a1') - 'credits_remaining'),
          (test.res('a1') - 'credits_remaining' - 'idempotent_replay') || '{"idempotent_replay": true}',
          'a retry of an existing key at the cap replays (same video and charge), not PT429');
RESET ROLE;
SELECT results_eq($$SELECT (SELECT credits FROM public.profiles WHERE id = '10000000-0000-4000-8000-000000000001'),
                           (SELECT count(*) FROM public.videos WHERE user_id = '10000000-0000-4000-8000-000000000001'),
                           (SELECT count(*) FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000001')$$,
                  'SELECT credits, videos, entries FROM alice_before', 'refusals and the replay wrote nothing');

-- Claiming (pending -> processing) keeps a job in flight; soft deletion does too.
SELECT test.act_as('service_role');
SELECT is((SELECT count(*) FILTER (WHERE user_id = '10000000-0000-4000-8000-000000000001')::int FROM public.claim_video_jobs(100)), 3,
          'the worker claims alice''s three jobs');
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('a3'))$$, 'alice hides a3 (still processing)');
SELECT throws_ok($$SELECT public.create_video_generation('a4')$$, 'PT429', NULL,
                 'processing and soft-deleted jobs still count: PT429');
-- Completing or refunding one frees a slot.
SELECT test.act_as('service_role');
SELECT lives_ok($$SELECT public.complete_video_generation(test.vid('a1'), 'https://cdn.example.com/a1.mp4')$$, 'a1 completed');
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT pg_temp.new_video('a4', 'key-a4')$$, 'after a completion: the next video is accepted');
SELECT throws_ok($$SELECT public.create_video_generation('a5')$$, 'PT429', NULL, 'and the cap is reached again');
SELECT test.act_as('service_role');
SELECT lives_ok($$SELECT public.refund_video_credits(test.vid('a2'), 'model error')$$, 'a2 refunded');
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT pg_temp.new_video('a5')$$, 'after a refund: the next video is accepted');
-- A lowered cap: the message shows the real count.
RESET ROLE;
SET LOCAL sora_credits.max_inflight_per_user = 2;
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.create_video_generation('a6')$$, 'PT429',
                 'Too many videos in progress: 3 of your videos are still being generated, and the limit is 2 at a time.',
                 'cap lowered below the count: PT429 with the real count');
-- The cap is per user: carol has nothing in flight.
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000003');
SELECT lives_ok($$SELECT public.create_video_generation('carol under the cap', 1, '480p')$$, 'another user is not limited by alice''s jobs');
RESET ROLE;
-- The cap comes before the balance: bob (15 credits) at cap 1 with one video and 0 credits left.
SET LOCAL sora_credits.max_inflight_per_user = 1;
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000002');
SELECT lives_ok($$SELECT pg_temp.new_video('b1')$$, 'bob spends his 15 credits');
SELECT throws_ok($$SELECT public.create_video_generation('b2')$$, 'PT429', NULL,
                 'at the cap and out of credits: PT429 (buying credits would not help)');
RESET ROLE;
SET LOCAL sora_credits.max_inflight_per_user = 0;
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000002');
SELECT throws_ok($$SELECT public.create_video_generation('b2')$$, 'PT402', NULL, 'without the cap: PT402');
RESET ROLE;
-- The count reads the partial index of jobs in flight (forced: tiny tables favour a scan).
SET LOCAL enable_seqscan = off;
SELECT matches((SELECT string_agg(p, ' ') FROM pg_temp.explain(
                  $$SELECT count(*) FROM public.videos WHERE user_id = '10000000-0000-4000-8000-000000000001' AND status IN ('pending', 'processing')$$) p),
               'videos_user_inflight_idx', 'the cap''s count can use videos_user_inflight_idx');
RESET enable_seqscan;

------------------------------------------------------------------------------------------
-- Every status change sets updated_at
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000004');
SELECT pg_temp.new_video(n) FROM unnest(ARRAY['d1', 'd2', 'd3']) n;
RESET ROLE;
SELECT pg_temp.age(n, '1 day') FROM unnest(ARRAY['d1', 'd2', 'd3']) n;
SELECT test.act_as('service_role');
SELECT is((SELECT count(*) FILTER (WHERE user_id = '10000000-0000-4000-8000-000000000004')::int FROM public.claim_video_jobs(100)), 3, 'dave''s three jobs claimed');
RESET ROLE;
SELECT is((SELECT array_agg((pg_temp.video(n)).updated_at = now()) FROM unnest(ARRAY['d1', 'd2', 'd3']) n),
          ARRAY[true, true, true], 'claim (pending -> processing) sets updated_at');
SELECT pg_temp.age(n, '1 day') FROM unnest(ARRAY['d1', 'd2', 'd3']) n;
SELECT test.act_as('service_role');
SELECT public.complete_video_generation(test.vid('d1'), 'https://cdn.example.com/d1.mp4');
SELECT public.refund_video_credits(test.vid('d2'));
RESET ROLE;
SELECT is((pg_temp.video('d1')).updated_at, now(), 'complete sets updated_at');
SELECT is((pg_temp.video('d2')).updated_at, now(), 'refund sets updated_at');
SELECT is((pg_temp.video('d3')).updated_at, now() - interval '1 day', 'an untouched job keeps its updated_at');
SELECT test.act_as('service_role');
SELECT public.refund_video_credits(test.vid('d3'));  -- not stuck: out of the way of the expiry checks
RESET ROLE;

------------------------------------------------------------------------------------------
-- expire_stale_videos
------------------------------------------------------------------------------------------
-- carol: c1 pending and c2 processing, stuck for 2 hours; c3 pending, fresh; c4 completed
-- and c5 refunded, both old; c6 pending for 45 minutes. (carol also has one fresh video.)
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000003');
SELECT pg_temp.new_video(n) FROM unnest(ARRAY['c1', 'c2', 'c3', 'c4', 'c5', 'c6']) n;
RESET ROLE;
UPDATE public.videos SET status = 'processing' WHERE id = test.vid('c2');  -- as a claim would
SELECT test.act_as('service_role');
SELECT public.complete_video_generation(test.vid('c4'), 'https://cdn.example.com/c4.mp4');
SELECT public.refund_video_credits(test.vid('c5'), 'model error');
RESET ROLE;
SELECT pg_temp.age(n, '2 hours') FROM unnest(ARRAY['c1', 'c2', 'c4', 'c5']) n;
SELECT pg_temp.age('c6', '45 minutes');
CREATE TEMP TABLE carol_before AS SELECT * FROM public.profiles WHERE id = '10000000-0000-4000-8000-000000000003';

SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'expire1', public.expire_stale_videos();
INSERT INTO test.res SELECT 'expire_again', public.expire_stale_videos();
RESET ROLE;
SELECT is(test.res('expire1'), '{"expired": 2, "credits_refunded": 30}'::jsonb,
          'default (job_timeout 1 hour): the two stuck jobs expired, 2 x 15 credits refunded');
SELECT is(test.res('expire_again'), '{"expired": 0, "credits_refunded": 0}'::jsonb, 'a second run finds nothing: safe to re-run');
SELECT results_eq($$SELECT status, error_message, refunded_at = now(), updated_at = now()
                    FROM public.videos WHERE id IN (test.vid('c1'), test.vid('c2')) ORDER BY prompt$$,
                  $$VALUES ('failed'::text, 'Timed out: the video was not generated in time, so its credits were refunded.'::text, true, true),
                           ('failed', 'Timed out: the video was not generated in time, so its credits were refunded.', true, true)$$,
                  'expired jobs: failed, with the reason, refunded_at and updated_at set');
SELECT results_eq($$SELECT prompt, status FROM public.videos WHERE id IN (test.vid('c3'), test.vid('c4'), test.vid('c5'), test.vid('c6')) ORDER BY prompt$$,
                  $$VALUES ('c3'::text, 'pending'::text), ('c4', 'completed'), ('c5', 'failed'), ('c6', 'pending')$$,
                  'fresh, completed, already refunded and 45-minute-old jobs are left alone');
SELECT results_eq($$SELECT v.prompt, t.amount, t.description, t.balance_after > 0 FROM public.credit_transactions t
                    JOIN public.videos v ON v.id = t.video_id
                    WHERE t.kind = 'refund' AND v.id IN (test.vid('c1'), test.vid('c2')) ORDER BY v.prompt$$,
                  $$VALUES ('c1'::text, 15::bigint, 'Refund: Timed out: the video was not generated in time, so its credits were refunded.'::text, true),
                           ('c2', 15, 'Refund: Timed out: the video was not generated in time, so its credits were refunded.', true)$$,
                  'one refund entry per expired job, like refund_video_credits writes');
SELECT results_eq($$SELECT p.credits - b.credits, b.credits_reserved - p.credits_reserved, p.lifetime_refunded - b.lifetime_refunded
                    FROM public.profiles p, carol_before b WHERE p.id = b.id$$,
                  $$VALUES (30::bigint, 30::bigint, 30::bigint)$$, 'carol: +30 credits, 30 fewer reserved, +30 lifetime_refunded');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'the ledger still matches every balance');
SELECT test.act_as('service_role');
SELECT is(public.refund_video_credits(test.vid('c1'), 'late worker callback') - 'video_id' - 'credits_remaining',
          jsonb_build_object('success', true, 'credits_refunded', 0, 'already_refunded', true,
                             'transaction_id', (SELECT id FROM public.credit_transactions WHERE video_id = test.vid('c1') AND kind = 'refund')),
          'a worker refunding an expired job later: already_refunded, the expiry''s entry, nothing paid twice');
SELECT throws_ok($$SELECT public.complete_video_generation(test.vid('c2'), 'https://cdn.example.com/late.mp4')$$, 'PT409', NULL,
                 'a worker completing an expired job later: PT409 (it was refunded)');

-- p_older_than and sora_credits.job_timeout.
SELECT is(public.expire_stale_videos('1 hour'), '{"expired": 0, "credits_refunded": 0}'::jsonb, 'p_older_than 1 hour: c6 (45 minutes) is not stale');
SELECT is(public.expire_stale_videos('30 minutes'), '{"expired": 1, "credits_refunded": 15}'::jsonb, 'p_older_than 30 minutes: c6 expires');
SELECT is((pg_temp.video('c6')).status, 'failed', 'c6 failed');
RESET ROLE;
SELECT pg_temp.age('c3', '20 minutes');
SET LOCAL sora_credits.job_timeout = '10 minutes';
SELECT test.act_as('service_role');
SELECT is(public.expire_stale_videos(), '{"expired": 1, "credits_refunded": 15}'::jsonb, 'NULL uses sora_credits.job_timeout (10 minutes): c3 expires');
SELECT is(public.expire_stale_videos(NULL), '{"expired": 0, "credits_refunded": 0}'::jsonb, 'an explicit NULL: the same default');
RESET ROLE;
-- At most 100 years ('10000 years' used to be accepted, and then every expiry failed with 22008).
SELECT is(test.error_of($$SET LOCAL sora_credits.job_timeout = '10000 years'$$)->>'detail',
          'sora_credits.job_timeout must be at most 100 years.', 'job_timeout 10000 years: refused');
SET LOCAL sora_credits.job_timeout = '100 years';
SELECT test.act_as('service_role');
SELECT is(public.expire_stale_videos(), '{"expired": 0, "credits_refunded": 0}'::jsonb,
          'job_timeout 100 years: expiry runs, and nothing is that old');
RESET ROLE;
RESET sora_credits.job_timeout;

-- Bad p_older_than: 22023, nothing expired.
SELECT test.act_as('service_role');
SELECT is(test.error_of(format('SELECT public.expire_stale_videos(%L)', i)) - 'hint',
          jsonb_build_object('sqlstate', '22023', 'message', 'p_older_than must be positive (more than 0, with no negative part).', 'detail', ''),
          format('p_older_than %s: 22023', i))
FROM unnest(ARRAY['0', '-1 hour', '1 day -1 hour', '-1 mon']) i;
SELECT is(test.error_of($$SELECT public.expire_stale_videos('10000 years')$$)->>'message',
          'p_older_than must be at most 100 years.', 'p_older_than 10000 years: 22023, not 22008');
-- Who may call it.
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000003');
SELECT throws_ok('SELECT public.expire_stale_videos()', '42501', 'permission denied for function expire_stale_videos',
                 'authenticated cannot expire (and so refund) jobs');
SELECT test.act_as('anon');
SELECT throws_ok('SELECT public.expire_stale_videos()', '42501', 'permission denied for function expire_stale_videos',
                 'anon cannot expire jobs');
RESET ROLE;
-- The listing of stale jobs reads the partial index of jobs in flight by updated_at (2.0)
-- up to the cut-off, in its order: only the stale jobs, with no filter and no sort.
SET LOCAL enable_seqscan = off;
SELECT is(pg_temp.plan_lines(
            $$SELECT id, user_id FROM public.videos WHERE status IN ('pending', 'processing') AND updated_at < now() - interval '1 hour' ORDER BY updated_at, id$$),
          ARRAY['Index Scan using videos_inflight_updated_idx on videos',
                'Index Cond: (updated_at < (now() - ''01:00:00''::interval))'],
          'expiry''s listing reads videos_inflight_updated_idx up to the cut-off, with no filter or sort');
RESET enable_seqscan;

------------------------------------------------------------------------------------------
-- Owner-proof ledger
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '10000000-0000-4000-8000-000000000005');
SELECT pg_temp.new_video('e1');
RESET ROLE;
CREATE TEMP TABLE erin_entries AS
  SELECT count(*) AS n FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000005';
SELECT ok((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), 'these checks run as the superuser that owns the tables');
SELECT is((SELECT tableowner::text FROM pg_tables WHERE schemaname = 'public' AND tablename = 'credit_transactions'),
          current_user::text, 'and owns credit_transactions');
SET LOCAL client_min_messages = warning;  -- TRUNCATE ... CASCADE notices
SELECT throws_ok(stmt, '42501', 'credit_transactions is append-only: ledger entries cannot be deleted', label)
FROM (VALUES
  ($$DELETE FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000005'$$, 'superuser/owner: DELETE refused'),
  ($$DELETE FROM public.credit_transactions$$, 'superuser/owner: DELETE of the whole ledger refused'),
  ('TRUNCATE public.credit_transactions', 'superuser/owner: TRUNCATE refused'),
  ($$DELETE FROM public.profiles WHERE id = '10000000-0000-4000-8000-000000000005'$$,
   'deleting the profile of a user who still exists: its ledger cascade is refused'),
  ('TRUNCATE public.profiles CASCADE', 'TRUNCATE profiles CASCADE reaches the ledger: refused'),
  ('TRUNCATE auth.users CASCADE', 'TRUNCATE auth.users CASCADE reaches the ledger: refused')
) AS t(stmt, label);
SELECT is(test.error_of($$DELETE FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000005'$$)->>'hint',
          'Ledger entries go away only with their user: delete the user from auth.users.', 'the refusal says how entries go away');
SELECT throws_ok($$UPDATE public.credit_transactions SET amount = 1 WHERE user_id = '10000000-0000-4000-8000-000000000005'$$,
                 '42501', 'credit_transactions is append-only: ledger entries cannot be changed', 'UPDATE is still refused (1.0 trigger)');
SELECT is((SELECT count(*) FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000005'),
          (SELECT n FROM erin_entries), 'erin''s ledger is intact');
-- Disabling the trigger on purpose is the one way past it.
ALTER TABLE public.credit_transactions DISABLE TRIGGER credit_transactions_guard;
SELECT lives_ok($$DELETE FROM public.credit_transactions WHERE kind = 'refund' AND user_id = '10000000-0000-4000-8000-000000000004'$$,
                'with the trigger disabled on purpose, the owner can delete');
ALTER TABLE public.credit_transactions ENABLE TRIGGER credit_transactions_guard;
-- Deleting the user cascades through profiles to the ledger, as Supabase Auth does it.
SET LOCAL ROLE supabase_auth_admin;
SELECT lives_ok($$DELETE FROM auth.users WHERE id = '10000000-0000-4000-8000-000000000005'$$,
                'supabase_auth_admin deletes erin from auth.users: the cascade is allowed');
RESET ROLE;
SELECT results_eq($$SELECT (SELECT count(*)::int FROM public.profiles WHERE id = '10000000-0000-4000-8000-000000000005'),
                           (SELECT count(*)::int FROM public.videos WHERE user_id = '10000000-0000-4000-8000-000000000005'),
                           (SELECT count(*)::int FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000005')$$,
                  $$VALUES (0, 0, 0)$$, 'erin''s profile, videos and ledger are gone with her');
SELECT lives_ok($$DELETE FROM auth.users WHERE id = '10000000-0000-4000-8000-000000000001'$$,
                'the superuser deleting a user with a long history: allowed too');
-- Only as the cascade: entries orphaned by deleting a user with triggers off (replica mode,
-- which skips the foreign keys' cascade) still cannot be deleted directly, only through the
-- cascade from their profile.
SET LOCAL session_replication_role = replica;
DELETE FROM auth.users WHERE id = '10000000-0000-4000-8000-000000000003';
RESET session_replication_role;
SELECT throws_ok($$DELETE FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000003'$$,
                 '42501', 'credit_transactions is append-only: ledger entries cannot be deleted',
                 'an orphaned ledger (its user gone, triggers bypassed) cannot be deleted directly');
SELECT lives_ok($$DELETE FROM public.profiles WHERE id = '10000000-0000-4000-8000-000000000003'$$,
                'deleting the orphaned profile cascades to its ledger');
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE user_id = '10000000-0000-4000-8000-000000000003'), 0,
          'the orphaned entries went with the profile');

SELECT * FROM finish();
ROLLBACK;
