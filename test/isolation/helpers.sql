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
-- PL/pgSQL, not SQL, here and in test.account: Citus cannot plan a SQL function's
-- parameterized query on its tables, and the Citus suite (test/citus/run.sh) runs some of
-- these specs on a cluster.
CREATE FUNCTION test.video_id(p_prompt text) RETURNS uuid LANGUAGE plpgsql STABLE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS
  $$ BEGIN RETURN (SELECT id FROM public.videos WHERE prompt = p_prompt); END $$;
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
LANGUAGE plpgsql STABLE AS $$
BEGIN
  SELECT p.credits, p.credits_reserved INTO credits, reserved FROM public.profiles p WHERE p.id = p_user;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT count(*) INTO videos FROM public.videos v WHERE v.user_id = p_user;
  SELECT count(*), count(*) FILTER (WHERE t.kind = 'video_generation'), count(*) FILTER (WHERE t.kind = 'refund')
  INTO entries, charges, refunds FROM public.credit_transactions t WHERE t.user_id = p_user;
  ledger_ok := NOT EXISTS (SELECT FROM public.verify_ledger() l WHERE l.user_id = p_user);
  RETURN NEXT;
END
$$;

-- Back to an empty database between permutations: deleting the users cascades to their
-- accounts, videos and ledger entries.
CREATE PROCEDURE test.reset() LANGUAGE sql AS $$
  DELETE FROM auth.users;
  -- (2.0) a payment reference stays taken after its user is deleted; not between specs
  DELETE FROM public.payment_references;
  DELETE FROM test.res;
$$;

-- Credit lots (1.2). A grant of p_amount credits through the API as the backend, with its
-- lot's expiry and category (NULL: never, and the kind's category); the payment reference
-- names the lot for the helpers below.
CREATE PROCEDURE test.new_lot(p_user uuid, p_amount bigint, p_kind text, p_reference text,
                              p_expires_at timestamptz DEFAULT NULL, p_category text DEFAULT NULL)
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM test.act_as('service_role');
  PERFORM public.grant_credits(p_user, p_amount, p_kind, p_reference, NULL, p_expires_at, p_category);
  PERFORM set_config('role', 'none', true);
END
$$;

-- Makes the lot of the grant with this reference expire: at p_at (by default a minute ago).
-- grant_credits refuses an expiry not in the future, and nobody but the functions may
-- change a lot: only a superuser passes the write guard, as the specs' setups run. A
-- procedure, so that CALL prints nothing.
CREATE PROCEDURE test.lapse(p_reference text, p_at timestamptz DEFAULT now() - interval '1 minute')
LANGUAGE sql AS $$
  UPDATE public.credit_lots SET expires_at = p_at
  WHERE transaction_id = (SELECT id FROM public.credit_transactions WHERE reference = p_reference);
$$;

-- A user's lots as the superuser sees them, oldest first, named by their grant's reference:
-- what is left, and what the expiry entries and the refunds moved (allocations).
CREATE FUNCTION test.lots(p_user uuid)
RETURNS TABLE (reference text, kind text, category text, amount bigint, remaining bigint,
               expired boolean, expiries bigint, credits_expired bigint, refunded bigint)
LANGUAGE sql STABLE AS $$
  SELECT g.reference, l.kind, l.category, l.amount, l.remaining,
         coalesce(l.expires_at <= now(), false),
         count(*) FILTER (WHERE t.kind = 'expiry'),
         coalesce(sum(a.amount) FILTER (WHERE t.kind = 'expiry'), 0),
         coalesce(sum(a.amount) FILTER (WHERE t.kind = 'refund'), 0)
  FROM public.credit_lots l
  LEFT JOIN public.credit_transactions g ON g.id = l.transaction_id
  LEFT JOIN public.credit_allocations a ON a.lot_id = l.id
  LEFT JOIN public.credit_transactions t ON t.id = a.transaction_id
  WHERE l.user_id = p_user
  GROUP BY l.id, l.user_id, g.reference ORDER BY l.id
$$;

-- A user's credits as the superuser sees them (1.2): the stored balance, the sum of the
-- ledger and of the lots' remaining credits (all three equal at every commit), the expiry
-- entries and the lifetime counters, and whether verify_ledger() finds nothing wrong.
CREATE FUNCTION test.lot_account(p_user uuid)
RETURNS TABLE (credits bigint, ledger bigint, lots bigint, expiry_entries bigint,
               lifetime_expired bigint, lifetime_refunded bigint, videos bigint,
               problems bigint)
LANGUAGE sql STABLE AS $$
  SELECT p.credits,
         (SELECT coalesce(sum(amount), 0)::bigint FROM public.credit_transactions t WHERE t.user_id = p.id),
         (SELECT coalesce(sum(remaining), 0)::bigint FROM public.credit_lots l WHERE l.user_id = p.id),
         (SELECT count(*) FROM public.credit_transactions t WHERE t.user_id = p.id AND t.kind = 'expiry'),
         p.lifetime_expired, p.lifetime_refunded,
         (SELECT count(*) FROM public.videos v WHERE v.user_id = p.id),
         (SELECT count(*) FROM public.verify_ledger() l WHERE l.user_id = p.id)
  FROM public.profiles p WHERE p.id = p_user
$$;

-- What verify_ledger() finds over all accounts: nothing, at the end of every spec.
CREATE FUNCTION test.ledger_problems() RETURNS TABLE (problem text) LANGUAGE sql STABLE AS $$
  SELECT user_id || ': ' || problem FROM public.verify_ledger()
$$;
