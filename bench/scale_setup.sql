-- bench/scale.sh's database of a given size, generated in bulk with set-based SQL instead
-- of through the API (5,000,000 charges through create_video_generation would take hours):
--   psql -v users=N -v videos=V -v inflight=F -v stale=S -v due=D -f bench/scale_setup.sql
-- run by the superuser in a fresh database with the extension installed. It writes what the
-- functions would have written, row for row, so that verify_ledger() finds nothing:
--   * users 1..N (the charge workload's users) and user 0, the probe, in auth.users, each
--     with a profile whose counters are those of its rows below;
--   * V videos spread over the past year, user k % N + 1 for video k, in time order (so the
--     heap is laid out as the API lays it out): about 5 % failed and refunded, 10 %
--     soft-deleted, the newest F pending or processing (half each, created in the last 30
--     minutes but for the oldest S, not updated for 3 hours: stale for the default
--     sora_credits.job_timeout of 1 hour);
--   * the probe, user 0, owns every ((V - F) / 1000)-th video instead, 1,000, of which
--     exactly 100 are soft-deleted, at every size (list_deleted_videos' fixed answer);
--   * per user one purchase (a paid lot that never expires, 10^12 credits, its reference
--     claimed in payment_references) before the first video; per video its charge, taken
--     from that lot, and for a failed one its refund, given back to it; every 10th user a
--     promotional grant of 100 credits, made after their last video, expiring in 1 to 60
--     days; D users (the first with no job in
--     flight, but not every 10th) a promotional grant of 100 made after their last charge that expired an hour
--     ago and that no sweep has written off yet (expire_credits' fixed answer: D lots);
--   * the allocation of every entry to its lot, and the running balance in every entry.
-- So what the functions return is the same at every size (claim_video_jobs(10): 10 jobs,
-- expire_stale_videos(): S, expire_credits(): D lots, list_deleted_videos() for the probe:
-- 100), while the tables grow; only the jobs in flight (F) grow with the videos.
\set ON_ERROR_STOP 1
\set grant 1000000000000
-- Replica mode, as a restore loads rows: the foreign-key checks and the sign-up trigger do
-- not fire (the profiles are written here, with their final counters); the extension's
-- write guards are ENABLE ALWAYS and let a superuser's INSERT through.
SET session_replication_role = replica;
SET synchronous_commit = off;
SET work_mem = '1GB';
SET maintenance_work_mem = '1GB';
SET jit = off;

CREATE FUNCTION pg_temp.uid(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE
  AS $$ SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION pg_temp.require(ok boolean, message text) RETURNS void LANGUAGE plpgsql
  AS $$ BEGIN IF NOT ok THEN RAISE EXCEPTION '%', message; END IF; END $$;
-- The inverse, for the rows that name a user by uuid.
CREATE FUNCTION pg_temp.num(u uuid) RETURNS bigint LANGUAGE sql IMMUTABLE
  AS $$ SELECT right(u::text, 12)::bigint $$;

\echo '  auth.users' `date +%T`
INSERT INTO auth.users (id, aud, role, email, created_at, updated_at, email_confirmed_at)
SELECT pg_temp.uid(n), 'authenticated', 'authenticated', 'user' || n || '@example.com',
       now() - interval '366 days', now() - interval '366 days', now() - interval '366 days'
FROM generate_series(0, :users) n;

\echo '  videos' `date +%T`
-- h: a hash of the video's number, for its failure, deletion and price; i: the place of a
-- job in flight among the newest F.
INSERT INTO videos (id, user_id, prompt, model, resolution, duration_seconds, credits_cost,
                    status, video_url, error_message, refunded_at, created_at, updated_at,
                    deleted_at)
SELECT md5('video ' || k)::uuid, pg_temp.uid(owner),
       format('Scene %s: a red fox running through snow, golden hour', k), 'sora-2', res,
       dur, price * dur, status,
       CASE WHEN status = 'completed' THEN 'https://cdn.example.com/v/' || k || '.mp4' END,
       CASE WHEN status = 'failed' THEN 'Generation failed' END,
       CASE WHEN status = 'failed' THEN at + interval '2 minutes' END,
       at,
       CASE WHEN status IN ('completed', 'failed') THEN at + interval '2 minutes'
            WHEN status = 'processing' THEN at + interval '10 seconds' ELSE at END,
       CASE WHEN deleted THEN at + interval '1 day' END
FROM (
  SELECT k, owner, res, dur, price,
         CASE WHEN inflight THEN CASE WHEN i % 2 = 0 THEN 'pending' ELSE 'processing' END
              WHEN owner <> 0 AND (h & 1023) < 51 THEN 'failed' ELSE 'completed' END AS status,
         CASE WHEN inflight AND i < :stale THEN now() - interval '3 hours' + i * interval '1 second'
              WHEN inflight THEN now() - interval '30 minutes'
                                 + (i - :stale) * (interval '29 minutes' / greatest(:inflight - :stale, 1))
              ELSE now() - interval '365 days' + k * (interval '364 days' / :videos) END AS at,
         NOT inflight AND CASE WHEN owner = 0 THEN (k / step) % 10 = 3 ELSE ((h >> 10) & 1023) < 102 END
           AS deleted
  FROM (
    SELECT k, h, k - (:videos - :inflight) AS i, k >= :videos - :inflight AS inflight, step,
           CASE WHEN k % step = step / 2 AND k / step < 1000 AND k < :videos - :inflight THEN 0
                ELSE k % :users + 1 END AS owner,
           (ARRAY['720p', '720p', '480p', '1080p'])[((h >> 20) & 3) + 1] AS res,
           (ARRAY[3, 3, 1, 6])[((h >> 20) & 3) + 1] AS price,
           CASE WHEN ((h >> 22) & 1) = 0 THEN 5 ELSE 10 END AS dur
    FROM generate_series(0, :videos - 1) k,
         LATERAL (SELECT hashint8(k) AS h, greatest((:videos - :inflight) / 1000, 1) AS step) x
  ) s
) v
ORDER BY k;

\echo '  profiles' `date +%T`
-- What the profiles' counters and the lots need, per user.
CREATE TEMP TABLE totals AS
SELECT pg_temp.num(user_id) AS n, sum(credits_cost) AS spent,
       COALESCE(sum(credits_cost) FILTER (WHERE status = 'failed'), 0) AS refunded,
       COALESCE(sum(credits_cost) FILTER (WHERE status IN ('pending', 'processing')), 0) AS reserved,
       count(*) FILTER (WHERE deleted_at IS NULL) AS active,
       count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
       max(greatest(created_at, refunded_at)) AS last_at,
       bool_or(status IN ('pending', 'processing')) AS inflight
FROM videos GROUP BY user_id;
-- The promotional grants: the D past their expiry (the first users with no job in flight
-- but every 10th, made a minute after their last charge, so that no charge spent from
-- them, and expired an hour ago), and every 10th user's, made a minute after their last
-- charge, expiring in 1 to 60 days.
CREATE TEMP TABLE promos AS
SELECT n, COALESCE(last_at, now() - interval '2 days') + interval '1 minute' AS at,
       now() - interval '1 hour' AS expires_at
FROM (SELECT u.n, t.last_at FROM generate_series(1, :users) u(n) LEFT JOIN totals t USING (n)
      WHERE u.n % 10 <> 0 AND NOT COALESCE(t.inflight, false)
      ORDER BY u.n LIMIT :due) d
UNION ALL
SELECT u.n, COALESCE(t.last_at, now() - interval '1 day') + interval '1 minute',
       now() + make_interval(days => ((u.n / 10) % 60 + 1)::int)
FROM generate_series(10, :users, 10) u(n) LEFT JOIN totals t USING (n);
SELECT pg_temp.require(
  (SELECT count(*) FROM promos WHERE expires_at <= now()) = :due
  AND NOT EXISTS (SELECT FROM promos WHERE expires_at <= now() AND at >= expires_at),
  format('bench/scale_setup.sql: too few users without a job in flight for %s expired lots', :due))
\g /dev/null

INSERT INTO profiles (id, user_id, credits, credits_reserved, lifetime_granted, lifetime_spent,
                      lifetime_refunded, active_videos, deleted_videos, last_transaction_at,
                      created_at, updated_at, lifetime_expired)
SELECT pg_temp.uid(u.n), pg_temp.uid(u.n),
       :grant - COALESCE(t.spent, 0) + COALESCE(t.refunded, 0) + COALESCE(p.amount, 0),
       COALESCE(t.reserved, 0), :grant + COALESCE(p.amount, 0), COALESCE(t.spent, 0),
       COALESCE(t.refunded, 0), COALESCE(t.active, 0), COALESCE(t.deleted, 0),
       greatest(now() - interval '366 days', t.last_at, p.at),
       now() - interval '366 days', greatest(now() - interval '366 days', t.last_at, p.at), 0
FROM generate_series(0, :users) u(n)
LEFT JOIN totals t USING (n)
LEFT JOIN (SELECT n, 100 AS amount, at FROM promos) p USING (n)
ORDER BY u.n;

\echo '  credit_transactions' `date +%T`
-- The purchases first (each user's first entry), then the charges and refunds in time
-- order with their running balances, then the promotional grants: ids follow time, as the
-- identity gives them to the API's writes.
INSERT INTO credit_transactions (user_id, amount, balance_after, kind, reference, description, created_at)
SELECT pg_temp.uid(n), :grant, :grant, 'purchase', 'pi_scale_' || n, 'Credits purchased',
       now() - interval '366 days'
FROM generate_series(0, :users) n ORDER BY n;
-- Each purchase's reference, claimed for its user as grant_credits claims it (2.0).
INSERT INTO payment_references (kind, reference, user_id, created_at)
SELECT 'purchase', 'pi_scale_' || n, pg_temp.uid(n), now() - interval '366 days'
FROM generate_series(0, :users) n ORDER BY n;

-- net: what the user's charges took, less what their refunds gave back, up to and including
-- this video (a refund follows its charge before the user's next video).
CREATE TEMP TABLE charges AS
SELECT id, user_id, credits_cost, refunded_at, created_at,
       format('Video generation: %s %s, %s s', model, resolution, duration_seconds) AS description,
       sum(credits_cost - CASE WHEN refunded_at IS NOT NULL THEN credits_cost ELSE 0 END)
         OVER (PARTITION BY user_id ORDER BY created_at, id) AS net
FROM videos;

INSERT INTO credit_transactions (user_id, video_id, amount, balance_after, kind, description, created_at)
SELECT user_id, id, amount, balance_after, kind, description, at
FROM (
  SELECT user_id, id, -credits_cost AS amount,
         :grant - net - CASE WHEN refunded_at IS NOT NULL THEN credits_cost ELSE 0 END AS balance_after,
         'video_generation' AS kind, description, created_at AS at
  FROM charges
  UNION ALL
  SELECT user_id, id, credits_cost, :grant - net, 'refund', 'Refund: Generation failed', refunded_at
  FROM charges WHERE refunded_at IS NOT NULL
) e
ORDER BY at, kind, id;

INSERT INTO credit_transactions (user_id, amount, balance_after, kind, description, created_at)
SELECT pg_temp.uid(p.n), 100, f.credits, 'grant', 'Credits granted', p.at
FROM promos p JOIN profiles f ON f.id = pg_temp.uid(p.n)
ORDER BY p.at, p.n;

\echo '  credit_lots' `date +%T`
-- Lot ids are given, so the allocations need no join: user n's purchase is lot n + 1, their
-- promotional grant lot N + 2 + n.
INSERT INTO credit_lots (id, user_id, transaction_id, kind, category, amount, remaining,
                         expires_at, created_at)
OVERRIDING SYSTEM VALUE
SELECT CASE t.kind WHEN 'purchase' THEN pg_temp.num(t.user_id) + 1
                   ELSE :users + 2 + pg_temp.num(t.user_id) END,
       t.user_id, t.id, t.kind, CASE t.kind WHEN 'purchase' THEN 'paid' ELSE 'promotional' END,
       t.amount,
       CASE t.kind WHEN 'purchase' THEN t.amount - COALESCE(s.spent, 0) + COALESCE(s.refunded, 0)
                   ELSE t.amount END,
       p.expires_at, t.created_at
FROM credit_transactions t
LEFT JOIN totals s ON s.n = pg_temp.num(t.user_id)
LEFT JOIN promos p ON t.kind = 'grant' AND p.n = pg_temp.num(t.user_id)
WHERE t.kind IN ('purchase', 'grant')
ORDER BY t.id;
SELECT setval(pg_get_serial_sequence('credit_lots', 'id'), max(id)) AS last_lot FROM credit_lots \gset

\echo '  credit_allocations' `date +%T`
-- Every entry moves its amount from or to one lot: the promotional grant to its own, every
-- other entry (purchase, charge, refund) to or from the user's purchase.
INSERT INTO credit_allocations (transaction_id, lot_id, user_id, amount)
SELECT id, CASE kind WHEN 'grant' THEN :users + 2 + pg_temp.num(user_id)
                     ELSE pg_temp.num(user_id) + 1 END,
       user_id, abs(amount)
FROM credit_transactions ORDER BY id;

\echo '  VACUUM ANALYZE' `date +%T`
RESET session_replication_role;
VACUUM ANALYZE;
\echo '  loaded' `date +%T`
