-- The narrated demo (run by scripts/demo.sh). Each step calls the API the way PostgREST
-- does for a Supabase app: a role, and the user's JWT claims in request.jwt.claims.
\pset footer off
\pset null '(null)'

-- Shows an expected refusal as a row (SQLSTATE, message, DETAIL, HINT) instead of
-- stopping the demo.
CREATE FUNCTION pg_temp.refusal(statement text)
RETURNS TABLE (code text, message text, detail text, hint text) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE statement;
  RAISE EXCEPTION 'expected a refusal, but the call succeeded';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
  RETURN NEXT;
END
$$;

\echo
\echo '== 1. The operator installs the extension and sets a sign-up bonus of 20 credits'
CREATE EXTENSION sora_credits;
ALTER DATABASE demo SET sora_credits.signup_credits = 20;
SET sora_credits.signup_credits = 20;
SELECT model, resolution, credits_per_second FROM video_pricing ORDER BY model, credits_per_second;

\echo '== 2. Lan signs up (Supabase Auth inserts her into auth.users, not yet confirmed): an account, no bonus yet'
INSERT INTO auth.users (id, email, email_confirmed_at)
VALUES ('0a0a0a0a-0000-4000-8000-00000000000a', 'lan@example.vn', NULL);
SELECT credits, lifetime_granted FROM profiles WHERE id = '0a0a0a0a-0000-4000-8000-00000000000a';
\echo '   She confirms her e-mail (Supabase Auth updates the row): now the bonus, once'
UPDATE auth.users SET email_confirmed_at = now() WHERE id = '0a0a0a0a-0000-4000-8000-00000000000a';
SELECT credits, lifetime_granted FROM profiles WHERE id = '0a0a0a0a-0000-4000-8000-00000000000a';

\echo '== 3. Lan asks for a 5-second 720p video (3 credits/s = 15 credits), with an idempotency key'
SET ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"0a0a0a0a-0000-4000-8000-00000000000a","role":"authenticated"}', false) \gset
SELECT jsonb_pretty(create_video_generation('Một chú mèo cưỡi xe máy qua phố cổ Hà Nội', 5,
  '720p', 'sora-2', 'lan-request-1')) AS create_video_generation;

\echo '== 4. A second video of 15 credits is refused: she has only 5 left, nothing is written'
SELECT * FROM pg_temp.refusal(
  $$SELECT create_video_generation('Hoàng hôn trên vịnh Hạ Long', 5, '720p')$$);

\echo '== 5. Her app retries the first request (same key): the same video, no second charge'
SELECT create_video_generation('Một chú mèo cưỡi xe máy qua phố cổ Hà Nội', 5, '720p',
  'sora-2', 'lan-request-1') ->> 'idempotent_replay' AS idempotent_replay,
  (get_credit_info() ->> 'credits')::int AS credits_now;
SELECT id AS video_id FROM videos \gset

\echo '== 6. The operator starts sora-worker, the reference backend worker, as a login role that'
\echo '   may SET ROLE service_role. It claims the job and runs the generator command with the'
\echo '   job in SORA_* variables; the model fails (exit 3, a reason on stderr): the worker refunds'
RESET ROLE;
CREATE ROLE sora_worker LOGIN;
GRANT service_role TO sora_worker;
\! sora-worker --dsn 'dbname=demo user=sora_worker' --once --command 'echo "Rendering $SORA_DURATION_SECONDS s at $SORA_RESOLUTION" >&2; echo "The model timed out." >&2; exit 3'
SELECT v.status, v.error_message, p.credits
FROM videos v JOIN profiles p ON p.id = v.user_id WHERE v.id = :'video_id';
\echo '   A retried refund callback changes nothing: refunded once, not twice'
SET ROLE service_role;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', false) \gset
SELECT refund_video_credits(:'video_id', 'model timeout') ->> 'already_refunded' AS already_refunded;

\echo '== 7. Lan makes a 4-second 480p video; this time the generator prints the video URL as its'
\echo '   last line and exits 0: the worker completes the job'
RESET ROLE;
SET ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"0a0a0a0a-0000-4000-8000-00000000000a","role":"authenticated"}', false) \gset
SELECT create_video_generation('Phở bò buổi sáng', 4, '480p') ->> 'video_id' AS video_id \gset
\! sora-worker --dsn 'dbname=demo user=sora_worker' --once --command 'echo "https://cdn.example.vn/videos/$SORA_VIDEO_ID.mp4"'
SELECT status, video_url FROM videos WHERE id = :'video_id';

