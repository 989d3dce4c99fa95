-- One create_video_generation request as PostgREST sends it (role and claims, then the
-- call), for a random user among :first_user..:last_user (one user when both are equal).
-- Runs unchanged on the extension and the baseline.
\set n random(:first_user, :last_user)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '","role":"authenticated"}', true);
SELECT create_video_generation('A red fox running through snow, golden hour', 5, '720p', 'sora-2');
COMMIT;
