-- Helpers shared by the pgTAP files, loaded once into the test database by make
-- installcheck (Makefile.pgxs). Each test file runs in a transaction that it rolls back, so
-- what a file writes into test.res disappears with it.
CREATE SCHEMA test;
GRANT USAGE ON SCHEMA test TO PUBLIC;

-- What PostgREST does at the start of a request: the role and the JWT claims,
-- transaction-local. act_as('anon') gives no sub; act_as('service_role') no sub either.
CREATE FUNCTION test.act_as(p_role text, p_sub uuid DEFAULT NULL) RETURNS void
LANGUAGE sql AS $$
  SELECT set_config('role', 'none', true);
  SELECT set_config('request.jwt.claims',
                    jsonb_strip_nulls(jsonb_build_object('sub', p_sub, 'role', p_role))::text, true);
  SELECT set_config('role', p_role, true);
$$;

-- Runs a statement ($1 in it is p_arg, passed as a parameter the way PostgREST passes the
-- request body); returns {rows} (rows returned or changed), or its error as
-- {sqlstate, message, detail, hint}. Whatever it changed stays unless it failed.
CREATE FUNCTION test.outcome(p_sql text, p_arg text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_rows bigint; v_state text; v_message text; v_detail text; v_hint text;
BEGIN
  EXECUTE p_sql USING p_arg;
  GET DIAGNOSTICS v_rows = ROW_COUNT;
  RETURN jsonb_build_object('rows', v_rows);
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                          v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
  RETURN jsonb_build_object('sqlstate', v_state, 'message', v_message,
                            'detail', v_detail, 'hint', v_hint);
END
$$;

-- Runs a statement; returns its error as {sqlstate, message, detail, hint} (NULL if none).
CREATE FUNCTION test.error_of(p_sql text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT CASE WHEN o ? 'sqlstate' THEN o END FROM test.outcome(p_sql) o
$$;

-- Results of calls, kept by name so that later assertions (as any role) can read them.
CREATE TABLE test.res (name text PRIMARY KEY, r jsonb);
GRANT ALL ON test.res TO PUBLIC;
CREATE FUNCTION test.res(p_name text) RETURNS jsonb LANGUAGE sql AS
  $$ SELECT r FROM test.res WHERE name = p_name $$;
-- The video id of a kept result.
CREATE FUNCTION test.vid(p_name text) RETURNS uuid LANGUAGE sql AS
  $$ SELECT (r->>'video_id')::uuid FROM test.res WHERE name = p_name $$;

-- Figures as the superuser sees them (RLS does not apply to it), also for a suite that
-- connects as a role without any privilege on the tables (test/postgrest/).
CREATE FUNCTION test.balance(p_user uuid) RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT credits FROM public.profiles WHERE id = p_user $$;
CREATE FUNCTION test.n_entries(p_user uuid) RETURNS int
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT count(*)::int FROM public.credit_transactions WHERE user_id = p_user $$;
