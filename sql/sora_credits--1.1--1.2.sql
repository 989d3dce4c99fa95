-- sora_credits 1.1 -> 1.2: money changes only through the functions, and no role below
-- superuser can remove the ledger's backstops or make the functions run its code.
-- CREATE EXTENSION sora_credits (1.2) runs the 1.0 script, the 1.0 -> 1.1 script and then
-- this one, so every object below has this one definition, for new and upgraded databases.
--
-- The privilege model (docs/design.md, "Threat model"): every object stays owned by the
-- installing superuser, and the SECURITY DEFINER functions run as that superuser. They
-- therefore execute nothing that another role owns or can replace: they name only the
-- extension's own objects and pg_catalog; they read the caller's identity from the JWT
-- claims in C++ instead of calling auth.uid()/auth.role() (owned by the auth server's
-- role); they find auth.users by OID; and the extension's schema cannot be renamed or
-- dropped, nor its objects altered or dropped, by anyone but a superuser. A dedicated
-- non-superuser owner role would not be safer on PostgreSQL 15: any role with CREATEROLE
-- (on Supabase, postgres and supabase_auth_admin) may grant itself membership in any
-- non-superuser role, and so would own the ledger.

\echo Use "ALTER EXTENSION sora_credits UPDATE TO '1.2'" to load this file. \quit

-- Security: as in the earlier scripts, every name is schema-qualified and the script's
-- search_path is pinned (LOCAL: it ends with the script).
SET LOCAL search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------------------------
-- Balances, counters, videos and the ledger change only through the functions
------------------------------------------------------------------------------------------

-- Table privileges alone cannot say this: on Supabase, default privileges give postgres ALL
-- on every table created in public, and owners and superusers bypass privileges. These
-- triggers refuse (42501, "... only through the sora_credits functions") every direct
-- INSERT, UPDATE, DELETE and TRUNCATE by a role that is neither a superuser nor the
-- table's owner; the functions run as the owner and pass. Ordinary triggers do not fire
-- with session_replication_role = replica, which is how restores load rows (a setting
-- only superusers, and on Supabase postgres through supautils, may change).
-- Not SECURITY DEFINER: each checks the role that runs the statement.
CREATE FUNCTION @extschema@.refuse_direct_change() RETURNS trigger
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_refuse_direct_change';
COMMENT ON FUNCTION @extschema@.refuse_direct_change() IS
  'Trigger on profiles and videos: only the sora_credits functions may change them.';

CREATE TRIGGER profiles_functions_only BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.profiles
  FOR EACH ROW EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER profiles_functions_only_truncate BEFORE TRUNCATE ON @extschema@.profiles
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER videos_functions_only BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.videos
  FOR EACH ROW EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER videos_functions_only_truncate BEFORE TRUNCATE ON @extschema@.videos
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_direct_change();

-- The ledger: one C++ guard replaces 1.0's UPDATE trigger and 1.1's DELETE/TRUNCATE
-- trigger, whose check read auth.users by name as the deleting role (a superuser, in the
-- cascade): a view put in its place would have run as that superuser. The guard
--  * lets INSERT through for superusers and the owner only (the functions),
--  * refuses every UPDATE and TRUNCATE, for everyone,
--  * lets DELETE through only in a cascade (trigger depth > 1) once the user's auth.users
--    row is gone, looked up by the OID given as the trigger's argument, through the
--    table's primary key index: no SQL, no operator or view of the table's owner runs.
DROP TRIGGER credit_transactions_append_only ON @extschema@.credit_transactions;
DROP TRIGGER credit_transactions_no_delete ON @extschema@.credit_transactions;
DROP TRIGGER credit_transactions_no_truncate ON @extschema@.credit_transactions;
DROP FUNCTION @extschema@.credit_transactions_refuse_update();
DROP FUNCTION @extschema@.credit_transactions_refuse_delete();

CREATE FUNCTION @extschema@.guard_ledger() RETURNS trigger
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_guard_ledger';
COMMENT ON FUNCTION @extschema@.guard_ledger() IS
  'Trigger on credit_transactions: append-only; rows go away only with their user.';

DO $ledger_guard$
BEGIN
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER credit_transactions_guard BEFORE INSERT OR UPDATE OR DELETE '
    'ON @extschema@.credit_transactions FOR EACH ROW EXECUTE FUNCTION @extschema@.guard_ledger(%L)',
    'auth.users'::pg_catalog.regclass::pg_catalog.oid);
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER credit_transactions_guard_truncate BEFORE TRUNCATE '
    'ON @extschema@.credit_transactions FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_ledger(%L)',
    'auth.users'::pg_catalog.regclass::pg_catalog.oid);
