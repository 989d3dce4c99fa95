-- 06_tables: the table requests an app makes through PostgREST, in PostgREST's query shape:
-- the reads (RLS: own rows only, no soft-deleted videos, prices for everyone) and the
-- writes a user might try (PATCH /profiles setting credits, POST /videos, PATCH /videos
-- setting deleted_at, DELETE /credit_transactions), each refused with its SQLSTATE and HTTP
-- status for every role, and the data unchanged after.
\set alice 0c060000-0000-4000-8000-000000000001
\set bob 0c060000-0000-4000-8000-000000000002
SELECT plan(39);

CALL test.user_with_videos('alice', :'alice', 100, ARRAY['a sunrise', 'a sunset', 'a storm']);
CALL test.user_with_videos('bob', :'bob', 100, ARRAY['a harbour']);
SELECT test.body('alice: a sunrise')->>'video_id' AS a1, test.body('alice: a sunset')->>'video_id' AS a2,
       test.body('alice: a storm')->>'video_id' AS a3, test.body('bob: a harbour')->>'video_id' AS b1 \gset
CALL test.request('alice deletes her second video', 'authenticated', :'alice', 'POST', '/rpc/soft_delete_video',
                  format('{"p_video_id": "%s"}', :'a2'));
SELECT is(test.status('alice deletes her second video'), 200, 'setup: alice soft-deleted one of her three videos');
-- What is really there, to compare the refused writes against at the end.
SELECT test.profile_row(:'alice') AS alice_profile, test.video_row(:'a1') AS a1_row, test.video_row(:'a2') AS a2_row,
       test.video_ids(:'alice') AS alice_videos, test.entry_ids(:'alice') AS alice_entries \gset

------------------------------------------------------------------------------------------
-- GET /videos?select=*&order=created_at.desc&limit=20
------------------------------------------------------------------------------------------
CALL test.request('GET /videos as alice', 'authenticated', :'alice', 'GET', '/videos?select=*&order=created_at.desc&limit=20');
SELECT is(test.status('GET /videos as alice'), 200, 'GET /videos as alice: HTTP 200');
SELECT is(ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(test.body('GET /videos as alice')) e),
          ARRAY[:'a3', :'a1']::uuid[], 'alice gets her videos that are not deleted, newest first');
SELECT is(test.body('GET /videos as alice')->1, test.video_row(:'a1'), 'each element is the whole row');
SELECT is(test.read_only('GET /videos as alice'), true, 'a table read runs READ ONLY');
CALL test.request('GET /videos as bob', 'authenticated', :'bob', 'GET', '/videos?select=*&order=created_at.desc&limit=20');
SELECT is(ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(test.body('GET /videos as bob')) e),
          ARRAY[:'b1']::uuid[], 'bob gets only his video');
CALL test.request('GET /videos?id=eq.<deleted> as alice', 'authenticated', :'alice', 'GET', format('/videos?id=eq.%s', :'a2'));
SELECT test.responds('GET /videos?id=eq.<deleted> as alice', 200, '[]');
CALL test.request('GET /videos?id=eq.<bob''s> as alice', 'authenticated', :'alice', 'GET', format('/videos?id=eq.%s', :'b1'));
SELECT test.responds('GET /videos?id=eq.<bob''s> as alice', 200, '[]');
CALL test.request('GET /videos as anon', 'anon', NULL, 'GET', '/videos?select=*&order=created_at.desc&limit=20');
SELECT test.fails_with('GET /videos as anon', 401, '42501', 'permission denied for table videos');
CALL test.request('GET /videos as service_role', 'service_role', NULL, 'GET',
                  format('/videos?select=id&user_id=eq.%s&order=created_at.desc', :'alice'));
SELECT is(ARRAY(SELECT (e->>'id')::uuid FROM jsonb_array_elements(test.body('GET /videos as service_role')) e),
          ARRAY[:'a3', :'a2', :'a1']::uuid[], 'service_role sees every video, the deleted one too');

------------------------------------------------------------------------------------------
-- GET /credit_transactions, GET /profiles, GET /video_pricing
------------------------------------------------------------------------------------------
CALL test.request('GET /credit_transactions as alice', 'authenticated', :'alice', 'GET', '/credit_transactions');
SELECT is(ARRAY(SELECT (e->>'id')::bigint FROM jsonb_array_elements(test.body('GET /credit_transactions as alice')) e ORDER BY 1),
          :'alice_entries'::bigint[], 'alice gets all of her ledger entries and nobody else''s');
CALL test.request('GET /credit_transactions?user_id=eq.<bob> as alice', 'authenticated', :'alice', 'GET',
                  format('/credit_transactions?user_id=eq.%s', :'bob'));
