-- The settings step of docs/operations.md ("Backup and restore"): run on the source, it prints
-- the sora_credits.* settings of its database and of roles as statements for the target,
-- which no dump carries. The lines after this header are the query the docs show, verbatim
-- (test/backup/run.sh checks that).
SELECT format('ALTER %s SET %s = %L;',
         CASE WHEN d.setrole = 0 THEN 'DATABASE :"DBNAME"'
              WHEN d.setdatabase = 0 THEN format('ROLE %I', r.rolname)
              ELSE format('ROLE %I IN DATABASE :"DBNAME"', r.rolname) END,
         split_part(s, '=', 1), substr(s, strpos(s, '=') + 1))
FROM pg_db_role_setting d
LEFT JOIN pg_roles r ON r.oid = d.setrole
CROSS JOIN unnest(d.setconfig) AS s
WHERE d.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
  AND s LIKE 'sora\_credits.%'
ORDER BY 1;
