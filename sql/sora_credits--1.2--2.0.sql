-- sora_credits 1.2 -> 2.0: one extension for one server and for a Citus cluster.
-- CREATE EXTENSION sora_credits (2.0) runs the 1.0 script and every update after it, this
-- one last, so new and upgraded databases get the same objects (test/upgrade checks it).
--
-- On one server, 2.0 keeps 1.2's tables, keys and behaviour. It adds what a cluster needs,
-- where the tables are spread over the nodes by their user (docs/scaling.md):
--  * a payment reference is granted at most once across all users through its own table,
--    payment_references, which a cluster spreads by the reference (the ledger's unique
--    index (kind, reference) could not be kept there);
--  * the functions that take a video id can be told its owner (p_user_id), so that a call
--    goes straight to the owner's shard;
--  * distribute_on_citus() spreads the tables over a cluster, once, on its coordinator,
--    with the keys a cluster needs (each with the user in it).

\echo Use "ALTER EXTENSION sora_credits UPDATE TO '2.0'" to load this file. \quit

-- Security: as in the earlier scripts, every name is schema-qualified and the script's
-- search_path is pinned (LOCAL: it ends with the script).
SET LOCAL search_path = pg_catalog, pg_temp;

------------------------------------------------------------------------------------------
-- Payment references: granted at most once, across all users
------------------------------------------------------------------------------------------

