-- 02_delete_restore: POST /rpc/soft_delete_video, /rpc/restore_video and
-- /rpc/list_deleted_videos (POST, and GET with select and limit on top of the set-returning
-- function) as anon, the owner, another user and service_role: response bodies, errors
-- with SQLSTATE and HTTP status, and the video rows after each refused request.
\set alice 0c020000-0000-4000-8000-000000000001
\set bob 0c020000-0000-4000-8000-000000000002
\set unknown 0c020000-0000-4000-8000-0000000000ff
SELECT plan(35);

CALL test.user_with_videos('alice', :'alice', 100, ARRAY['first', 'second', 'third']);
CALL test.user_with_videos('bob', :'bob', 100, ARRAY['bob''s']);
SELECT test.body('alice: first')->>'video_id' AS a1, test.body('alice: second')->>'video_id' AS a2,
       test.body('alice: third')->>'video_id' AS a3, test.body('bob: bob''s')->>'video_id' AS b1 \gset

------------------------------------------------------------------------------------------
-- soft_delete_video
------------------------------------------------------------------------------------------
CALL test.request('soft_delete_video, own video', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'a1'));
SELECT test.responds('soft_delete_video, own video', 200,
                     jsonb_build_object('success', true, 'video_id', :'a1', 'already_deleted', false), ARRAY['deleted_at']);
SELECT is((test.body('soft_delete_video, own video')->>'deleted_at')::timestamptz,
          (test.video_row(:'a1')->>'deleted_at')::timestamptz, 'the returned deleted_at is the one stored');
CALL test.request('soft_delete_video, again', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'a1'));
SELECT test.responds('soft_delete_video, again', 200,
                     test.body('soft_delete_video, own video') || '{"already_deleted": true}');

CALL test.request('soft_delete_video, another user''s video', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'b1'));
SELECT test.fails_with('soft_delete_video, another user''s video', 404, 'PT404', 'Video not found.');
SELECT is(test.video_row(:'b1')->'deleted_at', 'null', 'bob''s video is not deleted');
CALL test.request('soft_delete_video, unknown id', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'unknown'));
SELECT test.fails_with('soft_delete_video, unknown id', 404, 'PT404', 'Video not found.');
CALL test.request('soft_delete_video, p_video_id null', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  '{"p_video_id": null}');
SELECT test.fails_with('soft_delete_video, p_video_id null', 400, '22023', 'p_video_id is required.');
CALL test.request('soft_delete_video, not a uuid', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  '{"p_video_id": "abc"}');
SELECT test.fails_with('soft_delete_video, not a uuid', 400, '22P02', 'invalid input syntax for type uuid: "abc"');
CALL test.request('soft_delete_video without p_video_id', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video', '{}');
SELECT test.fails_with('soft_delete_video without p_video_id', 404, 'PGRST202',
                       'Could not find the function public.soft_delete_video without parameters in the schema cache');
CALL test.request('soft_delete_video as anon', 'anon', NULL, 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'a3'));
SELECT test.fails_with('soft_delete_video as anon', 401, '42501', 'permission denied for function soft_delete_video');
CALL test.request('soft_delete_video as service_role', 'service_role', NULL, 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'a2'));
SELECT test.responds('soft_delete_video as service_role', 200,
                     jsonb_build_object('success', true, 'video_id', :'a2', 'already_deleted', false), ARRAY['deleted_at']);
