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
-- table's owner; the functions run as the owner and pass. They are ENABLE ALWAYS, so they
-- fire with session_replication_role = replica too, the mode in which restores load rows
-- (a setting only superusers, and on Supabase postgres through supautils, may change):
-- there any role may INSERT, as a restore does, but never UPDATE, DELETE or TRUNCATE.
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
ALTER TABLE @extschema@.profiles ENABLE ALWAYS TRIGGER profiles_functions_only,
  ENABLE ALWAYS TRIGGER profiles_functions_only_truncate;
ALTER TABLE @extschema@.videos ENABLE ALWAYS TRIGGER videos_functions_only,
  ENABLE ALWAYS TRIGGER videos_functions_only_truncate;

-- The ledger: one C++ guard replaces 1.0's UPDATE trigger and 1.1's DELETE/TRUNCATE
-- trigger, whose check read auth.users by name as the deleting role (a superuser, in the
-- cascade): a view put in its place would have run as that superuser. The guard
--  * lets INSERT through for superusers and the owner only (the functions), and in replica
--    mode (a restore) for anyone,
--  * refuses every UPDATE and TRUNCATE, for everyone, in replica mode too (ENABLE ALWAYS),
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

-- On a Citus worker, which has no auth.users (see the 1.0 script), the argument is 0: no
-- user is found there, so only a cascade gets through, as everywhere.
DO $ledger_guard$
DECLARE
  v_users constant oid := COALESCE(pg_catalog.to_regclass('auth.users')::pg_catalog.oid, 0);
BEGIN
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER credit_transactions_guard BEFORE INSERT OR UPDATE OR DELETE '
    'ON @extschema@.credit_transactions FOR EACH ROW EXECUTE FUNCTION @extschema@.guard_ledger(%L)',
    v_users);
  EXECUTE pg_catalog.format(
    'CREATE TRIGGER credit_transactions_guard_truncate BEFORE TRUNCATE '
    'ON @extschema@.credit_transactions FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_ledger(%L)',
    v_users);
END
$ledger_guard$;
ALTER TABLE @extschema@.credit_transactions ENABLE ALWAYS TRIGGER credit_transactions_guard,
  ENABLE ALWAYS TRIGGER credit_transactions_guard_truncate;

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

-- Where auth.users exists, that is everywhere but on a Citus worker (see the 1.0 script).
DO $update_trigger$
BEGIN
  IF pg_catalog.to_regclass('auth.users') IS NULL THEN
    RETURN;
  END IF;
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
END
$update_trigger$;

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
-- Credit lots: every grant is a lot with its own expiry, spent in a fixed order
------------------------------------------------------------------------------------------

-- Expired credits leave the balance through a ledger entry of their own, so the ledger
-- stays exact: for every user, credits = sum(amount) = sum(remaining) over the user's lots.
ALTER TABLE @extschema@.credit_transactions
  DROP CONSTRAINT credit_transactions_kind_check,
  ADD CONSTRAINT credit_transactions_kind_check CHECK (
    kind IN ('signup_bonus', 'purchase', 'grant', 'video_generation', 'refund', 'adjustment',
             'expiry')),
  DROP CONSTRAINT credit_transactions_sign,
  ADD CONSTRAINT credit_transactions_sign CHECK (
    CASE kind WHEN 'video_generation' THEN amount < 0
              WHEN 'expiry' THEN amount < 0
              WHEN 'adjustment' THEN true
              ELSE amount > 0 END);

-- What expired, kept with the other lifetime totals: credits = lifetime_granted -
-- lifetime_spent + lifetime_refunded - lifetime_expired.
ALTER TABLE @extschema@.profiles
  ADD COLUMN lifetime_expired bigint NOT NULL DEFAULT 0 CHECK (lifetime_expired >= 0);

CREATE TABLE @extschema@.credit_lots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id uuid NOT NULL REFERENCES @extschema@.profiles (id) ON DELETE CASCADE,
  -- The ledger entry that created the lot: a grant, or the refund of a charge made before
  -- 1.2; NULL for the balance an account had when it was upgraded to 1.2. No foreign key:
  -- the entries and the lots go away together, with their user, and verify_ledger() checks it.
  transaction_id bigint,
  kind text NOT NULL CHECK (kind IN ('signup_bonus', 'purchase', 'grant', 'adjustment',
                                     'refund', 'opening_balance')),
  category text NOT NULL CHECK (category IN ('paid', 'promotional')),
  amount bigint NOT NULL CHECK (amount > 0),
  remaining bigint NOT NULL,
  expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  -- Whether the lot is used up (or written off). The indexes below select the lots with
  -- credits left by this column, not by remaining: PostgreSQL can then update a lot in
  -- place (a HOT update, no new index entries) on every charge that leaves credits in it,
  -- since no indexed column changes; only the charge that empties it moves it out of them.
  depleted boolean GENERATED ALWAYS AS (remaining = 0) STORED,
  CONSTRAINT credit_lots_remaining_range CHECK (remaining BETWEEN 0 AND amount)
) WITH (fillfactor = 80);  -- room on each page for those in-place updates
COMMENT ON TABLE @extschema@.credit_lots IS
  'Credits by grant: each lot has its own expiry; for every user, credits = sum(remaining).';

