-- A faithful stand-in for what Supabase puts in every database, for plain PostgreSQL:
-- the API roles, the auth schema with auth.users, and auth.uid()/role()/jwt() exactly as
-- Supabase defines them. Used by the demo and every test suite; idempotent per database
-- (roles are cluster-wide and created once). Run by the bootstrap superuser, which is
-- supabase_admin as on Supabase (scripts/pgcluster.sh), and which creates the extension;
-- postgres is the everyday admin role and NOT a superuser: it owns the database, holds
-- the API roles, and gets ALL on whatever supabase_admin creates in public.

DO $$
BEGIN
  IF pg_catalog.to_regrole('anon') IS NULL THEN
    CREATE ROLE anon NOLOGIN NOINHERIT;
    CREATE ROLE authenticated NOLOGIN NOINHERIT;
    CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    CREATE ROLE authenticator LOGIN NOINHERIT;
    CREATE ROLE supabase_auth_admin LOGIN NOINHERIT CREATEROLE;
    GRANT anon, authenticated, service_role TO authenticator;
    ALTER ROLE authenticated SET statement_timeout = '8s';
    ALTER ROLE anon SET statement_timeout = '3s';
  END IF;
  -- Where postgres is the bootstrap superuser (a cluster not started by pgcluster.sh, such
  -- as the Debian package build's), it stays one.
  IF pg_catalog.to_regrole('postgres') IS NULL THEN
    CREATE ROLE postgres LOGIN NOSUPERUSER CREATEDB CREATEROLE BYPASSRLS REPLICATION;
    GRANT anon, authenticated, service_role TO postgres;
  END IF;
END
$$;

CREATE SCHEMA auth AUTHORIZATION supabase_auth_admin;

-- The columns of Supabase Auth's users table that matter here, with its names and types:
-- e-mail and phone confirmation (confirmed_at is generated from them) and anonymous
-- sign-ins. One deviation, for the fixtures: email_confirmed_at defaults to now(), as for a
-- user an admin creates confirmed, so that one INSERT makes a real account; a test of the
-- auth server's sign-up inserts it NULL and confirms with an UPDATE, as the server does.
CREATE TABLE auth.users (
  id uuid PRIMARY KEY,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  email_confirmed_at timestamptz DEFAULT now(),
  phone text UNIQUE DEFAULT NULL,
  phone_confirmed_at timestamptz,
  confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
  raw_user_meta_data jsonb,
  raw_app_meta_data jsonb,
  is_anonymous boolean NOT NULL DEFAULT false,
  created_at timestamptz DEFAULT now(),
  updated_at timestamptz DEFAULT now(),
  deleted_at timestamptz
);
ALTER TABLE auth.users OWNER TO supabase_auth_admin;

-- The auth server's migration log (a new project has every version in it already: a
-- restore that carried it would collide), and the schema Supabase keeps extensions in.
CREATE TABLE auth.schema_migrations (version varchar(255) PRIMARY KEY);
INSERT INTO auth.schema_migrations VALUES ('20171026211738'), ('20240612123726'), ('20260625000000');
ALTER TABLE auth.schema_migrations OWNER TO supabase_auth_admin;
CREATE SCHEMA extensions;
GRANT USAGE ON SCHEMA extensions TO postgres, anon, authenticated, service_role;

CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

CREATE FUNCTION auth.jwt() RETURNS jsonb LANGUAGE sql STABLE AS $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

ALTER FUNCTION auth.uid() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.role() OWNER TO supabase_auth_admin;
ALTER FUNCTION auth.jwt() OWNER TO supabase_auth_admin;

GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid(), auth.role(), auth.jwt() TO anon, authenticated, service_role;
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I OWNER TO postgres', current_database()); END $$;

-- Supabase's default privileges: everything new in public is open to postgres and the API
-- roles. The extension must revoke what it does not mean to grant; keeping these here
-- makes the tests see what a real Supabase database would do.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO postgres, anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO postgres, anon, authenticated, service_role;
