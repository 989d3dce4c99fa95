-- The benchmark's headline baseline: the seed's own design (the project's design review, seed-review.md,
-- "Atomic Transactions for Credit Deduction"), written the lean way on the contract's schema.
-- create_video_generation locks the profile FOR UPDATE, checks, inserts the video, updates
-- the balance, inserts the ledger row and answers with jsonb_build_object; get_credit_info
-- counts the user's rows. The tables carry exactly the columns, CHECKs, foreign keys and
-- unique indexes that the 1.0 API contract requires (and its two partial video
-- indexes, RLS, the append-only trigger, SECURITY DEFINER with a pinned search_path), and
-- nothing of the extension's own: no counters on profiles, no index on pending videos or on
-- the ledger by user, no CHECKs beyond the contract's. The error contract (messages,
-- SQLSTATEs, the order of checks) is the extension's. bench/baseline_plpgsql.sql adds the
-- extension's extra CHECKs and indexes on top of this file.
-- Loaded by bench/run.sh into its own database (with the Supabase stand-in), never shipped.
SET search_path = pg_catalog, pg_temp;

CREATE TABLE public.video_pricing (
  model text NOT NULL,
  resolution text NOT NULL,
  credits_per_second integer NOT NULL CHECK (credits_per_second > 0),
  PRIMARY KEY (model, resolution)
);
INSERT INTO public.video_pricing VALUES
  ('sora-2', '480p', 1), ('sora-2', '720p', 3), ('sora-2', '1080p', 6),
  ('sora-2-pro', '720p', 10), ('sora-2-pro', '1080p', 20);

CREATE TABLE public.profiles (
  id uuid PRIMARY KEY REFERENCES auth.users (id) ON DELETE CASCADE,
  user_id uuid NOT NULL UNIQUE,
  credits bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
  lifetime_granted bigint NOT NULL DEFAULT 0,
  lifetime_spent bigint NOT NULL DEFAULT 0,
  lifetime_refunded bigint NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT profiles_id_user_id_match CHECK (id = user_id)
);

CREATE TABLE public.videos (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES public.profiles (id) ON DELETE CASCADE,
  prompt text NOT NULL CHECK (char_length(prompt) BETWEEN 1 AND 4000),
  model text NOT NULL,
  resolution text NOT NULL,
  duration_seconds integer NOT NULL CHECK (duration_seconds BETWEEN 1 AND 60),
  credits_cost bigint NOT NULL CHECK (credits_cost > 0),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  idempotency_key text,
  video_url text,
  error_message text,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  deleted_at timestamptz,
  UNIQUE (user_id, idempotency_key)
);
CREATE INDEX videos_user_active_idx ON public.videos (user_id, created_at DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX videos_user_deleted_idx ON public.videos (user_id, deleted_at DESC)
  WHERE deleted_at IS NOT NULL;

CREATE TABLE public.credit_transactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES public.profiles (id) ON DELETE CASCADE,
  video_id uuid REFERENCES public.videos (id),
  amount bigint NOT NULL CHECK (amount <> 0),
  balance_after bigint NOT NULL CHECK (balance_after >= 0),
  kind text NOT NULL CHECK (kind IN ('signup_bonus', 'purchase', 'grant', 'video_generation',
                                     'refund', 'adjustment')),
  reference text,
  description text,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX credit_transactions_one_charge_per_video
  ON public.credit_transactions (video_id) WHERE kind = 'video_generation';
CREATE UNIQUE INDEX credit_transactions_one_refund_per_video
  ON public.credit_transactions (video_id) WHERE kind = 'refund';
CREATE UNIQUE INDEX credit_transactions_reference_per_kind
  ON public.credit_transactions (kind, reference) WHERE reference IS NOT NULL;
-- Append-only, as the contract says: a trigger refuses UPDATE for every role.
CREATE FUNCTION public.credit_transactions_refuse_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'credit_transactions is append-only: ledger entries cannot be changed'
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER credit_transactions_append_only BEFORE UPDATE ON public.credit_transactions
  FOR EACH ROW EXECUTE FUNCTION public.credit_transactions_refuse_update();

ALTER TABLE public.video_pricing ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.videos ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.credit_transactions ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON public.video_pricing, public.profiles, public.videos, public.credit_transactions
  FROM PUBLIC, anon, authenticated, service_role;
GRANT SELECT ON public.video_pricing TO anon, authenticated, service_role;
GRANT SELECT ON public.profiles, public.videos, public.credit_transactions
  TO authenticated, service_role;
CREATE POLICY video_pricing_read ON public.video_pricing FOR SELECT USING (true);
CREATE POLICY profiles_select_own ON public.profiles
  FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));
