-- 01_schema: the objects CREATE EXTENSION sora_credits makes, checked against the contract:
-- tables, columns, keys, constraints (by behaviour where the contract gives no name),
-- indexes, RLS, function signatures and security, pg_dump registration, seed rows, settings.
BEGIN;
SELECT plan(277);

-- Helper: the definitions of the unique indexes of a table.
CREATE FUNCTION pg_temp.unique_indexes(p_table regclass) RETURNS SETOF text
LANGUAGE sql AS $$
  SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
  WHERE i.indrelid = p_table AND i.indisunique
$$;

-- Helper: attnums of a list of columns, for comparing with pg_constraint.conkey.
CREATE FUNCTION pg_temp.attnums(p_table regclass, p_columns name[]) RETURNS int2[]
LANGUAGE sql AS $$
  SELECT array_agg(a.attnum ORDER BY c.ord)
  FROM unnest(p_columns) WITH ORDINALITY c(name, ord)
  JOIN pg_attribute a ON a.attrelid = p_table AND a.attname = c.name
$$;

------------------------------------------------------------------------------------------
-- Tables and columns (contract columns with their types; extra columns are allowed)
------------------------------------------------------------------------------------------
SELECT has_table('public', t, format('table public.%s exists', t))
FROM unnest(ARRAY['video_pricing', 'profiles', 'videos', 'credit_transactions', 'credit_lots',
                   'credit_allocations', 'payment_references']::name[]) t;

SELECT col_type_is('public', t, c, ty, format('%s.%s is %s', t, c, ty))
FROM (VALUES
  ('video_pricing', 'model', 'text'),
  ('video_pricing', 'resolution', 'text'),
  ('video_pricing', 'credits_per_second', 'integer'),
  ('profiles', 'id', 'uuid'),
  ('profiles', 'user_id', 'uuid'),
  ('profiles', 'credits', 'bigint'),
  ('profiles', 'lifetime_granted', 'bigint'),
  ('profiles', 'lifetime_spent', 'bigint'),
  ('profiles', 'lifetime_refunded', 'bigint'),
  ('profiles', 'created_at', 'timestamp with time zone'),
  ('profiles', 'updated_at', 'timestamp with time zone'),
  ('videos', 'id', 'uuid'),
  ('videos', 'user_id', 'uuid'),
  ('videos', 'prompt', 'text'),
  ('videos', 'model', 'text'),
  ('videos', 'resolution', 'text'),
  ('videos', 'duration_seconds', 'integer'),
  ('videos', 'credits_cost', 'bigint'),
  ('videos', 'status', 'text'),
  ('videos', 'idempotency_key', 'text'),
  ('videos', 'video_url', 'text'),
  ('videos', 'error_message', 'text'),
  ('videos', 'refunded_at', 'timestamp with time zone'),
  ('videos', 'created_at', 'timestamp with time zone'),
  ('videos', 'updated_at', 'timestamp with time zone'),
  ('videos', 'deleted_at', 'timestamp with time zone'),
  ('credit_transactions', 'user_id', 'uuid'),
  ('credit_transactions', 'video_id', 'uuid'),
  ('credit_transactions', 'amount', 'bigint'),
  ('credit_transactions', 'balance_after', 'bigint'),
  ('credit_transactions', 'kind', 'text'),
  ('credit_transactions', 'reference', 'text'),
  ('credit_transactions', 'description', 'text'),
  ('credit_transactions', 'created_at', 'timestamp with time zone'),
  -- 1.2: credit lots
  ('profiles', 'lifetime_expired', 'bigint'),
  ('credit_lots', 'id', 'bigint'),
  ('credit_lots', 'user_id', 'uuid'),
  ('credit_lots', 'transaction_id', 'bigint'),
  ('credit_lots', 'kind', 'text'),
  ('credit_lots', 'category', 'text'),
  ('credit_lots', 'amount', 'bigint'),
  ('credit_lots', 'remaining', 'bigint'),
  ('credit_lots', 'expires_at', 'timestamp with time zone'),
  ('credit_lots', 'created_at', 'timestamp with time zone'),
  ('credit_lots', 'depleted', 'boolean'),
  ('credit_allocations', 'transaction_id', 'bigint'),
  ('credit_allocations', 'lot_id', 'bigint'),
  ('credit_allocations', 'user_id', 'uuid'),
  ('credit_allocations', 'amount', 'bigint'),
  ('payment_references', 'kind', 'text'),
  ('payment_references', 'reference', 'text'),
  ('payment_references', 'user_id', 'uuid')
) AS cols(t, c, ty);