END
$ledger_guard$;

------------------------------------------------------------------------------------------
-- The sign-up bonus only for real accounts, once per user
------------------------------------------------------------------------------------------

-- The auth server inserts the auth.users row at sign-up, before the e-mail is confirmed,
-- and anonymous sign-ins insert one too: a bonus at INSERT could be farmed with throwaway
-- accounts. handle_new_user (C++) still creates the profile at INSERT, and grants the
-- bonus at the first moment the account is confirmed (e-mail or phone) and not anonymous:
-- at INSERT when the auth server auto-confirms, otherwise on the UPDATE that confirms it or
-- makes an anonymous user permanent; sora_credits.signup_bonus_at = 'signup' brings back
-- 1.1's bonus at INSERT. It reads the columns by name at each call, so it follows the auth
-- server's migrations (is_anonymous came later). Every UPDATE of auth.users fires it; one
-- that makes no account real (a sign-in) returns at once, without a query.
DO $one_bonus$
DECLARE
  v_users bigint;
BEGIN
  SELECT count(*) INTO v_users
  FROM (SELECT t.user_id FROM @extschema@.credit_transactions t WHERE t.kind = 'signup_bonus'
        GROUP BY t.user_id HAVING count(*) > 1) d;
  IF v_users > 0 THEN
    RAISE EXCEPTION 'sora_credits 1.2 allows one signup_bonus entry per user, and % users have more', v_users
      USING ERRCODE = 'unique_violation',
            HINT = 'List them with: SELECT user_id FROM credit_transactions WHERE kind = ''signup_bonus'' '
                   'GROUP BY user_id HAVING count(*) > 1; then decide with their owners, and upgrade again.';
  END IF;
END
$one_bonus$;
-- At most one bonus per user, whatever the order of concurrent updates.
CREATE UNIQUE INDEX credit_transactions_one_signup_bonus ON @extschema@.credit_transactions (user_id)
  WHERE kind = 'signup_bonus';

CREATE TRIGGER sora_credits_on_auth_user_updated AFTER UPDATE ON auth.users
  FOR EACH ROW EXECUTE FUNCTION @extschema@.handle_new_user();
-- A member of the extension, like the INSERT trigger (see the 1.0 script): DROP EXTENSION
-- removes it.
INSERT INTO pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, t.oid, 0,
       'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid, 0, 'e'
FROM pg_catalog.pg_trigger t, pg_catalog.pg_extension e
WHERE t.tgrelid = 'auth.users'::pg_catalog.regclass
  AND t.tgname = 'sora_credits_on_auth_user_updated' AND e.extname = 'sora_credits';

------------------------------------------------------------------------------------------
-- list_deleted_videos reads the caller's identity the way the C++ functions do
------------------------------------------------------------------------------------------

-- In 1.0 it was SQL calling auth.uid() with the rights of its (superuser) owner: a new
-- definition of auth.uid() by the auth server's role would have run as that superuser.
CREATE OR REPLACE FUNCTION @extschema@.list_deleted_videos()
RETURNS SETOF @extschema@.videos LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_list_deleted_videos';

------------------------------------------------------------------------------------------
-- Nobody but a superuser can drop, disable or redirect what the ledger relies on
------------------------------------------------------------------------------------------

