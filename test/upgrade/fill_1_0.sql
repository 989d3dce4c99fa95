-- Fills a database at sora_credits 1.0 through its API, as an app and a worker would have:
-- sign-ups with a bonus, purchases (one retried), charges (one retried by key), claims,
-- completions, refunds, soft deletes and a restore. Some jobs stay in flight, so that 1.1's
-- features meet data they did not write. Users are numbered 1..6 in the last digit (run.sh
-- adds 7 at 1.1). For 1.2's opening lots, whose category follows the kinds of a user's
-- grants: one has a bonus and a purchase (paid), two and three only a bonus and four only a
-- grant (promotional), five only a purchase (paid), six spends all it had (no lot), and
-- eight has a grant and an adjustment (paid: an adjustment counts as paid).
\set ON_ERROR_STOP 1

SET sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) VALUES
  ('0a000000-0000-4000-8000-000000000001', 'one@example.com'),
  ('0a000000-0000-4000-8000-000000000002', 'two@example.com'),
  ('0a000000-0000-4000-8000-000000000003', 'three@example.com');
RESET sora_credits.signup_credits;
INSERT INTO auth.users (id, email) VALUES ('0a000000-0000-4000-8000-000000000004', 'four@example.com');

BEGIN;
SELECT test.act_as('service_role');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000001', 500, 'purchase', 'pay_1');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000001', 500, 'purchase', 'pay_1');  -- retried webhook
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000004', 50, 'grant', NULL, 'welcome back');
COMMIT;

-- Charges: one: five videos (one retried by key); two: two; three: one; four: one.
BEGIN;
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000001');
SELECT public.create_video_generation(format('one %s', n), 5, '720p', 'sora-2', format('one-key-%s', n))
FROM generate_series(1, 5) n;
SELECT public.create_video_generation('one 1', 5, '720p', 'sora-2', 'one-key-1');  -- retried request
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000002');
SELECT public.create_video_generation('two 1', 10, '1080p', 'sora-2');
SELECT public.create_video_request('two 2', 3, '480p');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000003');
SELECT public.create_video_generation('three 1', 4, '720p', 'sora-2-pro');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000004');
SELECT public.create_video_generation('four 1', 2, '480p');
COMMIT;

-- The worker: claims four jobs (which four depends on their random ids, as one transaction
-- created them all at one time), completes two, refunds one (twice: a retried callback) and
-- completes four's; the others stay pending or processing.
BEGIN;
SELECT test.act_as('service_role');
SELECT id, prompt FROM public.claim_video_jobs(4);
SELECT public.complete_video_generation(id, format('https://cdn.example.com/%s.mp4', id))
FROM public.videos WHERE prompt IN ('one 1', 'one 2');
SELECT public.refund_video_credits(id, 'model error') FROM public.videos WHERE prompt = 'one 3';
SELECT public.refund_video_credits(id, 'model error') FROM public.videos WHERE prompt = 'one 3';
SELECT public.complete_video_generation(id, 'https://cdn.example.com/four.mp4')
FROM public.videos WHERE prompt = 'four 1';
COMMIT;

-- Soft deletes: one hides a completed video and a pending one; two hides and restores one.
BEGIN;
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000001');
SELECT public.soft_delete_video(id) FROM public.videos WHERE prompt IN ('one 1', 'one 5');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000002');
SELECT public.soft_delete_video(id) FROM public.videos WHERE prompt = 'two 2';
SELECT public.restore_video(id) FROM public.videos WHERE prompt = 'two 2';
SELECT public.soft_delete_video(id) FROM public.videos WHERE prompt = 'two 1';
COMMIT;
-- five: a purchase only; six: a purchase spent to the last credit on a video that is done,
-- so a zero balance with a history; eight: a grant and an adjustment.
INSERT INTO auth.users (id, email) VALUES
  ('0a000000-0000-4000-8000-000000000005', 'five@example.com'),
  ('0a000000-0000-4000-8000-000000000006', 'six@example.com'),
  ('0a000000-0000-4000-8000-000000000008', 'eight@example.com');
BEGIN;
SELECT test.act_as('service_role');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000005', 80, 'purchase', 'pay_5');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000006', 5, 'purchase', 'pay_6');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000008', 10, 'grant', NULL, 'beta tester');
SELECT public.grant_credits('0a000000-0000-4000-8000-000000000008', 15, 'adjustment', 'ticket_8', 'support');
SELECT test.act_as('authenticated', '0a000000-0000-4000-8000-000000000006');
SELECT public.create_video_generation('six 1', 5, '480p');
SELECT test.act_as('service_role');
SELECT public.complete_video_generation(id, 'https://cdn.example.com/six.mp4')
FROM public.videos WHERE prompt = 'six 1';
COMMIT;

-- In flight now: one 4 (processing), one 5 (pending, deleted), two 1 (pending, deleted),
-- two 2 (pending), three 1 (pending) (which of them are processing depends on the ids).