-- credit_transactions.id: "bigint identity or uuid".
SELECT ok((SELECT (format_type(atttypid, atttypmod) = 'bigint' AND attidentity <> '')
               OR format_type(atttypid, atttypmod) = 'uuid'
           FROM pg_attribute WHERE attrelid = 'public.credit_transactions'::regclass
             AND attname = 'id'),
          'credit_transactions.id is a bigint identity or a uuid');

-- NOT NULL where the contract says so; deleted_at and video_id are nullable.
SELECT col_not_null('public', 'profiles', 'user_id', 'profiles.user_id is NOT NULL');
SELECT col_not_null('public', 'profiles', 'credits', 'profiles.credits is NOT NULL');
SELECT col_not_null('public', 'videos', 'user_id', 'videos.user_id is NOT NULL');
SELECT col_is_null('public', 'videos', 'deleted_at', 'videos.deleted_at is nullable');
SELECT col_is_null('public', 'credit_transactions', 'video_id', 'credit_transactions.video_id is nullable');

-- videos.id defaults to gen_random_uuid()
SELECT matches((SELECT pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d
                JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
                WHERE d.adrelid = 'public.videos'::regclass AND a.attname = 'id'),
               'gen_random_uuid\(\)', 'videos.id defaults to gen_random_uuid()');

------------------------------------------------------------------------------------------
-- Primary keys, unique keys, foreign keys
------------------------------------------------------------------------------------------
SELECT col_is_pk('public', 'video_pricing', ARRAY['model', 'resolution']::name[], 'video_pricing PK (model, resolution)');
SELECT col_is_pk('public', 'profiles', 'id', 'profiles PK (id)');
SELECT col_is_pk('public', 'videos', 'id', 'videos PK (id)');
SELECT col_is_pk('public', 'credit_transactions', 'id', 'credit_transactions PK (id)');
-- (2.0) one row per (kind, reference) ever granted, whichever the user
SELECT col_is_pk('public', 'payment_references', ARRAY['reference', 'kind']::name[],
                 'payment_references PK (reference, kind)');
SELECT ok(EXISTS (SELECT FROM pg_temp.unique_indexes('public.profiles') d
                  WHERE d ~ 'USING btree \(user_id\)$'),
          'profiles.user_id is UNIQUE');
SELECT ok(EXISTS (SELECT FROM pg_temp.unique_indexes('public.videos') d
                  WHERE d ~ 'USING btree \(user_id, idempotency_key\)$'),
          'videos has UNIQUE (user_id, idempotency_key)');

-- Foreign keys with their ON DELETE action ('c' = CASCADE).
SELECT is((SELECT string_agg(c.confdeltype::text, ',') FROM pg_constraint c
           WHERE c.contype = 'f' AND c.conrelid = child::regclass AND c.confrelid = parent::regclass
             AND c.conkey = pg_temp.attnums(child::regclass, ARRAY[col]::name[])),
          'c', format('%s.%s references %s ON DELETE CASCADE', child, col, parent))
FROM (VALUES ('public.profiles', 'id', 'auth.users'),
             ('public.videos', 'user_id', 'public.profiles'),
             ('public.credit_transactions', 'user_id', 'public.profiles'),
             ('public.payment_references', 'user_id', 'public.profiles')) AS fk(child, col, parent);
