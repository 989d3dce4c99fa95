-- The floor: only the writes of a charge, as one statement, with no checks (no validation,
-- no lock, no replay or price lookup, no balance check, no JSON). Same request envelope as
-- create.sql, run by the table owner on the extension's tables.
\set n random(:first_user, :last_user)
BEGIN;
SELECT set_config('request.jwt.claims',
  '{"sub":"00000000-0000-4000-8000-' || lpad(:n::text, 12, '0') || '","role":"authenticated"}', true);
WITH video AS (
  INSERT INTO videos (user_id, prompt, model, resolution, duration_seconds, credits_cost)
  VALUES (('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid,
          'A red fox running through snow, golden hour', 'sora-2', '720p', 5, 15)
  RETURNING id
), profile AS (
  UPDATE profiles SET credits = credits - 15, credits_reserved = credits_reserved + 15,
         lifetime_spent = lifetime_spent + 15, active_videos = active_videos + 1,
         last_transaction_at = now(), updated_at = now()
  WHERE id = ('00000000-0000-4000-8000-' || lpad(:n::text, 12, '0'))::uuid RETURNING id, credits
)
INSERT INTO credit_transactions (user_id, video_id, amount, balance_after, kind, description)
SELECT profile.id, video.id, -15, profile.credits, 'video_generation', 'Video generation: sora-2 720p, 5 s'
FROM video, profile;
COMMIT;
