-- Helpers of the real-Supabase suite, loaded by run.sh as supabase_admin after
-- test/support/pgtap_helpers.sql and test/support/postgrest_replay.sql. Like theirs, the
-- functions that read or touch the tables directly are SECURITY DEFINER, owned by
-- supabase_admin (the extension's owner), so that a suite connected as authenticator or
-- postgres sees the truth behind the API. run.sh drops the schema at the end.

-- The auth.users row as the auth server left it: the columns the sign-up bonus depends on.
CREATE FUNCTION test.sb_auth_user(p_user uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object('confirmed', u.confirmed_at IS NOT NULL,
                            'email_confirmed', u.email_confirmed_at IS NOT NULL,
                            'phone_confirmed', u.phone_confirmed_at IS NOT NULL,
                            'is_anonymous', u.is_anonymous, 'deleted', u.deleted_at IS NOT NULL,
                            'role', u.role)
  FROM auth.users u WHERE u.id = p_user
$$;

-- A user's ledger, oldest first: [{kind, amount}], '[]' for none (or no user).
CREATE FUNCTION test.sb_ledger(p_user uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(jsonb_agg(jsonb_build_object('kind', kind, 'amount', amount) ORDER BY id), '[]')
  FROM public.credit_transactions WHERE user_id = p_user
$$;

-- How many entries of one kind a user has.
CREATE FUNCTION test.sb_count(p_user uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*)::integer FROM public.credit_transactions WHERE user_id = p_user AND kind = p_kind
$$;

-- The entries of one kind for one video (a charge or a refund), to see "exactly once".
CREATE FUNCTION test.sb_video_entries(p_video uuid, p_kind text) RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(*)::integer FROM public.credit_transactions WHERE video_id = p_video AND kind = p_kind
$$;

-- Rows of a user left anywhere in the extension's tables (after the user is deleted: 0).
CREATE FUNCTION test.sb_rows_of(p_user uuid) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT jsonb_build_object(
    'profiles', (SELECT count(*) FROM public.profiles WHERE id = p_user),
    'videos', (SELECT count(*) FROM public.videos WHERE user_id = p_user),
    'credit_transactions', (SELECT count(*) FROM public.credit_transactions WHERE user_id = p_user))
$$;

-- The statuses of some videos, in the order given.
CREATE FUNCTION test.sb_statuses(p_videos uuid[]) RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(v.status ORDER BY a.n), '{}')
  FROM unnest(p_videos) WITH ORDINALITY AS a(id, n) JOIN public.videos v ON v.id = a.id
$$;

-- Every job in processing, oldest first (what a claim moved and nobody finished yet).
CREATE FUNCTION test.sb_processing_ids() RETURNS uuid[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT coalesce(array_agg(id ORDER BY created_at, id), '{}') FROM public.videos WHERE status = 'processing'
$$;

-- Makes a job look stale: its last update p_age ago (expire_stale_videos measures updated_at).
CREATE FUNCTION test.sb_age_job(p_video uuid, p_age interval) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ UPDATE public.videos SET updated_at = updated_at - p_age WHERE id = p_video $$;

-- Runs p_sql in a subtransaction as the current role and reports what happened: {rows} or
-- {sqlstate, message}. Unlike test.outcome, a success is undone too (the statement is
-- probing a privilege; nothing it did may stay), so a write that should have been refused
-- leaves no trace when it was not.
CREATE FUNCTION test.sb_try(p_sql text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_rows bigint; v_state text; v_message text;
BEGIN
  BEGIN
    EXECUTE p_sql;
    GET DIAGNOSTICS v_rows = ROW_COUNT;
    RAISE EXCEPTION USING ERRCODE = 'SB000', MESSAGE = v_rows::text;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
  END;
  IF v_state = 'SB000' THEN
    RETURN jsonb_build_object('rows', v_message::bigint);
  END IF;
  RETURN jsonb_build_object('sqlstate', v_state, 'message', v_message);
END
$$;
GRANT EXECUTE ON FUNCTION test.sb_try(text) TO PUBLIC;

-- The SQLSTATE of p_sql (run as by test.sb_try, and undone), or 'no error (N rows)'.
CREATE FUNCTION test.sb_sqlstate(p_sql text) RETURNS text LANGUAGE sql AS
  $$ SELECT coalesce(r->>'sqlstate', 'no error (' || (r->>'rows') || ' rows)') FROM test.sb_try(p_sql) r $$;