-- In PostgreSQL 15 the database owner owns schema public, and a schema's owner may drop
-- any index in it, or the schema itself with CASCADE (which drops the extension and its
-- data), or rename it (after which a new "public" could hold look-alike views that the
-- functions' SQL would name). auth.users's owner (the auth server's role) may drop or
-- disable the sign-up trigger, or drop the foreign key with the table. This event
-- trigger runs after every DDL command and every drop and, unless a superuser ran it,
-- refuses the command (42501, rolled back whole) when afterwards the extension, its
-- schema's name, or one of the objects below is gone or disabled. ENABLE ALWAYS: it fires
-- in replica mode too. Not SECURITY DEFINER: it only reads the catalogs.
DO $ddl_guard$
BEGIN
  EXECUTE pg_catalog.format($function$
CREATE FUNCTION @extschema@.guard_extension_objects() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  -- Fixed when the extension was installed or upgraded.
  v_schema constant text := %L;
  v_users constant oid := %s;
  v_missing text;
BEGIN
  IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    RETURN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
                 JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'sora_credits' AND pg_catalog.quote_ident(n.nspname) = v_schema) THEN
    v_missing := 'the name of schema ' || v_schema;
  ELSE
    SELECT pg_catalog.string_agg(w.what, ', ') INTO v_missing
    FROM (
      SELECT 'index ' || i.name AS what
      FROM pg_catalog.unnest(ARRAY[
        'credit_transactions_pkey', 'credit_transactions_one_charge_per_video',
        'credit_transactions_one_refund_per_video', 'credit_transactions_reference_per_kind',
        'credit_transactions_user_idx', 'credit_transactions_one_signup_bonus',
        'profiles_pkey', 'profiles_user_id_key',
        'videos_pkey', 'videos_user_idempotency_key', 'videos_user_active_idx',
        'videos_user_deleted_idx', 'videos_pending_idx', 'videos_user_inflight_idx',
        'video_pricing_pkey']) i(name)
      WHERE pg_catalog.to_regclass(v_schema || '.' || pg_catalog.quote_ident(i.name)) IS NULL
      UNION ALL
      SELECT 'trigger ' || g.name || ' on auth.users'
      FROM pg_catalog.unnest(ARRAY['sora_credits_on_auth_user_created',
                                   'sora_credits_on_auth_user_updated']) g(name)
      WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                        WHERE t.tgrelid = v_users AND t.tgname = g.name AND t.tgenabled <> 'D')
      UNION ALL
      SELECT 'the foreign key from profiles to auth.users'
      WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c
                        WHERE c.contype = 'f' AND c.confrelid = v_users
                          AND c.conrelid = pg_catalog.to_regclass(v_schema || '.profiles'))
    ) w;
  END IF;
  IF v_missing IS NOT NULL THEN
    RAISE EXCEPTION 'sora_credits: only a superuser may drop, disable or rename what the credit ledger relies on'
      USING ERRCODE = 'insufficient_privilege',
            DETAIL = 'The command would remove or disable: ' || v_missing || '.',
            HINT = 'Ask a superuser; DROP EXTENSION sora_credits is the way to remove it all.';
  END IF;
END
$body$
$function$, '@extschema@', 'auth.users'::pg_catalog.regclass::pg_catalog.oid);
END
$ddl_guard$;
COMMENT ON FUNCTION @extschema@.guard_extension_objects() IS
  'Event trigger: only a superuser may drop, disable or rename what the ledger relies on.';

-- The check above cannot see DROP SCHEMA ... CASCADE of the extension's schema: that drops
-- the extension, and this event trigger and its function with it, before sql_drop fires.
-- So that command (and DROP OWNED BY the schema's owner, which would do the same) is
-- refused before it starts, in C++, which reads the command's parse tree.
CREATE FUNCTION @extschema@.guard_schema_drop() RETURNS event_trigger
LANGUAGE c SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_guard_schema_drop';
COMMENT ON FUNCTION @extschema@.guard_schema_drop() IS
  'Event trigger: only a superuser may drop the schema that holds the ledger.';
CREATE EVENT TRIGGER sora_credits_guard_schema_drop ON ddl_command_start
  WHEN TAG IN ('DROP SCHEMA', 'DROP OWNED')
  EXECUTE FUNCTION @extschema@.guard_schema_drop();
ALTER EVENT TRIGGER sora_credits_guard_schema_drop ENABLE ALWAYS;

CREATE EVENT TRIGGER sora_credits_guard_ddl ON ddl_command_end
  EXECUTE FUNCTION @extschema@.guard_extension_objects();
CREATE EVENT TRIGGER sora_credits_guard_drop ON sql_drop
  EXECUTE FUNCTION @extschema@.guard_extension_objects();
ALTER EVENT TRIGGER sora_credits_guard_ddl ENABLE ALWAYS;
ALTER EVENT TRIGGER sora_credits_guard_drop ENABLE ALWAYS;

------------------------------------------------------------------------------------------
-- EXECUTE on the new functions
------------------------------------------------------------------------------------------

-- Trigger functions only: nobody calls them directly (Supabase's default privileges would
-- otherwise give EXECUTE to its API roles). list_deleted_videos keeps the grants of 1.0
-- (CREATE OR REPLACE keeps a function's privileges).
REVOKE ALL ON FUNCTION
  @extschema@.refuse_direct_change(),
  @extschema@.guard_ledger(),
  @extschema@.guard_extension_objects(),
  @extschema@.guard_schema_drop()
FROM PUBLIC, anon, authenticated, service_role;
