-- The video worker: claim the oldest pending job and complete it, as service_role.
BEGIN;
SELECT set_config('role', 'service_role', true),
       set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT id AS job FROM claim_video_jobs(1) \gset
SELECT complete_video_generation(':job', 'https://cdn.example.com/v/done.mp4');
COMMIT;
