-- Fills the source database of the backup round trip through the API, the way the app and
-- the worker do: sign-ups, a payment, a grant, charges, a completion, a refund, a soft
-- delete, and a changed and an added price. With 1.2's credit lots: sign-up bonuses that
-- expire after 30 days, a promotion that expires in 10, charges that span lots, refunds
-- that give back to several lots, and a lot written off by expire_credits(). Also what an operator adds that no dump
-- carries (sora_credits settings for the database and for PostgREST's login) and an app's
-- own schema beside public. Run by test/backup/run.sh as the superuser.
\set ON_ERROR_STOP 1
\set an   '11111111-1111-4111-8111-111111111111'
\set binh '22222222-2222-4222-8222-222222222222'
\set chi  '33333333-3333-4333-8333-333333333333'

LOAD 'sora_credits';
ALTER DATABASE :"DBNAME" SET sora_credits.signup_credits = 20;
ALTER DATABASE :"DBNAME" SET sora_credits.signup_bonus_at = 'signup';
ALTER DATABASE :"DBNAME" SET sora_credits.restore_window = '14 days';
ALTER DATABASE :"DBNAME" SET sora_credits.job_timeout = '2 hours';
ALTER DATABASE :"DBNAME" SET sora_credits.notify_new_jobs = on;
ALTER DATABASE :"DBNAME" SET sora_credits.signup_credits_expire_after = '30 days';
ALTER ROLE authenticator IN DATABASE :"DBNAME" SET sora_credits.max_inflight_per_user = 5;
SET sora_credits.signup_credits = 20;   -- this session started before the ALTER DATABASE
SET sora_credits.signup_credits_expire_after = '30 days';
INSERT INTO auth.users (id, email) VALUES
  (:'an', 'an@example.vn'), (:'binh', 'binh@example.vn'), (:'chi', 'chi@example.vn');

BEGIN;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true);
SET LOCAL ROLE service_role;
UPDATE video_pricing SET credits_per_second = 2 WHERE model = 'sora-2' AND resolution = '480p';
INSERT INTO video_pricing (model, resolution, credits_per_second) VALUES ('sora-2-pro', '480p', 7);
SELECT grant_credits(:'an', 500, 'purchase', 'pay_0001');
SELECT grant_credits(:'binh', 200, 'grant', NULL, 'Quà chào mừng');
-- a promotion for an that expires before an's bonus, and one for chi that will be written off
SELECT grant_credits(:'an', 30, 'grant', 'tet-promo', 'Khuyến mãi Tết', now() + interval '10 days');
SELECT grant_credits(:'chi', 40, 'grant', 'trial', 'Dùng thử', now() + interval '1 day');
COMMIT;

BEGIN;
SELECT set_config('request.jwt.claims', format('{"sub":"%s","role":"authenticated"}', :'an'), true);
SET LOCAL ROLE authenticated;
SELECT create_video_generation('Một con cáo đỏ chạy trên tuyết', 5, '720p', 'sora-2', 'an-1')->>'video_id' AS an1 \gset
SELECT create_video_generation('Phố cổ Hội An về đêm 🏮', 10, '480p', 'sora-2', 'an-2')->>'video_id' AS an2 \gset
SELECT create_video_generation('Vịnh Hạ Long lúc bình minh', 4, '480p', 'sora-2-pro', 'an-3')->>'video_id' AS an3 \gset
SELECT create_video_generation('Ruộng bậc thang Mù Cang Chải', 6, '1080p', 'sora-2', NULL)->>'video_id' AS an4 \gset
COMMIT;

BEGIN;
SELECT set_config('request.jwt.claims', format('{"sub":"%s","role":"authenticated"}', :'binh'), true);
SET LOCAL ROLE authenticated;
SELECT create_video_generation('Chợ nổi Cái Răng', 8, '720p', 'sora-2', 'binh-1')->>'video_id' AS binh1 \gset
COMMIT;

BEGIN;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true);
SET LOCAL ROLE service_role;
SELECT count(*) FROM claim_video_jobs(3);
SELECT complete_video_generation(:'an1', 'https://cdn.example.vn/v/an1.mp4');
SELECT complete_video_generation(:'an3', 'https://cdn.example.vn/v/an3.mp4');
SELECT refund_video_credits(:'an2', 'Model overloaded');
SELECT refund_video_credits(:'binh1', 'Content policy');
COMMIT;

BEGIN;
SELECT set_config('request.jwt.claims', format('{"sub":"%s","role":"authenticated"}', :'an'), true);
SET LOCAL ROLE authenticated;
SELECT soft_delete_video(:'an3');
COMMIT;

-- chi's trial ends early (as the superuser, whom the write guard lets through; grant_credits
-- takes only future expiries), and the sweep writes it off: an expiry entry of -40.
UPDATE credit_lots SET expires_at = now() - interval '1 minute' WHERE user_id = :'chi' AND kind = 'grant';
BEGIN;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true);
SET LOCAL ROLE service_role;
SELECT expire_credits();
COMMIT;
-- Now, lot by lot (spending order: soonest expiry, promotional before paid, oldest):
--   an:   promotion 30 -15 (an-1) -15 (an-2) +15 (an-2's refund) = 15; bonus 20 -5 (an-2)
--         -15 (an-3) +5 (refund) = 5; purchase 500 -13 (an-3) -36 (an-4) = 451;
--   binh: bonus 20 -20 +20 (binh-1 and its refund) = 20; grant 200 -4 +4 = 200;
--   chi:  bonus 20; trial 40, expired: 0.

-- The app's own schema, with rows that belong to the users
CREATE SCHEMA shop;
CREATE TABLE shop.orders (
  id integer PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
  item text NOT NULL
);
INSERT INTO shop.orders VALUES (1, :'an', 'Gói 500 tín dụng'), (2, :'binh', 'Gói 200 tín dụng');
