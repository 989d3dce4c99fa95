-- GET /rpc/get_credit_info for a user among :first_user..:last_user (one user when both
-- are equal), in a read-only transaction as PostgREST runs GET.
\set user random(:first_user, :last_user)
BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-' || lpad(:user::text, 12, '0') || '","role":"authenticated"}', true);
SELECT get_credit_info();
COMMIT;