SELECT fk_ok('public', 'profiles', 'id', 'auth', 'users', 'id', 'profiles.id -> auth.users(id)');
SELECT ok(EXISTS (SELECT FROM pg_constraint c
                  WHERE c.contype = 'f' AND c.conrelid = 'public.credit_transactions'::regclass
                    AND c.confrelid = 'public.videos'::regclass
                    AND c.conkey = pg_temp.attnums('public.credit_transactions', '{video_id}')),
          'credit_transactions.video_id references videos');
SELECT is((SELECT conname::text FROM pg_constraint
           WHERE conrelid = 'public.profiles'::regclass AND conname = 'profiles_id_user_id_match'
             AND contype = 'c'),
          'profiles_id_user_id_match', 'CHECK constraint profiles_id_user_id_match exists');

------------------------------------------------------------------------------------------
-- CHECK constraints, by behaviour (as superuser, straight into the tables)
------------------------------------------------------------------------------------------
INSERT INTO auth.users (id, email) VALUES
  ('01000000-0000-4000-8000-000000000001', 'schema1@example.com'),
  ('01000000-0000-4000-8000-000000000002', 'schema2@example.com');

-- profiles
SELECT throws_ok($$UPDATE public.profiles SET user_id = gen_random_uuid()
                   WHERE id = '01000000-0000-4000-8000-000000000001'$$,
                 '23514', 'new row for relation "profiles" violates check constraint "profiles_id_user_id_match"',
                 'profiles: id must equal user_id');
SELECT throws_ok($$UPDATE public.profiles SET credits = -1
                   WHERE id = '01000000-0000-4000-8000-000000000001'$$,
                 '23514', NULL, 'profiles: credits >= 0');

-- videos: duration 1..60, prompt 1..4000 characters (not bytes), cost > 0, status list
CREATE FUNCTION pg_temp.insert_video(p_duration int DEFAULT 5, p_prompt text DEFAULT 'p',
                                     p_cost bigint DEFAULT 15, p_status text DEFAULT 'pending',
                                     p_key text DEFAULT NULL) RETURNS uuid
LANGUAGE sql AS $$
  INSERT INTO public.videos (user_id, prompt, model, resolution, duration_seconds, credits_cost,
                             status, idempotency_key, video_url, refunded_at)
  VALUES ('01000000-0000-4000-8000-000000000001', p_prompt, 'sora-2', '720p', p_duration, p_cost,
          p_status, p_key, 'https://cdn.example.com/v.mp4',
          CASE WHEN p_status = 'failed' THEN now() END)
  RETURNING id
$$;
SELECT throws_ok('SELECT pg_temp.insert_video(p_duration => 0)', '23514', NULL, 'videos: duration 0 refused');
SELECT throws_ok('SELECT pg_temp.insert_video(p_duration => 61)', '23514', NULL, 'videos: duration 61 refused');
SELECT lives_ok('SELECT pg_temp.insert_video(p_duration => 1)', 'videos: duration 1 accepted');
SELECT lives_ok('SELECT pg_temp.insert_video(p_duration => 60)', 'videos: duration 60 accepted');
SELECT throws_ok($$SELECT pg_temp.insert_video(p_prompt => '')$$, '23514', NULL, 'videos: empty prompt refused');
SELECT throws_ok($$SELECT pg_temp.insert_video(p_prompt => repeat('a', 4001))$$, '23514', NULL,
                 'videos: 4001-character prompt refused');
SELECT lives_ok($$SELECT pg_temp.insert_video(p_prompt => repeat('ệ', 4000))$$,
                'videos: 4000 multibyte characters (12000 bytes) accepted: characters, not bytes');
SELECT throws_ok('SELECT pg_temp.insert_video(p_cost => 0)', '23514', NULL, 'videos: credits_cost 0 refused');
SELECT throws_ok($$SELECT pg_temp.insert_video(p_status => 'done')$$, '23514', NULL,
                 'videos: status outside the list refused');
SELECT lives_ok(format('SELECT pg_temp.insert_video(p_status => %L)', s),
                format('videos: status %s accepted', s))
FROM unnest(ARRAY['pending', 'processing', 'completed', 'failed']) s;

