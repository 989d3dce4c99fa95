-- 02_create_video: create_video_generation and create_video_request, called the way PostgREST
-- calls them: result shape and values, prices, the video row and its ledger entry,
-- idempotent replays, insufficient credits (PT402 with DETAIL/HINT), refused callers and
-- every bad argument (22023), and a caller without a credit account (PT404).
BEGIN;
SELECT plan(91);

-- Helper: runs a query returning one jsonb; returns that value, or the error as error_of does.
CREATE FUNCTION pg_temp.result_or_error(p_sql text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_result jsonb;
BEGIN
  EXECUTE p_sql INTO v_result;
  RETURN v_result;
EXCEPTION WHEN OTHERS THEN
  RETURN test.error_of(p_sql);
END
$$;

-- Videos of a user, as the superuser sees them (RLS does not apply to it).
CREATE FUNCTION pg_temp.n_videos(p_user uuid) RETURNS int LANGUAGE sql AS
  $$ SELECT count(*)::int FROM public.videos WHERE user_id = p_user $$;

-- Users: rich (5000 credits), poor (5), other (100); ghost has no auth.users row at all.
SET LOCAL sora_credits.signup_credits = 5000;
INSERT INTO auth.users (id, email) VALUES ('02000000-0000-4000-8000-000000000001', 'rich@example.com');
SET LOCAL sora_credits.signup_credits = 5;
INSERT INTO auth.users (id, email) VALUES ('02000000-0000-4000-8000-000000000002', 'poor@example.com');
SET LOCAL sora_credits.signup_credits = 100;
INSERT INTO auth.users (id, email) VALUES ('02000000-0000-4000-8000-000000000003', 'other@example.com');
SET LOCAL sora_credits.signup_credits = 0;
CREATE TEMP TABLE u AS SELECT
  '02000000-0000-4000-8000-000000000001'::uuid AS rich,
  '02000000-0000-4000-8000-000000000002'::uuid AS poor,
  '02000000-0000-4000-8000-000000000003'::uuid AS other,
  '02000000-0000-4000-8000-0000000000ff'::uuid AS ghost;
GRANT SELECT ON u TO PUBLIC;

------------------------------------------------------------------------------------------
-- A first charge: result shape and values
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', (SELECT rich FROM u));
INSERT INTO test.res SELECT 'first', public.create_video_generation('A cat surfing a wave', 5, '720p', 'sora-2', 'key-1');
RESET ROLE;

SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('first')) k),
          ARRAY['created_at', 'credits_charged', 'credits_remaining', 'idempotent_replay', 'status',
                'success', 'transaction_id', 'video_id'],
          'create_video_generation returns exactly the contract keys');
SELECT is(test.res('first')->'success', 'true'::jsonb, 'success is true');
SELECT is(test.res('first')->'status', '"pending"'::jsonb, 'status is "pending"');
SELECT is(test.res('first')->'credits_charged', '15'::jsonb, 'credits_charged = 3 credits/s * 5 s = 15 (a number)');
SELECT is(test.res('first')->'credits_remaining', '4985'::jsonb, 'credits_remaining = 5000 - 15');
SELECT is(test.res('first')->'idempotent_replay', 'false'::jsonb, 'idempotent_replay is false');
SELECT is(jsonb_typeof(test.res('first')->'transaction_id'), 'number', 'transaction_id is a number');
SELECT matches(test.res('first')->>'video_id',
               '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', 'video_id is a uuid');

-- The database state the charge left: balance, one pending video, one ledger entry.
SELECT is(test.balance((SELECT rich FROM u)), 4985::bigint, 'the balance went down by 15');
SELECT results_eq(
  $$SELECT user_id, prompt, model, resolution, duration_seconds, credits_cost, status,
           idempotency_key, deleted_at IS NULL, created_at
    FROM public.videos WHERE id = (test.res('first')->>'video_id')::uuid$$,
  $$SELECT '02000000-0000-4000-8000-000000000001'::uuid, 'A cat surfing a wave'::text, 'sora-2'::text,
           '720p'::text, 5, 15::bigint, 'pending'::text, 'key-1'::text, true,
           (test.res('first')->>'created_at')::timestamptz$$,
  'one pending videos row with the request, its cost, the key and the returned created_at');
