-- Fills the source database of the backup round trip through the API, the way the app and
-- the worker do: sign-ups, a payment, a grant, charges, a completion, a refund, a soft
-- delete, and a changed and an added price. Also what an operator adds that no dump
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
ALTER ROLE authenticator IN DATABASE :"DBNAME" SET sora_credits.max_inflight_per_user = 5;
SET sora_credits.signup_credits = 20;   -- this session started before the ALTER DATABASE
INSERT INTO auth.users (id, email) VALUES
  (:'an', 'an@example.vn'), (:'binh', 'binh@example.vn'), (:'chi', 'chi@example.vn');

BEGIN;
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true);
SET LOCAL ROLE service_role;
UPDATE video_pricing SET credits_per_second = 2 WHERE model = 'sora-2' AND resolution = '480p';
INSERT INTO video_pricing (model, resolution, credits_per_second) VALUES ('sora-2-pro', '480p', 7);
SELECT grant_credits(:'an', 500, 'purchase', 'pay_0001');
SELECT grant_credits(:'binh', 200, 'grant', NULL, 'Quà chào mừng');
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

-- The app's own schema, with rows that belong to the users
CREATE SCHEMA shop;
CREATE TABLE shop.orders (
  id integer PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES auth.users ON DELETE CASCADE,
  item text NOT NULL
);
INSERT INTO shop.orders VALUES (1, :'an', 'Gói 500 tín dụng'), (2, :'binh', 'Gói 200 tín dụng');
