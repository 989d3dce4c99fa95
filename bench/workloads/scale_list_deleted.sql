-- bench/scale.sh: POST /rpc/list_deleted_videos for the probe user (user 0 of
-- bench/scale_setup.sql, 100 deleted videos at every size), read-only as PostgREST runs it.
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-000000000000","role":"authenticated"}', true);
SELECT * FROM list_deleted_videos();
COMMIT;