-- grant_credits claims (kind, reference) here before it grants: the primary key lets one
-- grant have it, for any user; a concurrent grant of it waits for the first and then
-- finds it taken (a replay for the same user, PT422 for another). On one server the
-- ledger's unique index (kind, reference) says the same, as in 1.x; a cluster cannot keep
-- that index (it lacks the user), and spreads this table by the reference instead, so two
-- users' grants of one reference meet on one shard. A user's references go with the user,
-- like the ledger entries that name them: by the foreign key on one server, and on a
-- cluster (where this table is not on the user's shard) by handle_deleted_user() below.
CREATE TABLE @extschema@.payment_references (
  kind text NOT NULL,
  reference text NOT NULL,
  user_id uuid NOT NULL REFERENCES @extschema@.profiles (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  PRIMARY KEY (reference, kind)
);
COMMENT ON TABLE @extschema@.payment_references IS
  'Every (kind, reference) granted, and to whom: a payment is granted at most once.';
-- Deleting a user finds the user's references by it.
CREATE INDEX payment_references_user_idx ON @extschema@.payment_references (user_id);
INSERT INTO @extschema@.payment_references (kind, reference, user_id, created_at)
SELECT t.kind, t.reference, t.user_id, t.created_at
FROM @extschema@.credit_transactions t WHERE t.reference IS NOT NULL;

-- Dumped like the other tables (see the 1.0 script). Nobody but the functions reads or
-- writes it: no privilege for any API role, RLS on with no policy, and the write guard.
SELECT pg_catalog.pg_extension_config_dump('@extschema@.payment_references', '');
REVOKE ALL ON TABLE @extschema@.payment_references FROM PUBLIC, anon, authenticated, service_role;
ALTER TABLE @extschema@.payment_references ENABLE ROW LEVEL SECURITY;
CREATE TRIGGER payment_references_functions_only BEFORE INSERT OR UPDATE OR DELETE
  ON @extschema@.payment_references FOR EACH ROW EXECUTE FUNCTION @extschema@.refuse_direct_change();
CREATE TRIGGER payment_references_functions_only_truncate BEFORE TRUNCATE
  ON @extschema@.payment_references FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.refuse_direct_change();
ALTER TABLE @extschema@.payment_references ENABLE ALWAYS TRIGGER payment_references_functions_only,
  ENABLE ALWAYS TRIGGER payment_references_functions_only_truncate;

------------------------------------------------------------------------------------------
-- Stale jobs: listed in the order they went stale
------------------------------------------------------------------------------------------

-- expire_stale_videos() lists the jobs in flight not updated for a while, oldest first.
-- videos_user_inflight_idx (1.1) is keyed by user, so the listing read every job in
-- flight to return the stale ones; this index is read from its start up to the cut-off,
-- in the listing's order: only the stale jobs (docs/performance/scale.md). It costs a
-- charge and a claim one index entry each; no update loses HOT by it (every update of
-- updated_at also changes status or deleted_at, which other indexes already read). The
-- upgrade builds it with a plain CREATE INDEX: writes to videos wait for the build.
CREATE INDEX videos_inflight_updated_idx ON @extschema@.videos (updated_at, id)
  WHERE status IN ('pending', 'processing');

------------------------------------------------------------------------------------------
-- The functions that take a video id can be told its owner
------------------------------------------------------------------------------------------

-- p_user_id, the video's owner (claim_video_jobs returns it with each job): given, the
-- call reads only that user's rows, which on a cluster is one shard; a video of another
-- user is "not found", as it is for a user calling soft_delete_video. Omitted, the video
-- is looked up by its id alone, as in 1.x (on a cluster, on every shard). The argument
-- lists change, so each function is dropped and created again, with its grants.
DROP FUNCTION @extschema@.soft_delete_video(uuid);
DROP FUNCTION @extschema@.restore_video(uuid);
DROP FUNCTION @extschema@.refund_video_credits(uuid, text);
DROP FUNCTION @extschema@.complete_video_generation(uuid, text);

CREATE FUNCTION @extschema@.soft_delete_video(p_video_id uuid, p_user_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_soft_delete_video';
COMMENT ON FUNCTION @extschema@.soft_delete_video(uuid, uuid) IS
  'Hide one of your videos (it can be restored within sora_credits.restore_window).';

CREATE FUNCTION @extschema@.restore_video(p_video_id uuid, p_user_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_restore_video';
COMMENT ON FUNCTION @extschema@.restore_video(uuid, uuid) IS 'Bring back one of your deleted videos.';

CREATE FUNCTION @extschema@.refund_video_credits(
  p_video_id uuid, p_reason text DEFAULT NULL, p_user_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_refund_video_credits';
COMMENT ON FUNCTION @extschema@.refund_video_credits(uuid, text, uuid) IS
  'Worker: mark a video failed and return its credits, exactly once.';

CREATE FUNCTION @extschema@.complete_video_generation(
  p_video_id uuid, p_video_url text, p_user_id uuid DEFAULT NULL)
RETURNS jsonb LANGUAGE c VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS 'MODULE_PATHNAME', 'sora_complete_video_generation';
COMMENT ON FUNCTION @extschema@.complete_video_generation(uuid, text, uuid) IS
  'Worker: mark a pending or processing video completed with its URL.';

-- The grants of 1.0: users and the backend for them; the worker only.
REVOKE ALL ON FUNCTION
  @extschema@.soft_delete_video(uuid, uuid),
  @extschema@.restore_video(uuid, uuid),
  @extschema@.refund_video_credits(uuid, text, uuid),
  @extschema@.complete_video_generation(uuid, text, uuid)
FROM PUBLIC, anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION
  @extschema@.soft_delete_video(uuid, uuid),
  @extschema@.restore_video(uuid, uuid)
TO authenticated, service_role;
GRANT EXECUTE ON FUNCTION
  @extschema@.refund_video_credits(uuid, text, uuid),
  @extschema@.complete_video_generation(uuid, text, uuid)
TO service_role;

------------------------------------------------------------------------------------------
-- verify_ledger(): the same checks, each join by the user too (a cluster runs each on the
-- user's shard), and every payment reference of the ledger claimed for its user
------------------------------------------------------------------------------------------

CREATE OR REPLACE FUNCTION @extschema@.verify_ledger()
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
    SELECT a.user_id, a.lot_id, CASE WHEN t.amount > 0 THEN a.amount ELSE -a.amount END AS delta
    FROM @extschema@.credit_allocations a
    JOIN @extschema@.credit_transactions t ON t.user_id = a.user_id AND t.id = a.transaction_id
  ), era AS (
    -- A user's entries from their first one with allocations on were written by 1.2 or
    -- later, and must have them; the earlier ones are folded into the opening lot (or, for
    -- a charge refunded after the upgrade, into the lot its refund creates).
    SELECT a.user_id, min(a.transaction_id) AS first_id FROM @extschema@.credit_allocations a
    GROUP BY a.user_id
  ), granted AS MATERIALIZED (
    -- The references on both sides, each read on its own: a cluster keeps them on
    -- different shards (by the user, by the reference) and compares them on the coordinator.
    SELECT t.user_id, t.id, t.kind, t.reference FROM @extschema@.credit_transactions t
    WHERE t.reference IS NOT NULL
  ), claimed AS MATERIALIZED (
    SELECT r.user_id, r.kind, r.reference FROM @extschema@.payment_references r
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
    LEFT JOIN (SELECT m.user_id, m.lot_id, sum(m.delta) AS moved FROM moves m
               GROUP BY m.user_id, m.lot_id) m
      ON m.user_id = l.user_id AND m.lot_id = l.id
    CROSS JOIN LATERAL (SELECT CASE WHEN l.transaction_id IS NULL THEN l.amount ELSE 0 END
                               + COALESCE(m.moved, 0) AS total) s
    WHERE l.remaining <> s.total
    UNION ALL
    SELECT a.user_id, pg_catalog.format('allocation of entry %s to lot %s: not an entry and a lot of the user',
                                        a.transaction_id, a.lot_id)
    FROM @extschema@.credit_allocations a
    WHERE NOT EXISTS (SELECT FROM @extschema@.credit_lots l WHERE l.user_id = a.user_id AND l.id = a.lot_id)
       OR NOT EXISTS (SELECT FROM @extschema@.credit_transactions t
                      WHERE t.user_id = a.user_id AND t.id = a.transaction_id)
    UNION ALL
    -- Every entry moves exactly its amount: a grant into its new lot, a charge and an
    -- expiry out of lots, a refund back into the lots its charge took from (or, for a
    -- charge made before 1.2, into a new lot).
    SELECT t.user_id, pg_catalog.format('entry %s (%s, %s): its allocations move %s',
                                        t.id, t.kind, t.amount, COALESCE(a.total, 0))
    FROM @extschema@.credit_transactions t
    LEFT JOIN (SELECT a.user_id, a.transaction_id, sum(a.amount) AS total
               FROM @extschema@.credit_allocations a GROUP BY a.user_id, a.transaction_id) a
      ON a.user_id = t.user_id AND a.transaction_id = t.id
    LEFT JOIN era e ON e.user_id = t.user_id
    WHERE pg_catalog.abs(t.amount) <> COALESCE(a.total, 0) AND (a.total IS NOT NULL OR t.id > e.first_id)
    UNION ALL
    SELECT r.user_id, pg_catalog.format('refund %s returned %s to lot %s, which its charge took %s from',
                                        r.id, ra.amount, ra.lot_id, COALESCE(ca.amount, 0))
    FROM @extschema@.credit_transactions r
    JOIN @extschema@.credit_allocations ra ON ra.user_id = r.user_id AND ra.transaction_id = r.id
    JOIN @extschema@.credit_lots l ON l.user_id = ra.user_id AND l.id = ra.lot_id
    JOIN @extschema@.credit_transactions c
      ON c.user_id = r.user_id AND c.video_id = r.video_id AND c.kind = 'video_generation'
    LEFT JOIN @extschema@.credit_allocations ca
      ON ca.user_id = c.user_id AND ca.transaction_id = c.id AND ca.lot_id = ra.lot_id
    WHERE r.kind = 'refund' AND l.transaction_id IS DISTINCT FROM r.id
      AND ra.amount > COALESCE(ca.amount, 0)
    UNION ALL
    -- A granted reference is claimed, for the user it was granted to.
    SELECT g.user_id, pg_catalog.format('entry %s (%s, reference %s): the reference is not claimed for the user',
                                        g.id, g.kind, g.reference)
    FROM granted g
    WHERE NOT EXISTS (SELECT FROM claimed c
                      WHERE c.reference = g.reference AND c.kind = g.kind AND c.user_id = g.user_id)
  )
  SELECT a.id, a.credits, a.ledger_sum, a.lots_remaining, p.problem
  FROM problems p JOIN accounts a ON a.id = p.user_id
  ORDER BY a.id, p.problem
$$;

------------------------------------------------------------------------------------------
-- The DDL guard (1.2) protects every index of the extension's tables
------------------------------------------------------------------------------------------

-- As in 1.2, with two changes: the indexes it protects are all those of the extension's
-- tables, read from the catalog when the guard is written instead of a list of names that
-- each release had to keep in step; and on a cluster (after distribute_on_citus()) a
-- user's profile goes with the user through the trigger sora_credits_on_auth_user_deleted
-- instead of the foreign key, so there that trigger is protected instead. On a Citus
-- worker, which has no auth.users (the 1.0 script), only the extension's own objects are
-- checked. write_ddl_guard() writes the guard with what is there now: this script, and
-- distribute_on_citus() after it changed the keys, call it.
CREATE FUNCTION @extschema@.write_ddl_guard() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $write$
BEGIN
  EXECUTE pg_catalog.format($function$
CREATE OR REPLACE FUNCTION @extschema@.guard_extension_objects() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
  -- Fixed when the extension was installed or upgraded.
  v_schema constant text := %L;
  v_users constant oid := %s;
  v_indexes constant text[] := %L;
  v_distributed boolean := false;
  v_missing text;
BEGIN
  IF (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) THEN
    RETURN;
  END IF;
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL THEN
    SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition d
                   WHERE d.logicalrelid = pg_catalog.to_regclass(v_schema || '.profiles'))
    INTO v_distributed;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_extension e
                 JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
                 WHERE e.extname = 'sora_credits' AND pg_catalog.quote_ident(n.nspname) = v_schema) THEN
    v_missing := 'the name of schema ' || v_schema;
  ELSE
    SELECT pg_catalog.string_agg(w.what, ', ') INTO v_missing
    FROM (
      SELECT 'index ' || i.name AS what
      FROM pg_catalog.unnest(v_indexes) i(name)
      WHERE pg_catalog.to_regclass(v_schema || '.' || pg_catalog.quote_ident(i.name)) IS NULL
      UNION ALL
      SELECT 'trigger ' || g.name || ' on auth.users'
      FROM pg_catalog.unnest(ARRAY['sora_credits_on_auth_user_created',
                                   'sora_credits_on_auth_user_updated']
                             || CASE WHEN v_distributed THEN ARRAY['sora_credits_on_auth_user_deleted']
                                     ELSE '{}'::text[] END) g(name)
      WHERE v_users <> 0
        AND NOT EXISTS (SELECT FROM pg_catalog.pg_trigger t
                        WHERE t.tgrelid = v_users AND t.tgname = g.name AND t.tgenabled <> 'D')
      UNION ALL
      SELECT 'the foreign key from profiles to auth.users'
      WHERE v_users <> 0 AND NOT v_distributed
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
$function$, '@extschema@', COALESCE(pg_catalog.to_regclass('auth.users')::pg_catalog.oid, 0),
  (SELECT pg_catalog.array_agg(c.relname::text ORDER BY c.relname)
   FROM pg_catalog.pg_depend d
   JOIN pg_catalog.pg_index i ON i.indrelid = d.objid
   JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
   WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype = 'e'
     AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass
     AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'sora_credits')));
END
$write$;
COMMENT ON FUNCTION @extschema@.write_ddl_guard() IS
  'Writes the DDL guard with the indexes of the extension''s tables as they are now.';
SELECT @extschema@.write_ddl_guard();

------------------------------------------------------------------------------------------
-- A Citus cluster: distribute_on_citus()
------------------------------------------------------------------------------------------

-- On a cluster, deleting a user from auth.users (a table of the coordinator only, which the
-- cluster's tables cannot reference) deletes the user's payment references and profile
-- through this trigger, and the profile's foreign keys take the rest with it, on the
-- user's shard, as on one server.
-- SECURITY DEFINER: the auth server's role has no rights on profiles. It names only the
-- extension's own table (search_path pinned), so it runs no code of that role.
CREATE FUNCTION @extschema@.handle_deleted_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
  DELETE FROM @extschema@.payment_references WHERE user_id = OLD.id;
  DELETE FROM @extschema@.profiles WHERE id = OLD.id;
  RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.handle_deleted_user() IS
  'Trigger on auth.users, on a Citus cluster: deletes the credit account of a deleted user.';

-- Spreads the extension's tables over the cluster whose coordinator this is, once: each
-- user's profile, videos, ledger, lots and allocations on one shard (co-located by the
-- user), the payment references by reference, the prices copied to every node. The rows
-- already there move with their tables (Citus copies them; docs/scaling.md says what that
-- costs). Refused (55000) where Citus is not installed, on a worker, and a second time.
-- Before it distributes, it changes on every node (the workers hold the same tables, empty,
-- through which Citus plans there) what a cluster cannot have:
--  * keys without the user: videos, the ledger and the lots are keyed (id, user_id), the
--    ledger's reference to its video is (video_id, user_id) (a video's entries are its
--    owner's), the one-charge and one-refund indexes are per (video_id, user_id), and
--    profiles' UNIQUE (user_id) goes (id = user_id already: profiles_id_user_id_match);
--  * the ledger's unique (kind, reference), which becomes (user_id, kind, reference): the
--    rule across users is payment_references' (see above);
--  * foreign keys to tables on other nodes: from profiles to auth.users (the coordinator's
--    own table; the trigger above deletes the profile instead), and from
--    payment_references to profiles (spread by another column; the trigger deletes them);
--  * the ledger guard's argument, auth.users's OID on this node, which means nothing on
--    the others: there it is 0, and rows go away only in a cascade, that is with their
--    profile, which only the extension's owner (that trigger) may delete;
--  * the policies' (SELECT auth.uid()), a subquery, which Citus refuses in the policies of
--    distributed tables: plain auth.uid() there.
-- The changes are written so that they can run again: on a worker they commit on their
-- own, so a call that fails later (and rolls back on the coordinator) can be repeated.
-- No EXECUTE for anyone: the superuser who set up the cluster calls it.
CREATE FUNCTION @extschema@.distribute_on_citus() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
  v_group integer;
  v_users constant oid := pg_catalog.to_regclass('auth.users');
  v_changes constant text := $changes$
    SET LOCAL search_path = pg_catalog, pg_temp;
    ALTER TABLE @extschema@.profiles DROP CONSTRAINT IF EXISTS profiles_user_id_key,
      DROP CONSTRAINT IF EXISTS profiles_id_fkey;
    ALTER TABLE @extschema@.payment_references
      DROP CONSTRAINT IF EXISTS payment_references_user_id_fkey;
    ALTER TABLE @extschema@.credit_transactions
      DROP CONSTRAINT IF EXISTS credit_transactions_video_id_fkey;
    ALTER TABLE @extschema@.videos DROP CONSTRAINT videos_pkey,
      ADD CONSTRAINT videos_pkey PRIMARY KEY (id, user_id);
    ALTER TABLE @extschema@.credit_transactions DROP CONSTRAINT credit_transactions_pkey,
      ADD CONSTRAINT credit_transactions_pkey PRIMARY KEY (id, user_id),
      ADD CONSTRAINT credit_transactions_video_id_fkey
        FOREIGN KEY (video_id, user_id) REFERENCES @extschema@.videos (id, user_id);
    ALTER TABLE @extschema@.credit_lots DROP CONSTRAINT credit_lots_pkey,
      ADD CONSTRAINT credit_lots_pkey PRIMARY KEY (id, user_id);
    DROP INDEX @extschema@.credit_transactions_one_charge_per_video,
      @extschema@.credit_transactions_one_refund_per_video;
    DROP INDEX IF EXISTS @extschema@.credit_transactions_reference_per_kind;
    CREATE UNIQUE INDEX credit_transactions_one_charge_per_video
      ON @extschema@.credit_transactions (video_id, user_id) WHERE kind = 'video_generation';
    CREATE UNIQUE INDEX credit_transactions_one_refund_per_video
      ON @extschema@.credit_transactions (video_id, user_id) WHERE kind = 'refund';
    CREATE UNIQUE INDEX IF NOT EXISTS credit_transactions_user_reference
      ON @extschema@.credit_transactions (user_id, kind, reference) WHERE reference IS NOT NULL;
    DROP TRIGGER credit_transactions_guard ON @extschema@.credit_transactions;
    DROP TRIGGER credit_transactions_guard_truncate ON @extschema@.credit_transactions;
    CREATE TRIGGER credit_transactions_guard BEFORE INSERT OR UPDATE OR DELETE
      ON @extschema@.credit_transactions FOR EACH ROW EXECUTE FUNCTION @extschema@.guard_ledger('0');
    CREATE TRIGGER credit_transactions_guard_truncate BEFORE TRUNCATE
      ON @extschema@.credit_transactions FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.guard_ledger('0');
    ALTER TABLE @extschema@.credit_transactions ENABLE ALWAYS TRIGGER credit_transactions_guard,
      ENABLE ALWAYS TRIGGER credit_transactions_guard_truncate;
    ALTER POLICY profiles_select_own ON @extschema@.profiles USING (id = auth.uid());
    ALTER POLICY videos_select_own_active ON @extschema@.videos
      USING (user_id = auth.uid() AND deleted_at IS NULL);
    ALTER POLICY credit_transactions_select_own ON @extschema@.credit_transactions
      USING (user_id = auth.uid());
    ALTER POLICY credit_lots_select_own ON @extschema@.credit_lots USING (user_id = auth.uid());
    ALTER POLICY credit_allocations_select_own ON @extschema@.credit_allocations
      USING (user_id = auth.uid());
    SELECT @extschema@.write_ddl_guard();
  $changes$;
  v_failed text;
  v_table text;
BEGIN
  IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
    RAISE EXCEPTION 'distribute_on_citus() needs the citus extension in this database'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  SELECT g.groupid INTO v_group FROM pg_catalog.pg_dist_local_group g;
  IF v_group <> 0 OR v_users IS NULL THEN
    RAISE EXCEPTION 'distribute_on_citus() runs on the coordinator, which has auth.users'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_dist_partition d
             WHERE d.logicalrelid = '@extschema@.profiles'::pg_catalog.regclass) THEN
    RAISE EXCEPTION 'sora_credits is already distributed'
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;

  -- The workers first, each in a transaction of its own (Citus's run_command_on_workers),
  -- with the DDL not passed on further; then here, in this transaction. One statement (a
  -- DO block): for a string of several, run_command_on_workers reports only the first
  -- one's outcome, so a worker's refusal of a later one would pass unseen.
  SELECT pg_catalog.string_agg(w.nodename || ':' || w.nodeport || ': ' || w.result, '; ')
  INTO v_failed
  FROM pg_catalog.run_command_on_workers(
         'DO $do$ BEGIN '
         'PERFORM pg_catalog.set_config(''citus.enable_ddl_propagation'', ''off'', true); '
         'EXECUTE ' || pg_catalog.quote_literal(v_changes) || '; END $do$') w
  WHERE NOT w.success;
  IF v_failed IS NOT NULL THEN
    RAISE EXCEPTION 'distribute_on_citus(): the workers refused the changes: %', v_failed
      USING ERRCODE = 'object_not_in_prerequisite_state';
  END IF;
  CREATE TRIGGER sora_credits_on_auth_user_deleted AFTER DELETE ON auth.users
    FOR EACH ROW EXECUTE FUNCTION @extschema@.handle_deleted_user();
  -- A member of the extension, like the other triggers on auth.users (the 1.0 script).
  INSERT INTO pg_catalog.pg_depend (classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype)
  SELECT 'pg_catalog.pg_trigger'::pg_catalog.regclass, t.oid, 0,
         'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid, 0, 'e'
  FROM pg_catalog.pg_trigger t, pg_catalog.pg_extension e
  WHERE t.tgrelid = v_users AND t.tgname = 'sora_credits_on_auth_user_deleted'
    AND e.extname = 'sora_credits';
  EXECUTE v_changes;

  -- Citus refuses triggers on distributed tables unless told they are safe: ours read or
  -- write nothing but the row they fire for (the guards) and run on the row's shard.
  PERFORM pg_catalog.set_config('citus.enable_unsafe_triggers', 'on', true);
  PERFORM pg_catalog.create_reference_table('@extschema@.video_pricing');
  PERFORM pg_catalog.create_distributed_table('@extschema@.profiles', 'id');
  FOREACH v_table IN ARRAY ARRAY['videos', 'credit_transactions', 'credit_lots', 'credit_allocations'] LOOP
    PERFORM pg_catalog.create_distributed_table(('@extschema@.' || v_table)::pg_catalog.regclass,
                                                'user_id', colocate_with => '@extschema@.profiles');
  END LOOP;
  PERFORM pg_catalog.create_distributed_table('@extschema@.payment_references', 'reference',
                                              colocate_with => 'none');
END
$$;
COMMENT ON FUNCTION @extschema@.distribute_on_citus() IS
  'On a Citus coordinator: spread the extension''s tables over the cluster by user, once.';

-- Trigger functions and the coordinator's one-time call: nobody calls them through the API
-- (Supabase's default privileges would otherwise give EXECUTE to its API roles).
REVOKE ALL ON FUNCTION @extschema@.handle_deleted_user(), @extschema@.distribute_on_citus(),
  @extschema@.write_ddl_guard()
  FROM PUBLIC, anon, authenticated, service_role;
