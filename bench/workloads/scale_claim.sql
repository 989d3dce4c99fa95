-- bench/scale.sh: the video worker's claim_video_jobs(10), as service_role, rolled back so
-- that every call finds the same queue (the oldest pending jobs).
BEGIN;
SELECT set_config('role', 'service_role', true),
       set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT * FROM claim_video_jobs(10);
ROLLBACK;