SELECT test.responds('GET /credit_transactions?user_id=eq.<bob> as alice', 200, '[]');
CALL test.request('GET /credit_transactions as anon', 'anon', NULL, 'GET', '/credit_transactions');
SELECT test.fails_with('GET /credit_transactions as anon', 401, '42501', 'permission denied for table credit_transactions');

CALL test.request('GET /profiles as alice', 'authenticated', :'alice', 'GET', '/profiles');
SELECT test.responds('GET /profiles as alice', 200, jsonb_build_array(:'alice_profile'::jsonb));
CALL test.request('GET /profiles?id=eq.<bob> as alice', 'authenticated', :'alice', 'GET', format('/profiles?id=eq.%s', :'bob'));
SELECT test.responds('GET /profiles?id=eq.<bob> as alice', 200, '[]');
CALL test.request('GET /profiles as anon', 'anon', NULL, 'GET', '/profiles');
SELECT test.fails_with('GET /profiles as anon', 401, '42501', 'permission denied for table profiles');
CALL test.request('GET /profiles as service_role', 'service_role', NULL, 'GET',
                  format('/profiles?select=id,credits&id=eq.%s', :'bob'));
SELECT test.responds('GET /profiles as service_role', 200, jsonb_build_array(jsonb_build_object('id', :'bob', 'credits', 85)));

CALL test.request('GET /video_pricing as anon', 'anon', NULL, 'GET', '/video_pricing?order=model,resolution');
SELECT test.responds('GET /video_pricing as anon', 200, '[
  {"model": "sora-2", "resolution": "1080p", "credits_per_second": 6},
  {"model": "sora-2", "resolution": "480p", "credits_per_second": 1},
  {"model": "sora-2", "resolution": "720p", "credits_per_second": 3},
  {"model": "sora-2-pro", "resolution": "1080p", "credits_per_second": 20},
  {"model": "sora-2-pro", "resolution": "720p", "credits_per_second": 10}]');
CALL test.request('GET /video_pricing as alice', 'authenticated', :'alice', 'GET', '/video_pricing?order=model,resolution');
SELECT test.responds('GET /video_pricing as alice', 200, test.body('GET /video_pricing as anon'));

------------------------------------------------------------------------------------------
-- Writes: each one as each role, refused by the table privileges, never effective
------------------------------------------------------------------------------------------
CREATE TEMP TABLE writes (what text, method text, url text, body text);
INSERT INTO writes VALUES
  ('PATCH /profiles setting credits', 'PATCH', format('/profiles?id=eq.%s', :'alice'), '{"credits": 1000000}'),
  ('POST /videos', 'POST', '/videos',
   format('{"user_id": "%s", "prompt": "a free video", "model": "sora-2-pro", "resolution": "1080p",
            "duration_seconds": 60, "credits_cost": 1, "status": "completed", "video_url": "https://example.com/x.mp4"}', :'alice')),
  ('PATCH /videos clearing deleted_at', 'PATCH', format('/videos?id=eq.%s', :'a2'), '{"deleted_at": null}'),
  ('PATCH /videos setting deleted_at', 'PATCH', format('/videos?id=eq.%s', :'a1'), '{"deleted_at": "2020-01-01T00:00:00+00:00"}'),
  ('DELETE /credit_transactions', 'DELETE', format('/credit_transactions?user_id=eq.%s', :'alice'), NULL);
CREATE TEMP TABLE callers (role text, sub uuid, status integer);
INSERT INTO callers VALUES ('authenticated', :'alice', 403), ('anon', NULL, 401), ('service_role', NULL, 403);
DO $$
DECLARE
  w record;
BEGIN
  FOR w IN SELECT * FROM writes, callers LOOP
    CALL test.request(w.what || ' as ' || w.role, w.role, w.sub, w.method, w.url, w.body);
  END LOOP;
END
$$;
SELECT test.fails_with(what || ' as ' || role, status, '42501', 'permission denied for table ' || split_part(split_part(url, '?', 1), '/', 2))
FROM writes, callers ORDER BY what, role;

SELECT is(test.profile_row(:'alice'), :'alice_profile'::jsonb, 'alice''s profile is unchanged (credits 55)');
SELECT is(test.video_ids(:'alice'), :'alice_videos'::uuid[], 'alice has the same videos, no inserted one');
SELECT is(test.video_row(:'a1'), :'a1_row'::jsonb, 'the active video is unchanged, not deleted');
SELECT is(test.video_row(:'a2'), :'a2_row'::jsonb, 'the deleted video is unchanged, still deleted');
SELECT is(test.entry_ids(:'alice'), :'alice_entries'::bigint[], 'alice''s ledger still has every entry');

SELECT * FROM finish();
