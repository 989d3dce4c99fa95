-- After ALTER EXTENSION sora_credits UPDATE (1.0 -> 1.1 -> 1.2) on the data of fill_1_0.sql
-- and of run.sh's step at 1.1: what the upgrade made of each balance (one opening lot), and
-- how 1.2's lot code works on the accounts it made: a refund of a charge made before the
-- upgrade, charges that spend the opening lots, get_credit_info's new figures. run.sh has
-- already checked that no row changed and no ledger entry was written. In one transaction,
-- rolled back, so that after_upgrade.sql starts from the same upgraded database.
--
-- The balances when the upgrade ran (users by their last digit): one 540 (bonus and
-- purchase), two 37 and three 60 (bonus only), four 48 (grant only), five 80 (purchase
-- only), six 0 (spent it all), seven 26 (a grant at 1.1), eight 25 (grant and adjustment).
BEGIN;
SELECT plan(26);

CREATE FUNCTION pg_temp.uid(n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS
  $$ SELECT format('0a000000-0000-4000-8000-%s', lpad(n::text, 12, '0'))::uuid $$;
CREATE FUNCTION pg_temp.vid(p_prompt text) RETURNS uuid LANGUAGE sql AS
  $$ SELECT id FROM public.videos WHERE prompt = p_prompt $$;
-- get_credit_info of user n as the backend asks for it (service_role's claims; this
-- superuser is a member of service_role), and its figures that 1.2 adds, in one line:
-- credits, credits_paid, credits_promotional, lifetime_expired, next_expiry.
CREATE FUNCTION pg_temp.info(n int) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('request.jwt.claims', '{"role":"service_role"}', true);
  RETURN public.get_credit_info(pg_temp.uid(n));
END
$$;
CREATE FUNCTION pg_temp.figures(n int) RETURNS text LANGUAGE sql AS $$
  SELECT concat_ws(' ', i->>'credits', i->>'credits_paid', i->>'credits_promotional',
                   i->>'lifetime_expired', (i->'next_expiry')::text)
  FROM pg_temp.info(n) i
$$;
-- What ledger entry t moved to or from which lot: "kind amount" of the lot, per allocation.
CREATE FUNCTION pg_temp.moves(t bigint) RETURNS TABLE (lot_kind text, lot_category text, amount bigint)
LANGUAGE sql AS $$
  SELECT l.kind, l.category, a.amount FROM public.credit_allocations a
  JOIN public.credit_lots l ON l.id = a.lot_id WHERE a.transaction_id = t ORDER BY l.expires_at NULLS LAST, l.id
$$;
CREATE FUNCTION pg_temp.opening(n int) RETURNS bigint LANGUAGE sql AS $$
  SELECT remaining FROM public.credit_lots WHERE user_id = pg_temp.uid(n) AND kind = 'opening_balance'
$$;

-- What the upgrade made ----------------------------------------------------------------
SELECT results_eq(
  $$SELECT right(user_id::text, 1), kind, category, amount, remaining, expires_at IS NULL, transaction_id IS NULL
    FROM public.credit_lots ORDER BY 1$$,
  $$VALUES ('1', 'opening_balance', 'paid', 540::bigint, 540::bigint, true, true),
           ('2', 'opening_balance', 'promotional', 37, 37, true, true),
           ('3', 'opening_balance', 'promotional', 60, 60, true, true),
           ('4', 'opening_balance', 'promotional', 48, 48, true, true),
           ('5', 'opening_balance', 'paid', 80, 80, true, true),
           ('7', 'opening_balance', 'promotional', 26, 26, true, true),
           ('8', 'opening_balance', 'paid', 25, 25, true, true)$$,
  'one never-expiring opening_balance lot per positive balance, without an entry; promotional only for bonus- and grant-only users');
SELECT is_empty(
  $$SELECT p.id FROM public.profiles p LEFT JOIN public.credit_lots l ON l.user_id = p.id
    GROUP BY p.id, p.credits
    HAVING count(l.id) <> (p.credits > 0)::int OR COALESCE(sum(l.amount), 0) <> p.credits
        OR COALESCE(sum(l.remaining), 0) <> p.credits$$,
  'every lot holds exactly its user''s balance (amount = remaining = credits), and every positive balance has one');
SELECT is((SELECT count(*)::int FROM public.credit_lots WHERE user_id = pg_temp.uid(6)), 0,
          'six, whose balance is 0 after spending it all, has no lot');
SELECT is_empty('SELECT * FROM public.credit_allocations', 'the upgrade allocated nothing (no entry moved credits)');
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE kind = 'expiry'), 0, 'no expiry entry');
SELECT is((SELECT count(*)::int FROM public.profiles WHERE lifetime_expired <> 0), 0, 'lifetime_expired is 0 for everyone');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() is empty right after the upgrade');

-- get_credit_info: credits credits_paid credits_promotional lifetime_expired next_expiry
SELECT results_eq(
  $$SELECT n, pg_temp.figures(n) FROM generate_series(1, 8) n ORDER BY n$$,
  $$VALUES (1, '540 540 0 0 null'), (2, '37 0 37 0 null'), (3, '60 0 60 0 null'), (4, '48 0 48 0 null'),
           (5, '80 80 0 0 null'), (6, '0 0 0 0 null'), (7, '26 0 26 0 null'), (8, '25 25 0 0 null')$$,
  'get_credit_info: the opening lot''s credits by its category, nothing expired, no next expiry');
