-- sora_credits 1.0: prepaid credits for an AI video service on Supabase.
-- Objects go into @extschema@ (the schema given to CREATE EXTENSION, public by default).

\echo Use "CREATE EXTENSION sora_credits" to load this file. \quit

-- Security: every name below is schema-qualified, and this pins the script's search_path
-- so that no object of the installer's path (or pg_temp) can shadow a built-in.
-- LOCAL: it ends with the script (a plain SET would leak into the installer's session).
SET LOCAL search_path = pg_catalog, pg_temp;

-- Refuse, in one message, a database that is not Supabase-compatible. Nothing is created
-- before this check, and the error rolls back CREATE EXTENSION as a whole.
--
-- On a Citus worker (where the coordinator replays CREATE EXTENSION) auth.users is the
-- exception: the auth server writes it on the coordinator only, and the workers hold no
-- table of that name. So there, and only there, it is not required, and what this script
-- and its updates build on auth.users (the foreign key from profiles, the backfill, the
-- sign-up triggers) is built only where auth.users exists: after this check, a missing
-- auth.users means a Citus worker.
DO $prerequisites$
DECLARE
  missing text[] := '{}';
  citus_worker boolean := false;
BEGIN
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_local_group') IS NOT NULL THEN
    SELECT g.groupid <> 0 INTO citus_worker FROM pg_catalog.pg_dist_local_group g;
  END IF;
  IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
    missing := missing || 'a UTF8 database encoding'::text;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_namespace WHERE nspname = 'auth') THEN
    missing := missing || 'schema auth'::text;
  END IF;
  IF NOT citus_worker AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute
                 WHERE attrelid = pg_catalog.to_regclass('auth.users') AND attname = 'id'
                   AND atttypid = 'pg_catalog.uuid'::pg_catalog.regtype AND NOT attisdropped) THEN
    missing := missing || 'table auth.users (id uuid primary key)'::text;
  END IF;
  IF pg_catalog.to_regprocedure('auth.uid()') IS NULL THEN
    missing := missing || 'function auth.uid()'::text;
  END IF;
  IF pg_catalog.to_regprocedure('auth.role()') IS NULL THEN
    missing := missing || 'function auth.role()'::text;
  END IF;
  IF pg_catalog.to_regprocedure('auth.jwt()') IS NULL THEN
    missing := missing || 'function auth.jwt()'::text;
  END IF;
  IF pg_catalog.to_regrole('anon') IS NULL THEN
    missing := missing || 'role anon'::text;
  END IF;
  IF pg_catalog.to_regrole('authenticated') IS NULL THEN
    missing := missing || 'role authenticated'::text;
  END IF;
  IF pg_catalog.to_regrole('service_role') IS NULL THEN
    missing := missing || 'role service_role'::text;
  END IF;
  IF pg_catalog.cardinality(missing) > 0 THEN
    RAISE EXCEPTION 'sora_credits needs a Supabase-compatible database; missing: %',
                    pg_catalog.array_to_string(missing, ', ')
      USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Install into a Supabase database, or create the auth schema, its users '
                   'table and uid()/role()/jwt() functions, and the roles anon, '
                   'authenticated and service_role first.';
  END IF;
END
$prerequisites$;

------------------------------------------------------------------------------------------
-- Tables
------------------------------------------------------------------------------------------

CREATE TABLE @extschema@.video_pricing (
  model text NOT NULL,
  resolution text NOT NULL,
  credits_per_second integer NOT NULL CHECK (credits_per_second > 0),
  PRIMARY KEY (model, resolution)
);
COMMENT ON TABLE @extschema@.video_pricing IS 'Price of each model and resolution, in credits per second of video.';

INSERT INTO @extschema@.video_pricing (model, resolution, credits_per_second) VALUES
  ('sora-2', '480p', 1), ('sora-2', '720p', 3), ('sora-2', '1080p', 6),
  ('sora-2-pro', '720p', 10), ('sora-2-pro', '1080p', 20);