-- A charge reads only the user's lots with credits left, in spending order (soonest expiry
-- first, never-expiring last, then promotional before paid, then the oldest): spent lots
-- are not in the index, so a charge does not slow down with the user's history.
CREATE INDEX credit_lots_live_idx ON @extschema@.credit_lots
  (user_id, expires_at, category DESC, created_at, id) WHERE NOT depleted;
-- expire_credits() reads only the lots that can expire and still hold credits.
CREATE INDEX credit_lots_expiring_idx ON @extschema@.credit_lots (expires_at)
  WHERE NOT depleted AND expires_at IS NOT NULL;
-- list_credit_lots(), and deleting a user (the cascade finds the lots by user).
CREATE INDEX credit_lots_user_idx ON @extschema@.credit_lots (user_id, created_at DESC);

-- Which lots a ledger entry gave credits to (a grant, a refund) or took them from (a charge,
-- an expiry): one row per entry and lot, so a charge's split can be read back and a refund
-- returns to each lot what the charge took from it. Keyed by the user first: the owner's
-- policy is a plain comparison, and deleting a user finds the rows by the key. No foreign
-- key to the ledger or the lots: one to credit_transactions would make PostgreSQL refuse
-- its TRUNCATE (0A000) before the ledger's guard can (42501); verify_ledger() checks them.
CREATE TABLE @extschema@.credit_allocations (
  user_id uuid NOT NULL REFERENCES @extschema@.profiles (id) ON DELETE CASCADE,
  transaction_id bigint NOT NULL,
  lot_id bigint NOT NULL,
  amount bigint NOT NULL CHECK (amount > 0),
  PRIMARY KEY (user_id, transaction_id, lot_id)
);
COMMENT ON TABLE @extschema@.credit_allocations IS
  'How many credits each ledger entry took from (or, for a refund, returned to) each lot.';

-- The rows of both tables and the lots' identity sequence are dumped (see the 1.0 script).
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credit_lots', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credit_allocations', '');
SELECT pg_catalog.pg_extension_config_dump(
  pg_catalog.pg_get_serial_sequence('@extschema@.credit_lots', 'id')::pg_catalog.regclass, '');

-- Privileges: nothing by default (Supabase's default privileges would give every API role
-- ALL), then SELECT of their own rows to users; only the functions write (the guards below).
REVOKE ALL ON TABLE @extschema@.credit_lots, @extschema@.credit_allocations
  FROM PUBLIC, anon, authenticated, service_role;
REVOKE ALL ON SEQUENCE @extschema@.credit_lots_id_seq FROM PUBLIC, anon, authenticated, service_role;
ALTER TABLE @extschema@.credit_lots ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.credit_allocations ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON @extschema@.credit_lots, @extschema@.credit_allocations TO authenticated, service_role;
CREATE POLICY credit_lots_select_own ON @extschema@.credit_lots
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));
CREATE POLICY credit_allocations_select_own ON @extschema@.credit_allocations
  FOR SELECT TO authenticated USING (user_id = (SELECT auth.uid()));

-- The same write guards as profiles and videos (see above).
CREATE TRIGGER credit_lots_functions_only BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.credit_lots
  FOR EACH ROW EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER credit_lots_functions_only_truncate BEFORE TRUNCATE ON @extschema@.credit_lots
  FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER credit_allocations_functions_only BEFORE INSERT OR UPDATE OR DELETE
  ON @extschema@.credit_allocations FOR EACH ROW EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER credit_allocations_functions_only_truncate BEFORE TRUNCATE
  ON @extschema@.credit_allocations FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_direct_change();
ALTER TABLE @extschema@.credit_lots ENABLE ALWAYS TRIGGER credit_lots_functions_only,
  ENABLE ALWAYS TRIGGER credit_lots_functions_only_truncate;
ALTER TABLE @extschema@.credit_allocations ENABLE ALWAYS TRIGGER credit_allocations_functions_only,
  ENABLE ALWAYS TRIGGER credit_allocations_functions_only_truncate;