SELECT is((SELECT count(*)::int FROM public.profiles p WHERE (pg_temp.info(right(p.id::text, 1)::int)->>'credits')::bigint <> p.credits),
          0, 'get_credit_info''s credits is the stored balance of every user');

-- A refund of a charge made before the upgrade (three's job from 1.0, still in flight) ----
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true) IS NULL;
CREATE TEMP TABLE refunded AS
  SELECT public.refund_video_credits(pg_temp.vid('three 1'), 'model error after the upgrade') AS r;
CREATE TEMP TABLE refund_entry AS
  SELECT id FROM public.credit_transactions WHERE video_id = pg_temp.vid('three 1') AND kind = 'refund';
SELECT is((SELECT (r->>'credits_refunded')::bigint FROM refunded), 40::bigint, 'three''s 1.0 job is refunded: 40 credits');
SELECT results_eq(
  $$SELECT kind, category, amount, remaining, expires_at IS NULL, transaction_id = (SELECT id FROM refund_entry)
    FROM public.credit_lots WHERE user_id = pg_temp.uid(3) AND kind <> 'opening_balance'$$,
  $$VALUES ('refund', 'paid', 40::bigint, 40::bigint, true, true)$$,
  'the refund is a new never-expiring paid lot of kind refund, of the refunded amount, made by the refund entry');
SELECT results_eq($$SELECT * FROM pg_temp.moves((SELECT id FROM refund_entry))$$,
                  $$VALUES ('refund', 'paid', 40::bigint)$$, 'the refund entry''s one allocation is to that lot');
SELECT is(pg_temp.opening(3), 60::bigint, 'three''s opening lot is not touched');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() stays empty after the refund');
SELECT is(public.refund_video_credits(pg_temp.vid('three 1'), 'model error after the upgrade')->'already_refunded',
          'true'::jsonb, 'a retried refund answers already_refunded');
SELECT is((SELECT count(*)::int FROM public.credit_lots WHERE user_id = pg_temp.uid(3)), 2, 'and makes no other lot');
SELECT is(pg_temp.figures(3), '100 40 60 0 null', 'get_credit_info: three has 40 paid (the refund) and 60 promotional');

-- Charges after the upgrade spend the opening lots ---------------------------------------
-- three: both lots never expire, so the promotional opening lot goes before the paid refund lot.
SELECT test.act_as('authenticated', pg_temp.uid(3));
CREATE TEMP TABLE three_charge AS SELECT public.create_video_generation('three 2', 1, '480p') AS r;
RESET ROLE;
SELECT results_eq($$SELECT * FROM pg_temp.moves((SELECT (r->>'transaction_id')::bigint FROM three_charge))$$,
                  $$VALUES ('opening_balance', 'promotional', 1::bigint)$$,
                  'three''s charge takes from the promotional opening lot before the paid refund lot');
-- five: the opening lot is all there is.
SELECT test.act_as('authenticated', pg_temp.uid(5));
CREATE TEMP TABLE five_charge AS SELECT public.create_video_generation('five 1', 5, '720p') AS r;
RESET ROLE;
SELECT results_eq($$SELECT * FROM pg_temp.moves((SELECT (r->>'transaction_id')::bigint FROM five_charge))$$,
                  $$VALUES ('opening_balance', 'paid', 15::bigint)$$, 'five''s charge of 15 is taken from the opening lot');
SELECT is(pg_temp.opening(5), 65::bigint, 'which keeps 80 - 15');
-- one: a promotion that expires in a week, then a charge of 15 larger than it: the expiring
-- lot goes first, the rest from the opening lot.
SELECT set_config('request.jwt.claims', '{"role":"service_role"}', true) IS NULL;
SELECT public.grant_credits(pg_temp.uid(1), 10, 'grant', NULL, 'promotion', now() + interval '7 days') IS NOT NULL;
SELECT is(pg_temp.figures(1) ~ '^550 540 10 0 \{"credits": 10, "expires_at": "[^"]+"\}$', true,
          'get_credit_info: 550 credits, 540 paid and 10 promotional, of which 10 expire next');
SELECT is((pg_temp.info(1)->'next_expiry'->>'expires_at')::timestamptz, now() + interval '7 days',
          'next_expiry.expires_at is the promotion''s expiry');
SELECT test.act_as('authenticated', pg_temp.uid(1));
CREATE TEMP TABLE one_charge AS SELECT public.create_video_generation('one 7', 5, '720p') AS r;
RESET ROLE;
SELECT results_eq($$SELECT * FROM pg_temp.moves((SELECT (r->>'transaction_id')::bigint FROM one_charge))$$,
                  $$VALUES ('grant', 'promotional', 10::bigint), ('opening_balance', 'paid', 5::bigint)$$,
                  'one''s charge of 15 spans two lots: the expiring promotion first, then 5 from the opening lot');
SELECT is(pg_temp.figures(1), '535 535 0 0 null', 'get_credit_info: one has 535 paid left, nothing expiring');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() stays empty after the charges');

-- Deleting a user takes their lots and allocations with them.
DELETE FROM auth.users WHERE id = pg_temp.uid(5);
SELECT is((SELECT count(*)::int FROM public.credit_lots WHERE user_id = pg_temp.uid(5))
          + (SELECT count(*)::int FROM public.credit_allocations WHERE user_id = pg_temp.uid(5)), 0,
          'deleting five removes their opening lot and allocations');

SELECT * FROM finish();
ROLLBACK;
