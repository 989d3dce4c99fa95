-- Replays HTTP requests against the database exactly as PostgREST v13 turns them into SQL,
-- for the contract tests in test/postgrest/ (loaded after pgtap_helpers.sql by
-- make installcheck-postgrest; the suite connects as authenticator, as PostgREST does).
--
-- One request (PostgREST's Query.hs, QueryBuilder.hs, SqlFragment.hs, Statements.hs):
--   BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE   -- READ ONLY for GET, and for POST
--                                                     -- to a STABLE/IMMUTABLE function
--   select set_config('search_path', ...), <the role's own settings>, set_config('role', ...),
--          set_config('request.jwt.claims', ...), request.method/path/headers/cookies
--   WITH pgrst_source AS (<the call, read or write>) SELECT ... body ... FROM (...) _postgrest_t
--   COMMIT                                            -- ABORT on an error
-- The raw JSON body is bound as $1 (type json); query-string values are sent as untyped
-- values, written here as untyped literals, which PostgreSQL resolves the same way.
-- test.request() is a procedure so that the request runs in a transaction of its own,
-- committed or rolled back like PostgREST's, and the response outlives it for assertions:
-- it ends the transaction of the CALL and gives the next one the characteristics BEGIN
-- would (SET TRANSACTION as its first statement).

-- What authenticator needs beyond logging in (the stand-in gives it LOGIN, and the
-- throwaway cluster trusts local connections): to keep the responses it replays.
CREATE TABLE test.responses (
  name        text PRIMARY KEY,
  role        text NOT NULL,
  method      text NOT NULL,
  url         text NOT NULL,
  read_only   boolean,        -- transaction_read_only inside the request (NULL: never ran)
  status      integer NOT NULL,
  body        jsonb,          -- the response body; NULL for 201/204 without representation
  main_sql    text            -- the statement sent (NULL when PostgREST refused it itself)
);
GRANT SELECT, INSERT, UPDATE ON test.responses TO authenticator;

CREATE FUNCTION test.status(p_name text) RETURNS integer LANGUAGE sql STABLE AS
  $$ SELECT status FROM test.responses WHERE name = p_name $$;
CREATE FUNCTION test.body(p_name text) RETURNS jsonb LANGUAGE sql STABLE AS
  $$ SELECT body FROM test.responses WHERE name = p_name $$;
CREATE FUNCTION test.read_only(p_name text) RETURNS boolean LANGUAGE sql STABLE AS
  $$ SELECT read_only FROM test.responses WHERE name = p_name $$;

-- PostgREST's SQLSTATE -> HTTP status (Error.hs pgErrorStatus, the table of the contract).
-- p_role is the role the request ran as: 42501 is 401 only for the anonymous role.
CREATE FUNCTION test.http_status(p_sqlstate text, p_role text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_sqlstate ~ '^PT[0-9]{3}$' THEN substr(p_sqlstate, 3)::integer
    WHEN p_sqlstate = '42501' THEN CASE WHEN p_role = 'anon' THEN 401 ELSE 403 END
    WHEN p_sqlstate IN ('23505', '23503') THEN 409
    WHEN p_sqlstate = '25006' THEN 405
    WHEN p_sqlstate IN ('42883', '42P01') THEN 404
    WHEN p_sqlstate = 'P0001' THEN 400
    WHEN p_sqlstate = '57P01' THEN 503
    WHEN p_sqlstate = '53400' THEN 500
    WHEN p_sqlstate ~ '^(08|53)' THEN 503
    WHEN p_sqlstate ~ '^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|P0|XX)' OR p_sqlstate = '42P17' THEN 500
    ELSE 400                  -- 22xxx, 23502, 23514 and every other client error
  END
$$;

-- The claims of the JWT a Supabase client sends: the anon or service key without a user,
-- or a signed-in user's access token (role authenticated, sub = the user id).
CREATE FUNCTION test.jwt_claims(p_role text, p_sub uuid) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_role = 'authenticated'
    THEN jsonb_strip_nulls(jsonb_build_object(
           'aud', 'authenticated', 'sub', p_sub, 'email', 'user@example.com',
           'role', 'authenticated', 'aal', 'aal1', 'is_anonymous', false))
    ELSE jsonb_strip_nulls(jsonb_build_object(
           'iss', 'supabase', 'ref', 'sora-test', 'role', p_role, 'sub', p_sub,
           'iat', 1700000000, 'exp', 4102444800))
  END::text
$$;

-- The statement that sets the request's transaction-local settings (Query.hs setPgLocals):
-- the role's own settings (ALTER ROLE ... SET, e.g. statement_timeout) come before the role.
-- The search_path is Supabase's: the exposed schema, then db-extra-search-path.
CREATE FUNCTION test.pgrst_locals(p_role text, p_sub uuid, p_method text, p_path text, p_has_body boolean)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT 'select ' || concat_ws(', ',
    format('set_config(%L, %L, true)', 'search_path', '"public", "public", "extensions"'),
    (SELECT string_agg(format('set_config(%L, %L, true)', split_part(s, '=', 1), substr(s, strpos(s, '=') + 1)), ', ')
     FROM pg_catalog.pg_db_role_setting d, unnest(d.setconfig) s
     WHERE d.setrole = to_regrole(p_role)
       AND d.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))),
    format('set_config(%L, %L, true)', 'role', p_role),
    format('set_config(%L, %L, true)', 'request.jwt.claims', test.jwt_claims(p_role, p_sub)),
    format('set_config(%L, %L, true)', 'request.method', p_method),
    format('set_config(%L, %L, true)', 'request.path', p_path),
    format('set_config(%L, %L, true)', 'request.headers', jsonb_strip_nulls(jsonb_build_object(
      'accept', 'application/json', 'authorization', 'Bearer ' || p_role || '-jwt',
      'content-type', CASE WHEN p_has_body THEN 'application/json' END))),
    format('set_config(%L, %L, true)', 'request.cookies', '{}'))
