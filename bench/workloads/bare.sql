-- The floor: only the writes of a charge (bench/bare_floor.sql), in the same request
-- envelope as create.sql, by the tables' owner.
\set n random(:first_user, :last_user)
BEGIN;
SELECT set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '","role":"authenticated"}', true);
SELECT bare_charge(('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid);
COMMIT;
