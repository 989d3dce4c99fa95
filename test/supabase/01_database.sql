-- 01_database: the database is one that Supabase's own files built, and the extension is
-- installed the only way such a database allows: by supabase_admin, its one superuser.
-- `postgres`, the developers' admin role, is no superuser and cannot create it (without
-- supautils' privileged_extensions, which the image configures and this database lacks).
-- The auth.users columns the sign-up rules depend on are pinned, and so is the bonus
-- setting as the auth server's own connection sees it.
-- connect: supabase_admin
\getenv bonus SORA_SB_BONUS
SELECT plan(16);

SELECT is(session_user::text, 'supabase_admin', 'connected as supabase_admin, the platform''s superuser');
SELECT is((SELECT array_agg(rolname::text ORDER BY rolname) FROM pg_roles
           WHERE rolsuper AND rolname IN ('supabase_admin', 'postgres', 'authenticator', 'supabase_auth_admin', 'service_role')),
          ARRAY['supabase_admin'], 'supabase_admin is the only superuser among Supabase''s roles: postgres is not one');
SELECT ok(to_regclass('auth.schema_migrations') IS NOT NULL
          AND (SELECT count(*) FROM auth.schema_migrations) > 0, 'the auth server''s migrations have run (auth.schema_migrations)');
SELECT ok(to_regnamespace('extensions') IS NOT NULL, 'Supabase''s extensions schema exists');

-- The extension, as installed by supabase_admin.
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'sora_credits'),
          (SELECT default_version FROM pg_available_extensions WHERE name = 'sora_credits'),
          'sora_credits is installed, at the version of the build on the server');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'sora_credits'), 'public',
          'in public, the schema PostgREST exposes');
SELECT is((SELECT extowner::regrole::text FROM pg_extension WHERE extname = 'sora_credits'), 'supabase_admin',
          'owned by supabase_admin, who created it');
SELECT is((SELECT array_agg(DISTINCT relowner::regrole::text) FROM pg_class
           WHERE relnamespace = 'public'::regnamespace
             AND relname IN ('profiles', 'videos', 'credit_transactions', 'video_pricing', 'credit_lots',
                             'credit_allocations')),
          ARRAY['supabase_admin'], 'its tables are owned by supabase_admin (so Supabase''s default privileges for that role applied to them)');
SELECT ok(EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'auth.users'::regclass
                  AND tgname = 'sora_credits_on_auth_user_created' AND NOT tgisinternal),
          'the sign-up trigger is on the auth server''s auth.users');

-- postgres cannot create it: tried in a transaction that drops it first and rolls back.
BEGIN;
SET LOCAL client_min_messages = warning;
DROP EXTENSION sora_credits CASCADE;
SET LOCAL ROLE postgres;
SELECT test.sb_try('CREATE EXTENSION sora_credits') AS create_as_postgres \gset
ROLLBACK;
SELECT is(:'create_as_postgres'::jsonb, '{"sqlstate": "42501", "message": "permission denied to create extension \"sora_credits\""}',
          'CREATE EXTENSION as postgres: 42501 (superuser = true; on the image only supautils'' privileged_extensions lets postgres)');
SELECT ok(EXISTS (SELECT FROM pg_extension WHERE extname = 'sora_credits'), 'the rolled-back probe left the extension in place');

-- The columns of auth.users that decide whether a user is real (supabase/auth migrations).
SELECT is(ARRAY(SELECT attname::text || ' ' || format_type(atttypid, atttypmod) FROM pg_attribute
                WHERE attrelid = 'auth.users'::regclass AND NOT attisdropped
                  AND attname IN ('confirmed_at', 'email_confirmed_at', 'phone_confirmed_at', 'is_anonymous', 'deleted_at', 'is_sso_user')
                ORDER BY attname),
          ARRAY['confirmed_at timestamp with time zone', 'deleted_at timestamp with time zone',
                'email_confirmed_at timestamp with time zone', 'is_anonymous boolean', 'is_sso_user boolean',
                'phone_confirmed_at timestamp with time zone'],
          'auth.users has confirmed_at, email_confirmed_at, phone_confirmed_at, is_anonymous, is_sso_user and deleted_at');
SELECT is((SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
           WHERE d.adrelid = 'auth.users'::regclass AND a.attname = 'confirmed_at' AND a.attgenerated = 's'),
          'LEAST(email_confirmed_at, phone_confirmed_at)', 'confirmed_at is generated: LEAST(email_confirmed_at, phone_confirmed_at)');
SELECT is((SELECT attnotnull::text || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), 'no default')
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
           WHERE a.attrelid = 'auth.users'::regclass AND a.attname = 'is_anonymous'),
          'true false', 'is_anonymous is NOT NULL DEFAULT false');
SELECT is((SELECT relowner::regrole::text FROM pg_class WHERE oid = 'auth.users'::regclass), 'supabase_auth_admin',
          'auth.users belongs to the auth server''s role');

-- The bonus as the auth server's own connection sees it (run.sh set it for the database).
\set auth_bonus `env -u PGOPTIONS psql -X -At -h "$SORA_SUPABASE_HOST" -p "$SORA_SUPABASE_PORT" -d "$SORA_SUPABASE_DB" -U supabase_auth_admin -c 'SHOW sora_credits.signup_credits'`
SELECT is(:'auth_bonus'::text, :'bonus'::text, 'supabase_auth_admin''s sessions see sora_credits.signup_credits from ALTER DATABASE');

SELECT * FROM finish();