$$;

-- Percent-decoding of one query-string part.
CREATE FUNCTION test.url_decode(p text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(convert_from(string_agg(
           CASE WHEN m[1] IS NOT NULL THEN decode(substr(m[1], 2), 'hex') ELSE convert_to(m[2], 'UTF8') END,
           ''::bytea ORDER BY n), 'UTF8'), '')
  FROM regexp_matches(p, '(%[0-9A-Fa-f]{2})|([^%]+)', 'g') WITH ORDINALITY AS t(m, n)
$$;

-- PostgREST quotes every identifier.
CREATE FUNCTION test.pgrst_ident(p text) RETURNS text LANGUAGE sql IMMUTABLE AS
  $$ SELECT '"' || replace(p, '"', '""') || '"' $$;

-- What PostgREST plans for a request before it opens the transaction: the main statement
-- and its transaction mode, or an error of its own (PGRST...) without touching the data.
CREATE TYPE test.pgrst_plan AS (main_sql text, read_only boolean, ok_status integer, error jsonb, error_status integer);

-- The read part shared by table reads and calls (QueryBuilder.hs readPlanToQuery):
-- SELECT <columns of qi> <from> [WHERE filters] [ORDER BY ...] [LIMIT .. OFFSET ..].
-- Supports the query-string forms the tests use: select=a,b | *, col=eq.v,
-- order=col[.asc|.desc],..., limit.
CREATE FUNCTION test.pgrst_read_query(p_qi text, p_from text, p_params jsonb) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_select text := coalesce(p_params->>'select', '*');
  v_cols text;
  v_where text;
  v_order text;
  v_limit text;
BEGIN
  v_cols := CASE WHEN v_select = '*' THEN p_qi || '.*' ELSE
    (SELECT string_agg(p_qi || '.' || test.pgrst_ident(c), ', ' ORDER BY n)
     FROM unnest(string_to_array(v_select, ',')) WITH ORDINALITY AS s(c, n)) END;
  v_where := (SELECT string_agg(test.pgrst_filter(p_qi, f.key, f.value), ' AND ' ORDER BY f.key)
              FROM jsonb_each_text(p_params->'filters') f);
  v_order := (SELECT 'ORDER BY ' || string_agg(
                 p_qi || '.' || test.pgrst_ident(split_part(t, '.', 1)) || ' ' || upper(split_part(t, '.', 2)),
                 ', ' ORDER BY n)
              FROM unnest(string_to_array(p_params->>'order', ',')) WITH ORDINALITY AS o(t, n));
  IF p_params ? 'limit' THEN
    v_limit := format('LIMIT %L OFFSET %L', p_params->>'limit', '0');
  END IF;
  RETURN 'SELECT ' || v_cols || p_from
         || coalesce(' WHERE ' || v_where, '') || ' ' || coalesce(v_order, '') || ' ' || coalesce(v_limit, '');
END
$$;

-- One filter (SqlFragment.hs pgFmtFilter): col=eq.v.
CREATE FUNCTION test.pgrst_filter(p_qi text, p_col text, p_value text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  IF p_value LIKE 'eq.%' THEN
    RETURN format(' %s.%s = %L', p_qi, test.pgrst_ident(p_col), substr(p_value, 4));
  END IF;
  RAISE EXCEPTION 'the replay does not support the filter %=%', p_col, p_value;
END
$$;

-- The json_to_record part that turns the body into typed columns (fromJsonBodyF).
-- p_fields: [{name, type}] in the order PostgREST lists them.
CREATE FUNCTION test.pgrst_from_body(p_fields jsonb, p_with_select boolean, p_limit_one boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_with_select THEN 'SELECT ' || string_agg('"pgrst_body".' || test.pgrst_ident(f->>'name'), ', ' ORDER BY n) || ' ' ELSE '' END
      || 'FROM (SELECT $1 AS json_data) pgrst_payload, LATERAL (SELECT '
      || string_agg(test.pgrst_ident(f->>'name'), ', ' ORDER BY n)
      || ' FROM json_to_record(pgrst_payload.json_data) AS _('
      || string_agg(test.pgrst_ident(f->>'name') || ' ' || (f->>'type'), ', ' ORDER BY n) || ') '
      || CASE WHEN p_limit_one THEN 'LIMIT 1' ELSE '' END || ') pgrst_body '
  FROM jsonb_array_elements(p_fields) WITH ORDINALITY AS e(f, n)
$$;

CREATE FUNCTION test.pgrst_plan(p_method text, p_url text, p_body text) RETURNS test.pgrst_plan
LANGUAGE plpgsql STABLE AS $$
DECLARE
  c_response CONSTANT text := 'nullif(current_setting(''response.headers'', true), '''') AS response_headers, '
                           || 'nullif(current_setting(''response.status'', true), '''') AS response_status, ';
  v_path text := split_part(p_url, '?', 1);
  v_params jsonb;   -- {select, order, limit, filters: {col: eq.value}, args: {name: value}}
  v_plan test.pgrst_plan;
  v_name text;
  v_keys text[];
  v_fn record;
  v_fields jsonb;
  v_call text;
  v_from text;
  v_qi text;
  v_write text;
BEGIN
  -- The query string: reserved keys, filters (a value with an operator) and, for a GET of a
  -- function, its arguments (QueryParams.hs).
  SELECT coalesce(jsonb_object_agg(key, value) FILTER (WHERE key IN ('select', 'order', 'limit')), '{}')
         || jsonb_build_object(
              'filters', coalesce(jsonb_object_agg(key, value) FILTER (WHERE key NOT IN ('select', 'order', 'limit')
                                                                         AND value ~ '^eq\.'), '{}'),
              'args', coalesce(jsonb_object_agg(key, value) FILTER (WHERE key NOT IN ('select', 'order', 'limit')
                                                                      AND value !~ '^eq\.'), '{}'))
    INTO v_params
  FROM (SELECT test.url_decode(split_part(kv, '=', 1)) AS key, test.url_decode(substr(kv, strpos(kv, '=') + 1)) AS value
        FROM unnest(string_to_array(nullif(split_part(p_url, '?', 2), ''), '&')) kv) q;

  IF v_path LIKE '/rpc/%' THEN
    v_name := substr(v_path, 6);
    v_keys := CASE WHEN p_method = 'GET' THEN ARRAY(SELECT jsonb_object_keys(v_params->'args'))
                   ELSE ARRAY(SELECT jsonb_object_keys(p_body::jsonb)) END;
    -- findProc: a function of the exposed schema whose required parameters are among the
    -- keys and whose parameters include every key. No match: PGRST202; several: PGRST203.
    SELECT count(*) OVER (), p.oid, p.provolatile, p.proretset,
           (t.typtype = 'c' OR p.proallargtypes IS NOT NULL) AS composite,
           p.proargnames[1:p.pronargs] AS names
      INTO v_fn
    FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_type t ON t.oid = p.prorettype
    WHERE p.pronamespace = 'public'::regnamespace AND p.proname = v_name
      AND v_keys <@ coalesce(p.proargnames[1:p.pronargs], '{}')
      AND coalesce(p.proargnames[1:p.pronargs - p.pronargdefaults], '{}') <@ v_keys;
    IF NOT FOUND THEN
      v_plan.error := jsonb_build_object('code', 'PGRST202', 'message',
        format('Could not find the function public.%s%s in the schema cache', v_name,
               CASE WHEN v_keys = '{}' THEN ' without parameters'
                    ELSE '(' || array_to_string(ARRAY(SELECT unnest(v_keys) ORDER BY 1), ', ') || ')' END),
        'details', NULL, 'hint', NULL);
      v_plan.error_status := 404;
      RETURN v_plan;
    ELSIF v_fn.count > 1 THEN
      v_plan.error := jsonb_build_object('code', 'PGRST203', 'message',
        format('Could not choose the best candidate function for public.%s', v_name), 'details', NULL, 'hint', NULL);
      v_plan.error_status := 300;
      RETURN v_plan;
    END IF;

    -- The specified parameters, in the function's order, with their types.
    SELECT jsonb_agg(jsonb_build_object('name', a.name, 'type', format_type(a.type, NULL)) ORDER BY a.n)
      INTO v_fields
    FROM unnest(v_fn.names, (SELECT proargtypes::oid[] FROM pg_catalog.pg_proc WHERE oid = v_fn.oid))
           WITH ORDINALITY AS a(name, type, n)
    WHERE a.name = ANY (v_keys);

    v_call := format('"public".%s(%s)', test.pgrst_ident(v_name), coalesce((
      SELECT string_agg(test.pgrst_ident(f->>'name') || ' := ' ||
                        CASE WHEN p_method = 'GET' THEN quote_literal(v_params->'args'->>(f->>'name')) || '::' || (f->>'type')
                             ELSE 'pgrst_body.' || test.pgrst_ident(f->>'name') END, ', ' ORDER BY n)
      FROM jsonb_array_elements(v_fields) WITH ORDINALITY AS e(f, n)), ''));
    v_call := CASE WHEN v_fn.composite THEN v_call || ' pgrst_call'
                   ELSE '(SELECT ' || v_call || ' pgrst_scalar) pgrst_call' END;
    v_from := CASE WHEN p_method <> 'GET' AND v_fields IS NOT NULL
                   THEN test.pgrst_from_body(v_fields, false, true) || ', LATERAL ' || v_call
                   ELSE 'FROM ' || v_call END;
    v_qi := test.pgrst_ident(v_name);
    v_plan.main_sql :=
      'WITH pgrst_source AS (SELECT '
      || CASE WHEN NOT v_fn.composite THEN 'pgrst_call.pgrst_scalar'
              WHEN coalesce(v_params->>'select', '*') = '*' THEN '"pgrst_call".*'
              ELSE (SELECT string_agg('"pgrst_call".' || test.pgrst_ident(c), ', ' ORDER BY c)
                    FROM (SELECT unnest(string_to_array(v_params->>'select', ','))
                          UNION SELECT jsonb_object_keys(v_params->'filters')) s(c)) END
      || ' ' || v_from || ') '
      || 'SELECT null::bigint AS total_result_set, '
      || CASE WHEN v_fn.proretset THEN 'pg_catalog.count(_postgrest_t)' ELSE '1' END || ' AS page_total, '
      || CASE WHEN v_fn.composite AND v_fn.proretset THEN 'coalesce(json_agg(_postgrest_t), ''[]'')'
              WHEN NOT v_fn.composite AND NOT v_fn.proretset THEN 'coalesce(json_agg(_postgrest_t.pgrst_scalar)->0, ''null'')'
         END || ' AS body, '
      || c_response || ''''' AS response_inserted '
      || 'FROM (' || test.pgrst_read_query(v_qi, ' FROM "pgrst_source" AS ' || v_qi, v_params) || ') _postgrest_t';
    IF v_plan.main_sql IS NULL THEN
      RAISE EXCEPTION 'the replay does not support the result type of %', v_name;
    END IF;
    v_plan.read_only := p_method = 'GET' OR v_fn.provolatile IN ('s', 'i');
    v_plan.ok_status := 200;
    RETURN v_plan;
  END IF;

  -- A table: GET reads, POST inserts, PATCH updates, DELETE deletes.
  v_name := substr(v_path, 2);
  v_qi := '"public".' || test.pgrst_ident(v_name);
  IF p_method = 'GET' THEN
    v_plan.main_sql :=
      'WITH pgrst_source AS ( ' || test.pgrst_read_query(v_qi, ' FROM ' || v_qi, v_params) || ' )  '
      || 'SELECT null::bigint AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, '
      || 'coalesce(json_agg(_postgrest_t), ''[]'') AS body, ' || c_response || ''''' AS response_inserted '
      || 'FROM ( SELECT * FROM pgrst_source ) _postgrest_t';
    v_plan.read_only := true;
    v_plan.ok_status := 200;
    RETURN v_plan;
  END IF;

  -- Writes, with Prefer: return=minimal (supabase-js without .select()): RETURNING 1 only.
  -- The body's keys, sorted, typed as the table's columns.
  SELECT jsonb_agg(jsonb_build_object('name', k, 'type', format_type(a.atttypid, a.atttypmod)) ORDER BY k)
    INTO v_fields
  FROM jsonb_object_keys(coalesce(p_body, '{}')::jsonb) k
  LEFT JOIN pg_catalog.pg_attribute a
    ON a.attrelid = to_regclass(v_qi) AND a.attname = k AND a.attnum > 0 AND NOT a.attisdropped;
  IF jsonb_path_exists(v_fields, '$[*] ? (@.type == null)') THEN
    RAISE EXCEPTION 'the replay knows no such column of %: %', v_name, v_fields;
  END IF;
  v_write := CASE p_method
    WHEN 'POST' THEN
      'INSERT INTO ' || v_qi || '(' || (SELECT string_agg(test.pgrst_ident(f->>'name'), ', ' ORDER BY n)
                                        FROM jsonb_array_elements(v_fields) WITH ORDINALITY AS e(f, n)) || ') '
      || test.pgrst_from_body(v_fields, true, false) || ' RETURNING 1'
    WHEN 'PATCH' THEN
      'UPDATE ' || v_qi || ' SET ' || (SELECT string_agg(test.pgrst_ident(f->>'name') || ' = "pgrst_body".' || test.pgrst_ident(f->>'name'), ', ' ORDER BY n)
                                       FROM jsonb_array_elements(v_fields) WITH ORDINALITY AS e(f, n)) || ' '
      || test.pgrst_from_body(v_fields, false, false)
    WHEN 'DELETE' THEN
      'DELETE FROM ' || v_qi || ' '
    END;
  IF p_method IN ('PATCH', 'DELETE') THEN
    v_write := v_write || coalesce(' WHERE ' || (SELECT string_agg(test.pgrst_filter(v_qi, f.key, f.value), ' AND ' ORDER BY f.key)
                                                 FROM jsonb_each_text(v_params->'filters') f), '') || ' RETURNING 1';
  END IF;
  v_plan.main_sql :=
    'WITH pgrst_source AS (' || v_write || ') '
    || 'SELECT '''' AS total_result_set, pg_catalog.count(_postgrest_t) AS page_total, array[]::text[] AS header, '
    || '''''::text AS body, ' || c_response || ''''' AS response_inserted '
    || 'FROM (SELECT * FROM pgrst_source) _postgrest_t';
  v_plan.read_only := false;
  v_plan.ok_status := CASE p_method WHEN 'POST' THEN 201 ELSE 204 END;
  RETURN v_plan;
END
$$;

-- Replays one request and keeps its response under p_name. p_role and p_sub make the JWT
-- (anon/service_role keys have no sub; a user's token has role authenticated and a sub).
-- p_body is the raw JSON body (POST, PATCH), NULL for GET and DELETE.
CREATE PROCEDURE test.request(p_name text, p_role text, p_sub uuid, p_method text, p_url text, p_body text DEFAULT NULL)
LANGUAGE plpgsql AS $$
DECLARE
  v_plan test.pgrst_plan := test.pgrst_plan(p_method, p_url, p_body);
  v_read_only boolean;
  v_result jsonb;
  v_row record;
  v_state text;
  v_message text;
  v_detail text;
  v_hint text;
BEGIN
  IF v_plan.error IS NULL THEN
    COMMIT;  -- whatever ran before: the request is a transaction of its own
    IF v_plan.read_only THEN
      SET TRANSACTION ISOLATION LEVEL READ COMMITTED READ ONLY;
    ELSE
      SET TRANSACTION ISOLATION LEVEL READ COMMITTED READ WRITE;
    END IF;
    EXECUTE test.pgrst_locals(p_role, p_sub, p_method, split_part(p_url, '?', 1), p_body IS NOT NULL);
    v_read_only := current_setting('transaction_read_only')::boolean;
    -- PostgREST sees the error of the main statement and aborts the transaction. Here the
    -- exception block undoes the statement (as the abort would) and keeps the error's
    -- fields for the response body; the ROLLBACK below then ends the transaction.
    BEGIN
      EXECUTE v_plan.main_sql INTO v_row USING p_body::json;
      v_result := to_jsonb(v_row);
    EXCEPTION WHEN OTHERS THEN
      GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
                              v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
    END;
    IF v_state IS NULL THEN
      COMMIT;
    ELSE
      ROLLBACK;
    END IF;
  END IF;

  INSERT INTO test.responses (name, role, method, url, read_only, status, body, main_sql)
  VALUES (p_name, p_role, p_method, p_url, v_read_only,
          CASE WHEN v_plan.error IS NOT NULL THEN v_plan.error_status
               WHEN v_state IS NOT NULL THEN test.http_status(v_state, p_role)
               ELSE coalesce((v_result->>'response_status')::integer, v_plan.ok_status) END,
          CASE WHEN v_plan.error IS NOT NULL THEN v_plan.error
               WHEN v_state IS NOT NULL THEN jsonb_build_object('code', v_state, 'message', v_message,
                                                                 'details', nullif(v_detail, ''), 'hint', nullif(v_hint, ''))
               WHEN v_plan.ok_status = 200 THEN v_result->'body' END,
          v_plan.main_sql)
  ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, method = EXCLUDED.method, url = EXCLUDED.url,
    read_only = EXCLUDED.read_only, status = EXCLUDED.status, body = EXCLUDED.body,
    main_sql = EXCLUDED.main_sql;
  COMMIT;
END
$$;

-- One assertion on a replayed success: HTTP status and body together; p_ignore names the
-- keys whose values the caller cannot know in advance (ids, times), asserted separately.
CREATE FUNCTION test.responds(p_name text, p_status integer, p_body jsonb, p_ignore text[] DEFAULT '{}') RETURNS text
LANGUAGE sql AS $$
  SELECT is((SELECT jsonb_build_object('status', status, 'body', CASE jsonb_typeof(body) WHEN 'object' THEN body - p_ignore ELSE body END)
             FROM test.responses WHERE name = p_name),
            jsonb_build_object('status', p_status, 'body', p_body),
            format('%s: HTTP %s', p_name, p_status))
$$;

-- One assertion on a replayed error: HTTP status, SQLSTATE (code) and message together.
-- The request's name is the assertion's description.
CREATE FUNCTION test.fails_with(p_name text, p_status integer, p_code text, p_message text) RETURNS text
LANGUAGE sql AS $$
  SELECT is((SELECT jsonb_build_object('status', status, 'code', body->>'code', 'message', body->>'message')
             FROM test.responses WHERE name = p_name),
            jsonb_build_object('status', p_status, 'code', p_code, 'message', p_message),
            format('%s: HTTP %s, %s', p_name, p_status, p_code))
$$;

------------------------------------------------------------------------------------------
-- Fixtures and the truth behind the API, for a suite that connects as authenticator: what
-- touches the tables directly is SECURITY DEFINER, owned by the superuser loading this file.
------------------------------------------------------------------------------------------

-- A user signs up (what Supabase Auth does), with p_credits as the sign-up bonus. The
-- setting lasts for this call only: the function's SET clause scopes every change in it.
CREATE FUNCTION test.sign_up(p_id uuid, p_credits integer) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM set_config('sora_credits.signup_credits', p_credits::text, true);
  INSERT INTO auth.users (id, email) VALUES (p_id, p_id || '@example.com');
END
$$;

-- A user who signed up with p_credits and then asked for one video per prompt, each through
-- a replayed request named '<p_name>: <prompt>'. A fixture: it fails if a request does.
CREATE PROCEDURE test.user_with_videos(p_name text, p_user uuid, p_credits integer, p_prompts text[])
LANGUAGE plpgsql AS $$
DECLARE
  v_prompt text;
BEGIN
  PERFORM test.sign_up(p_user, p_credits);
  FOREACH v_prompt IN ARRAY p_prompts LOOP
    CALL test.request(p_name || ': ' || v_prompt, 'authenticated', p_user, 'POST', '/rpc/create_video_generation',
                      jsonb_build_object('p_prompt', v_prompt)::text);
    IF test.status(p_name || ': ' || v_prompt) <> 200 THEN
      RAISE EXCEPTION 'fixture request "%: %" failed: %', p_name, v_prompt, test.body(p_name || ': ' || v_prompt);
    END IF;
  END LOOP;
END
$$;

-- Moves a soft deletion back in time (the restore window is measured from deleted_at).
CREATE FUNCTION test.age_deletion(p_video uuid, p_age interval) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ UPDATE public.videos SET deleted_at = deleted_at - p_age WHERE id = p_video $$;

-- Rows as they really are (no RLS, no privileges).
CREATE FUNCTION test.profile_row(p_user uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT to_jsonb(p) FROM public.profiles p WHERE id = p_user $$;
CREATE FUNCTION test.video_row(p_video uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT to_jsonb(v) FROM public.videos v WHERE id = p_video $$;
-- A user's videos, deleted or not, newest first.
CREATE FUNCTION test.video_ids(p_user uuid) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT coalesce(array_agg(id ORDER BY created_at DESC, id), '{}') FROM public.videos WHERE user_id = p_user $$;
-- A user's ledger entry ids, oldest first.
CREATE FUNCTION test.entry_ids(p_user uuid) RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM public.credit_transactions WHERE user_id = p_user $$;
-- The oldest pending videos, in the order claim_video_jobs takes them.
CREATE FUNCTION test.pending_ids(p_limit integer) RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(id ORDER BY created_at, id), '{}')
  FROM (SELECT id, created_at FROM public.videos WHERE status = 'pending' ORDER BY created_at, id LIMIT p_limit) v
$$;