CREATE TABLE @extschema@.profiles (
  id uuid PRIMARY KEY,  -- references auth.users (id) ON DELETE CASCADE, added below
  user_id uuid NOT NULL UNIQUE,
  credits bigint NOT NULL DEFAULT 0 CHECK (credits >= 0),
  -- The counters below are kept current by the functions, in the same statement as the
  -- change they count, so get_credit_info never sums or counts the history.
  credits_reserved bigint NOT NULL DEFAULT 0 CHECK (credits_reserved >= 0),
  lifetime_granted bigint NOT NULL DEFAULT 0 CHECK (lifetime_granted >= 0),
  lifetime_spent bigint NOT NULL DEFAULT 0 CHECK (lifetime_spent >= 0),
  lifetime_refunded bigint NOT NULL DEFAULT 0 CHECK (lifetime_refunded >= 0),
  active_videos integer NOT NULL DEFAULT 0 CHECK (active_videos >= 0),
  deleted_videos integer NOT NULL DEFAULT 0 CHECK (deleted_videos >= 0),
  last_transaction_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT profiles_id_user_id_match CHECK (id = user_id)
);
COMMENT ON TABLE @extschema@.profiles IS 'One credit account per auth.users row, created by the handle_new_user trigger.';
-- Where auth.users exists, that is everywhere but on a Citus worker (see the check above).
DO $profiles_users$
BEGIN
  IF pg_catalog.to_regclass('auth.users') IS NOT NULL THEN
    ALTER TABLE @extschema@.profiles ADD CONSTRAINT profiles_id_fkey
      FOREIGN KEY (id) REFERENCES auth.users (id) ON DELETE CASCADE;
  END IF;
END
$profiles_users$;

CREATE TABLE @extschema@.videos (
  id uuid PRIMARY KEY DEFAULT pg_catalog.gen_random_uuid(),
  user_id uuid NOT NULL REFERENCES @extschema@.profiles (id) ON DELETE CASCADE,
  prompt text NOT NULL CHECK (pg_catalog.char_length(prompt) BETWEEN 1 AND 4000),
  model text NOT NULL,
  resolution text NOT NULL,
  duration_seconds integer NOT NULL CHECK (duration_seconds BETWEEN 1 AND 60),
  credits_cost bigint NOT NULL CHECK (credits_cost > 0),
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
  idempotency_key text,
  video_url text,
  error_message text,
  refunded_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  deleted_at timestamptz,
  CONSTRAINT videos_user_idempotency_key UNIQUE (user_id, idempotency_key),
  CONSTRAINT videos_refunded_means_failed CHECK ((refunded_at IS NOT NULL) = (status = 'failed')),
  CONSTRAINT videos_completed_has_url CHECK (status <> 'completed' OR video_url IS NOT NULL)
);
COMMENT ON TABLE @extschema@.videos IS 'Video jobs. Users see their own videos that are not soft-deleted.';

-- "My videos, newest first" and "recently deleted" read only their own part of the table.
CREATE INDEX videos_user_active_idx ON @extschema@.videos (user_id, created_at DESC)
  WHERE deleted_at IS NULL;
CREATE INDEX videos_user_deleted_idx ON @extschema@.videos (user_id, deleted_at DESC)
  WHERE deleted_at IS NOT NULL;
-- The job queue: claim_video_jobs takes the oldest pending videos.
CREATE INDEX videos_pending_idx ON @extschema@.videos (created_at, id) WHERE status = 'pending';

CREATE TABLE @extschema@.credit_transactions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES @extschema@.profiles (id) ON DELETE CASCADE,
  -- No cascade from videos: a video with ledger entries cannot be deleted on its own.
  video_id uuid REFERENCES @extschema@.videos (id),
  amount bigint NOT NULL CHECK (amount <> 0),
  balance_after bigint NOT NULL CHECK (balance_after >= 0),
  kind text NOT NULL CHECK (kind IN ('signup_bonus', 'purchase', 'grant', 'video_generation',
                                     'refund', 'adjustment')),
  reference text,
  description text,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  CONSTRAINT credit_transactions_sign CHECK (
    CASE kind WHEN 'video_generation' THEN amount < 0
              WHEN 'adjustment' THEN true
              ELSE amount > 0 END),
  CONSTRAINT credit_transactions_video CHECK (
    (kind IN ('video_generation', 'refund')) = (video_id IS NOT NULL))
);
COMMENT ON TABLE @extschema@.credit_transactions IS 'The append-only ledger: for every user, credits = sum(amount).';