SELECT results_eq(
  $$SELECT id, user_id, amount, balance_after, kind FROM public.credit_transactions
    WHERE video_id = (test.res('first')->>'video_id')::uuid$$,
  $$SELECT (test.res('first')->>'transaction_id')::bigint, '02000000-0000-4000-8000-000000000001'::uuid,
           -15::bigint, 4985::bigint, 'video_generation'::text$$,
  'exactly one video_generation ledger row: amount -15, balance_after 4985, id = transaction_id');

------------------------------------------------------------------------------------------
-- Prices: credits_per_second * duration for each model/resolution pair; defaults
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', (SELECT rich FROM u));
SELECT is((public.create_video_generation('price check', d, r, m)->>'credits_charged')::bigint, cost,
          format('%s %s %s s costs %s', m, r, d, cost))
FROM (VALUES ('sora-2', '480p', 10, 10::bigint), ('sora-2', '720p', 1, 3::bigint),
             ('sora-2', '1080p', 3, 18::bigint), ('sora-2-pro', '720p', 2, 20::bigint),
             ('sora-2-pro', '1080p', 60, 1200::bigint), ('sora-2', '480p', 60, 60::bigint))
  AS prices(m, r, d, cost);
-- Only the keys PostgREST finds in the JSON body are passed, by name; the rest take defaults.
INSERT INTO test.res SELECT 'defaults', public.create_video_generation(p_prompt := 'all defaults');
INSERT INTO test.res SELECT 'named', public.create_video_generation(p_prompt := 'named', p_resolution := '480p');
RESET ROLE;

SELECT is(test.res('defaults')->'credits_charged', '15'::jsonb, 'defaults: sora-2, 720p, 5 s = 15');
SELECT results_eq(
  $$SELECT model, resolution, duration_seconds, idempotency_key FROM public.videos
    WHERE id = (test.res('defaults')->>'video_id')::uuid$$,
  $$VALUES ('sora-2'::text, '720p'::text, 5, NULL::text)$$,
  'defaults stored: sora-2, 720p, 5 s, no key');
SELECT is(test.res('named')->'credits_charged', '5'::jsonb, 'named arguments: sora-2 480p 5 s = 5');
SELECT is(test.balance((SELECT rich FROM u)), (4985 - 1311 - 15 - 5)::bigint,
          'the balance went down by every charge');
SELECT is((SELECT count(*)::int FROM public.videos v JOIN public.video_pricing p USING (model, resolution)
           WHERE v.user_id = (SELECT rich FROM u)
             AND v.credits_cost <> p.credits_per_second * v.duration_seconds), 0,
          'every video costs credits_per_second * duration_seconds');
SELECT is((SELECT count(*)::int FROM public.videos v
           WHERE v.user_id = (SELECT rich FROM u)
             AND (SELECT array_agg(t.amount) FROM public.credit_transactions t
                  WHERE t.video_id = v.id) IS DISTINCT FROM ARRAY[-v.credits_cost]),
          0, 'every video has exactly one ledger entry of -credits_cost');
SELECT is(test.balance((SELECT rich FROM u)),
          (SELECT sum(amount)::bigint FROM public.credit_transactions WHERE user_id = (SELECT rich FROM u)),
          'balance = sum of the ledger');

------------------------------------------------------------------------------------------
-- Idempotent replay: same key and parameters returns the original, writes nothing
------------------------------------------------------------------------------------------
CREATE TEMP TABLE before_replay AS SELECT test.balance(rich) AS balance,
  pg_temp.n_videos(rich) AS videos, test.n_entries(rich) AS entries FROM u;
SELECT test.act_as('authenticated', (SELECT rich FROM u));
INSERT INTO test.res SELECT 'replay', public.create_video_generation('A cat surfing a wave', 5, '720p', 'sora-2', 'key-1');
-- the same request as PostgREST sends it when the body omits the defaulted parameters
INSERT INTO test.res SELECT 'replay_named', public.create_video_generation(
  p_prompt := 'A cat surfing a wave', p_idempotency_key := 'key-1');
RESET ROLE;