-- videos: UNIQUE (user_id, idempotency_key); the same key is fine for another user
SELECT lives_ok($$SELECT pg_temp.insert_video(p_key => 'same-key')$$, 'videos: first use of a key');
SELECT throws_ok($$SELECT pg_temp.insert_video(p_key => 'same-key')$$, '23505', NULL,
                 'videos: the same (user_id, idempotency_key) twice refused');
SELECT lives_ok($$INSERT INTO public.videos (user_id, prompt, model, resolution, duration_seconds,
                                             credits_cost, idempotency_key)
                  VALUES ('01000000-0000-4000-8000-000000000002', 'p', 'sora-2', '720p', 5, 15, 'same-key')$$,
                'videos: the same key for another user accepted');

-- credit_transactions: amount <> 0, balance_after >= 0, kind list
CREATE TEMP TABLE schema_video AS SELECT pg_temp.insert_video() AS id;
CREATE FUNCTION pg_temp.insert_entry(p_kind text, p_amount bigint, p_video uuid DEFAULT NULL,
                                     p_balance bigint DEFAULT 0, p_reference text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
  INSERT INTO public.credit_transactions (user_id, video_id, amount, balance_after, kind, reference)
  VALUES ('01000000-0000-4000-8000-000000000001', p_video, p_amount, p_balance, p_kind, p_reference)
$$;
SELECT throws_ok($$SELECT pg_temp.insert_entry('adjustment', 0)$$, '23514', NULL,
                 'credit_transactions: amount 0 refused');
SELECT throws_ok($$SELECT pg_temp.insert_entry('grant', 5, p_balance => -1)$$, '23514', NULL,
                 'credit_transactions: balance_after < 0 refused');
SELECT throws_ok($$SELECT pg_temp.insert_entry('bonus', 5)$$, '23514', NULL,
                 'credit_transactions: kind outside the list refused');
SELECT lives_ok(format('SELECT pg_temp.insert_entry(%L, 5)', k), format('credit_transactions: kind %s accepted', k))
FROM unnest(ARRAY['signup_bonus', 'purchase', 'grant', 'adjustment']) k;
SELECT lives_ok($$SELECT pg_temp.insert_entry('video_generation', -15, (SELECT id FROM schema_video))$$,
                'credit_transactions: kind video_generation accepted');
SELECT lives_ok($$SELECT pg_temp.insert_entry('refund', 15, (SELECT id FROM schema_video))$$,
                'credit_transactions: kind refund accepted');

-- One charge and one refund per video, one (kind, reference): unique indexes, by behaviour...
SELECT throws_ok($$SELECT pg_temp.insert_entry('video_generation', -15, (SELECT id FROM schema_video))$$,
                 '23505', NULL, 'credit_transactions: a second video_generation row for a video refused');
SELECT throws_ok($$SELECT pg_temp.insert_entry('refund', 15, (SELECT id FROM schema_video))$$,
                 '23505', NULL, 'credit_transactions: a second refund row for a video refused');
SELECT lives_ok($$SELECT pg_temp.insert_entry('purchase', 5, p_reference => 'pay_schema')$$,
                'credit_transactions: first use of a purchase reference');
SELECT throws_ok($$SELECT pg_temp.insert_entry('purchase', 7, p_reference => 'pay_schema')$$,
                 '23505', NULL, 'credit_transactions: the same (kind, reference) twice refused');
SELECT lives_ok($$SELECT pg_temp.insert_entry('grant', 5, p_reference => 'pay_schema')$$,
                'credit_transactions: the same reference under another kind accepted');
SELECT lives_ok($$SELECT pg_temp.insert_entry('grant', 5); SELECT pg_temp.insert_entry('grant', 5)$$,
                'credit_transactions: NULL references do not collide');
-- ... and by definition (a unique index, not only code)
SELECT ok(EXISTS (SELECT FROM pg_temp.unique_indexes('public.credit_transactions') d
                  WHERE d ~ $re$USING btree \(video_id\) WHERE \(kind = 'video_generation'::text\)$$re$),
          'unique index: one video_generation row per video');
SELECT ok(EXISTS (SELECT FROM pg_temp.unique_indexes('public.credit_transactions') d
                  WHERE d ~ $re$USING btree \(video_id\) WHERE \(kind = 'refund'::text\)$$re$),
          'unique index: one refund row per video');
SELECT ok(EXISTS (SELECT FROM pg_temp.unique_indexes('public.credit_transactions') d
                  WHERE d ~ $re$USING btree \(kind, reference\)( WHERE \(reference IS NOT NULL\))?$$re$),
          'unique index: (kind, reference)');

------------------------------------------------------------------------------------------
-- The partial indexes on videos, with their exact predicates
------------------------------------------------------------------------------------------
SELECT is(pg_get_indexdef(to_regclass('public.videos_user_active_idx')),
          'CREATE INDEX videos_user_active_idx ON public.videos USING btree (user_id, created_at DESC) WHERE (deleted_at IS NULL)',
          'videos_user_active_idx (user_id, created_at DESC) WHERE deleted_at IS NULL');
SELECT is(pg_get_indexdef(to_regclass('public.videos_user_deleted_idx')),
          'CREATE INDEX videos_user_deleted_idx ON public.videos USING btree (user_id, deleted_at DESC) WHERE (deleted_at IS NOT NULL)',
          'videos_user_deleted_idx (user_id, deleted_at DESC) WHERE deleted_at IS NOT NULL');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index
           WHERE indexrelid = to_regclass('public.videos_user_active_idx')),
          '(deleted_at IS NULL)', 'videos_user_active_idx predicate (pg_index.indpred)');