CREATE INDEX credit_transactions_user_idx ON @extschema@.credit_transactions (user_id, created_at DESC);
-- At most one charge and one refund per video, enforced by the database, not only by code.
CREATE UNIQUE INDEX credit_transactions_one_charge_per_video
  ON @extschema@.credit_transactions (video_id) WHERE kind = 'video_generation';
CREATE UNIQUE INDEX credit_transactions_one_refund_per_video
  ON @extschema@.credit_transactions (video_id) WHERE kind = 'refund';
-- A payment reference is used once per kind: retried webhooks cannot grant twice.
CREATE UNIQUE INDEX credit_transactions_reference_per_kind
  ON @extschema@.credit_transactions (kind, reference) WHERE reference IS NOT NULL;

-- Append-only, even for the owner: an UPDATE of the ledger is refused by a trigger, which
-- privileges alone cannot do (owners and superusers bypass them).
CREATE FUNCTION @extschema@.credit_transactions_refuse_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  RAISE EXCEPTION 'credit_transactions is append-only: ledger entries cannot be changed'
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'The ledger only grows: a correction is a new entry, never an edit.';
END
$$;
REVOKE ALL ON FUNCTION @extschema@.credit_transactions_refuse_update() FROM PUBLIC;
CREATE TRIGGER credit_transactions_append_only BEFORE UPDATE ON @extschema@.credit_transactions
  FOR EACH ROW EXECUTE FUNCTION @extschema@.credit_transactions_refuse_update();

-- pg_dump writes the rows of extension tables only when they are registered here; without
-- this a backup of the ledger would silently be empty. The identity sequence is registered
-- too, so ids continue after a restore instead of colliding.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.profiles', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.videos', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credit_transactions', '');
SELECT pg_catalog.pg_extension_config_dump(
  pg_catalog.pg_get_serial_sequence('@extschema@.credit_transactions', 'id')::pg_catalog.regclass, '');
-- Pricing: the seed rows are created by CREATE EXTENSION itself, so only rows that differ
-- from the seeds are dumped (a restore would otherwise insert the seeds twice).
SELECT pg_catalog.pg_extension_config_dump('@extschema@.video_pricing',
  $$WHERE (model, resolution, credits_per_second) NOT IN (('sora-2', '480p', 1), ('sora-2', '720p', 3), ('sora-2', '1080p', 6), ('sora-2-pro', '720p', 10), ('sora-2-pro', '1080p', 20))$$);

------------------------------------------------------------------------------------------
-- Row-level security and table privileges
------------------------------------------------------------------------------------------

-- Supabase grants ALL on new tables in public to anon, authenticated and service_role
-- through default privileges. Start from nothing and grant each privilege on purpose.
REVOKE ALL ON TABLE @extschema@.video_pricing, @extschema@.profiles, @extschema@.videos,
                    @extschema@.credit_transactions
  FROM PUBLIC, anon, authenticated, service_role;
REVOKE ALL ON SEQUENCE @extschema@.credit_transactions_id_seq
  FROM PUBLIC, anon, authenticated, service_role;

ALTER TABLE @extschema@.video_pricing ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.videos ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.credit_transactions ENABLE ROW LEVEL SECURITY;

-- Prices are public: the app shows them before sign-in. Only service_role changes them.
GRANT SELECT ON @extschema@.video_pricing TO anon, authenticated, service_role;
GRANT INSERT, UPDATE, DELETE ON @extschema@.video_pricing TO service_role;
CREATE POLICY video_pricing_read ON @extschema@.video_pricing
  FOR SELECT TO anon, authenticated USING (true);

-- Users read their own account. No one gets INSERT/UPDATE/DELETE: balances change only
-- through the functions, so a PATCH of credits is impossible. service_role reads all
-- (it bypasses RLS, as on Supabase).
GRANT SELECT ON @extschema@.profiles TO authenticated, service_role;
CREATE POLICY profiles_select_own ON @extschema@.profiles
  FOR SELECT TO authenticated USING (id = (SELECT auth.uid()));

-- Users read their own videos that are not soft-deleted: the app never filters deleted_at.
-- Deliberately a single SELECT policy: a second permissive "own deleted videos" policy
-- would be OR-ed with this one and show deleted videos everywhere again; deleted videos
-- are listed by list_deleted_videos() instead. Writes go through the functions only.
GRANT SELECT ON @extschema@.videos TO authenticated, service_role;
CREATE POLICY videos_select_own_active ON @extschema@.videos
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()) AND deleted_at IS NULL);