CREATE POLICY videos_select_own_active ON public.videos
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()) AND deleted_at IS NULL);
CREATE POLICY credit_transactions_select_own ON public.credit_transactions
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));

CREATE FUNCTION public.handle_new_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  INSERT INTO public.profiles (id, user_id) VALUES (NEW.id, NEW.id);
  RETURN NEW;
END
$$;
CREATE TRIGGER on_auth_user_created AFTER INSERT ON auth.users
  FOR EACH ROW EXECUTE FUNCTION public.handle_new_user();

CREATE FUNCTION public.create_video_generation(
  p_prompt text, p_duration_seconds integer DEFAULT 5, p_resolution text DEFAULT '720p',
  p_model text DEFAULT 'sora-2', p_idempotency_key text DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_user uuid := auth.uid();
  v_credits bigint;
  v_price integer;
  v_cost bigint;
  v_video public.videos%ROWTYPE;
  v_transaction_id bigint;
BEGIN
  IF v_user IS NULL THEN
    RAISE EXCEPTION 'Not signed in: this action needs an authenticated user.'
      USING ERRCODE = '42501';
  END IF;
  IF p_prompt IS NULL THEN
    RAISE EXCEPTION 'p_prompt is required.' USING ERRCODE = '22023';
  ELSIF btrim(p_prompt) = '' THEN
    RAISE EXCEPTION 'p_prompt must not be empty.' USING ERRCODE = '22023';
  ELSIF char_length(p_prompt) > 4000 THEN
    RAISE EXCEPTION 'p_prompt must be at most 4000 characters.' USING ERRCODE = '22023';
  ELSIF p_duration_seconds IS NULL OR p_duration_seconds NOT BETWEEN 1 AND 60 THEN
    RAISE EXCEPTION 'p_duration_seconds must be between 1 and 60 seconds.' USING ERRCODE = '22023';
  ELSIF p_resolution IS NULL OR btrim(p_resolution) = '' OR char_length(p_resolution) > 64 THEN
    RAISE EXCEPTION 'p_resolution is invalid.' USING ERRCODE = '22023';
  ELSIF p_model IS NULL OR btrim(p_model) = '' OR char_length(p_model) > 64 THEN
    RAISE EXCEPTION 'p_model is invalid.' USING ERRCODE = '22023';
  ELSIF p_idempotency_key IS NOT NULL
        AND (btrim(p_idempotency_key) = '' OR char_length(p_idempotency_key) > 255) THEN
    RAISE EXCEPTION 'p_idempotency_key is invalid.' USING ERRCODE = '22023';
  END IF;

  SELECT credits INTO v_credits FROM public.profiles WHERE id = v_user FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No credit account exists for this user.' USING ERRCODE = 'PT404';
  END IF;

  IF p_idempotency_key IS NOT NULL THEN
    SELECT * INTO v_video FROM public.videos
    WHERE user_id = v_user AND idempotency_key = p_idempotency_key;
    IF FOUND THEN
      IF (v_video.prompt, v_video.duration_seconds, v_video.resolution, v_video.model)
         IS DISTINCT FROM (p_prompt, p_duration_seconds, p_resolution, p_model) THEN
        RAISE EXCEPTION 'This idempotency key was already used for a different video request.'
          USING ERRCODE = 'PT422';
      END IF;
      SELECT id INTO v_transaction_id FROM public.credit_transactions
      WHERE video_id = v_video.id AND kind = 'video_generation';
      RETURN jsonb_build_object(
        'success', true, 'video_id', v_video.id, 'status', v_video.status,
        'credits_charged', v_video.credits_cost, 'credits_remaining', v_credits,
        'transaction_id', v_transaction_id, 'idempotent_replay', true,
        'created_at', v_video.created_at);
    END IF;
  END IF;

  SELECT credits_per_second INTO v_price FROM public.video_pricing
  WHERE model = p_model AND resolution = p_resolution;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'p_model and p_resolution: there is no price for model "%" at resolution "%".',
      p_model, p_resolution USING ERRCODE = '22023';
  END IF;
  v_cost := v_price::bigint * p_duration_seconds;
  IF v_credits < v_cost THEN
    RAISE EXCEPTION 'Insufficient credits. You have % credits, but need % credits.', v_credits, v_cost
      USING ERRCODE = 'PT402',
            DETAIL = jsonb_build_object('credits', v_credits, 'required', v_cost,
                                        'shortfall', v_cost - v_credits)::text,
            HINT = 'Buy more credits, or choose a shorter video or a lower resolution.';
  END IF;

  INSERT INTO public.videos (user_id, prompt, model, resolution, duration_seconds, credits_cost,
                             idempotency_key)
  VALUES (v_user, p_prompt, p_model, p_resolution, p_duration_seconds, v_cost, p_idempotency_key)
  RETURNING * INTO v_video;
  UPDATE public.profiles SET credits = credits - v_cost, lifetime_spent = lifetime_spent + v_cost,
                             updated_at = now()
  WHERE id = v_user RETURNING credits INTO v_credits;
  INSERT INTO public.credit_transactions (user_id, video_id, amount, balance_after, kind, description)
  VALUES (v_user, v_video.id, -v_cost, v_credits, 'video_generation',
          format('Video generation: %s %s, %s s', p_model, p_resolution, p_duration_seconds))
  RETURNING id INTO v_transaction_id;

  RETURN jsonb_build_object(
    'success', true, 'video_id', v_video.id, 'status', v_video.status,
    'credits_charged', v_cost, 'credits_remaining', v_credits,
    'transaction_id', v_transaction_id, 'idempotent_replay', false,
    'created_at', v_video.created_at);
END
$$;

CREATE FUNCTION public.get_credit_info(p_user_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_caller uuid := auth.uid();
  v_user uuid := coalesce(p_user_id, v_caller);
  v_profile public.profiles%ROWTYPE;
BEGIN
  IF auth.role() IS DISTINCT FROM 'service_role' THEN
    IF v_caller IS NULL THEN
      RAISE EXCEPTION 'Not signed in: this action needs an authenticated user.'
        USING ERRCODE = '42501';
    ELSIF v_user <> v_caller THEN
      RAISE EXCEPTION 'You can only view your own credit information.' USING ERRCODE = '42501';
    END IF;
  ELSIF v_user IS NULL THEN
    RAISE EXCEPTION 'p_user_id is required when no user is signed in.' USING ERRCODE = '22023';
  END IF;
  SELECT * INTO v_profile FROM public.profiles WHERE id = v_user;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No credit account exists for this user.' USING ERRCODE = 'PT404';
  END IF;
  RETURN jsonb_build_object(
    'user_id', v_user,
    'credits', v_profile.credits,
    'credits_reserved', (SELECT coalesce(sum(credits_cost), 0) FROM public.videos
                         WHERE user_id = v_user AND status IN ('pending', 'processing')),
    'lifetime_granted', v_profile.lifetime_granted,
    'lifetime_spent', v_profile.lifetime_spent,
    'lifetime_refunded', v_profile.lifetime_refunded,
    'active_videos', (SELECT count(*) FROM public.videos
                      WHERE user_id = v_user AND deleted_at IS NULL),
    'deleted_videos', (SELECT count(*) FROM public.videos
                       WHERE user_id = v_user AND deleted_at IS NOT NULL),
    -- With no index on the ledger by user: every ledger row of this design comes with
    -- the profile update that sets updated_at, and none can come before the first grant.
    'last_transaction_at', CASE WHEN v_profile.lifetime_granted > 0 THEN v_profile.updated_at END);
END
$$;

CREATE FUNCTION public.claim_video_jobs(p_limit integer DEFAULT 1)
RETURNS SETOF public.videos LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 100 THEN
    RAISE EXCEPTION 'p_limit must be between 1 and 100.' USING ERRCODE = '22023';
  END IF;
  RETURN QUERY
  UPDATE public.videos v SET status = 'processing', updated_at = now()
  FROM (SELECT id FROM public.videos WHERE status = 'pending'
        ORDER BY created_at, id LIMIT p_limit FOR UPDATE SKIP LOCKED) next
  WHERE v.id = next.id RETURNING v.*;
END
$$;

CREATE FUNCTION public.complete_video_generation(p_video_id uuid, p_video_url text)
RETURNS jsonb LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_user uuid;
  v_video public.videos%ROWTYPE;
BEGIN
  IF p_video_url IS NULL OR p_video_url !~ '^https?://' THEN
    RAISE EXCEPTION 'p_video_url must be an http(s) URL.' USING ERRCODE = '22023';
  END IF;
  SELECT user_id INTO v_user FROM public.videos WHERE id = p_video_id;
  PERFORM FROM public.profiles WHERE id = v_user FOR UPDATE;
  SELECT * INTO v_video FROM public.videos WHERE id = p_video_id FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Video not found.' USING ERRCODE = 'PT404';
  ELSIF v_video.status = 'completed' AND v_video.video_url = p_video_url THEN
    NULL;
  ELSIF v_video.status NOT IN ('pending', 'processing') THEN
    RAISE EXCEPTION 'The video is % and cannot be completed.', v_video.status
      USING ERRCODE = 'PT409';
  ELSE
    UPDATE public.videos SET status = 'completed', video_url = p_video_url, updated_at = now()
    WHERE id = p_video_id;
  END IF;
  RETURN jsonb_build_object('success', true, 'video_id', p_video_id, 'status', 'completed',
                            'video_url', p_video_url,
                            'already_completed', v_video.status = 'completed');
END
$$;

CREATE FUNCTION public.grant_credits(
  p_user_id uuid, p_amount bigint, p_kind text DEFAULT 'purchase',
  p_reference text DEFAULT NULL, p_description text DEFAULT NULL)
RETURNS jsonb LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
  v_credits bigint;
  v_id bigint;
BEGIN
  IF p_amount IS NULL OR p_amount <= 0 THEN
    RAISE EXCEPTION 'p_amount must be greater than 0.' USING ERRCODE = '22023';
  END IF;
  UPDATE public.profiles SET credits = credits + p_amount,
                             lifetime_granted = lifetime_granted + p_amount, updated_at = now()
  WHERE id = p_user_id RETURNING credits INTO v_credits;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'No credit account exists for this user.' USING ERRCODE = 'PT404';
  END IF;
  INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind, reference, description)
  VALUES (p_user_id, p_amount, v_credits, p_kind, p_reference,
          coalesce(p_description, 'Credits purchased'))
  RETURNING id INTO v_id;
  RETURN jsonb_build_object('success', true, 'user_id', p_user_id, 'credits_granted', p_amount,
                            'credits_remaining', v_credits, 'transaction_id', v_id,
                            'idempotent_replay', false);
END
$$;

CREATE FUNCTION public.soft_delete_video(p_video_id uuid)
RETURNS jsonb LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
  UPDATE public.videos SET deleted_at = now(), updated_at = now()
  WHERE id = p_video_id AND user_id = auth.uid() AND deleted_at IS NULL;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'Video not found.' USING ERRCODE = 'PT404';
  END IF;
  RETURN jsonb_build_object('success', true, 'video_id', p_video_id);
END
$$;

REVOKE ALL ON FUNCTION public.create_video_generation(text, integer, text, text, text),
  public.get_credit_info(uuid), public.claim_video_jobs(integer),
  public.complete_video_generation(uuid, text), public.grant_credits(uuid, bigint, text, text, text),
  public.soft_delete_video(uuid), public.handle_new_user()
  FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.create_video_generation(text, integer, text, text, text),
  public.get_credit_info(uuid), public.soft_delete_video(uuid) TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION public.claim_video_jobs(integer),
  public.complete_video_generation(uuid, text), public.grant_credits(uuid, bigint, text, text, text)
  TO service_role;