SELECT is((SELECT pg_get_expr(indpred, indrelid) FROM pg_index
           WHERE indexrelid = to_regclass('public.videos_user_deleted_idx')),
          '(deleted_at IS NOT NULL)', 'videos_user_deleted_idx predicate (pg_index.indpred)');

------------------------------------------------------------------------------------------
-- Row-level security on every table
------------------------------------------------------------------------------------------
SELECT is((SELECT relrowsecurity FROM pg_class WHERE oid = format('public.%I', t)::regclass),
          true, format('RLS enabled on %s', t))
FROM unnest(ARRAY['video_pricing', 'profiles', 'videos', 'credit_transactions', 'credit_lots',
                   'credit_allocations', 'payment_references']) t;

------------------------------------------------------------------------------------------
-- Functions: signature and defaults, result, SECURITY DEFINER, pinned search_path,
-- language, volatility, one function per name (PostgREST), no EXECUTE for PUBLIC or anon
------------------------------------------------------------------------------------------
CREATE TEMP TABLE expected_functions (sig text, args text, result text, lang name, volatility "char");
INSERT INTO expected_functions VALUES
  ('create_video_generation(text,integer,text,text,text)',
   $$p_prompt text, p_duration_seconds integer DEFAULT 5, p_resolution text DEFAULT '720p'::text, p_model text DEFAULT 'sora-2'::text, p_idempotency_key text DEFAULT NULL::text$$,
   'jsonb', 'c', 'v'),
  ('create_video_request(text,integer,text,text)',
   $$p_prompt text, p_duration_seconds integer DEFAULT 5, p_resolution text DEFAULT '720p'::text, p_model text DEFAULT 'sora-2'::text$$,
   'uuid', 'c', 'v'),
  ('soft_delete_video(uuid,uuid)', 'p_video_id uuid, p_user_id uuid DEFAULT NULL::uuid', 'jsonb', 'c', 'v'),
  ('restore_video(uuid,uuid)', 'p_video_id uuid, p_user_id uuid DEFAULT NULL::uuid', 'jsonb', 'c', 'v'),
  ('get_credit_info(uuid)', 'p_user_id uuid DEFAULT NULL::uuid', 'jsonb', 'c', 's'),
  ('list_deleted_videos()', '', 'SETOF videos', 'c', 's'),
  ('refund_video_credits(uuid,text,uuid)', 'p_video_id uuid, p_reason text DEFAULT NULL::text, p_user_id uuid DEFAULT NULL::uuid', 'jsonb', 'c', 'v'),
  ('complete_video_generation(uuid,text,uuid)', 'p_video_id uuid, p_video_url text, p_user_id uuid DEFAULT NULL::uuid', 'jsonb', 'c', 'v'),
  ('claim_video_jobs(integer)', 'p_limit integer DEFAULT 1', 'SETOF videos', 'c', 'v'),
  ('grant_credits(uuid,bigint,text,text,text,timestamptz,text)',
   $$p_user_id uuid, p_amount bigint, p_kind text DEFAULT 'purchase'::text, p_reference text DEFAULT NULL::text, p_description text DEFAULT NULL::text, p_expires_at timestamp with time zone DEFAULT NULL::timestamp with time zone, p_category text DEFAULT NULL::text$$,
   'jsonb', 'c', 'v'),
  ('verify_ledger()', '', 'TABLE(user_id uuid, credits bigint, ledger_sum bigint, lots_remaining bigint, problem text)', 'sql', NULL),
  ('list_credit_lots()', '', 'SETOF credit_lots', 'c', 's'),
  ('expire_credits()', '', 'jsonb', 'c', 'v'),
  ('handle_new_user()', '', 'trigger', 'c', 'v'),
  ('handle_deleted_user()', '', 'trigger', 'plpgsql', 'v');