SELECT is(test.res('replay')->'video_id', test.res('first')->'video_id', 'replay: same video_id');
SELECT is(test.res('replay')->'transaction_id', test.res('first')->'transaction_id', 'replay: same transaction_id');
SELECT is(test.res('replay')->'credits_charged', '15'::jsonb, 'replay: same credits_charged');
SELECT is(test.res('replay')->'idempotent_replay', 'true'::jsonb, 'replay: idempotent_replay is true');
SELECT is(test.res('replay')->'created_at', test.res('first')->'created_at', 'replay: same created_at');
SELECT is((test.res('replay')->>'credits_remaining')::bigint, (SELECT balance FROM before_replay),
          'replay: credits_remaining is the current balance');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('replay')) k),
          (SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.res('first')) k),
          'replay: same key set as a first call');
SELECT is(test.res('replay_named')->'video_id', test.res('first')->'video_id',
          'replay with defaulted parameters omitted: same video_id');
SELECT is(test.res('replay_named')->'idempotent_replay', 'true'::jsonb,
          'replay with defaulted parameters omitted: idempotent_replay is true');
SELECT results_eq(
  $$SELECT test.balance(rich), pg_temp.n_videos(rich), test.n_entries(rich) FROM u$$,
  $$SELECT balance, videos, entries FROM before_replay$$,
  'replays: balance, videos and ledger unchanged');

-- A replay keeps the original price even if prices changed since.
UPDATE public.video_pricing SET credits_per_second = 4 WHERE model = 'sora-2' AND resolution = '720p';
SELECT test.act_as('authenticated', (SELECT rich FROM u));
SELECT is((public.create_video_generation('A cat surfing a wave', 5, '720p', 'sora-2', 'key-1')->>'credits_charged')::bigint,
          15::bigint, 'replay after a price change: the original credits_charged');
RESET ROLE;
UPDATE public.video_pricing SET credits_per_second = 3 WHERE model = 'sora-2' AND resolution = '720p';

-- A replay returns the original even if its price row was removed since (a retried request
-- that was charged must not be answered with an error).
SELECT test.act_as('authenticated', (SELECT rich FROM u));
INSERT INTO test.res SELECT 'retired', public.create_video_generation('retired model', 2, '720p', 'sora-2-pro', 'key-retired');
RESET ROLE;
DELETE FROM public.video_pricing WHERE model = 'sora-2-pro' AND resolution = '720p';
SELECT test.act_as('authenticated', (SELECT rich FROM u));
INSERT INTO test.res SELECT 'retired_replay', pg_temp.result_or_error(
  $$SELECT public.create_video_generation('retired model', 2, '720p', 'sora-2-pro', 'key-retired')$$);
RESET ROLE;
INSERT INTO public.video_pricing VALUES ('sora-2-pro', '720p', 10);
SELECT is(test.res('retired_replay') - 'credits_remaining', test.res('retired') - 'credits_remaining'
                                        || '{"idempotent_replay": true}',
          'replay after the price row was removed: the original video, transaction and charge');

-- Same key, different parameters: PT422, nothing written.
CREATE TEMP TABLE before_mismatch AS SELECT test.balance(rich) AS balance,
  pg_temp.n_videos(rich) AS videos, test.n_entries(rich) AS entries FROM u;
SELECT test.act_as('authenticated', (SELECT rich FROM u));
SELECT throws_ok(format('SELECT public.create_video_generation(%L, %s, %L, %L, %L)', p, d, r, m, 'key-1'),
                 'PT422', 'This idempotency key was already used for a different video request.',
                 format('same key, different %s: PT422', what))
FROM (VALUES ('prompt', 'A dog surfing a wave', 5, '720p', 'sora-2'),
             ('duration', 'A cat surfing a wave', 6, '720p', 'sora-2'),
             ('resolution', 'A cat surfing a wave', 5, '1080p', 'sora-2'),
             ('model', 'A cat surfing a wave', 5, '720p', 'sora-2-pro')) AS changed(what, p, d, r, m);
RESET ROLE;
SELECT results_eq(
  $$SELECT test.balance(rich), pg_temp.n_videos(rich), test.n_entries(rich) FROM u$$,
  $$SELECT balance, videos, entries FROM before_mismatch$$,
  'PT422: balance, videos and ledger unchanged');

