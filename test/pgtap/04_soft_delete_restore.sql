-- 04_soft_delete_restore: soft_delete_video, restore_video and list_deleted_videos:
-- result shapes, idempotence, RLS hiding deleted videos from their owner, no existence leak
-- for other users' videos (PT404), the restore window (PT410), service_role acting for
-- anyone, and refused callers.
BEGIN;
SELECT plan(52);

CREATE FUNCTION pg_temp.new_video(p_name text) RETURNS void LANGUAGE sql AS $$
  INSERT INTO test.res SELECT p_name, public.create_video_generation(p_name)
$$;
CREATE FUNCTION pg_temp.deleted_at(p_name text) RETURNS timestamptz LANGUAGE sql AS
  $$ SELECT deleted_at FROM public.videos WHERE id = test.vid(p_name) $$;

-- Users: alice and bob, 500 credits each; alice has a1, a2, a3, bob has b1.
SET LOCAL sora_credits.signup_credits = 500;
INSERT INTO auth.users (id, email) VALUES
  ('04000000-0000-4000-8000-000000000001', 'alice@example.com'),
  ('04000000-0000-4000-8000-000000000002', 'bob@example.com');
SET LOCAL sora_credits.signup_credits = 0;
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT pg_temp.new_video(n) FROM unnest(ARRAY['a1', 'a2', 'a3']) n;
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000002');
SELECT pg_temp.new_video('b1');
RESET ROLE;

------------------------------------------------------------------------------------------
-- soft_delete_video by the owner: shape, values, idempotence, credits untouched
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
INSERT INTO test.res SELECT 'del1', public.soft_delete_video(test.vid('a1'));
INSERT INTO test.res SELECT 'del1_again', public.soft_delete_video(test.vid('a1'));
RESET ROLE;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('del1')) k),
          ARRAY['already_deleted', 'deleted_at', 'success', 'video_id'],
          'soft_delete_video returns exactly the contract keys');
SELECT is(test.res('del1') - 'deleted_at',
          jsonb_build_object('success', true, 'video_id', test.vid('a1'), 'already_deleted', false),
          'soft delete: success, video_id, already_deleted false');
SELECT is((test.res('del1')->>'deleted_at')::timestamptz, pg_temp.deleted_at('a1'),
          'soft delete: deleted_at is the row''s deleted_at');
SELECT is(test.res('del1_again'),
          jsonb_set(test.res('del1'), '{already_deleted}', 'true'),
          'deleting twice: already_deleted true, same deleted_at, not an error');
SELECT results_eq($$SELECT count(*)::int, min(status) FROM public.videos WHERE id = test.vid('a1')$$,
                  $$VALUES (1, 'pending'::text)$$, 'the row is kept (soft delete), its status untouched');
SELECT is((SELECT credits FROM public.profiles WHERE id = '04000000-0000-4000-8000-000000000001'), 455::bigint,
          'soft delete refunds nothing: 500 - 3 x 15');

------------------------------------------------------------------------------------------
-- RLS hides deleted videos from their owner; list_deleted_videos shows them
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT set_eq('SELECT prompt FROM public.videos', ARRAY['a2', 'a3'],
              'owner: SELECT * FROM videos no longer shows the deleted video');
SELECT is_empty($$SELECT * FROM public.videos WHERE id = test.vid('a1')$$,
                'owner: not even when asked by id');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('a2'))$$, 'owner deletes a2 too');
RESET ROLE;
-- One transaction has one now(): make a1's deletion the older one.
UPDATE public.videos SET deleted_at = now() - interval '2 hours' WHERE id = test.vid('a1');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT results_eq('SELECT prompt, deleted_at IS NOT NULL FROM public.list_deleted_videos()',
                  $$VALUES ('a2'::text, true), ('a1', true)$$,
                  'list_deleted_videos: the caller''s deleted videos, newest deletion first');
SELECT is((public.get_credit_info()->>'active_videos')::int, 1, 'get_credit_info: 1 active video');
SELECT is((public.get_credit_info()->>'deleted_videos')::int, 2, 'get_credit_info: 2 deleted videos');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000002');
SELECT is_empty('SELECT * FROM public.list_deleted_videos()', 'list_deleted_videos: another user sees none of them');