SELECT is(pg_get_function_arguments(to_regprocedure('public.' || sig)), args,
          format('%s: arguments and defaults', sig))
FROM expected_functions;
SELECT is(pg_get_function_result(to_regprocedure('public.' || sig)), result, format('%s returns %s', sig, result))
FROM expected_functions;
SELECT is((SELECT prosecdef FROM pg_proc WHERE oid = to_regprocedure('public.' || sig)), true,
          format('%s is SECURITY DEFINER', sig))
FROM expected_functions;
SELECT is((SELECT proconfig FROM pg_proc WHERE oid = to_regprocedure('public.' || sig)),
          ARRAY['search_path=pg_catalog, pg_temp'], format('%s pins search_path = pg_catalog, pg_temp', sig))
FROM expected_functions;
SELECT is((SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE p.oid = to_regprocedure('public.' || sig)), lang, format('%s is LANGUAGE %s', sig, lang))
FROM expected_functions;
SELECT is((SELECT provolatile FROM pg_proc WHERE oid = to_regprocedure('public.' || sig)), volatility,
          format('%s volatility is %s', sig, volatility))
FROM expected_functions WHERE volatility IS NOT NULL;
SELECT is((SELECT count(*)::int FROM pg_proc
           WHERE proname = split_part(sig, '(', 1) AND pronamespace = 'public'::regnamespace),
          1, format('%s: exactly one function of that name (no overloads for PostgREST)', sig))