-- Keys belong to one user: another user's same key is a new video.
SELECT test.act_as('authenticated', (SELECT other FROM u));
INSERT INTO test.res SELECT 'other_key1', public.create_video_generation('A cat surfing a wave', 5, '720p', 'sora-2', 'key-1');
-- Without a key, two identical calls are two videos.
INSERT INTO test.res SELECT 'nokey1', public.create_video_generation('twice');
INSERT INTO test.res SELECT 'nokey2', public.create_video_generation('twice');
RESET ROLE;
SELECT is(test.res('other_key1')->'idempotent_replay', 'false'::jsonb, 'same key, other user: not a replay');
SELECT isnt(test.res('other_key1')->'video_id', test.res('first')->'video_id', 'same key, other user: a new video');
SELECT isnt(test.res('nokey1')->'video_id', test.res('nokey2')->'video_id', 'no key: two calls, two videos');
SELECT is(test.balance((SELECT other FROM u)), 55::bigint, 'other user charged 3 x 15');

------------------------------------------------------------------------------------------
-- Insufficient credits: PT402, exact message, JSON DETAIL, a HINT; nothing written
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', (SELECT poor FROM u));
INSERT INTO test.res SELECT 'poor_err', test.error_of($$SELECT public.create_video_generation('too expensive', 5, '720p', 'sora-2', 'poor-1')$$);
SELECT throws_ok($$SELECT public.create_video_generation('too expensive', 5, '720p', 'sora-2', 'poor-1')$$,
                 'PT402', 'Insufficient credits. You have 5 credits, but need 15 credits.',
                 'PT402 with the exact message');
RESET ROLE;
SELECT is(test.res('poor_err')->>'sqlstate', 'PT402', 'insufficient credits: SQLSTATE PT402');
SELECT is(test.res('poor_err')->>'message', 'Insufficient credits. You have 5 credits, but need 15 credits.',
          'insufficient credits: message with the real numbers');
SELECT is((test.res('poor_err')->>'detail')::jsonb, '{"credits": 5, "required": 15, "shortfall": 10}'::jsonb,
          'insufficient credits: DETAIL is the JSON object {credits, required, shortfall}');
SELECT ok(length(test.res('poor_err')->>'hint') > 0, 'insufficient credits: a HINT is given');
SELECT results_eq(
  $$SELECT test.balance(poor), pg_temp.n_videos(poor), test.n_entries(poor) FROM u$$,
  $$VALUES (5::bigint, 0, 1)$$,
  'insufficient credits: balance 5, no video, only the sign-up entry');

-- Exactly enough is enough (balance 0 after); a replay needs no balance; then 1 credit short.
SELECT test.act_as('authenticated', (SELECT poor FROM u));
INSERT INTO test.res SELECT 'poor_exact', public.create_video_generation('cheap', 5, '480p', 'sora-2', 'poor-2');
INSERT INTO test.res SELECT 'poor_replay', public.create_video_generation('cheap', 5, '480p', 'sora-2', 'poor-2');
INSERT INTO test.res SELECT 'poor_err2', test.error_of($$SELECT public.create_video_generation('one second', 1, '480p')$$);
RESET ROLE;
SELECT is(test.res('poor_exact')->'credits_remaining', '0'::jsonb, 'a charge of exactly the balance succeeds, 0 left');
SELECT is(test.res('poor_replay')->'idempotent_replay', 'true'::jsonb, 'a replay at balance 0 is still a replay, not PT402');
SELECT is(test.res('poor_err2') - 'hint',
          jsonb_build_object('sqlstate', 'PT402',
                             'message', 'Insufficient credits. You have 0 credits, but need 1 credits.',
                             'detail', '{"credits":0,"required":1,"shortfall":1}'),
          'at balance 0: PT402, message and DETAIL with the real numbers');

------------------------------------------------------------------------------------------
-- Callers that are not a signed-in user: 42501
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated');  -- a token without sub
SELECT throws_ok($$SELECT public.create_video_generation('no user')$$, '42501',
                 'Not signed in: this action needs an authenticated user.', 'authenticated without sub: 42501');
SELECT throws_ok($$SELECT public.create_video_request('no user')$$, '42501',
                 'Not signed in: this action needs an authenticated user.', 'create_video_request without sub: 42501');