------------------------------------------------------------------------------------------
-- Another user's video: PT404 with the same error as an unknown id (no existence leak)
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.soft_delete_video(test.vid('b1'))$$, 'PT404', 'Video not found.',
                 'deleting another user''s video: PT404');
SELECT throws_ok($$SELECT public.soft_delete_video('04000000-0000-4000-8000-0000000000ff')$$, 'PT404',
                 'Video not found.', 'deleting an unknown video: PT404');
SELECT is(test.error_of($$SELECT public.soft_delete_video(test.vid('b1'))$$),
          test.error_of($$SELECT public.soft_delete_video('04000000-0000-4000-8000-0000000000ff')$$),
          'soft delete: foreign and unknown ids give identical errors (code, message, detail, hint)');
RESET ROLE;
SELECT is(pg_temp.deleted_at('b1'), NULL, 'bob''s video was not deleted');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000002');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('b1'))$$, 'bob deletes b1');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.restore_video(test.vid('b1'))$$, 'PT404', 'Video not found.',
                 'restoring another user''s video: PT404');
SELECT is(test.error_of($$SELECT public.restore_video(test.vid('b1'))$$),
          test.error_of($$SELECT public.restore_video('04000000-0000-4000-8000-0000000000ff')$$),
          'restore: foreign and unknown ids give identical errors');
RESET ROLE;
SELECT isnt(pg_temp.deleted_at('b1'), NULL, 'bob''s video is still deleted');

------------------------------------------------------------------------------------------
-- restore_video by the owner: shape, values, idempotence
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
INSERT INTO test.res SELECT 'restore_a2', public.restore_video(test.vid('a2'));
INSERT INTO test.res SELECT 'restore_a2_again', public.restore_video(test.vid('a2'));
INSERT INTO test.res SELECT 'restore_a3', public.restore_video(test.vid('a3'));
SELECT set_eq('SELECT prompt FROM public.videos', ARRAY['a2', 'a3'], 'owner sees the restored video again');
SELECT results_eq('SELECT prompt FROM public.list_deleted_videos()', $$VALUES ('a1'::text)$$,
                  'the restored video left list_deleted_videos');
RESET ROLE;
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('restore_a2')) k),
          ARRAY['already_active', 'success', 'video_id'], 'restore_video returns exactly the contract keys');
SELECT is(test.res('restore_a2'),
          jsonb_build_object('success', true, 'video_id', test.vid('a2'), 'already_active', false),
          'restore: success, video_id, already_active false');
SELECT is(pg_temp.deleted_at('a2'), NULL, 'restore: deleted_at cleared');
SELECT is(test.res('restore_a2_again')->'already_active', 'true'::jsonb, 'restoring twice: already_active true');
SELECT is(test.res('restore_a3')->'already_active', 'true'::jsonb, 'restoring a video never deleted: already_active true');

------------------------------------------------------------------------------------------
-- The restore window (sora_credits.restore_window): PT410 once it has passed
------------------------------------------------------------------------------------------
SET LOCAL sora_credits.restore_window = '1 day';
UPDATE public.videos SET deleted_at = now() - interval '2 days' WHERE id = test.vid('a1');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.restore_video(test.vid('a1'))$$, 'PT410',
                 'This video was deleted more than 1 day ago and can no longer be restored.',
                 'window 1 day, deleted 2 days ago: PT410');
RESET ROLE;
SELECT is(pg_temp.deleted_at('a1'), now() - interval '2 days', 'PT410: the video stays deleted');
UPDATE public.videos SET deleted_at = now() - interval '12 hours' WHERE id = test.vid('a1');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT is(public.restore_video(test.vid('a1'))->'already_active', 'false'::jsonb,
          'window 1 day, deleted 12 hours ago: restored');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('a3'))$$, 'owner deletes a3');
RESET ROLE;
-- The default window is 30 days.
RESET sora_credits.restore_window;
UPDATE public.videos SET deleted_at = now() - interval '31 days' WHERE id = test.vid('a3');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SELECT public.restore_video(test.vid('a3'))$$, 'PT410',
                 'This video was deleted more than 30 days ago and can no longer be restored.',
                 'default window (30 days), deleted 31 days ago: PT410');