-- Users read their own ledger. Nobody may write it directly (append-only, see above).
GRANT SELECT ON @extschema@.credit_transactions TO authenticated, service_role;
CREATE POLICY credit_transactions_select_own ON @extschema@.credit_transactions
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));

------------------------------------------------------------------------------------------
-- Functions
--
-- The C++ functions are SECURITY DEFINER, owned by the installing superuser: they write
-- tables that their callers cannot write, and so they check the caller themselves
-- (auth.uid() / auth.role()). Each pins search_path so that nothing on the caller's path
-- can be substituted for a built-in; the C++ code names its own tables by schema.
------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.create_video_generation(
  p_prompt text, p_duration_seconds integer DEFAULT 5, p_resolution text DEFAULT '720p',
  p_model text DEFAULT 'sora-2', p_idempotency_key text DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_create_video_generation';
COMMENT ON FUNCTION @extschema@.create_video_generation(text, integer, text, text, text) IS
  'Charge the signed-in user for a video and queue it, atomically; idempotent per key.';

CREATE FUNCTION @extschema@.create_video_request(
  p_prompt text, p_duration_seconds integer DEFAULT 5, p_resolution text DEFAULT '720p',
  p_model text DEFAULT 'sora-2')
RETURNS uuid LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_create_video_request';
COMMENT ON FUNCTION @extschema@.create_video_request(text, integer, text, text) IS
  'Legacy entry point: create_video_generation without a key, returning only the video id.';

CREATE FUNCTION @extschema@.soft_delete_video(p_video_id uuid)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_soft_delete_video';
COMMENT ON FUNCTION @extschema@.soft_delete_video(uuid) IS
  'Hide one of your videos (it can be restored within sora_credits.restore_window).';

CREATE FUNCTION @extschema@.restore_video(p_video_id uuid)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_restore_video';
COMMENT ON FUNCTION @extschema@.restore_video(uuid) IS 'Bring back one of your deleted videos.';

CREATE FUNCTION @extschema@.get_credit_info(p_user_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE c STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_get_credit_info';
COMMENT ON FUNCTION @extschema@.get_credit_info(uuid) IS
  'Balance, reserved credits, lifetime totals and video counts of a user.';

CREATE FUNCTION @extschema@.refund_video_credits(p_video_id uuid, p_reason text DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_refund_video_credits';
COMMENT ON FUNCTION @extschema@.refund_video_credits(uuid, text) IS
  'Worker: mark a video failed and return its credits, exactly once.';

CREATE FUNCTION @extschema@.complete_video_generation(p_video_id uuid, p_video_url text)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_complete_video_generation';
COMMENT ON FUNCTION @extschema@.complete_video_generation(uuid, text) IS
  'Worker: mark a pending or processing video completed with its URL.';

CREATE FUNCTION @extschema@.claim_video_jobs(p_limit integer DEFAULT 1)
RETURNS SETOF @extschema@.videos LANGUAGE c VOLATILE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_claim_video_jobs';
COMMENT ON FUNCTION @extschema@.claim_video_jobs(integer) IS
  'Worker: move up to p_limit of the oldest pending videos to processing and return them.';

CREATE FUNCTION @extschema@.grant_credits(
  p_user_id uuid, p_amount bigint, p_kind text DEFAULT 'purchase',
  p_reference text DEFAULT NULL, p_description text DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_grant_credits';
COMMENT ON FUNCTION @extschema@.grant_credits(uuid, bigint, text, text, text) IS
  'Payments and admins: add credits to a user, idempotent per (kind, reference).';

-- SECURITY DEFINER so that it can read deleted rows the videos policy hides; it returns
-- only the caller's own rows.
CREATE FUNCTION @extschema@.list_deleted_videos()
RETURNS SETOF @extschema@.videos LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
  SELECT * FROM @extschema@.videos
  WHERE user_id = (SELECT auth.uid()) AND deleted_at IS NOT NULL
  ORDER BY deleted_at DESC
$$;
COMMENT ON FUNCTION @extschema@.list_deleted_videos() IS
  'Your soft-deleted videos, most recently deleted first.';

-- SECURITY DEFINER to read every account; granted to service_role only.
CREATE FUNCTION @extschema@.verify_ledger()
RETURNS TABLE (user_id uuid, credits bigint, ledger_sum bigint) LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT p.id, p.credits, COALESCE(t.total, 0)::bigint
  FROM @extschema@.profiles p
  LEFT JOIN (SELECT t.user_id, sum(t.amount) AS total
             FROM @extschema@.credit_transactions t GROUP BY t.user_id) t ON t.user_id = p.id
  WHERE p.credits IS DISTINCT FROM COALESCE(t.total, 0)
$$;
COMMENT ON FUNCTION @extschema@.verify_ledger() IS
  'Accounts whose balance differs from the sum of their ledger; empty when consistent.';

-- Runs as the owner: the inserting role (Supabase Auth) has no rights on our tables.
CREATE FUNCTION @extschema@.handle_new_user()
RETURNS trigger LANGUAGE c SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_handle_new_user';
COMMENT ON FUNCTION @extschema@.handle_new_user() IS
  'Trigger on auth.users: creates the credit account (and sign-up bonus) of a new user.';

-- EXECUTE: nobody by default (Supabase's default privileges would give anon every new
-- function in public), then exactly the roles the contract names.
REVOKE ALL ON FUNCTION
  @extschema@.create_video_generation(text, integer, text, text, text),
  @extschema@.create_video_request(text, integer, text, text),
  @extschema@.soft_delete_video(uuid),
  @extschema@.restore_video(uuid),
  @extschema@.get_credit_info(uuid),
  @extschema@.list_deleted_videos(),
  @extschema@.refund_video_credits(uuid, text),
  @extschema@.complete_video_generation(uuid, text),
  @extschema@.claim_video_jobs(integer),
  @extschema@.grant_credits(uuid, bigint, text, text, text),
  @extschema@.verify_ledger(),
  @extschema@.handle_new_user(),
  @extschema@.credit_transactions_refuse_update()
FROM PUBLIC, anon, authenticated, service_role;

-- End users (through PostgREST) and the backend acting for them.
GRANT EXECUTE ON FUNCTION
  @extschema@.create_video_generation(text, integer, text, text, text),
  @extschema@.create_video_request(text, integer, text, text),
  @extschema@.soft_delete_video(uuid),
  @extschema@.restore_video(uuid),
  @extschema@.get_credit_info(uuid),
  @extschema@.list_deleted_videos()
TO authenticated, service_role;

-- The backend worker and operators only: a user must never refund, complete or claim
-- jobs, or grant credits.
GRANT EXECUTE ON FUNCTION
  @extschema@.refund_video_credits(uuid, text),
  @extschema@.complete_video_generation(uuid, text),
  @extschema@.claim_video_jobs(integer),
  @extschema@.grant_credits(uuid, bigint, text, text, text),
  @extschema@.verify_ledger()
TO service_role;

------------------------------------------------------------------------------------------
-- The sign-up trigger on auth.users
------------------------------------------------------------------------------------------

-- Where auth.users exists, that is everywhere but on a Citus worker (see the check at the top).
DO $signup_trigger$
BEGIN
  IF pg_catalog.to_regclass('auth.users') IS NULL THEN
    RETURN;
  END IF;
  -- Users who signed up before the extension was installed get their account now, with no
  -- credits (the sign-up bonus is for sign-ups, and a backfill should not mint credits).
  INSERT INTO @extschema@.profiles (id, user_id) SELECT u.id, u.id FROM auth.users u;

  CREATE TRIGGER sora_credits_on_auth_user_created AFTER INSERT ON auth.users
    FOR EACH ROW EXECUTE FUNCTION @extschema@.handle_new_user();

  -- A trigger cannot be an extension member through ALTER EXTENSION, so DROP EXTENSION
  -- would refuse to drop handle_new_user() while this trigger (on a table that is not ours)
  -- depends on it. Recording the trigger as a member makes DROP EXTENSION remove it.
  INSERT INTO pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
  SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, t.oid, 0,
         'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid, 0, 'e'
  FROM pg_catalog.pg_trigger t, pg_catalog.pg_extension e
  WHERE t.tgrelid = 'auth.users'::pg_catalog.regclass
    AND t.tgname = 'sora_credits_on_auth_user_created' AND e.extname = 'sora_credits';
END
$signup_trigger$;
