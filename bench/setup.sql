-- Users of the benchmark, the same in every database: users 1..1000 for the charge
-- workloads, and users 1001..1004 with a history of 10, 1,000, 20,000 and 100,000 videos
-- (every fourth one soft-deleted) for get_credit_info and the video list. Everything goes
-- through the API, so the extension's counters are what its functions keep.
\set ON_ERROR_STOP 1
CREATE FUNCTION pg_temp.uid(n integer) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION pg_temp.act_as(p_role text, p_user integer DEFAULT NULL) RETURNS void
LANGUAGE sql AS $$
  SELECT set_config('role', 'none', true);
  SELECT set_config('request.jwt.claims', json_build_object('sub', pg_temp.uid(p_user), 'role', p_role)::text, true);
  SELECT set_config('role', p_role, true);
$$;

INSERT INTO auth.users (id) SELECT pg_temp.uid(n) FROM generate_series(1, 1004) n;

BEGIN;
SELECT pg_temp.act_as('service_role');
SELECT count(grant_credits(pg_temp.uid(n), 1000000000000, 'grant')) AS granted
FROM generate_series(1, 1004) n;
COMMIT;

-- In batches of 1,000 calls, one transaction each: a long transaction that updates one
-- profile row over and over makes every update walk the row's growing chain of versions.
SELECT format($$BEGIN;
SELECT pg_temp.act_as('authenticated', %1$s);
SELECT count(create_video_generation('An earlier video', 1, '480p')) FROM generate_series(1, %2$s);
COMMIT;$$, u, least(k - b, 1000))
FROM (VALUES (1001, 10), (1002, 1000), (1003, 20000), (1004, 100000)) AS h(u, k),
     generate_series(0, k - 1, 1000) AS b \gexec
-- Soft deletes as service_role (allowed for anyone's video), which sees deleted rows too,
-- so that every batch numbers the videos the same way.
SELECT format($$BEGIN;
SELECT pg_temp.act_as('service_role', %1$s);
SELECT count(soft_delete_video(id)) FROM (
  SELECT id, row_number() OVER (ORDER BY created_at, id) AS r FROM videos
  WHERE user_id = pg_temp.uid(%1$s)) v
WHERE r %% 4 = 0 AND r > %2$s AND r <= %2$s + 4000;
COMMIT;$$, u, b)
FROM (VALUES (1001, 10), (1002, 1000), (1003, 20000), (1004, 100000)) AS h(u, k),
     generate_series(0, k - 1, 4000) AS b \gexec
VACUUM ANALYZE;
