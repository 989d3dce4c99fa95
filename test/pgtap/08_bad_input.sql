-- 08_bad_input: every parameter of every API function against hostile and edge input:
-- NULL, empty, whitespace only, 1 MB, 4000/4001 multibyte characters, SQL metacharacters,
-- 0, negative, int4 and bigint limits, malformed uuids, and the largest valid values.
-- The test is generated from tables: `params` (each parameter with a valid value, used while
-- another parameter is under test), `inputs` (the values tried) and `cases` (parameter x
-- input -> the contract's SQLSTATE and exact message, or success and what must be stored).
-- Each case, called the way PostgREST calls it (named arguments, the value passed as a
-- parameter and cast to the parameter's type), asserts three things:
--   1. the outcome: the exact SQLSTATE and message, or success;
--   2. after an error: the ledger (count and sum), profiles and videos are unchanged;
--      after a success: what the call stored;
--   3. the session still works: the same function, called right after with valid
--      arguments, succeeds.
-- A new function (or parameter) cannot be forgotten: `params` must list exactly the
-- parameters of the extension's functions, and every parameter must be tried with NULL.
BEGIN;

------------------------------------------------------------------------------------------
-- Users and videos
------------------------------------------------------------------------------------------
-- alice makes every user call; carol and dave sit next to the bigint limit for the
-- overflow cases of grant_credits.
CREATE TEMP TABLE users (name text PRIMARY KEY, id uuid);
INSERT INTO users VALUES ('alice', '08000000-0000-4000-8000-000000000001'),
                         ('carol', '08000000-0000-4000-8000-000000000002'),
                         ('dave', '08000000-0000-4000-8000-000000000003');
GRANT SELECT ON users TO PUBLIC;
CREATE FUNCTION pg_temp.uid(p_name text) RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT id FROM users WHERE name = p_name $$;

SET LOCAL sora_credits.signup_credits = 1000000;
INSERT INTO auth.users (id, email) SELECT id, name || '@example.com' FROM users WHERE name = 'alice';
SET LOCAL sora_credits.signup_credits = 0;
INSERT INTO auth.users (id, email) SELECT id, name || '@example.com' FROM users WHERE name <> 'alice';

-- Prices whose model and resolution have the largest allowed length (64 characters), so
-- that the length limit itself can be shown to pass.
INSERT INTO public.video_pricing VALUES (repeat('ệ', 64), '480p', 1), ('sora-2', repeat('ệ', 64), 1);

-- "probe": the video that soft_delete_video and restore_video are called on. The pool:
-- pending videos handed out one per refund or completion (pg_temp.fresh_video()), since a
-- video can be refunded or completed only once. A failed call rolls its pick back.
CREATE TEMP TABLE vids (name text PRIMARY KEY, id uuid);
CREATE TEMP TABLE pool (n int PRIMARY KEY, id uuid, used boolean NOT NULL DEFAULT false);
GRANT ALL ON vids, pool TO PUBLIC;
SELECT test.act_as('authenticated', pg_temp.uid('alice'));
INSERT INTO vids SELECT 'probe', (public.create_video_generation('probe', 1, '480p')->>'video_id')::uuid;
INSERT INTO pool (n, id) SELECT n, (public.create_video_generation('pool ' || n, 1, '480p')->>'video_id')::uuid
FROM generate_series(1, 60) n;
RESET ROLE;
CREATE FUNCTION pg_temp.video(p_name text) RETURNS uuid LANGUAGE sql STABLE AS
  $$ SELECT id FROM vids WHERE name = p_name $$;
CREATE FUNCTION pg_temp.fresh_video() RETURNS uuid LANGUAGE sql AS $$
  UPDATE pool SET used = true WHERE n = (SELECT min(n) FROM pool WHERE NOT used) RETURNING id
$$;

-- carol: lifetime_granted 1200 above her balance, both close to the bigint maximum, so a
-- grant can fit her balance but not lifetime_granted. dave stays at 0 until his cases.
SELECT public.grant_credits(pg_temp.uid('carol'), 9223372036854775807 - 1000);
SELECT test.act_as('authenticated', pg_temp.uid('carol'));
SELECT public.create_video_generation('carol''s video', 60, '1080p', 'sora-2-pro');
RESET ROLE;

------------------------------------------------------------------------------------------
-- The parameters, the inputs and the cases
------------------------------------------------------------------------------------------
-- Every parameter of every API function, with a valid value (SQL) used while another
-- parameter is under test, and when the function is called again to show that the session
-- still works.
CREATE TEMP TABLE params (fn text, param text, type text, valid text, PRIMARY KEY (fn, param));
INSERT INTO params VALUES
  ('create_video_generation', 'p_prompt', 'text', $$'A red fox running through snow'$$),
  ('create_video_generation', 'p_duration_seconds', 'integer', '1'),
  ('create_video_generation', 'p_resolution', 'text', $$'480p'$$),
  ('create_video_generation', 'p_model', 'text', $$'sora-2'$$),
  ('create_video_generation', 'p_idempotency_key', 'text', 'NULL'),
  ('create_video_request', 'p_prompt', 'text', $$'A red fox running through snow'$$),
  ('create_video_request', 'p_duration_seconds', 'integer', '1'),
  ('create_video_request', 'p_resolution', 'text', $$'480p'$$),
  ('create_video_request', 'p_model', 'text', $$'sora-2'$$),
  ('soft_delete_video', 'p_video_id', 'uuid', $$pg_temp.video('probe')$$),
  ('soft_delete_video', 'p_user_id', 'uuid', $$pg_temp.uid('alice')$$),
  ('restore_video', 'p_video_id', 'uuid', $$pg_temp.video('probe')$$),
  ('restore_video', 'p_user_id', 'uuid', $$pg_temp.uid('alice')$$),
  ('get_credit_info', 'p_user_id', 'uuid', $$pg_temp.uid('alice')$$),
  ('refund_video_credits', 'p_video_id', 'uuid', 'pg_temp.fresh_video()'),
  ('refund_video_credits', 'p_reason', 'text', 'NULL'),
  ('refund_video_credits', 'p_user_id', 'uuid', $$pg_temp.uid('alice')$$),
  ('complete_video_generation', 'p_video_id', 'uuid', 'pg_temp.fresh_video()'),
  ('complete_video_generation', 'p_video_url', 'text', $$'https://cdn.example.com/v.mp4'$$),
  ('complete_video_generation', 'p_user_id', 'uuid', $$pg_temp.uid('alice')$$),
  ('claim_video_jobs', 'p_limit', 'integer', '1'),
  ('grant_credits', 'p_user_id', 'uuid', $$pg_temp.uid('alice')$$),
  ('grant_credits', 'p_amount', 'bigint', '1'),
  ('grant_credits', 'p_kind', 'text', $$'purchase'$$),
  ('grant_credits', 'p_reference', 'text', 'NULL'),
  ('grant_credits', 'p_description', 'text', 'NULL'),
  ('grant_credits', 'p_expires_at', 'timestamp with time zone', 'NULL'),
  ('grant_credits', 'p_category', 'text', 'NULL'),
  ('expire_stale_videos', 'p_older_than', 'interval', 'NULL');

-- The values tried. Lengths are in characters; the long ones are multibyte (Vietnamese
-- with diacritics, emoji), so a byte count would be wrong.
CREATE TEMP TABLE inputs (name text PRIMARY KEY, value text);
INSERT INTO inputs VALUES
  ('NULL', NULL),
  ('empty', ''),
  ('blank', E' \t\r\n\u00a0\u2003\u3000'),
  ('1 MB', repeat('x', 1048576)),
  ('4000 chars', left(repeat('Chú mèo lướt sóng ở Hội An 🌊🐈 ', 200), 4000)),
  ('4001 chars', left(repeat('Chú mèo lướt sóng ở Hội An 🌊🐈 ', 200), 4000) || 'ệ'),
  ('SQL', $sql$Robert'); DROP TABLE public.videos; -- \' \\ "x" $$ %s ;$sql$),
  ('64 chars', repeat('ệ', 64)), ('65 chars', repeat('ệ', 65)),
  ('255 chars', repeat('🎬', 255)), ('256 chars', repeat('🎬', 256)),
  ('1000 chars', repeat('ệ', 1000)), ('1001 chars', repeat('ệ', 1001)),
  ('2048-char URL', 'https://cdn.example.com/' || repeat('ệ', 2024)),
  ('2049-char URL', 'https://cdn.example.com/' || repeat('ệ', 2025)),
  ('nil uuid', '00000000-0000-0000-0000-000000000000'),
  ('short uuid', '3b241101-e2bb-4255-8caf-4136c566a96'),
  ('past', '2000-01-01 00:00:00+00'), ('far future', '2999-01-01 00:00:00+00'),
  ('-infinity', '-infinity'), ('paid', 'paid'), ('promotional', 'promotional'), ('Paid', 'Paid');
INSERT INTO inputs SELECT 'SQL in a URL', 'https://cdn.example.com/v.mp4?q=' || value FROM inputs WHERE name = 'SQL';
INSERT INTO inputs SELECT n, n FROM unnest(ARRAY['-9223372036854775808', '-2147483648', '-1', '0', '1', '60',
  '61', '100', '101', '2147483647', '2147483648', '9223372036854775807', '9223372036854775808']) n;

-- What a successful case must have stored ($1: the call's result as jsonb, $2: the input).
CREATE FUNCTION pg_temp.video_field(p_result jsonb, p_column text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  -- create_video_request returns the bare id; the other functions an object with video_id.
  EXECUTE format('SELECT %I::text FROM public.videos WHERE id = $1', p_column) INTO v
    USING (CASE jsonb_typeof(p_result) WHEN 'string' THEN p_result #>> '{}' ELSE p_result->>'video_id' END)::uuid;
  RETURN v;
END
$$;
-- A column of the ledger entry of a result (or, with p_table credit_lots, of its lot).
CREATE FUNCTION pg_temp.entry_field(p_result jsonb, p_column text, p_table text DEFAULT 'credit_transactions')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v text;
BEGIN
  EXECUTE format('SELECT %I::text FROM public.%I WHERE %I = $1', p_column, p_table,
                 CASE p_table WHEN 'credit_lots' THEN 'transaction_id' ELSE 'id' END) INTO v
    USING (p_result->>'transaction_id')::bigint;
  RETURN v;
END
$$;
CREATE TEMP TABLE checks (name text PRIMARY KEY, test text);
INSERT INTO checks VALUES
  ('the lot never expires', $$pg_temp.entry_field($1, 'amount', 'credit_lots') = '1' AND pg_temp.entry_field($1, 'expires_at', 'credit_lots') IS NULL$$),
  ('the lot expires at p_expires_at', $$pg_temp.entry_field($1, 'expires_at', 'credit_lots')::timestamptz = $2::timestamptz$$),
  ('the lot is paid, as a purchase', $$pg_temp.entry_field($1, 'category', 'credit_lots') = 'paid'$$),
  ('the lot is of p_category', $$pg_temp.entry_field($1, 'category', 'credit_lots') = $2$$),
  ('stored as the prompt', $$pg_temp.video_field($1, 'prompt') = $2$$),
  ('charged 1 credit per second', $$pg_temp.video_field($1, 'credits_cost') = $2$$),
  ('stored as the resolution', $$pg_temp.video_field($1, 'resolution') = $2$$),
  ('stored as the model', $$pg_temp.video_field($1, 'model') = $2$$),
  ('stored as the key', $$pg_temp.video_field($1, 'idempotency_key') IS NOT DISTINCT FROM $2$$),
  ('the caller''s own figures', $$$1->>'user_id' = pg_temp.uid('alice')::text$$),
  ('the default reason is stored', $$pg_temp.video_field($1, 'error_message') = 'Video generation failed.'$$),
  ('stored as the reason, cut to 1000 characters', $$pg_temp.video_field($1, 'error_message') = left($2, 1000)$$),
  ('stored as the URL', $$pg_temp.video_field($1, 'video_url') = $2$$),
  ('the video is completed', $$pg_temp.video_field($1, 'status') = 'completed'$$),
  ('the call succeeded', $$($1->>'success')::boolean$$),
  ('claimed 1 to p_limit pending jobs',
   $$jsonb_array_length($1) BETWEEN 1 AND $2::int AND NOT jsonb_path_exists($1, '$[*] ? (@.status != "processing")')$$),
  ('granted exactly p_amount', $$$1->>'credits_granted' = $2 AND pg_temp.entry_field($1, 'amount') = $2$$),
  ('the balance is exactly p_amount', $$$1->>'credits_remaining' = $2$$),
  ('stored as the reference', $$pg_temp.entry_field($1, 'reference') IS NOT DISTINCT FROM $2$$),
  ('the default description is stored', $$pg_temp.entry_field($1, 'description') = 'Credits purchased'$$),
  ('stored as the description', $$pg_temp.entry_field($1, 'description') = $2$$),
  ('expired nothing', $$$1 = '{"expired": 0, "credits_refunded": 0}'$$);

-- The cases. fn NULL: every function with that parameter. caller NULL: alice for the
-- functions users may call, service_role for the others. state: the SQLSTATE, or ok.
-- expect: the exact message (%s is the input), or for ok the check that must hold.
-- 22003/22P02 from a cast are raised before the call, as when PostgREST's json_to_record
-- meets a number out of range or a malformed uuid in the request body.
CREATE TEMP TABLE cases (n serial, param text, fn text, input text REFERENCES inputs, caller text,
                         state text, expect text);
INSERT INTO cases (param, fn, input, caller, state, expect) VALUES
  ('p_prompt', NULL, 'NULL', NULL, '22023', 'p_prompt is required.'),
  ('p_prompt', NULL, 'empty', NULL, '22023', 'p_prompt must not be empty.'),
  ('p_prompt', NULL, 'blank', NULL, '22023', 'p_prompt must not be empty.'),
  ('p_prompt', NULL, '1 MB', NULL, '22023', 'p_prompt must be at most 4000 characters.'),
  ('p_prompt', NULL, '4001 chars', NULL, '22023', 'p_prompt must be at most 4000 characters.'),
  ('p_prompt', NULL, '4000 chars', NULL, 'ok', 'stored as the prompt'),
  ('p_prompt', NULL, 'SQL', NULL, 'ok', 'stored as the prompt'),
  ('p_duration_seconds', NULL, 'NULL', NULL, '22023', 'p_duration_seconds is required.'),
  ('p_duration_seconds', NULL, '0', NULL, '22023', 'p_duration_seconds must be between 1 and 60 seconds.'),
  ('p_duration_seconds', NULL, '-1', NULL, '22023', 'p_duration_seconds must be between 1 and 60 seconds.'),
  ('p_duration_seconds', NULL, '61', NULL, '22023', 'p_duration_seconds must be between 1 and 60 seconds.'),
  ('p_duration_seconds', NULL, '2147483647', NULL, '22023', 'p_duration_seconds must be between 1 and 60 seconds.'),
  ('p_duration_seconds', NULL, '-2147483648', NULL, '22023', 'p_duration_seconds must be between 1 and 60 seconds.'),
  ('p_duration_seconds', NULL, '2147483648', NULL, '22003', 'value "2147483648" is out of range for type integer'),
  ('p_duration_seconds', NULL, '1', NULL, 'ok', 'charged 1 credit per second'),
  ('p_duration_seconds', NULL, '60', NULL, 'ok', 'charged 1 credit per second'),
  ('p_resolution', NULL, 'NULL', NULL, '22023', 'p_resolution is required.'),
  ('p_resolution', NULL, 'empty', NULL, '22023', 'p_resolution must not be empty.'),
  ('p_resolution', NULL, 'blank', NULL, '22023', 'p_resolution must not be empty.'),
  ('p_resolution', NULL, '1 MB', NULL, '22023', 'p_resolution must be at most 64 characters.'),
  ('p_resolution', NULL, '4000 chars', NULL, '22023', 'p_resolution must be at most 64 characters.'),
  ('p_resolution', NULL, '65 chars', NULL, '22023', 'p_resolution must be at most 64 characters.'),
  ('p_resolution', NULL, '64 chars', NULL, 'ok', 'stored as the resolution'),
  ('p_resolution', NULL, 'SQL', NULL, '22023',
   'p_model and p_resolution: there is no price for model "sora-2" at resolution "%s".'),
  ('p_model', NULL, 'NULL', NULL, '22023', 'p_model is required.'),
  ('p_model', NULL, 'empty', NULL, '22023', 'p_model must not be empty.'),
  ('p_model', NULL, 'blank', NULL, '22023', 'p_model must not be empty.'),
  ('p_model', NULL, '1 MB', NULL, '22023', 'p_model must be at most 64 characters.'),
  ('p_model', NULL, '4000 chars', NULL, '22023', 'p_model must be at most 64 characters.'),
  ('p_model', NULL, '65 chars', NULL, '22023', 'p_model must be at most 64 characters.'),
  ('p_model', NULL, '64 chars', NULL, 'ok', 'stored as the model'),
  ('p_model', NULL, 'SQL', NULL, '22023',
   'p_model and p_resolution: there is no price for model "%s" at resolution "480p".'),
  ('p_idempotency_key', NULL, 'NULL', NULL, 'ok', 'stored as the key'),
  ('p_idempotency_key', NULL, 'empty', NULL, '22023', 'p_idempotency_key must not be empty.'),
  ('p_idempotency_key', NULL, 'blank', NULL, '22023', 'p_idempotency_key must not be empty.'),
  ('p_idempotency_key', NULL, '1 MB', NULL, '22023', 'p_idempotency_key must be at most 255 characters.'),
  ('p_idempotency_key', NULL, '4000 chars', NULL, '22023', 'p_idempotency_key must be at most 255 characters.'),
  ('p_idempotency_key', NULL, '256 chars', NULL, '22023', 'p_idempotency_key must be at most 255 characters.'),
  ('p_idempotency_key', NULL, '255 chars', NULL, 'ok', 'stored as the key'),
  ('p_idempotency_key', NULL, 'SQL', NULL, 'ok', 'stored as the key'),
  ('p_video_id', NULL, 'NULL', NULL, '22023', 'p_video_id is required.'),
  ('p_video_id', NULL, 'nil uuid', NULL, 'PT404', 'Video not found.'),
  ('p_video_id', NULL, 'empty', NULL, '22P02', 'invalid input syntax for type uuid: ""'),
  ('p_video_id', NULL, 'short uuid', NULL, '22P02', 'invalid input syntax for type uuid: "%s"'),
  ('p_video_id', NULL, 'SQL', NULL, '22P02', 'invalid input syntax for type uuid: "%s"'),
  ('p_user_id', 'get_credit_info', 'NULL', NULL, 'ok', 'the caller''s own figures'),
  ('p_user_id', 'get_credit_info', 'nil uuid', NULL, '42501', 'You can only view your own credit information.'),
  ('p_user_id', 'get_credit_info', 'NULL', 'service_role', '22023', 'p_user_id is required when no user is signed in.'),
  ('p_user_id', 'get_credit_info', 'nil uuid', 'service_role', 'PT404', 'No credit account exists for this user.'),
  ('p_user_id', 'grant_credits', 'NULL', NULL, '22023', 'p_user_id is required.'),
  ('p_user_id', 'grant_credits', 'nil uuid', NULL, 'PT404', 'No credit account exists for this user.'),
  -- (2.0) the owner of the video: omitted, it is looked up; another user's id finds nothing
  ('p_user_id', 'soft_delete_video', 'NULL', NULL, 'ok', 'the call succeeded'),
  ('p_user_id', 'soft_delete_video', 'nil uuid', NULL, 'PT404', 'Video not found.'),
  ('p_user_id', 'soft_delete_video', 'nil uuid', 'service_role', 'PT404', 'Video not found.'),
  ('p_user_id', 'restore_video', 'NULL', NULL, 'ok', 'the call succeeded'),
  ('p_user_id', 'restore_video', 'nil uuid', NULL, 'PT404', 'Video not found.'),
  ('p_user_id', 'refund_video_credits', 'NULL', NULL, 'ok', 'the default reason is stored'),
  ('p_user_id', 'refund_video_credits', 'nil uuid', NULL, 'PT404', 'Video not found.'),
  ('p_user_id', 'complete_video_generation', 'NULL', NULL, 'ok', 'the video is completed'),
  ('p_user_id', 'complete_video_generation', 'nil uuid', NULL, 'PT404', 'Video not found.'),
  ('p_user_id', NULL, 'empty', NULL, '22P02', 'invalid input syntax for type uuid: ""'),
  ('p_user_id', NULL, 'SQL', NULL, '22P02', 'invalid input syntax for type uuid: "%s"'),
  ('p_reason', NULL, 'NULL', NULL, 'ok', 'the default reason is stored'),
  ('p_reason', NULL, 'empty', NULL, 'ok', 'the default reason is stored'),
  ('p_reason', NULL, 'blank', NULL, 'ok', 'the default reason is stored'),
  ('p_reason', NULL, '1 MB', NULL, 'ok', 'stored as the reason, cut to 1000 characters'),
  ('p_reason', NULL, '4000 chars', NULL, 'ok', 'stored as the reason, cut to 1000 characters'),
  ('p_reason', NULL, '1001 chars', NULL, 'ok', 'stored as the reason, cut to 1000 characters'),
  ('p_reason', NULL, '1000 chars', NULL, 'ok', 'stored as the reason, cut to 1000 characters'),
  ('p_reason', NULL, 'SQL', NULL, 'ok', 'stored as the reason, cut to 1000 characters'),
  ('p_video_url', NULL, 'NULL', NULL, '22023', 'p_video_url is required.'),
  ('p_video_url', NULL, 'empty', NULL, '22023', 'p_video_url must not be empty.'),
  ('p_video_url', NULL, 'blank', NULL, '22023', 'p_video_url must not be empty.'),
  ('p_video_url', NULL, '1 MB', NULL, '22023', 'p_video_url must be at most 2048 characters.'),
  ('p_video_url', NULL, '4000 chars', NULL, '22023', 'p_video_url must be at most 2048 characters.'),
  ('p_video_url', NULL, '2049-char URL', NULL, '22023', 'p_video_url must be at most 2048 characters.'),
  ('p_video_url', NULL, 'SQL', NULL, '22023', 'p_video_url must be an http:// or https:// URL.'),
  ('p_video_url', NULL, '2048-char URL', NULL, 'ok', 'stored as the URL'),
  ('p_video_url', NULL, 'SQL in a URL', NULL, 'ok', 'stored as the URL'),
  ('p_limit', NULL, 'NULL', NULL, '22023', 'p_limit must be between 1 and 100.'),
  ('p_limit', NULL, '0', NULL, '22023', 'p_limit must be between 1 and 100.'),
  ('p_limit', NULL, '-1', NULL, '22023', 'p_limit must be between 1 and 100.'),
  ('p_limit', NULL, '101', NULL, '22023', 'p_limit must be between 1 and 100.'),
  ('p_limit', NULL, '2147483647', NULL, '22023', 'p_limit must be between 1 and 100.'),
  ('p_limit', NULL, '-2147483648', NULL, '22023', 'p_limit must be between 1 and 100.'),
  ('p_limit', NULL, '2147483648', NULL, '22003', 'value "2147483648" is out of range for type integer'),
  ('p_limit', NULL, '1', NULL, 'ok', 'claimed 1 to p_limit pending jobs'),
  ('p_limit', NULL, '100', NULL, 'ok', 'claimed 1 to p_limit pending jobs'),
  ('p_amount', NULL, 'NULL', NULL, '22023', 'p_amount is required.'),
  ('p_amount', NULL, '0', NULL, '22023', 'p_amount must be a positive number of credits.'),
  ('p_amount', NULL, '-1', NULL, '22023', 'p_amount must be a positive number of credits.'),
  ('p_amount', NULL, '-9223372036854775808', NULL, '22023', 'p_amount must be a positive number of credits.'),
  ('p_amount', NULL, '9223372036854775807', NULL, '22003', 'This amount would exceed the largest balance an account can hold.'),
  ('p_amount', NULL, '9223372036854775808', NULL, '22003', 'value "9223372036854775808" is out of range for type bigint'),
  ('p_amount', NULL, '1', NULL, 'ok', 'granted exactly p_amount'),
  ('p_amount', NULL, '2147483647', NULL, 'ok', 'granted exactly p_amount'),
  ('p_amount', NULL, '2147483648', NULL, 'ok', 'granted exactly p_amount'),
  ('p_kind', NULL, 'NULL', NULL, '22023', 'p_kind is required.'),
  ('p_kind', NULL, 'empty', NULL, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.'),
  ('p_kind', NULL, 'blank', NULL, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.'),
  ('p_kind', NULL, '1 MB', NULL, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.'),
  ('p_kind', NULL, '4000 chars', NULL, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.'),
  ('p_kind', NULL, 'SQL', NULL, '22023', 'p_kind must be one of purchase, grant, adjustment, signup_bonus.'),
  ('p_reference', NULL, 'NULL', NULL, 'ok', 'stored as the reference'),
  ('p_reference', NULL, 'empty', NULL, '22023', 'p_reference must not be empty.'),
  ('p_reference', NULL, 'blank', NULL, '22023', 'p_reference must not be empty.'),
  ('p_reference', NULL, '1 MB', NULL, '22023', 'p_reference must be at most 255 characters.'),
  ('p_reference', NULL, '4000 chars', NULL, '22023', 'p_reference must be at most 255 characters.'),
  ('p_reference', NULL, '256 chars', NULL, '22023', 'p_reference must be at most 255 characters.'),
  ('p_reference', NULL, '255 chars', NULL, 'ok', 'stored as the reference'),
  ('p_reference', NULL, 'SQL', NULL, 'ok', 'stored as the reference'),
  ('p_description', NULL, 'NULL', NULL, 'ok', 'the default description is stored'),
  ('p_description', NULL, 'empty', NULL, '22023', 'p_description must not be empty.'),
  ('p_description', NULL, 'blank', NULL, '22023', 'p_description must not be empty.'),
  ('p_description', NULL, '1 MB', NULL, '22023', 'p_description must be at most 1000 characters.'),
  ('p_description', NULL, '4000 chars', NULL, '22023', 'p_description must be at most 1000 characters.'),
  ('p_description', NULL, '1001 chars', NULL, '22023', 'p_description must be at most 1000 characters.'),
  ('p_description', NULL, '1000 chars', NULL, 'ok', 'stored as the description'),
  ('p_description', NULL, 'SQL', NULL, 'ok', 'stored as the description'),
  ('p_older_than', NULL, 'NULL', NULL, 'ok', 'expired nothing'),
  ('p_older_than', NULL, '60', NULL, 'ok', 'expired nothing'),
  ('p_older_than', NULL, '2147483647', NULL, 'ok', 'expired nothing'),
  ('p_older_than', NULL, '0', NULL, '22023', 'p_older_than must be positive (more than 0, with no negative part).'),
  ('p_older_than', NULL, '-1', NULL, '22023', 'p_older_than must be positive (more than 0, with no negative part).'),
  ('p_older_than', NULL, 'empty', NULL, '22007', 'invalid input syntax for type interval: ""'),
  ('p_older_than', NULL, 'SQL', NULL, '22007', 'invalid input syntax for type interval: "%s"'),
  ('p_expires_at', NULL, 'NULL', NULL, 'ok', 'the lot never expires'),
  ('p_expires_at', NULL, 'far future', NULL, 'ok', 'the lot expires at p_expires_at'),
  ('p_expires_at', NULL, 'past', NULL, '22023', 'p_expires_at must be in the future.'),
  ('p_expires_at', NULL, '-infinity', NULL, '22023', 'p_expires_at must be in the future.'),
  ('p_expires_at', NULL, 'empty', NULL, '22007', 'invalid input syntax for type timestamp with time zone: ""'),
  ('p_expires_at', NULL, 'SQL', NULL, '22007', 'invalid input syntax for type timestamp with time zone: "%s"'),
  ('p_category', NULL, 'NULL', NULL, 'ok', 'the lot is paid, as a purchase'),
  ('p_category', NULL, 'paid', NULL, 'ok', 'the lot is of p_category'),
  ('p_category', NULL, 'promotional', NULL, 'ok', 'the lot is of p_category'),
  ('p_category', NULL, 'Paid', NULL, '22023', 'p_category must be paid or promotional.'),
  ('p_category', NULL, 'empty', NULL, '22023', 'p_category must be paid or promotional.'),
  ('p_category', NULL, 'blank', NULL, '22023', 'p_category must be paid or promotional.'),
  ('p_category', NULL, '1 MB', NULL, '22023', 'p_category must be paid or promotional.'),
  ('p_category', NULL, 'SQL', NULL, '22023', 'p_category must be paid or promotional.');

------------------------------------------------------------------------------------------
-- The calls, generated from the cases
------------------------------------------------------------------------------------------
-- The call of p_fn as an SQL expression giving jsonb, with every parameter at its valid
-- value except p_tested, which is $1 cast to its type.
CREATE FUNCTION pg_temp.call(p_fn text, p_tested text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT format(CASE WHEN f.proretset THEN $f$(SELECT coalesce(jsonb_agg(j), '[]') FROM public.%s(%s) j)$f$
                     ELSE 'to_jsonb(public.%s(%s))' END,
                p_fn, string_agg(format('%s => %s', p.param,
                                        CASE WHEN p.param = p_tested THEN '$1::' || p.type ELSE p.valid END), ', '))
  FROM params p JOIN pg_proc f ON f.oid = to_regproc('public.' || p_fn)
  WHERE p.fn = p_fn GROUP BY f.proretset
$$;

CREATE TEMP TABLE calls (n serial, label text UNIQUE, fn text, param text, input text, caller text,
                         call text, arg text, state text, expect text);
INSERT INTO calls (label, fn, param, input, caller, call, arg, state, expect)
SELECT format('%s(%s => %s) as %s', p.fn, c.param, c.input, who.caller), p.fn, c.param, c.input, who.caller,
       pg_temp.call(p.fn, c.param), i.value, c.state, c.expect
FROM cases c
JOIN params p ON p.param = c.param AND (c.fn IS NULL OR c.fn = p.fn)
JOIN inputs i ON i.name = c.input,
LATERAL (SELECT coalesce(c.caller, CASE WHEN has_function_privilege('authenticated', to_regproc('public.' || p.fn), 'EXECUTE')
                                        THEN 'alice' ELSE 'service_role' END) AS caller) who
ORDER BY c.n, p.fn;

-- bigint overflow in grant_credits: the largest balance is reachable, one more credit is
-- refused, and so is a grant that fits the balance but not lifetime_granted.
INSERT INTO calls (label, fn, param, input, caller, call, arg, state, expect) VALUES
  ('grant_credits(p_amount => 9223372036854775807) to dave, who has 0', 'grant_credits', 'p_amount',
   '9223372036854775807', 'service_role', $$to_jsonb(public.grant_credits(pg_temp.uid('dave'), $1::bigint))$$,
   '9223372036854775807', 'ok', 'the balance is exactly p_amount'),
  ('grant_credits(p_amount => 1) to dave, at the largest balance', 'grant_credits', 'p_amount',
   '1', 'service_role', $$to_jsonb(public.grant_credits(pg_temp.uid('dave'), $1::bigint))$$,
   '1', '22003', 'This amount would exceed the largest balance an account can hold.'),
  ('grant_credits(p_amount => 1500) to carol: fits her balance, not her lifetime_granted', 'grant_credits', 'p_amount',
   '1500', 'service_role', $$to_jsonb(public.grant_credits(pg_temp.uid('carol'), $1::bigint))$$,
   '1500', '22003', 'This amount would exceed the largest balance an account can hold.');

------------------------------------------------------------------------------------------
-- Running a case
------------------------------------------------------------------------------------------
CREATE FUNCTION pg_temp.act(p_caller text) RETURNS void LANGUAGE sql AS $$
  SELECT CASE p_caller WHEN 'alice' THEN test.act_as('authenticated', pg_temp.uid('alice'))
                       ELSE test.act_as(p_caller) END
$$;

-- The ledger, the profiles and the videos, as the superuser sees them.
CREATE FUNCTION pg_temp.state() RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object(
    'ledger', (SELECT format('%s entries, sum %s', count(*), sum(amount)) FROM public.credit_transactions),
    'profiles', (SELECT md5(string_agg(p::text, '|' ORDER BY p.id)) FROM public.profiles p),
    'videos', (SELECT md5(string_agg(v::text, '|' ORDER BY v.id)) FROM public.videos v))
$$;

CREATE FUNCTION pg_temp.run(c calls) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE
  v_before jsonb := pg_temp.state();
  v_next_call text := 'SELECT ' || pg_temp.call(c.fn, NULL);
  v_outcome jsonb;
  v_held boolean;
BEGIN
  PERFORM pg_temp.act(c.caller);
  v_outcome := test.outcome(format('INSERT INTO test.res SELECT %L, %s', c.label, c.call), c.arg);
  RESET ROLE;
  IF c.state = 'ok' THEN
    RETURN NEXT is(v_outcome, '{"rows": 1}', c.label || ': succeeds');
    EXECUTE 'SELECT ' || (SELECT test FROM checks WHERE name = c.expect) INTO v_held USING test.res(c.label), c.arg;
    RETURN NEXT ok(coalesce(v_held, false), c.label || ': ' || c.expect);
  ELSE
    RETURN NEXT is(v_outcome - 'detail' - 'hint',
                   jsonb_build_object('sqlstate', c.state, 'message', format(c.expect, c.arg)),
                   format('%s: %s %s', c.label, c.state, format(c.expect, c.arg)));
    RETURN NEXT is(pg_temp.state(), v_before, c.label || ': ledger, profiles and videos unchanged');
  END IF;
  PERFORM pg_temp.act(c.caller);
  v_outcome := test.outcome(v_next_call);
  RESET ROLE;
  RETURN NEXT is(v_outcome, '{"rows": 1}', c.label || ': the next call in the session succeeds');
END
$$;

------------------------------------------------------------------------------------------
-- Tests
------------------------------------------------------------------------------------------
SELECT plan((SELECT 3 * count(*)::int FROM calls) + 14);

-- Every parameter of the extension's functions is in params (with its type), and nothing else.
SELECT set_eq(
  $$SELECT f.proname::text, a.name, format_type(a.type, NULL)
    FROM pg_depend d JOIN pg_proc f ON f.oid = d.objid,
         unnest(f.proargnames[1:f.pronargs], f.proargtypes::oid[]) AS a(name, type)
    WHERE d.classid = 'pg_proc'::regclass AND d.deptype = 'e'
      AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'sora_credits')$$,
  'SELECT fn, param, type FROM params',
  'params lists exactly the parameters of the extension''s functions');
SELECT is_empty($$SELECT fn, param FROM params EXCEPT SELECT fn, param FROM calls WHERE input = 'NULL'$$,
                'every parameter of every function is tried with NULL');

-- The inputs are what their names say: characters, not bytes.
SELECT ok(char_length(value) = substring(name FROM '^\d+')::int AND octet_length(value) > char_length(value),
          format('input "%s": exactly %s characters, multibyte (%s bytes)', name, char_length(value), octet_length(value)))
FROM inputs WHERE name ~ '^\d+(-char URL| chars)$' ORDER BY name;
SELECT is(octet_length(value), 1048576, 'input "1 MB" is 1048576 bytes') FROM inputs WHERE name = '1 MB';

SELECT pg_temp.run(c) FROM calls c ORDER BY n;

SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger(): credits = sum(amount) for every profile');

SELECT * FROM finish();
ROLLBACK;
