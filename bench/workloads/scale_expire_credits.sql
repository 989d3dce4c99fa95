-- bench/scale.sh: the scheduler's expire_credits(), as service_role, rolled back so that
-- every call writes off the same expired lots.
BEGIN;
SELECT set_config('role', 'service_role', true),
       set_config('request.jwt.claims', '{"role":"service_role"}', true);
SELECT expire_credits();
ROLLBACK;