CALL test.request('GET soft_delete_video', 'authenticated', :'alice', 'GET', format('/rpc/soft_delete_video?p_video_id=%s', :'a3'));
SELECT test.fails_with('GET soft_delete_video', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');
SELECT is(test.video_row(:'a3')->'deleted_at', 'null', 'the GET deleted nothing');

------------------------------------------------------------------------------------------
-- list_deleted_videos: SETOF videos through json_agg
------------------------------------------------------------------------------------------
CALL test.request('list_deleted_videos', 'authenticated', :'alice', 'POST', '/rpc/list_deleted_videos', '{}');
SELECT is(test.status('list_deleted_videos'), 200, 'list_deleted_videos: HTTP 200');
SELECT is(ARRAY(SELECT e->>'id' FROM jsonb_array_elements(test.body('list_deleted_videos')) e), ARRAY[:'a2', :'a1'],
          'a JSON array of alice''s deleted videos, the most recently deleted first');
SELECT is(test.body('list_deleted_videos')->1, test.video_row(:'a1'), 'each element is the whole videos row');
SELECT is(test.read_only('list_deleted_videos'), true,
          'a POST of a STABLE function runs READ ONLY');
CALL test.request('GET list_deleted_videos with select and limit', 'authenticated', :'alice', 'GET',
                  '/rpc/list_deleted_videos?select=id,prompt,deleted_at&limit=1');
SELECT test.responds('GET list_deleted_videos with select and limit', 200,
                     jsonb_build_array(jsonb_build_object('id', :'a2', 'prompt', 'second',
                                                          'deleted_at', test.video_row(:'a2')->'deleted_at')));
CALL test.request('list_deleted_videos, nothing deleted', 'authenticated', :'bob', 'POST', '/rpc/list_deleted_videos', '{}');
SELECT test.responds('list_deleted_videos, nothing deleted', 200, '[]');
CALL test.request('list_deleted_videos as service_role', 'service_role', NULL, 'GET', '/rpc/list_deleted_videos');
SELECT test.responds('list_deleted_videos as service_role', 200, '[]');
CALL test.request('list_deleted_videos as anon', 'anon', NULL, 'POST', '/rpc/list_deleted_videos', '{}');
SELECT test.fails_with('list_deleted_videos as anon', 401, '42501', 'permission denied for function list_deleted_videos');
CALL test.request('GET list_deleted_videos as anon', 'anon', NULL, 'GET', '/rpc/list_deleted_videos');
SELECT test.fails_with('GET list_deleted_videos as anon', 401, '42501', 'permission denied for function list_deleted_videos');

------------------------------------------------------------------------------------------
-- restore_video
------------------------------------------------------------------------------------------
CALL test.request('restore_video, own video', 'authenticated', :'alice', 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'a1'));
SELECT test.responds('restore_video, own video', 200,
                     jsonb_build_object('success', true, 'video_id', :'a1', 'already_active', false));
SELECT is(test.video_row(:'a1')->'deleted_at', 'null', 'the video is active again');
CALL test.request('restore_video, again', 'authenticated', :'alice', 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'a1'));
SELECT test.responds('restore_video, again', 200,
                     jsonb_build_object('success', true, 'video_id', :'a1', 'already_active', true));

CALL test.request('restore_video, another user''s video', 'authenticated', :'bob', 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'a2'));
SELECT test.fails_with('restore_video, another user''s video', 404, 'PT404', 'Video not found.');
CALL test.request('restore_video, unknown id', 'authenticated', :'alice', 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'unknown'));
SELECT test.fails_with('restore_video, unknown id', 404, 'PT404', 'Video not found.');
CALL test.request('restore_video, p_video_id null', 'authenticated', :'alice', 'POST', '/rpc/restore_video',
                  '{"p_video_id": null}');
SELECT test.fails_with('restore_video, p_video_id null', 400, '22023', 'p_video_id is required.');
CALL test.request('restore_video as anon', 'anon', NULL, 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'a2'));
SELECT test.fails_with('restore_video as anon', 401, '42501', 'permission denied for function restore_video');
SELECT test.age_deletion(:'a2', '31 days');
CALL test.request('restore_video, deleted 31 days ago', 'authenticated', :'alice', 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'a2'));
SELECT test.fails_with('restore_video, deleted 31 days ago', 410, 'PT410',
                       'This video was deleted more than 30 days ago and can no longer be restored.');
SELECT isnt(test.video_row(:'a2')->'deleted_at', 'null', 'the refused restores left alice''s video deleted');

CALL test.request('alice deletes her third video', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'a3'));
CALL test.request('GET restore_video', 'authenticated', :'alice', 'GET', format('/rpc/restore_video?p_video_id=%s', :'a3'));
SELECT test.fails_with('GET restore_video', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');
SELECT isnt(test.video_row(:'a3')->'deleted_at', 'null', 'the GET restored nothing');
CALL test.request('restore_video as service_role', 'service_role', NULL, 'POST', '/rpc/restore_video',
                  format('{"p_video_id": "%s"}', :'a3'));
SELECT test.responds('restore_video as service_role', 200,
                     jsonb_build_object('success', true, 'video_id', :'a3', 'already_active', false));

SELECT is(test.balance(:'alice'), 55::bigint, 'deleting and restoring changed no credits (100 - 3 * 15)');

SELECT * FROM finish();