-- Upgrading: each positive balance becomes one never-expiring lot, with no ledger entry (the
-- balance is already in the ledger). Its category is promotional when every grant the user
-- received was promotional (grant, signup_bonus), else paid. A fresh install has no
-- balances yet, so it creates none.
INSERT INTO @extschema@.credit_lots (user_id, kind, category, amount, remaining)
SELECT p.id, 'opening_balance',
       CASE WHEN g.categories = ARRAY['promotional'] THEN 'promotional' ELSE 'paid' END,
       p.credits, p.credits
FROM @extschema@.profiles p
LEFT JOIN (SELECT t.user_id,
                  pg_catalog.array_agg(DISTINCT CASE WHEN t.kind IN ('grant', 'signup_bonus')
                                                     THEN 'promotional' ELSE 'paid' END) AS categories
           FROM @extschema@.credit_transactions t
           WHERE t.kind IN ('purchase', 'grant', 'signup_bonus', 'adjustment')
           GROUP BY t.user_id) g ON g.user_id = p.id
WHERE p.credits > 0;

-- grant_credits gains the lot's expiry and category. Its argument list changes, so it is
-- dropped and created again, with its grants.
DROP FUNCTION @extschema@.grant_credits(uuid, bigint, text, text, text);
CREATE FUNCTION @extschema@.grant_credits(
  p_user_id uuid, p_amount bigint, p_kind text DEFAULT 'purchase',
  p_reference text DEFAULT NULL, p_description text DEFAULT NULL,
  p_expires_at timestamptz DEFAULT NULL, p_category text DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_grant_credits';
COMMENT ON FUNCTION @extschema@.grant_credits(uuid, bigint, text, text, text, timestamptz, text) IS
  'Payments and admins: add a lot of credits to a user, idempotent per (kind, reference).';

CREATE FUNCTION @extschema@.list_credit_lots()
RETURNS SETOF @extschema@.credit_lots LANGUAGE c STABLE SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_list_credit_lots';
COMMENT ON FUNCTION @extschema@.list_credit_lots() IS
  'Your credit lots: those with spendable credits first, in spending order, then the rest, newest first.';

-- SECURITY DEFINER like the other service functions; EXECUTE decides who may call it.
CREATE FUNCTION @extschema@.expire_credits()
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_expire_credits';
COMMENT ON FUNCTION @extschema@.expire_credits() IS
  'Scheduler: write off the credits left in expired lots, one expiry entry per lot.';

-- verify_ledger() checks the lots too; its result gains columns, so it is created again.
DROP FUNCTION @extschema@.verify_ledger();
CREATE FUNCTION @extschema@.verify_ledger()
RETURNS TABLE (user_id uuid, credits bigint, ledger_sum bigint, lots_remaining bigint, problem text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  WITH ledger AS (
    SELECT t.user_id, sum(t.amount)::bigint AS total FROM @extschema@.credit_transactions t
    GROUP BY t.user_id
  ), lots AS (
    SELECT l.user_id, sum(l.remaining)::bigint AS total FROM @extschema@.credit_lots l
    GROUP BY l.user_id
  ), accounts AS (
    SELECT p.id, p.credits, COALESCE(g.total, 0) AS ledger_sum, COALESCE(l.total, 0) AS lots_remaining
    FROM @extschema@.profiles p
    LEFT JOIN ledger g ON g.user_id = p.id LEFT JOIN lots l ON l.user_id = p.id
  ), moves AS (
    -- What each entry gave to (+: grants, refunds) or took from (-: charges, expiries) each lot.
    SELECT a.lot_id, CASE WHEN t.amount > 0 THEN a.amount ELSE -a.amount END AS delta
    FROM @extschema@.credit_allocations a
    JOIN @extschema@.credit_transactions t ON t.id = a.transaction_id
  ), era AS (
    -- A user's entries from their first one with allocations on were written by 1.2 or
    -- later, and must have them; the earlier ones are folded into the opening lot (or, for
    -- a charge refunded after the upgrade, into the lot its refund creates).
    SELECT a.user_id, min(a.transaction_id) AS first_id FROM @extschema@.credit_allocations a
    GROUP BY a.user_id
  ), problems AS (
    SELECT a.id AS user_id, 'balance differs from the sum of the ledger' AS problem
    FROM accounts a WHERE a.credits <> a.ledger_sum
    UNION ALL
    SELECT a.id, 'balance differs from the credits remaining in the lots'
    FROM accounts a WHERE a.credits <> a.lots_remaining
    UNION ALL
    -- A lot holds what its entries moved (an opening lot starts with its amount): its
    -- remaining never rises but by a refund.
    SELECT l.user_id, pg_catalog.format('lot %s: remaining %s, but its allocations give %s',
                                        l.id, l.remaining, s.total)
    FROM @extschema@.credit_lots l
    LEFT JOIN (SELECT m.lot_id, sum(m.delta) AS moved FROM moves m GROUP BY m.lot_id) m
      ON m.lot_id = l.id
    CROSS JOIN LATERAL (SELECT CASE WHEN l.transaction_id IS NULL THEN l.amount ELSE 0 END
                               + COALESCE(m.moved, 0) AS total) s
    WHERE l.remaining <> s.total
    UNION ALL
    SELECT a.user_id, pg_catalog.format('allocation of entry %s to lot %s: not an entry and a lot of the user',
                                        a.transaction_id, a.lot_id)
    FROM @extschema@.credit_allocations a
    WHERE NOT EXISTS (SELECT FROM @extschema@.credit_lots l WHERE l.id = a.lot_id AND l.user_id = a.user_id)
       OR NOT EXISTS (SELECT FROM @extschema@.credit_transactions t
                      WHERE t.id = a.transaction_id AND t.user_id = a.user_id)
    UNION ALL
    -- Every entry moves exactly its amount: a grant into its new lot, a charge and an
    -- expiry out of lots, a refund back into the lots its charge took from (or, for a
    -- charge made before 1.2, into a new lot).
    SELECT t.user_id, pg_catalog.format('entry %s (%s, %s): its allocations move %s',
                                        t.id, t.kind, t.amount, COALESCE(a.total, 0))
    FROM @extschema@.credit_transactions t
    LEFT JOIN (SELECT a.transaction_id, sum(a.amount) AS total FROM @extschema@.credit_allocations a
               GROUP BY a.transaction_id) a ON a.transaction_id = t.id
    LEFT JOIN era e ON e.user_id = t.user_id
    WHERE pg_catalog.abs(t.amount) <> COALESCE(a.total, 0) AND (a.total IS NOT NULL OR t.id > e.first_id)
    UNION ALL
    SELECT r.user_id, pg_catalog.format('refund %s returned %s to lot %s, which its charge took %s from',
                                        r.id, ra.amount, ra.lot_id, COALESCE(ca.amount, 0))
    FROM @extschema@.credit_transactions r
    JOIN @extschema@.credit_allocations ra ON ra.user_id = r.user_id AND ra.transaction_id = r.id
    JOIN @extschema@.credit_lots l ON l.id = ra.lot_id
    JOIN @extschema@.credit_transactions c ON c.video_id = r.video_id AND c.kind = 'video_generation'
    LEFT JOIN @extschema@.credit_allocations ca
      ON ca.user_id = c.user_id AND ca.transaction_id = c.id AND ca.lot_id = ra.lot_id
    WHERE r.kind = 'refund' AND l.transaction_id IS DISTINCT FROM r.id
      AND ra.amount > COALESCE(ca.amount, 0)
  )
  SELECT a.id, a.credits, a.ledger_sum, a.lots_remaining, p.problem
  FROM problems p JOIN accounts a ON a.id = p.user_id
  ORDER BY a.id, p.problem
$$;
COMMENT ON FUNCTION @extschema@.verify_ledger() IS
  'Every way an account breaks the ledger''s invariants, one row each; empty when consistent.';

REVOKE ALL ON FUNCTION
  @extschema@.grant_credits(uuid, bigint, text, text, text, timestamptz, text),
  @extschema@.list_credit_lots(),
  @extschema@.expire_credits(),
  @extschema@.verify_ledger()
FROM PUBLIC, anon, authenticated, service_role;
-- Users list their own lots (and the backend for them); granting, expiring and checking
-- are for the backend and operators only.
GRANT EXECUTE ON FUNCTION @extschema@.list_credit_lots() TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION
  @extschema@.grant_credits(uuid, bigint, text, text, text, timestamptz, text),
  @extschema@.expire_credits(),
  @extschema@.verify_ledger()
TO service_role;

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
        'video_pricing_pkey', 'credit_lots_pkey', 'credit_lots_live_idx',
        'credit_lots_expiring_idx', 'credit_lots_user_idx', 'credit_allocations_pkey']) i(name)
      WHERE pg_catalog.to_regclass(v_schema || '.' || pg_catalog.quote_ident(i.name)) IS NULL
      UNION ALL
      SELECT 'trigger ' || g.name || ' on auth.users'
      FROM pg_catalog.unnest(ARRAY['sora_credits_on_auth_user_created',
                                   'sora_credits_on_auth_user_updated']) g(name)
      WHERE v_users <> 0  -- 0 on a Citus worker, which has no auth.users (the 1.0 script)
        AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                        WHERE t.tgrelid = v_users AND t.tgname = g.name AND t.tgenabled <> 'D')
      UNION ALL
      SELECT 'the foreign key from profiles to auth.users'
      WHERE v_users <> 0
        AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint c
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
$function$, '@extschema@', COALESCE(pg_catalog.to_regclass('auth.users')::pg_catalog.oid, 0));
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
