-- 1.2, the extension's database only (run in the session of bench/setup.sql, whose pg_temp
-- helpers it uses): three more users whose charges differ only in their credit lots,
--   2001: one live lot;
--   2002: 20 live lots, expiring a day apart, each big enough that a charge takes one;
--   2003: 10,000 spent lots (one-credit grants, each spent by a one-credit video), then one
--         live lot.
\set ON_ERROR_STOP 1
INSERT INTO auth.users (id) SELECT pg_temp.uid(n) FROM generate_series(2001, 2003) n;

BEGIN;
SELECT pg_temp.act_as('service_role');
SELECT grant_credits(pg_temp.uid(2001), 1000000000000, 'purchase') IS NOT NULL AS granted;
SELECT count(grant_credits(pg_temp.uid(2002), 50000000000, 'grant', NULL, NULL,
                           now() + make_interval(days => 365 + d))) AS granted
FROM generate_series(1, 20) d;
COMMIT;

-- A grant and its charge in turn, so that each charge reads one lot; 1,000 per transaction
-- (see setup.sql on long transactions).
SELECT $gen$DO $do$
BEGIN
  FOR i IN 1..1000 LOOP
    PERFORM pg_temp.act_as('service_role');
    PERFORM grant_credits(pg_temp.uid(2003), 1, 'grant');
    PERFORM pg_temp.act_as('authenticated', 2003);
    PERFORM create_video_generation('An earlier video', 1, '480p');
  END LOOP;
END
$do$$gen$ FROM generate_series(1, 10) \gexec
BEGIN;
SELECT pg_temp.act_as('service_role');
SELECT grant_credits(pg_temp.uid(2003), 1000000000000, 'purchase') IS NOT NULL AS granted;
COMMIT;
VACUUM ANALYZE;
