-- sora_credits 1.0 -> 1.1. A fresh CREATE EXTENSION runs the 1.0 script and then this one,
-- so every object has exactly one definition.

\echo Use "ALTER EXTENSION sora_credits UPDATE TO '1.1'" to load this file. \quit

-- Security: as in the 1.0 script, every name is schema-qualified and the path is pinned.
SET LOCAL search_path = pg_catalog, pg_temp;

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
