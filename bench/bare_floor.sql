-- The floor of a charge on the extension's schema (1.2, with credit lots): only its writes,
-- as one statement, with no checks (no validation, no lock, no replay or price lookup, no
-- balance check, no JSON): the video, the balance, the ledger entry, the user's first live
-- lot and the allocation to it. In PL/pgSQL so that the statement is planned once and its
-- plan kept, as the extension keeps its statements' plans; called by the tables' owner
-- (the superuser), whom the write guards let through. Not part of the extension.
CREATE FUNCTION public.bare_charge(p_user uuid) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  WITH video AS (
    INSERT INTO public.videos (user_id, prompt, model, resolution, duration_seconds, credits_cost)
    VALUES (p_user, 'A red fox running through snow, golden hour', 'sora-2', '720p', 5, 15)
    RETURNING id
  ), profile AS (
    UPDATE public.profiles SET credits = credits - 15, credits_reserved = credits_reserved + 15,
           lifetime_spent = lifetime_spent + 15, active_videos = active_videos + 1,
           last_transaction_at = now(), updated_at = now()
    WHERE id = p_user RETURNING id, credits
  ), lot AS (
    UPDATE public.credit_lots SET remaining = remaining - 15
    WHERE id = (SELECT l.id FROM public.credit_lots l WHERE l.user_id = p_user AND NOT l.depleted
                ORDER BY l.expires_at, l.category DESC, l.created_at, l.id LIMIT 1)
    RETURNING id
  ), entry AS (
    INSERT INTO public.credit_transactions (user_id, video_id, amount, balance_after, kind, description)
    SELECT profile.id, video.id, -15, profile.credits, 'video_generation', 'Video generation: sora-2 720p, 5 s'
    FROM video, profile RETURNING id, user_id
  )
  INSERT INTO public.credit_allocations (transaction_id, lot_id, user_id, amount)
  SELECT entry.id, lot.id, entry.user_id, 15 FROM entry, lot;
END
$$;
