-- sora_credits 1.0 -> 1.1: an in-flight cap, holds that release themselves, an owner-proof
-- ledger, and a notification for every new job.
-- CREATE EXTENSION sora_credits (1.1) runs sora_credits--1.0.sql and then this script, so
-- every object below has this one definition, for new and upgraded databases alike.
-- The C++ behind the 1.0 functions is the same library: it must keep working on databases
-- still at 1.0, so it never needs an object created here (see docs/design.md).

\echo Use "ALTER EXTENSION sora_credits UPDATE TO '1.1'" to load this file. \quit

-- Security: as in the 1.0 script, every name is schema-qualified and the script's
-- search_path is pinned (LOCAL: it ends with the script), so nothing on the installer's
-- path or in pg_temp can shadow a built-in.
SET LOCAL search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------------------------
-- The jobs in flight: the in-flight cap counts them, expiry lists them
------------------------------------------------------------------------------------------

-- Only pending and processing videos, so the cap's count per user and expiry's scan read
-- the jobs in flight, never the history (which only grows). Upgrading builds it with a
-- plain CREATE INDEX: writes to videos wait for the build (see docs/operations.md).
CREATE INDEX videos_user_inflight_idx ON @extschema@.videos (user_id)
  WHERE status IN ('pending', 'processing');

------------------------------------------------------------------------------------------
-- Owner-proof ledger: no DELETE or TRUNCATE, except the cascade of deleting a user
------------------------------------------------------------------------------------------

-- Privileges cannot protect the ledger from its owner or a superuser; a trigger can, and
-- only disabling triggers on purpose (ALTER TABLE ... DISABLE TRIGGER, or
-- session_replication_role = replica) gets past it. The one DELETE allowed is the cascade
-- of deleting the user from auth.users (auth.users -> profiles -> credit_transactions):
-- it comes from a foreign-key trigger (trigger depth > 1) after the auth.users row is gone.
-- Deleting a profile while its user exists, or the entries directly, is refused. Not
-- SECURITY DEFINER: the check reads auth.users with the deleting role's rights, and a role
-- that cannot read it is refused all the same.
CREATE FUNCTION @extschema@.credit_transactions_refuse_delete() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  IF TG_OP = 'DELETE' AND pg_catalog.pg_trigger_depth() > 1
     AND NOT EXISTS (SELECT FROM auth.users u WHERE u.id = OLD.user_id) THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'credit_transactions is append-only: ledger entries cannot be deleted'
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'Ledger entries go away only with their user: delete the user from auth.users.';
END
$$;
REVOKE ALL ON FUNCTION @extschema@.credit_transactions_refuse_delete()
  FROM PUBLIC, anon, authenticated, service_role;
CREATE TRIGGER credit_transactions_no_delete BEFORE DELETE ON @extschema@.credit_transactions
  FOR EACH ROW EXECUTE FUNCTION @extschema@.credit_transactions_refuse_delete();
-- TRUNCATE fires no row triggers; it is never a user's deletion, so it is always refused
-- (TRUNCATE of profiles or auth.users with CASCADE reaches this table and is refused too).
CREATE TRIGGER credit_transactions_no_truncate BEFORE TRUNCATE ON @extschema@.credit_transactions
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credit_transactions_refuse_delete();

------------------------------------------------------------------------------------------
-- A notification for every new job, so workers can LISTEN instead of polling
------------------------------------------------------------------------------------------

-- NOTIFY sora_credits_jobs with the new video's id, delivered when the charge commits (never
-- for a rolled-back one), when the setting sora_credits.notify_new_jobs is on. It is off by
-- default: PostgreSQL serialises the commits of all transactions that notify, which costs
-- charges about a third of their throughput with 8 clients (docs/performance.md); the
-- reference worker polls as well, so notifications only make it start sooner.
-- Not SECURITY DEFINER: pg_notify needs no privilege.
CREATE FUNCTION @extschema@.videos_notify_new_job() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  PERFORM pg_catalog.pg_notify('sora_credits_jobs', NEW.id::text);
  RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION @extschema@.videos_notify_new_job()
  FROM PUBLIC, anon, authenticated, service_role;
-- The setting is tested in WHEN, so a charge with notifications off never calls the function.
CREATE TRIGGER videos_notify_new_job AFTER INSERT ON @extschema@.videos FOR EACH ROW
  WHEN (pg_catalog.current_setting('sora_credits.notify_new_jobs', true) = 'on')
  EXECUTE FUNCTION @extschema@.videos_notify_new_job();

------------------------------------------------------------------------------------------
-- expire_stale_videos
------------------------------------------------------------------------------------------

-- SECURITY DEFINER like the other service functions: it writes tables its caller cannot.
-- It reads no JWT claims: who may call it is decided by EXECUTE alone (service_role), and
-- the background worker calls the same C++ routine directly.
CREATE FUNCTION @extschema@.expire_stale_videos(p_older_than interval DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_expire_stale_videos';
COMMENT ON FUNCTION @extschema@.expire_stale_videos(interval) IS
  'Scheduler: refund every pending or processing video not updated for p_older_than (default sora_credits.job_timeout).';

-- EXECUTE: nobody by default (Supabase's default privileges would give anon every new
-- function in public), then the backend worker and operators only: a user must never
-- expire, and so refund, jobs.
REVOKE ALL ON FUNCTION @extschema@.expire_stale_videos(interval)
  FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION @extschema@.expire_stale_videos(interval) TO service_role;

------------------------------------------------------------------------------------------
-- Restore-friendly prices
------------------------------------------------------------------------------------------

-- A restore runs CREATE EXTENSION, which seeds the default prices, and then loads the
-- dumped price rows: the rows that differ from the seeds (see the 1.0 script). A changed
-- seed has the key of its default, so its COPY would fail and take every other dumped
-- price with it. During the documented restore (session_replication_role = replica, see
-- docs/operations.md) a loaded row therefore replaces the row with its key. The trigger
-- fires in replica mode only: in normal use an INSERT of an existing key stays an error.
CREATE FUNCTION @extschema@.video_pricing_replace_on_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  UPDATE @extschema@.video_pricing SET credits_per_second = NEW.credits_per_second
  WHERE model = NEW.model AND resolution = NEW.resolution;
  IF FOUND THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
-- A trigger function only: nobody calls it directly (Supabase's default privileges would
-- otherwise give EXECUTE to its API roles).
REVOKE ALL ON FUNCTION @extschema@.video_pricing_replace_on_restore()
  FROM PUBLIC, anon, authenticated, service_role;
CREATE TRIGGER video_pricing_replace_on_restore BEFORE INSERT ON @extschema@.video_pricing
  FOR EACH ROW EXECUTE FUNCTION @extschema@.video_pricing_replace_on_restore();
ALTER TABLE @extschema@.video_pricing ENABLE REPLICA TRIGGER video_pricing_replace_on_restore;
