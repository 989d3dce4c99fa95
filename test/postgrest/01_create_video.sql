-- 01_create_video: POST /rpc/create_video_generation and /rpc/create_video_request as
-- PostgREST v13 sends them (all parameters, only the required one), as anon, a signed-in
-- user and service_role: the response bodies, every error with its SQLSTATE and HTTP
-- status, and that a failed or refused request charged nothing. A GET of these VOLATILE
-- functions runs READ ONLY and ends in 25006 (405).
\set alice 0c010000-0000-4000-8000-000000000001
\set poor 0c010000-0000-4000-8000-000000000002
\set ghost 0c010000-0000-4000-8000-0000000000ff
SELECT plan(45);

SELECT test.sign_up(:'alice', 1000);
SELECT test.sign_up(:'poor', 5);

------------------------------------------------------------------------------------------
-- create_video_generation
------------------------------------------------------------------------------------------
CALL test.request('create_video_generation, all parameters', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A red fox running through snow", "p_duration_seconds": 4, "p_resolution": "1080p",
    "p_model": "sora-2-pro", "p_idempotency_key": "01-key-1"}');
SELECT test.responds('create_video_generation, all parameters', 200,
  '{"success": true, "status": "pending", "credits_charged": 80, "credits_remaining": 920, "idempotent_replay": false}',
  ARRAY['video_id', 'transaction_id', 'created_at']);
SELECT is(test.read_only('create_video_generation, all parameters'), false,
          'a POST of a VOLATILE function runs READ WRITE');
SELECT is(jsonb_typeof(test.body('create_video_generation, all parameters')->'transaction_id'), 'number',
          'transaction_id is a JSON number');
SELECT is((SELECT jsonb_build_object('user_id', v->'user_id', 'prompt', v->'prompt', 'model', v->'model',
                                     'resolution', v->'resolution', 'duration_seconds', v->'duration_seconds',
                                     'credits_cost', v->'credits_cost', 'status', v->'status',
                                     'idempotency_key', v->'idempotency_key', 'created_at', (v->>'created_at')::timestamptz)
           FROM test.video_row((test.body('create_video_generation, all parameters')->>'video_id')::uuid) v),
          jsonb_build_object('user_id', :'alice', 'prompt', 'A red fox running through snow', 'model', 'sora-2-pro',
                             'resolution', '1080p', 'duration_seconds', 4, 'credits_cost', 80, 'status', 'pending',
                             'idempotency_key', '01-key-1',
                             'created_at', (test.body('create_video_generation, all parameters')->>'created_at')::timestamptz),
          'the video row holds every parameter sent, the cost, and the returned created_at');