RESET ROLE;
UPDATE public.videos SET deleted_at = now() - interval '29 days' WHERE id = test.vid('a3');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT is(public.restore_video(test.vid('a3'))->'already_active', 'false'::jsonb,
          'default window (30 days), deleted 29 days ago: restored');
RESET ROLE;

-- The longest window is 100 years: now() minus a longer one would leave the timestamp range
-- ('10000 years' used to be accepted, and then every restore failed with 22008).
SELECT is(test.error_of($$SET LOCAL sora_credits.restore_window = '10000 years'$$) - 'hint',
          jsonb_build_object('sqlstate', '22023',
                             'message', 'invalid value for parameter "sora_credits.restore_window": "10000 years"',
                             'detail', 'sora_credits.restore_window must be at most 100 years.'),
          'restore_window 10000 years: refused, 22023 with the rule');
SELECT is(test.error_of($$SET LOCAL sora_credits.restore_window = '36001 days'$$)->>'detail',
          'sora_credits.restore_window must be at most 100 years.',
          'restore_window 36001 days (more than 100 years of 360 days): refused');
SET LOCAL sora_credits.restore_window = '100 years';
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT lives_ok($$SELECT public.soft_delete_video(test.vid('a3'))$$, 'owner deletes a3 again');
SELECT is(public.restore_video(test.vid('a3'))->'already_active', 'false'::jsonb,
          'window 100 years: restored (now() - 100 years is a timestamp)');
RESET ROLE;
RESET sora_credits.restore_window;

------------------------------------------------------------------------------------------
-- service_role deletes and restores anyone's video
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT is(public.soft_delete_video(test.vid('a2'))->'already_deleted', 'false'::jsonb,
          'service_role deletes alice''s video');
SELECT is(public.restore_video(test.vid('a2'))->'already_active', 'false'::jsonb,
          'service_role restores alice''s video');
SELECT is(public.restore_video(test.vid('b1'))->'already_active', 'false'::jsonb,
          'service_role restores bob''s video');
SELECT throws_ok($$SELECT public.soft_delete_video('04000000-0000-4000-8000-0000000000ff')$$, 'PT404',
                 'Video not found.', 'service_role, unknown video: PT404');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM public.videos WHERE deleted_at IS NOT NULL
           AND user_id IN ('04000000-0000-4000-8000-000000000001', '04000000-0000-4000-8000-000000000002')),
          0, 'every video is active again');

------------------------------------------------------------------------------------------
-- Refused callers and bad arguments
------------------------------------------------------------------------------------------
SELECT test.act_as('anon');
SELECT throws_ok($$SELECT public.soft_delete_video(test.vid('a2'))$$, '42501',
                 'permission denied for function soft_delete_video', 'anon cannot soft delete (no EXECUTE)');
SELECT throws_ok($$SELECT public.restore_video(test.vid('a2'))$$, '42501',
                 'permission denied for function restore_video', 'anon cannot restore (no EXECUTE)');
SELECT throws_ok('SELECT * FROM public.list_deleted_videos()', '42501',
                 'permission denied for function list_deleted_videos', 'anon cannot list deleted videos');
SELECT test.act_as('authenticated');  -- a token without sub
SELECT throws_ok($$SELECT public.soft_delete_video(test.vid('a2'))$$, '42501',
                 'Not signed in: this action needs an authenticated user.', 'soft delete without a user: 42501');
SELECT throws_ok($$SELECT public.restore_video(test.vid('a2'))$$, '42501',
                 'Not signed in: this action needs an authenticated user.', 'restore without a user: 42501');
SELECT test.act_as('authenticated', '04000000-0000-4000-8000-000000000001');
SELECT throws_ok('SELECT public.soft_delete_video(NULL)', '22023', 'p_video_id is required.', 'soft delete NULL id: 22023');
SELECT throws_ok('SELECT public.restore_video(NULL)', '22023', 'p_video_id is required.', 'restore NULL id: 22023');
SELECT results_eq($$SELECT (i->>'active_videos')::int, (i->>'deleted_videos')::int, (i->>'credits')::bigint
                    FROM public.get_credit_info() i$$,
                  $$VALUES (3, 0, 455::bigint)$$, 'alice: 3 active, 0 deleted, credits unchanged by all of this');
RESET ROLE;

SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger(): credits = sum(amount) for every profile');

SELECT * FROM finish();
ROLLBACK;
