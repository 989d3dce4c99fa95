-- The benchmark's second baseline, bench/run.sh's only one before the seed's: the seed's
-- design (bench/seed_plpgsql.sql) with the extension's own CHECKs and indexes added, as the
-- extension's tables have them. It is the figures' link to the earlier runs, and it shows
-- what those extras cost a PL/pgSQL charge: two more index entries per charge (pending
-- videos, the ledger by user) and seven more CHECKs. Its functions are the seed's (before the
-- seed's, its get_credit_info read last_transaction_at from the ledger by user, one index
-- probe more). Like the seed, it has none of the extension's counters on profiles, so
-- get_credit_info counts and sums the user's history.
-- Loaded by bench/run.sh into its own database (with the Supabase stand-in), never shipped.
\ir seed_plpgsql.sql

ALTER TABLE public.profiles
  ADD CHECK (lifetime_granted >= 0), ADD CHECK (lifetime_spent >= 0),
  ADD CHECK (lifetime_refunded >= 0);
ALTER TABLE public.videos
  ADD CHECK ((refunded_at IS NOT NULL) = (status = 'failed')),
  ADD CHECK (status <> 'completed' OR video_url IS NOT NULL);
ALTER TABLE public.credit_transactions
  ADD CHECK (CASE kind WHEN 'video_generation' THEN amount < 0 WHEN 'adjustment' THEN true
                       ELSE amount > 0 END),
  ADD CHECK ((kind IN ('video_generation', 'refund')) = (video_id IS NOT NULL));
CREATE INDEX videos_pending_idx ON public.videos (created_at, id) WHERE status = 'pending';
CREATE INDEX credit_transactions_user_idx ON public.credit_transactions (user_id, created_at DESC);