\echo '== 8. Lan deletes that video: her video list no longer shows it (RLS), the bin does'
RESET ROLE;
SET ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"0a0a0a0a-0000-4000-8000-00000000000a","role":"authenticated"}', false) \gset
SELECT soft_delete_video(:'video_id') ->> 'already_deleted' AS already_deleted;
SELECT prompt, status FROM videos ORDER BY created_at;
SELECT prompt, status FROM list_deleted_videos();

\echo '== 9. She restores it within the restore window (30 days by default)'
SELECT restore_video(:'video_id') ->> 'success' AS restored;
SELECT prompt, status, video_url FROM videos WHERE deleted_at IS NULL ORDER BY created_at;

\echo '== 10. Her credit information (read from counters: no sum over her history)'
SELECT jsonb_pretty(get_credit_info()) AS get_credit_info;

\echo '== 11. Credits that expire (1.2). The payment webhook (service role) grants her 100 paid credits,'
\echo '   and a promotion 30 promotional credits valid for 30 days'
RESET ROLE;
SET ROLE service_role;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', false) \gset
SELECT grant_credits('0a0a0a0a-0000-4000-8000-00000000000a', 100, 'purchase', 'stripe:pi_demo_1')
  ->> 'credits_remaining' AS after_purchase;
SELECT grant_credits('0a0a0a0a-0000-4000-8000-00000000000a', 30, 'grant', 'promo:tet-2027:lan',
  'Tết promotion', date_trunc('minute', now()) + interval '30 days') ->> 'credits_remaining' AS after_promotion;
RESET ROLE;
SET ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"0a0a0a0a-0000-4000-8000-00000000000a","role":"authenticated"}', false) \gset
\echo '   What her app shows (get_credit_info): paid and promotional credits, and what expires next'
SELECT i ->> 'credits' AS credits, i ->> 'credits_paid' AS paid, i ->> 'credits_promotional' AS promotional,
       i -> 'next_expiry' AS next_expiry
FROM get_credit_info() i;
\echo '   An 8-second 720p video (24 credits) is paid from the promotion first, the lot that expires soonest;'
\echo '   her paid credits are untouched'
SELECT create_video_generation('Áo dài bay trong gió', 8, '720p') ->> 'transaction_id' AS charge_id \gset
SELECT l.kind, l.category, a.amount AS taken FROM credit_allocations a JOIN credit_lots l ON l.id = a.lot_id
WHERE a.transaction_id = :charge_id ORDER BY a.amount DESC;
SELECT kind, category, amount, remaining, expires_at IS NOT NULL AS expires FROM list_credit_lots();
\echo '   30 days later the promotion expires. (This demo runs as a superuser, so it moves the lot''s'
\echo '   expires_at into the past with UPDATE credit_lots SET expires_at = now() - interval ''1 minute'';'
\echo '   in production only time does that.) The sweep, expire_credits() as service role (the background'
\echo '   worker or pg_cron runs it), writes off the 6 credits left in it'
RESET ROLE;
UPDATE credit_lots SET expires_at = now() - interval '1 minute'
WHERE user_id = '0a0a0a0a-0000-4000-8000-00000000000a' AND kind = 'grant';
SET ROLE service_role;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', false) \gset
SELECT expire_credits();
RESET ROLE;
SET ROLE authenticated;
SELECT set_config('request.jwt.claims',
  '{"sub":"0a0a0a0a-0000-4000-8000-00000000000a","role":"authenticated"}', false) \gset
\echo '   Her credit information after the expiry: the paid credits are all still there'
SELECT i ->> 'credits' AS credits, i ->> 'credits_paid' AS paid, i ->> 'credits_promotional' AS promotional,
       i -> 'next_expiry' AS next_expiry, i ->> 'lifetime_expired' AS lifetime_expired
FROM get_credit_info() i;

\echo '== 12. She cannot refund her own videos or give herself credits'
SELECT * FROM pg_temp.refusal($$SELECT refund_video_credits('00000000-0000-0000-0000-000000000000')$$);
SELECT * FROM pg_temp.refusal($$UPDATE profiles SET credits = 1000000$$);

\echo '== 13. The operator checks the ledger: every balance equals the sum of its entries, and the credits'
\echo '   left in her lots (verify_ledger() lists every broken invariant: none)'
RESET ROLE;
SELECT kind, amount, balance_after, description FROM credit_transactions ORDER BY id;
SELECT count(*) AS ledger_problems FROM verify_ledger();
