-- Helpers for the isolation specs (test/isolation/specs), loaded once into the test
-- database after the Supabase stand-in, the extension and test/support/pgtap_helpers.sql
-- (whose test.act_as the sessions use to act as PostgREST callers, and whose test.res keeps
-- results by name).

-- test.act_as for a session's setup: CALL prints nothing, where SELECT would print an
-- empty row for every session in every permutation.
CREATE PROCEDURE test.sign_in(p_role text, p_sub uuid DEFAULT NULL) LANGUAGE sql AS
  $$ SELECT test.act_as(p_role, p_sub) $$;

-- A user with p_credits credits from the sign-up bonus (one signup_bonus ledger entry).
-- A procedure: CALL returns no rows, so a spec's setup prints nothing.
CREATE PROCEDURE test.new_user(p_user uuid, p_credits bigint) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('sora_credits.signup_credits', p_credits::text, true);
  INSERT INTO auth.users (id, email) VALUES (p_user, p_user || '@example.com');
  PERFORM set_config('sora_credits.signup_credits', '0', true);
END
$$;

-- A pending video of p_user, charged through the API as that user; its prompt names it.
CREATE PROCEDURE test.new_video(p_user uuid, p_prompt text) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM test.act_as('authenticated', p_user);
  PERFORM public.create_video_generation(p_prompt, 5, '720p', 'sora-2');
  PERFORM set_config('role', 'none', true);
END
$$;

-- The id of the video with this prompt, whoever asks (the caller's RLS does not apply).
CREATE FUNCTION test.video_id(p_prompt text) RETURNS uuid LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ SELECT id FROM public.videos WHERE prompt = p_prompt $$;
GRANT EXECUTE ON FUNCTION test.video_id(text) TO PUBLIC;

-- Runs one API call (p_sql returns one jsonb) and keeps its result in test.res under
-- p_name for later checks. Returns the result without the keys that differ from run to
-- run (ids, timestamps), so the expected output can show the rest. An error is reported
-- by a NOTICE with its SQLSTATE and DETAIL, then raised unchanged: isolationtester prints
-- only an error's message, and the contract is the SQLSTATE too.
CREATE FUNCTION test.call(p_name text, p_sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_result jsonb;
  v_detail text;
BEGIN
  EXECUTE p_sql INTO STRICT v_result;
  INSERT INTO test.res VALUES (p_name, v_result);
  RETURN v_result - ARRAY['video_id', 'transaction_id', 'created_at', 'deleted_at'];
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
  RAISE NOTICE '%', 'SQLSTATE ' || SQLSTATE || coalesce(' ' || nullif(v_detail, ''), '');
  RAISE;
END
$$;

-- One account as the superuser sees it: balance, reserved credits, videos, ledger entries
-- (all, charges, refunds) and whether its balance equals the sum of its ledger.
CREATE FUNCTION test.account(p_user uuid)
RETURNS TABLE (credits bigint, reserved bigint, videos bigint, entries bigint,
               charges bigint, refunds bigint, ledger_ok boolean)
LANGUAGE sql STABLE AS $$
  SELECT p.credits, p.credits_reserved,
         (SELECT count(*) FROM public.videos v WHERE v.user_id = p.id),
         (SELECT count(*) FROM public.credit_transactions t WHERE t.user_id = p.id),
         (SELECT count(*) FROM public.credit_transactions t
          WHERE t.user_id = p.id AND t.kind = 'video_generation'),
         (SELECT count(*) FROM public.credit_transactions t
          WHERE t.user_id = p.id AND t.kind = 'refund'),
         NOT EXISTS (SELECT FROM public.verify_ledger() l WHERE l.user_id = p.id)
  FROM public.profiles p WHERE p.id = p_user
$$;

-- Back to an empty database between permutations: deleting the users cascades to their
-- accounts, videos and ledger entries.
CREATE PROCEDURE test.reset() LANGUAGE sql AS $$
  DELETE FROM auth.users;
  DELETE FROM test.res;
$$;
