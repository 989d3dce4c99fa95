-- bench/scale.sh: the scheduler's expire_stale_videos() (the default 1 hour job timeout),
-- as service_role, rolled back so that every call refunds the same stale jobs.
BEGIN;
SELECT set_config('role', 'service_role', true),
       set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT expire_stale_videos();
ROLLBACK;