SELECT test.act_as('service_role');
SELECT throws_ok($$SELECT public.create_video_generation('no user')$$, '42501',
                 'Not signed in: this action needs an authenticated user.', 'service_role without sub: 42501');
SELECT test.act_as('anon');
SELECT throws_ok($$SELECT public.create_video_generation('no user')$$, '42501',
                 'permission denied for function create_video_generation', 'anon: no EXECUTE (42501)');
SELECT throws_ok($$SELECT public.create_video_request('no user')$$, '42501',
                 'permission denied for function create_video_request', 'anon: no EXECUTE on the legacy function');
RESET ROLE;

------------------------------------------------------------------------------------------
-- Bad arguments: 22023 with a message naming the parameter; nothing written
------------------------------------------------------------------------------------------
CREATE TEMP TABLE before_bad AS SELECT test.balance(rich) AS balance,
  pg_temp.n_videos(rich) AS videos, test.n_entries(rich) AS entries FROM u;
SELECT test.act_as('authenticated', (SELECT rich FROM u));
SELECT throws_ok(format('SELECT public.create_video_generation(%s)', args), '22023', msg, what)
FROM (VALUES
  ('NULL', 'p_prompt is required.', 'NULL prompt'),
  ($$''$$, 'p_prompt must not be empty.', 'empty prompt'),
  ($$'    '$$, 'p_prompt must not be empty.', 'blank prompt'),
  ($$E' \t\n\r '$$, 'p_prompt must not be empty.', 'whitespace-only prompt'),
  ($$E'\u3000\u00a0\u2003'$$, 'p_prompt must not be empty.', 'prompt of Unicode spaces only'),
  ($$repeat('a', 4001)$$, 'p_prompt must be at most 4000 characters.', '4001-character prompt'),
  ($$repeat('ệ', 4001)$$, 'p_prompt must be at most 4000 characters.', '4001 multibyte characters'),
  ($$'p', 0$$, 'p_duration_seconds must be between 1 and 60 seconds.', 'duration 0'),
  ($$'p', 61$$, 'p_duration_seconds must be between 1 and 60 seconds.', 'duration 61'),
  ($$'p', -5$$, 'p_duration_seconds must be between 1 and 60 seconds.', 'duration -5'),
  ($$'p', NULL$$, 'p_duration_seconds is required.', 'NULL duration'),
  ($$'p', 5, '480p', 'sora-2-pro'$$,
   'p_model and p_resolution: there is no price for model "sora-2-pro" at resolution "480p".',
   'unknown model/resolution pair'),
  ($$'p', 5, '720p', 'sora-3'$$,
   'p_model and p_resolution: there is no price for model "sora-3" at resolution "720p".', 'unknown model'),
  ($$'p', 5, '720p', NULL$$, 'p_model is required.', 'NULL model'),
  ($$'p', 5, NULL$$, 'p_resolution is required.', 'NULL resolution'),
  ($$'p', 5, '720p', 'sora-2', ''$$, 'p_idempotency_key must not be empty.', 'empty idempotency key'),
  ($$'p', 5, '720p', 'sora-2', '   '$$, 'p_idempotency_key must not be empty.', 'blank idempotency key')
) AS bad(args, msg, what);
-- 4000 characters is allowed even when they are 12000 bytes.
INSERT INTO test.res SELECT 'long', public.create_video_generation(repeat('ệ', 4000), 1, '480p');
RESET ROLE;
SELECT is(test.res('long')->'credits_charged', '1'::jsonb, '4000 multibyte characters accepted');
SELECT is((SELECT char_length(prompt) FROM public.videos WHERE id = (test.res('long')->>'video_id')::uuid),
          4000, 'the 4000-character prompt is stored whole');
SELECT results_eq(
  $$SELECT test.balance(rich) + 1, pg_temp.n_videos(rich) - 1, test.n_entries(rich) - 1 FROM u$$,
  $$SELECT balance, videos, entries FROM before_bad$$,
  'bad arguments wrote nothing (only the 4000-character video was charged)');