CALL test.request('create_video_generation, only p_prompt', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A cat surfing a wave"}');
SELECT test.responds('create_video_generation, only p_prompt', 200,
  '{"success": true, "status": "pending", "credits_charged": 15, "credits_remaining": 905, "idempotent_replay": false}',
  ARRAY['video_id', 'transaction_id', 'created_at']);
SELECT is((SELECT jsonb_build_object('model', v->'model', 'resolution', v->'resolution',
                                     'duration_seconds', v->'duration_seconds', 'idempotency_key', v->'idempotency_key')
           FROM test.video_row((test.body('create_video_generation, only p_prompt')->>'video_id')::uuid) v),
          '{"model": "sora-2", "resolution": "720p", "duration_seconds": 5, "idempotency_key": null}',
          'omitted parameters take their defaults: sora-2, 720p, 5 s, no key');

-- A retried request with the same idempotency key.
CALL test.request('create_video_generation, retried with its key', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A red fox running through snow", "p_duration_seconds": 4, "p_resolution": "1080p",
    "p_model": "sora-2-pro", "p_idempotency_key": "01-key-1"}');
SELECT test.responds('create_video_generation, retried with its key', 200,
  (test.body('create_video_generation, all parameters') - 'credits_remaining')
    || '{"credits_remaining": 905, "idempotent_replay": true}');

-- Errors.
CALL test.request('create_video_generation, key reused for another video', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "Something else", "p_idempotency_key": "01-key-1"}');
SELECT test.fails_with('create_video_generation, key reused for another video', 422, 'PT422',
                       'This idempotency key was already used for a different video request.');
CALL test.request('create_video_generation, p_prompt null', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": null}');
SELECT test.fails_with('create_video_generation, p_prompt null', 400, '22023', 'p_prompt is required.');
CALL test.request('create_video_generation, blank p_prompt', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "   "}');
SELECT test.fails_with('create_video_generation, blank p_prompt', 400, '22023', 'p_prompt must not be empty.');
CALL test.request('create_video_generation, 0 seconds', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox", "p_duration_seconds": 0}');
SELECT test.fails_with('create_video_generation, 0 seconds', 400, '22023', 'p_duration_seconds must be between 1 and 60 seconds.');
CALL test.request('create_video_generation, duration not a number', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox", "p_duration_seconds": "five"}');
SELECT test.fails_with('create_video_generation, duration not a number', 400, '22P02',
                       'invalid input syntax for type integer: "five"');
CALL test.request('create_video_generation, no price for 4k', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox", "p_resolution": "4k"}');
SELECT test.fails_with('create_video_generation, no price for 4k', 400, '22023',
                       'p_model and p_resolution: there is no price for model "sora-2" at resolution "4k".');
CALL test.request('create_video_generation, misspelled parameter', 'authenticated', :'alice', 'POST', '/rpc/create_video_generation',
  '{"prompt": "A fox"}');
SELECT test.fails_with('create_video_generation, misspelled parameter', 404, 'PGRST202',
                       'Could not find the function public.create_video_generation(prompt) in the schema cache');
CALL test.request('create_video_generation as anon', 'anon', NULL, 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_generation as anon', 401, '42501', 'permission denied for function create_video_generation');
CALL test.request('create_video_generation as service_role', 'service_role', NULL, 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_generation as service_role', 403, '42501',
                       'Not signed in: this action needs an authenticated user.');
SELECT is(test.body('create_video_generation as service_role')->>'hint', 'Sign in and call again with the user''s access token.',
          'the 403 for a token without a user says what to do');
CALL test.request('create_video_generation, user without account', 'authenticated', :'ghost', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_generation, user without account', 404, 'PT404', 'No credit account exists for this user.');

CALL test.request('create_video_generation, 5 credits for 15', 'authenticated', :'poor', 'POST', '/rpc/create_video_generation',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_generation, 5 credits for 15', 402, 'PT402',
                       'Insufficient credits. You have 5 credits, but need 15 credits.');
SELECT is((test.body('create_video_generation, 5 credits for 15')->>'details')::jsonb,
          '{"credits": 5, "required": 15, "shortfall": 10}', 'the 402 details are JSON text with credits, required, shortfall');
SELECT is(test.body('create_video_generation, 5 credits for 15')->>'hint',
          'Buy more credits, or choose a shorter video or a lower resolution.', 'the 402 has a hint');
SELECT is((SELECT array_agg(k ORDER BY k) FROM jsonb_object_keys(test.body('create_video_generation, 5 credits for 15')) k),
          ARRAY['code', 'details', 'hint', 'message'], 'an error body has exactly code, message, details and hint');

-- GET runs READ ONLY: the charge cannot be written (405), and nothing is.
CALL test.request('GET create_video_generation', 'authenticated', :'alice', 'GET',
                  '/rpc/create_video_generation?p_prompt=A%20fox&p_duration_seconds=2');
SELECT test.fails_with('GET create_video_generation', 405, '25006',
                       'cannot execute SELECT FOR UPDATE in a read-only transaction');
SELECT is(test.read_only('GET create_video_generation'), true,
          'a GET runs in a READ ONLY transaction');

-- What the failed and refused requests left: nothing.
SELECT is(test.balance(:'alice'), 905::bigint, 'alice: only the two charges happened (1000 - 80 - 15)');
SELECT is(cardinality(test.video_ids(:'alice')), 2, 'alice: two videos, none from the failed or refused requests');
SELECT is(test.n_entries(:'alice'), 3, 'alice: three ledger entries: the sign-up bonus and the two charges');
SELECT is(test.balance(:'poor'), 5::bigint, 'poor: still 5 credits');
SELECT is(cardinality(test.video_ids(:'poor')), 0, 'poor: no video');

------------------------------------------------------------------------------------------
-- create_video_request (legacy): the result is the bare video id, a JSON string
------------------------------------------------------------------------------------------
CALL test.request('create_video_request, all parameters', 'authenticated', :'alice', 'POST', '/rpc/create_video_request',
  '{"p_prompt": "A cat riding a scooter through Hanoi", "p_duration_seconds": 4, "p_resolution": "480p", "p_model": "sora-2"}');
SELECT is(test.status('create_video_request, all parameters'), 200, 'create_video_request, all parameters: HTTP 200');
SELECT is(jsonb_typeof(test.body('create_video_request, all parameters')), 'string', 'the body is a JSON string');
SELECT is((SELECT jsonb_build_object('user_id', v->'user_id', 'prompt', v->'prompt', 'resolution', v->'resolution',
                                     'duration_seconds', v->'duration_seconds', 'credits_cost', v->'credits_cost')
           FROM test.video_row((test.body('create_video_request, all parameters')#>>'{}')::uuid) v),
          jsonb_build_object('user_id', :'alice', 'prompt', 'A cat riding a scooter through Hanoi', 'resolution', '480p',
                             'duration_seconds', 4, 'credits_cost', 4),
          'it is the id of the new video, charged 1 credit/s * 4 s');

CALL test.request('create_video_request, only p_prompt', 'authenticated', :'alice', 'POST', '/rpc/create_video_request',
  '{"p_prompt": "A dog on a skateboard"}');
SELECT is(test.status('create_video_request, only p_prompt'), 200, 'create_video_request, only p_prompt: HTTP 200');
SELECT is((test.video_row((test.body('create_video_request, only p_prompt')#>>'{}')::uuid)->'credits_cost'), '15'::jsonb,
          'with the defaults it costs 15 credits');
SELECT is(test.balance(:'alice'), 886::bigint, 'alice was charged 4 + 15');

CALL test.request('create_video_request as anon', 'anon', NULL, 'POST', '/rpc/create_video_request', '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_request as anon', 401, '42501', 'permission denied for function create_video_request');
CALL test.request('create_video_request as service_role', 'service_role', NULL, 'POST', '/rpc/create_video_request',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_request as service_role', 403, '42501', 'Not signed in: this action needs an authenticated user.');
CALL test.request('create_video_request, 5 credits for 15', 'authenticated', :'poor', 'POST', '/rpc/create_video_request',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_request, 5 credits for 15', 402, 'PT402',
                       'Insufficient credits. You have 5 credits, but need 15 credits.');
CALL test.request('create_video_request, blank p_prompt', 'authenticated', :'alice', 'POST', '/rpc/create_video_request',
  '{"p_prompt": ""}');
SELECT test.fails_with('create_video_request, blank p_prompt', 400, '22023', 'p_prompt must not be empty.');
CALL test.request('create_video_request, user without account', 'authenticated', :'ghost', 'POST', '/rpc/create_video_request',
  '{"p_prompt": "A fox"}');
SELECT test.fails_with('create_video_request, user without account', 404, 'PT404', 'No credit account exists for this user.');
CALL test.request('create_video_request with an idempotency key', 'authenticated', :'alice', 'POST', '/rpc/create_video_request',
  '{"p_prompt": "A fox", "p_idempotency_key": "01-key-2"}');
SELECT test.fails_with('create_video_request with an idempotency key', 404, 'PGRST202',
                       'Could not find the function public.create_video_request(p_idempotency_key, p_prompt) in the schema cache');
CALL test.request('GET create_video_request', 'authenticated', :'alice', 'GET', '/rpc/create_video_request?p_prompt=A%20fox');
SELECT test.fails_with('GET create_video_request', 405, '25006', 'cannot execute SELECT FOR UPDATE in a read-only transaction');

SELECT is(test.balance(:'alice'), 886::bigint, 'alice: the refused requests charged nothing');
SELECT is(cardinality(test.video_ids(:'alice')), 4, 'alice: four videos in all');
SELECT is(test.balance(:'poor'), 5::bigint, 'poor: still 5 credits');

SELECT * FROM finish();