FROM expected_functions;
SELECT ok((SELECT proacl IS NOT NULL
                  AND NOT EXISTS (SELECT FROM aclexplode(proacl) a
                                  WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE')
           FROM pg_proc WHERE oid = to_regprocedure('public.' || sig)),
          format('%s: no EXECUTE for PUBLIC', sig))
FROM expected_functions;
SELECT is(has_function_privilege('anon', to_regprocedure('public.' || sig), 'EXECUTE'), false,
          format('%s: no EXECUTE for anon', sig))
FROM expected_functions;

-- The sign-up trigger: AFTER INSERT FOR EACH ROW on auth.users, enabled (tgtype 5 = ROW|INSERT).
SELECT is((SELECT count(*)::int FROM pg_trigger
           WHERE tgrelid = 'auth.users'::regclass AND NOT tgisinternal
             AND tgfoid = to_regprocedure('public.handle_new_user()') AND tgtype = 5 AND tgenabled = 'O'),
          1, 'auth.users has an AFTER INSERT FOR EACH ROW trigger running handle_new_user()');

------------------------------------------------------------------------------------------
-- pg_dump keeps the rows: every table and the ledger's identity sequence are config tables
------------------------------------------------------------------------------------------
SELECT is(ARRAY(SELECT c::regclass::text FROM pg_extension e, unnest(e.extconfig) c
                WHERE e.extname = 'sora_credits' ORDER BY 1),
          ARRAY(SELECT x FROM unnest(ARRAY['credit_transactions', 'profiles', 'video_pricing', 'videos',
                     'credit_lots', 'credit_allocations', 'payment_references',
                     pg_get_serial_sequence('public.credit_transactions', 'id')::regclass::text,
                     pg_get_serial_sequence('public.credit_lots', 'id')::regclass::text]) x
                ORDER BY 1),
          'extconfig lists the 7 tables and the identity sequences of the ledger and the lots');

------------------------------------------------------------------------------------------
-- video_pricing seed rows, exactly
------------------------------------------------------------------------------------------
SELECT results_eq(
  'SELECT model, resolution, credits_per_second FROM public.video_pricing ORDER BY model, credits_per_second',
  $$VALUES ('sora-2'::text, '480p'::text, 1), ('sora-2', '720p', 3), ('sora-2', '1080p', 6),
           ('sora-2-pro', '720p', 10), ('sora-2-pro', '1080p', 20)$$,
  'video_pricing holds exactly the seed prices');
SELECT throws_ok($$INSERT INTO public.video_pricing VALUES ('sora-2', '4k', 0)$$, '23514', NULL,
                 'video_pricing: credits_per_second must be > 0');

------------------------------------------------------------------------------------------
-- Settings (GUCs). Extension settings exist once the library is loaded; sessions that call
-- a function of the extension load it, this one loads it explicitly.
------------------------------------------------------------------------------------------
LOAD 'sora_credits';
SELECT is(current_setting('sora_credits.signup_credits'), '0', 'sora_credits.signup_credits defaults to 0');
SELECT is(current_setting('sora_credits.restore_window'), '30 days', 'sora_credits.restore_window defaults to 30 days');
SELECT throws_ok($$SET LOCAL sora_credits.restore_window = 'banana'$$, '22023',
                 'invalid value for parameter "sora_credits.restore_window": "banana"',
                 'restore_window: a value that is not an interval is refused');
SELECT throws_ok($$SET LOCAL sora_credits.restore_window = '-1 day'$$, '22023',
                 'invalid value for parameter "sora_credits.restore_window": "-1 day"',
                 'restore_window: a negative interval is refused');
SELECT throws_ok($$SET LOCAL sora_credits.signup_credits = -1$$, '22023', NULL,
                 'signup_credits: a negative bonus is refused');
SELECT lives_ok($$SET LOCAL sora_credits.restore_window = '7 days'$$, 'restore_window: 7 days accepted');
SELECT is(current_setting('sora_credits.restore_window'), '7 days', 'restore_window now 7 days');
SELECT lives_ok($$SET LOCAL sora_credits.restore_window = '30 days'$$, 'restore_window: back to 30 days');

-- Only a superuser may change them: a user who could raise the bonus could mint credits.
SELECT test.act_as('authenticated', '01000000-0000-4000-8000-000000000001');
SELECT throws_ok($$SET LOCAL sora_credits.signup_credits = 1000$$, '42501',
                 'permission denied to set parameter "sora_credits.signup_credits"',
                 'authenticated cannot SET sora_credits.signup_credits');
SELECT throws_ok($$SET LOCAL sora_credits.restore_window = '100 years'$$, '42501',
                 'permission denied to set parameter "sora_credits.restore_window"',
                 'authenticated cannot SET sora_credits.restore_window');
SELECT throws_ok($$SELECT set_config('sora_credits.signup_credits', '1000', true)$$, '42501', NULL,
                 'authenticated cannot set_config sora_credits.signup_credits');
RESET ROLE;
SELECT is(current_setting('sora_credits.signup_credits'), '0', 'signup_credits unchanged after the refused SETs');

SELECT * FROM finish();
ROLLBACK;