------------------------------------------------------------------------------------------
-- A signed-in user without a credit account: PT404
------------------------------------------------------------------------------------------
SELECT test.act_as('authenticated', (SELECT ghost FROM u));
SELECT throws_ok($$SELECT public.create_video_generation('ghost')$$, 'PT404',
                 'No credit account exists for this user.', 'no profile row: PT404');
SELECT throws_ok($$SELECT public.create_video_request('ghost')$$, 'PT404',
                 'No credit account exists for this user.', 'create_video_request, no profile row: PT404');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM public.videos WHERE user_id = (SELECT ghost FROM u)), 0, 'no video for the ghost');

------------------------------------------------------------------------------------------
-- create_video_request: the legacy entry point returns the video id, charges the same way
------------------------------------------------------------------------------------------
CREATE TEMP TABLE legacy (id uuid, typ regtype, balance_before bigint);
GRANT ALL ON legacy TO PUBLIC;
INSERT INTO legacy (balance_before) SELECT test.balance(rich) FROM u;
SELECT test.act_as('authenticated', (SELECT rich FROM u));
UPDATE legacy SET id = v, typ = pg_typeof(v) FROM (SELECT public.create_video_request('legacy', 10, '480p', 'sora-2') AS v) x;
SELECT throws_ok($$SELECT public.create_video_request('p', 0)$$, '22023',
                 'p_duration_seconds must be between 1 and 60 seconds.', 'create_video_request: bad duration 22023');
SELECT test.act_as('authenticated', (SELECT poor FROM u));
SELECT throws_ok($$SELECT public.create_video_request('too expensive')$$, 'PT402',
                 'Insufficient credits. You have 0 credits, but need 15 credits.', 'create_video_request: PT402');
RESET ROLE;
SELECT is((SELECT typ FROM legacy), 'uuid'::regtype, 'create_video_request returns a uuid');
SELECT results_eq(
  $$SELECT user_id, credits_cost, status, model, resolution, duration_seconds FROM public.videos
    WHERE id = (SELECT id FROM legacy)$$,
  $$VALUES ('02000000-0000-4000-8000-000000000001'::uuid, 10::bigint, 'pending'::text, 'sora-2'::text, '480p'::text, 10)$$,
  'create_video_request: the returned id is a pending video costing 10');
SELECT results_eq(
  $$SELECT amount, kind, balance_after FROM public.credit_transactions WHERE video_id = (SELECT id FROM legacy)$$,
  $$SELECT -10::bigint, 'video_generation'::text, balance_before - 10 FROM legacy$$,
  'create_video_request: one video_generation entry of -10');
SELECT is(test.balance((SELECT rich FROM u)), (SELECT balance_before - 10 FROM legacy), 'create_video_request: charged 10');

------------------------------------------------------------------------------------------
-- Other ways a caller is identified: the older per-claim setting, and the backend
-- (service_role) acting for a user whose id is in the token
------------------------------------------------------------------------------------------
SELECT set_config('role', 'authenticated', true),
       set_config('request.jwt.claims', '', true),
       set_config('request.jwt.claim.sub', '02000000-0000-4000-8000-000000000003', true),
       set_config('request.jwt.claim.role', 'authenticated', true);
INSERT INTO test.res SELECT 'old_style', public.create_video_generation('old-style claims', 1, '480p');
RESET ROLE;
SELECT set_config('request.jwt.claim.sub', '', true), set_config('request.jwt.claim.role', '', true);
SELECT results_eq($$SELECT user_id, credits_cost FROM public.videos WHERE id = (test.res('old_style')->>'video_id')::uuid$$,
                  $$VALUES ('02000000-0000-4000-8000-000000000003'::uuid, 1::bigint)$$,
                  'request.jwt.claim.sub (older PostgREST): charges that user');
SELECT test.act_as('service_role', (SELECT other FROM u));
INSERT INTO test.res SELECT 'backend', public.create_video_generation('by the backend', 1, '480p');
RESET ROLE;
SELECT results_eq($$SELECT user_id FROM public.videos WHERE id = (test.res('backend')->>'video_id')::uuid$$,
                  $$VALUES ('02000000-0000-4000-8000-000000000003'::uuid)$$,
                  'service_role with a sub: charges that user');

-- The ledger invariant holds for everyone after all of this.
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger(): credits = sum(amount) for every profile');

SELECT * FROM finish();
ROLLBACK;
