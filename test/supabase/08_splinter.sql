-- 08_splinter: Supabase's database linter (splinter, the Security and Performance Advisors of
-- Studio) on this database, after the flows above have used it. The lints that concern the
-- extension's objects must be exactly the expected ones, each explained in docs/supabase.md
-- (section 8): a new lint fails here. run.sh renders SORA_SPLINTER_SQL into a script that
-- keeps the lints in pg_temp.sora_lints, with pgrst.db_schemas set to the exposed schemas as
-- Studio sets it; without SORA_SPLINTER_SQL this file skips.
-- connect: postgres
\getenv splinter SORA_SB_SPLINTER_RUN
SELECT :'splinter' <> 'none' AS have_splinter \gset
\if :have_splinter
\i :splinter
SELECT plan(4);
-- A lint is the extension's when it names the extension or one of its member objects.
CREATE TEMP VIEW our_lints AS
  WITH members AS (
    SELECT c.relnamespace::regnamespace::text AS schema, c.relname::text AS name
    FROM pg_depend d JOIN pg_class c ON d.classid = 'pg_class'::regclass AND c.oid = d.objid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sora_credits')
    UNION
    SELECT p.pronamespace::regnamespace::text, p.proname::text
    FROM pg_depend d JOIN pg_proc p ON d.classid = 'pg_proc'::regclass AND p.oid = d.objid
    WHERE d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sora_credits'))
  SELECT l.*, l.name || ' ' || (l.metadata->>'schema') || '.' || (l.metadata->>'name') AS lint
  FROM pg_temp.sora_lints l
  WHERE (l.metadata->>'type' = 'extension' AND l.metadata->>'name' = 'sora_credits')
     OR EXISTS (SELECT FROM members m WHERE m.schema = l.metadata->>'schema' AND m.name = l.metadata->>'name');

SELECT cmp_ok((SELECT count(*) FROM pg_temp.sora_lints)::integer, '>', 0, 'splinter ran and reported lints');
SELECT is(ARRAY(SELECT lint FROM our_lints ORDER BY lint), ARRAY[
            'authenticated_security_definer_function_executable public.create_video_generation',
            'authenticated_security_definer_function_executable public.create_video_request',
            'authenticated_security_definer_function_executable public.get_credit_info',
            'authenticated_security_definer_function_executable public.list_credit_lots',
            'authenticated_security_definer_function_executable public.list_deleted_videos',
            'authenticated_security_definer_function_executable public.restore_video',
            'authenticated_security_definer_function_executable public.soft_delete_video',
            'extension_in_public public.sora_credits'],
          'the extension raises exactly the lints docs/supabase.md explains: 0029 for the seven user functions, 0014');
SELECT is(ARRAY(SELECT DISTINCT level FROM our_lints), ARRAY['WARN'], 'all of them at level WARN (none is an ERROR)');
SELECT is(ARRAY(SELECT lint FROM our_lints WHERE name = 'anon_security_definer_function_executable'), '{}',
          'no function of the extension is executable by anon (0028)');
-- For the record: every lint of the database (the suite's own schemas left out).
SELECT diag(format('%s lint(s) in the database: %s', sum(n),
                   string_agg(format('%s %s (%s)', name, level, n), ', ' ORDER BY name)))
FROM (SELECT name, level, count(*) AS n FROM pg_temp.sora_lints
      WHERE coalesce(metadata->>'schema', '') NOT IN ('test', 'tap') GROUP BY name, level) s;
\else
SELECT plan(1);
SELECT skip('SORA_SPLINTER_SQL is not set: splinter was not run', 1);
\endif

SELECT * FROM finish();
