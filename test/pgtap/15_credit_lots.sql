-- 15_credit_lots: credits that expire (1.2, issue 13). Every grant is a lot (kind, category
-- derived per kind or given, expiry) with its allocation; bad p_category / p_expires_at and
-- replays; the spending order (soonest expiry first, never-expiring last, promotional before
-- paid, oldest first) and the split of a charge; expired lots the sweep has not reached are
-- never spent nor counted, and the next charge (or grant) writes them off; refunds go back
-- to the lots they came from and expire at once in a lot that has expired meanwhile (also
-- the refund of a stale job); a charge made before 1.2 is refunded as a new paid lot;
-- expire_credits(); get_credit_info's new keys; list_credit_lots(); RLS on both tables; the
-- sign-up bonus lot and its setting; verify_ledger() on each breakage; the invariants.
BEGIN;
SELECT plan(119);
LOAD 'sora_credits';  -- its settings exist once it is loaded

-- Users: 15000000-0000-4000-8000-0000000000NN.
CREATE FUNCTION pg_temp.u(p_n text) RETURNS uuid LANGUAGE sql IMMUTABLE AS
  $$ SELECT ('15000000-0000-4000-8000-0000000000' || p_n)::uuid $$;
-- A grant as the current role (service_role), its result kept under p_name.
CREATE FUNCTION pg_temp.give(p_name text, p_user text, p_amount bigint, p_kind text DEFAULT 'purchase',
                             p_reference text DEFAULT NULL, p_expires_at timestamptz DEFAULT NULL,
                             p_category text DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
  INSERT INTO test.res SELECT p_name, public.grant_credits(pg_temp.u(p_user), p_amount, p_kind, p_reference,
                                                           NULL, p_expires_at, p_category)
$$;
-- A video of p_seconds at 480p on sora-2 (1 credit a second) as the current (authenticated) user.
CREATE FUNCTION pg_temp.charge(p_name text, p_seconds int) RETURNS void LANGUAGE sql AS $$
  INSERT INTO test.res SELECT p_name, public.create_video_generation(p_name, p_seconds, '480p', 'sora-2')
$$;
-- The ledger entry of a kept result, and the lot a kept grant created (as the superuser sees it).
CREATE FUNCTION pg_temp.tx(p_name text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT (test.res(p_name)->>'transaction_id')::bigint $$;
CREATE FUNCTION pg_temp.lot(p_name text) RETURNS bigint LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS
  $$ SELECT id FROM public.credit_lots WHERE transaction_id = (SELECT (r->>'transaction_id')::bigint
                                                                FROM test.res WHERE name = p_name) $$;
-- Backdates a lot (superusers pass the write guards): expired since p_ago.
CREATE FUNCTION pg_temp.expire_lot(p_name text, p_ago interval DEFAULT '1 minute') RETURNS void LANGUAGE sql AS
  $$ UPDATE public.credit_lots SET expires_at = now() - p_ago WHERE id = pg_temp.lot(p_name) $$;
CREATE FUNCTION pg_temp.remaining(p_name text) RETURNS bigint LANGUAGE sql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS
  $$ SELECT remaining FROM public.credit_lots WHERE id = pg_temp.lot(p_name) $$;
CREATE FUNCTION pg_temp.lifetime_expired(p_user text) RETURNS bigint LANGUAGE sql AS
  $$ SELECT lifetime_expired FROM public.profiles WHERE id = pg_temp.u(p_user) $$;

-- No sign-up bonus unless a test asks for one.
SET LOCAL sora_credits.signup_credits = 0;
INSERT INTO auth.users (id, email)
SELECT pg_temp.u(n), 'user' || n || '@example.com' FROM unnest(ARRAY['01', '02', '03', '04', '05', '06', '07', '08', '09', '12']) n;

------------------------------------------------------------------------------------------
-- A grant creates one lot and its allocation
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT pg_temp.give('a purchase', '01', 100);
SELECT pg_temp.give('a grant', '01', 20, 'grant');
SELECT pg_temp.give('a adjustment', '01', 5, 'adjustment');
SELECT pg_temp.give('a adjustment promo', '01', 6, 'adjustment', NULL, NULL, 'promotional');
SELECT pg_temp.give('a signup', '01', 7, 'signup_bonus');
SELECT pg_temp.give('a purchase promo', '01', 8, 'purchase', NULL, NULL, 'promotional');
SELECT pg_temp.give('a grant paid', '01', 9, 'grant', NULL, NULL, 'paid');
SELECT pg_temp.give('a expiring', '01', 50, 'purchase', 'a-exp', now() + interval '30 days');
RESET ROLE;

SELECT results_eq(
  $$SELECT transaction_id, kind, category, amount, remaining, expires_at FROM public.credit_lots
    WHERE user_id = pg_temp.u('01') ORDER BY id$$,
  $$VALUES (pg_temp.tx('a purchase'), 'purchase'::text, 'paid'::text, 100::bigint, 100::bigint, NULL::timestamptz),
           (pg_temp.tx('a grant'), 'grant', 'promotional', 20, 20, NULL),
           (pg_temp.tx('a adjustment'), 'adjustment', 'paid', 5, 5, NULL),
           (pg_temp.tx('a adjustment promo'), 'adjustment', 'promotional', 6, 6, NULL),
           (pg_temp.tx('a signup'), 'signup_bonus', 'promotional', 7, 7, NULL),
           (pg_temp.tx('a purchase promo'), 'purchase', 'promotional', 8, 8, NULL),
           (pg_temp.tx('a grant paid'), 'grant', 'paid', 9, 9, NULL),
           (pg_temp.tx('a expiring'), 'purchase', 'paid', 50, 50, now() + interval '30 days')$$,
  'each grant: one lot of its kind, category derived (purchase/adjustment paid, grant/signup_bonus promotional) or as given, full, with its expiry');
SELECT results_eq(
  $$SELECT a.transaction_id, a.lot_id, a.amount FROM public.credit_allocations a
    WHERE a.user_id = pg_temp.u('01') ORDER BY a.transaction_id$$,
  $$SELECT pg_temp.tx(n), pg_temp.lot(n), (test.res(n)->>'credits_granted')::bigint
    FROM unnest(ARRAY['a purchase', 'a grant', 'a adjustment', 'a adjustment promo', 'a signup',
                      'a purchase promo', 'a grant paid', 'a expiring']) WITH ORDINALITY n ORDER BY ordinality$$,
  'each grant entry has one allocation: to its lot, of its amount');
SELECT is((SELECT count(*)::int FROM public.credit_transactions WHERE user_id = pg_temp.u('01')), 8,
          'eight grants, eight ledger entries');
SELECT test.act_as('service_role');
SELECT pg_temp.give('l signup paid', '12', 3, 'signup_bonus', NULL, NULL, 'paid');
RESET ROLE;
SELECT results_eq($$SELECT kind, category, amount FROM public.credit_lots WHERE user_id = pg_temp.u('12')$$,
                  $$VALUES ('signup_bonus'::text, 'paid'::text, 3::bigint)$$, 'a sign-up bonus granted as paid: a paid lot');
SELECT is((SELECT credits FROM public.profiles WHERE id = pg_temp.u('01')), 205::bigint, 'balance 205');

------------------------------------------------------------------------------------------
-- Bad p_category and p_expires_at; replays
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'purchase', NULL, NULL, NULL, 'gift')$$,
                 '22023', 'p_category must be paid or promotional.', 'p_category gift: 22023');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'grant', NULL, NULL, NULL, 'Paid')$$,
                 '22023', 'p_category must be paid or promotional.', 'p_category Paid (case matters): 22023');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'grant', NULL, NULL, NULL, '')$$,
                 '22023', NULL, 'p_category empty: 22023');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'purchase', NULL, NULL, now())$$,
                 '22023', 'p_expires_at must be in the future.', 'p_expires_at = now(): 22023');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'purchase', NULL, NULL, now() - interval '1 day')$$,
                 '22023', 'p_expires_at must be in the future.', 'p_expires_at in the past: 22023');
SELECT is(test.error_of($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'purchase', 'a-past', NULL, now() - interval '1 second')$$)
            - 'detail',
          '{"sqlstate": "22023", "message": "p_expires_at must be in the future.", "hint": "Give NULL for credits that never expire."}',
          'a new reference with a past expiry: 22023, with the hint');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM public.credit_lots WHERE user_id = pg_temp.u('01')), 8, 'refused grants: no lot');
SELECT is(test.n_entries(pg_temp.u('01')), 8, 'refused grants: no ledger entry');

SELECT test.act_as('service_role');
SELECT pg_temp.give('a replay', '01', 50, 'purchase', 'a-exp', now() + interval '30 days');
SELECT pg_temp.give('a replay paid', '01', 50, 'purchase', 'a-exp', now() + interval '30 days', 'paid');
SELECT is(test.res('a replay') - 'transaction_id',
          '{"success": true, "credits_granted": 50, "credits_remaining": 205, "idempotent_replay": true}',
          'replay with the same expiry: idempotent_replay, nothing added');
SELECT is(pg_temp.tx('a replay'), pg_temp.tx('a expiring'), 'the replay answers with the original entry');
SELECT is(test.res('a replay paid')->'idempotent_replay', 'true', 'replay naming the derived category (paid): still a replay');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 50, 'purchase', 'a-exp', NULL, now() + interval '31 days')$$,
                 'PT422', 'This reference was already used for a different grant.', 'replay with another p_expires_at: PT422');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 50, 'purchase', 'a-exp')$$,
                 'PT422', 'This reference was already used for a different grant.', 'replay without the expiry (never): PT422');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 50, 'purchase', 'a-exp', NULL, now() + interval '30 days', 'promotional')$$,
                 'PT422', 'This reference was already used for a different grant.', 'replay with another p_category: PT422');
SELECT pg_temp.give('a never', '01', 10, 'grant', 'a-never');
SELECT pg_temp.give('a never again', '01', 10, 'grant', 'a-never');
SELECT is(test.res('a never again')->'idempotent_replay', 'true', 'a never-expiring grant replays');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'grant', 'a-never', NULL, now() + interval '1 day')$$,
                 'PT422', NULL, 'replay of a never-expiring grant with an expiry: PT422');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('01'), 10, 'grant', 'a-never', NULL, NULL, 'paid')$$,
                 'PT422', NULL, 'replay of a grant (promotional) as paid: PT422');
RESET ROLE;
SELECT is((SELECT count(*)::int FROM public.credit_lots WHERE user_id = pg_temp.u('01')), 9, 'replays made no lot (8 + a-never)');

-- A retry after the lot's moment of expiry is still answered as a replay (checked before the expiry).
SELECT test.act_as('service_role');
SELECT pg_temp.give('a short', '01', 5, 'grant', 'a-short', now() + interval '1 hour');
RESET ROLE;
SELECT pg_temp.expire_lot('a short');
SELECT test.act_as('service_role');
SELECT pg_temp.give('a short retry', '01', 5, 'grant', 'a-short', now() - interval '1 minute');
RESET ROLE;
SELECT is(test.res('a short retry') - 'transaction_id',
          '{"success": true, "credits_granted": 5, "credits_remaining": 215, "idempotent_replay": true}',
          'a retry with the same (now past) expiry: a replay, not 22023; its balance is after the write-off');
SELECT results_eq($$SELECT kind, amount, description FROM public.credit_transactions
                    WHERE user_id = pg_temp.u('01') ORDER BY id DESC LIMIT 1$$,
                  $$VALUES ('expiry'::text, -5::bigint, format('Credits expired (lot %s, promotional)', pg_temp.lot('a short')))$$,
                  'the replay wrote off the expired lot first');

------------------------------------------------------------------------------------------
-- Spending order, a charge over several lots, its allocations
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT pg_temp.give('b a', '02', 10, 'purchase', NULL, now() + interval '2 days');
SELECT pg_temp.give('b b', '02', 10, 'grant', NULL, now() + interval '2 days');
SELECT pg_temp.give('b c', '02', 10, 'purchase', NULL, now() + interval '1 day');
SELECT pg_temp.give('b d', '02', 10, 'purchase');
SELECT pg_temp.give('b e', '02', 10, 'grant');
SELECT pg_temp.give('b f', '02', 10, 'purchase');
SELECT pg_temp.give('b g', '02', 10, 'grant', NULL, now() + interval '2 days');
RESET ROLE;
-- One transaction has one now(): b f and b g are made older than their twins.
UPDATE public.credit_lots SET created_at = now() - interval '1 hour' WHERE id IN (pg_temp.lot('b f'), pg_temp.lot('b g'));

SELECT test.act_as('authenticated', pg_temp.u('02'));
SELECT results_eq('SELECT id FROM public.list_credit_lots()',
                  $$VALUES (pg_temp.lot('b c')), (pg_temp.lot('b g')), (pg_temp.lot('b b')), (pg_temp.lot('b a')),
                           (pg_temp.lot('b e')), (pg_temp.lot('b f')), (pg_temp.lot('b d'))$$,
                  'list_credit_lots: soonest expiry first, promotional before paid at equal expiry, oldest first, never-expiring last');
SELECT pg_temp.charge('b v1', 5);
SELECT pg_temp.charge('b v2', 15);
SELECT pg_temp.charge('b v3', 25);
RESET ROLE;
SELECT bag_eq($$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('b v1')$$,
              $$VALUES (pg_temp.lot('b c'), 5::bigint)$$, 'charge of 5: from the soonest-expiring lot');
SELECT bag_eq($$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('b v2')$$,
              $$VALUES (pg_temp.lot('b c'), 5::bigint), (pg_temp.lot('b g'), 10)$$,
              'charge of 15: the rest of that lot, then the older promotional lot of the next expiry');
SELECT bag_eq($$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('b v3')$$,
              $$VALUES (pg_temp.lot('b b'), 10::bigint), (pg_temp.lot('b a'), 10), (pg_temp.lot('b e'), 5)$$,
              'charge of 25 over three lots: promotional, then paid of the same expiry, then the never-expiring promotional one');
SELECT is((SELECT sum(amount)::bigint FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('b v3')), 25::bigint,
          'its allocations add up to its cost');
SELECT is((SELECT count(*)::int FROM public.credit_allocations a JOIN public.credit_transactions t ON t.id = a.transaction_id
           WHERE t.user_id = pg_temp.u('02') AND t.kind = 'video_generation'), 6, 'one allocation row per lot touched (1 + 2 + 3)');
SELECT results_eq($$SELECT remaining FROM public.credit_lots WHERE user_id = pg_temp.u('02') ORDER BY id$$,
                  $$VALUES (0::bigint), (0), (0), (10), (5), (10), (0)$$, 'the lots after the three charges');
SELECT is((test.res('b v3')->>'credits_remaining')::bigint, 25::bigint, 'credits_remaining 25');
SELECT test.act_as('authenticated', pg_temp.u('02'));
SELECT throws_ok($$SELECT public.create_video_generation('b v4', 30, '480p', 'sora-2')$$,
                 'PT402', 'Insufficient credits. You have 25 credits, but need 30 credits.', 'more than the lots hold: PT402');
SELECT results_eq('SELECT id FROM public.list_credit_lots()',
                  $$VALUES (pg_temp.lot('b e')), (pg_temp.lot('b f')), (pg_temp.lot('b d')),
                           (pg_temp.lot('b c')), (pg_temp.lot('b b')), (pg_temp.lot('b a')), (pg_temp.lot('b g'))$$,
                  'list_credit_lots: live lots in spending order, then the spent ones newest first');

-- RLS: a user reads only their own lots and allocations.
SELECT results_eq('SELECT count(*)::int, count(*) FILTER (WHERE user_id = auth.uid())::int FROM public.credit_lots',
                  'VALUES (7, 7)', 'a user SELECTs exactly their 7 lots');
SELECT results_eq('SELECT count(*)::int, count(*) FILTER (WHERE user_id = auth.uid())::int FROM public.credit_allocations',
                  'VALUES (13, 13)', 'and their 13 allocations (7 grants + 6 charge rows)');
SELECT throws_ok($$UPDATE public.credit_lots SET remaining = 100$$, '42501', 'permission denied for table credit_lots',
                 'a user cannot write their lots');
SELECT test.act_as('authenticated', pg_temp.u('09'));
SELECT is_empty('SELECT * FROM public.list_credit_lots()', 'list_credit_lots of a user without lots: empty');
SELECT is_empty('SELECT * FROM public.credit_lots', 'a user without lots sees none of the others''');
SELECT test.act_as('authenticated');
SELECT is_empty('SELECT * FROM public.list_credit_lots()', 'list_credit_lots without a sub (authenticated): empty');
SELECT test.act_as('service_role');
SELECT is_empty('SELECT * FROM public.list_credit_lots()', 'list_credit_lots without a sub (service_role): empty');
SELECT test.act_as('anon');
SELECT throws_ok('SELECT * FROM public.credit_lots', '42501', 'permission denied for table credit_lots', 'anon: no credit_lots');
SELECT throws_ok('SELECT * FROM public.credit_allocations', '42501', 'permission denied for table credit_allocations',
                 'anon: no credit_allocations');
SELECT throws_ok('SELECT * FROM public.list_credit_lots()', '42501', 'permission denied for function list_credit_lots',
                 'anon: no list_credit_lots');
RESET ROLE;

------------------------------------------------------------------------------------------
-- An expired lot the sweep has not reached is never spent; the next charge writes it off
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT pg_temp.give('c promo', '03', 30, 'grant', NULL, now() + interval '1 day');
SELECT pg_temp.give('c paid', '03', 20, 'purchase');
RESET ROLE;
SELECT pg_temp.expire_lot('c promo');
SELECT is(test.balance(pg_temp.u('03')), 50::bigint, 'stored balance still 50 (the expired lot is not swept yet)');
SELECT test.act_as('authenticated', pg_temp.u('03'));
SELECT is(public.get_credit_info() - 'user_id' - 'last_transaction_at' - 'active_videos' - 'deleted_videos' - 'credits_reserved',
          '{"credits": 20, "credits_paid": 20, "credits_promotional": 0, "next_expiry": null, "lifetime_expired": 0,
            "lifetime_granted": 50, "lifetime_spent": 0, "lifetime_refunded": 0}',
          'get_credit_info: credits is the spendable 20, the expired lot left out');
SELECT throws_ok($$SELECT public.create_video_generation('c v0', 30, '480p', 'sora-2')$$,
                 'PT402', 'Insufficient credits. You have 20 credits, but need 30 credits.',
                 'a charge the expired lot would cover: PT402 with the spendable credits');
SELECT is((test.error_of($$SELECT public.create_video_generation('c v0', 30, '480p', 'sora-2')$$)->>'detail')::jsonb,
          '{"credits": 20, "required": 30, "shortfall": 10}', 'PT402 detail: the spendable credits');
RESET ROLE;
SELECT is(pg_temp.remaining('c promo'), 30::bigint, 'the refused charge wrote nothing off (rolled back)');
SELECT is(test.n_entries(pg_temp.u('03')), 2, 'nor any entry');
SELECT test.act_as('authenticated', pg_temp.u('03'));
SELECT pg_temp.charge('c v1', 15);
RESET ROLE;
SELECT is((test.res('c v1')->>'credits_remaining')::bigint, 5::bigint, 'a charge of 15: 5 left');
SELECT results_eq($$SELECT kind, amount, balance_after FROM public.credit_transactions
                    WHERE user_id = pg_temp.u('03') ORDER BY id$$,
                  $$VALUES ('grant'::text, 30::bigint, 30::bigint), ('purchase', 20, 50), ('expiry', -30, 20),
                           ('video_generation', -15, 5)$$,
                  'the charge first wrote off the expired lot (an expiry entry), then charged');
SELECT is((SELECT description FROM public.credit_transactions WHERE user_id = pg_temp.u('03') AND kind = 'expiry'),
          format('Credits expired (lot %s, promotional)', pg_temp.lot('c promo')), 'the expiry entry names the lot');
SELECT bag_eq($$SELECT a.lot_id, a.amount, t.kind FROM public.credit_allocations a JOIN public.credit_transactions t
                ON t.id = a.transaction_id WHERE a.user_id = pg_temp.u('03') AND t.kind IN ('expiry', 'video_generation')$$,
              $$VALUES (pg_temp.lot('c promo'), 30::bigint, 'expiry'::text), (pg_temp.lot('c paid'), 15, 'video_generation')$$,
              'the expiry took the expired lot, the charge only the live one');
SELECT results_eq($$SELECT pg_temp.remaining('c promo'), pg_temp.remaining('c paid'), pg_temp.lifetime_expired('03')$$,
                  'VALUES (0::bigint, 5::bigint, 30::bigint)', 'lots 0 and 5; lifetime_expired 30');

------------------------------------------------------------------------------------------
-- Refunds return to the same lots; into a lot that has expired meanwhile, they expire at once
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT pg_temp.give('d promo', '04', 30, 'grant', NULL, now() + interval '1 day');
SELECT pg_temp.give('d paid', '04', 100, 'purchase');
SELECT test.act_as('authenticated', pg_temp.u('04'));
SELECT pg_temp.charge('d v1', 40);
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'd r1', public.refund_video_credits(test.vid('d v1'));
RESET ROLE;
SELECT is(test.res('d r1') - 'transaction_id' - 'video_id',
          '{"success": true, "credits_refunded": 40, "credits_remaining": 130, "already_refunded": false}', 'refund of 40');
SELECT bag_eq($$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('d r1')$$,
              $$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('d v1')$$,
              'the refund gives each lot what the charge took from it');
SELECT bag_eq($$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('d r1')$$,
              $$VALUES (pg_temp.lot('d promo'), 30::bigint), (pg_temp.lot('d paid'), 10)$$, 'promotional 30, paid 10');
SELECT results_eq($$SELECT pg_temp.remaining('d promo'), pg_temp.remaining('d paid')$$, 'VALUES (30::bigint, 100::bigint)',
                  'both lots full again');

SELECT test.act_as('authenticated', pg_temp.u('04'));
SELECT pg_temp.charge('d v2', 20);  -- 20 of the promotional lot, 10 left in it
RESET ROLE;
SELECT pg_temp.expire_lot('d promo');
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'd r2', public.refund_video_credits(test.vid('d v2'));
RESET ROLE;
SELECT is((test.res('d r2')->>'credits_remaining')::bigint, 100::bigint,
          'refund into a lot that expired meanwhile: the balance does not rise');
SELECT results_eq($$SELECT kind, amount, balance_after, description FROM public.credit_transactions
                    WHERE user_id = pg_temp.u('04') AND id > pg_temp.tx('d v2') ORDER BY id$$,
                  $$VALUES ('expiry'::text, -10::bigint, 100::bigint, format('Credits expired (lot %s, promotional)', pg_temp.lot('d promo'))),
                           ('refund', 20, 120, 'Refund: Video generation failed.'),
                           ('expiry', -20, 100, format('Credits expired (lot %s, promotional)', pg_temp.lot('d promo')))$$,
                  'what was left expires, the refund entry, then an expiry entry of the refunded amount');
SELECT bag_eq($$SELECT lot_id, amount FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('d r2')$$,
              $$VALUES (pg_temp.lot('d promo'), 20::bigint)$$, 'the refund went back to the lot it came from');
SELECT results_eq($$SELECT pg_temp.remaining('d promo'), pg_temp.remaining('d paid'), pg_temp.lifetime_expired('04'),
                           (SELECT lifetime_refunded FROM public.profiles WHERE id = pg_temp.u('04'))$$,
                  'VALUES (0::bigint, 100::bigint, 30::bigint, 60::bigint)',
                  'the expired lot holds 0; lifetime_expired 30, lifetime_refunded 60');

-- A charge made before 1.2 (no allocations): as an upgraded account has it, one opening
-- lot holding the balance, no allocations. Its refund is a new never-expiring paid lot.
SELECT test.act_as('service_role');
SELECT pg_temp.give('e purchase', '05', 100, 'purchase', 'e-ref');
SELECT test.act_as('authenticated', pg_temp.u('05'));
SELECT pg_temp.charge('e v1', 30);
RESET ROLE;
DELETE FROM public.credit_allocations WHERE user_id = pg_temp.u('05');
UPDATE public.credit_lots SET transaction_id = NULL, kind = 'opening_balance', amount = remaining
WHERE user_id = pg_temp.u('05');
SELECT is_empty($$SELECT * FROM public.verify_ledger() WHERE user_id = pg_temp.u('05')$$,
                'the pre-1.2 account is consistent (opening lot of 70, no allocations)');
SELECT test.act_as('service_role');
INSERT INTO test.res SELECT 'e r1', public.refund_video_credits(test.vid('e v1'));
RESET ROLE;
SELECT is((test.res('e r1')->>'credits_remaining')::bigint, 100::bigint, 'refund of the pre-1.2 charge: 100');
SELECT results_eq($$SELECT kind, category, amount, remaining, expires_at, transaction_id FROM public.credit_lots
                    WHERE user_id = pg_temp.u('05') ORDER BY id$$,
                  $$VALUES ('opening_balance'::text, 'paid'::text, 70::bigint, 70::bigint, NULL::timestamptz, NULL::bigint),
                           ('refund', 'paid', 30, 30, NULL, pg_temp.tx('e r1'))$$,
                  'a new never-expiring paid lot of kind refund, made by the refund entry');
SELECT results_eq($$SELECT transaction_id, amount FROM public.credit_allocations WHERE user_id = pg_temp.u('05')$$,
                  $$VALUES (pg_temp.tx('e r1'), 30::bigint)$$, 'and its allocation');
-- A grant made before 1.2 (no lot of its own) replays as a never-expiring lot of its derived category.
SELECT test.act_as('service_role');
SELECT is(public.grant_credits(pg_temp.u('05'), 100, 'purchase', 'e-ref') - 'transaction_id',
          '{"success": true, "credits_granted": 100, "credits_remaining": 100, "idempotent_replay": true}',
          'retry of a pre-1.2 grant: a replay');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('05'), 100, 'purchase', 'e-ref', NULL, NULL, 'promotional')$$,
                 'PT422', NULL, 'retry of a pre-1.2 purchase as promotional: PT422');
SELECT throws_ok($$SELECT public.grant_credits(pg_temp.u('05'), 100, 'purchase', 'e-ref', NULL, now() + interval '1 day')$$,
                 'PT422', NULL, 'retry of a pre-1.2 grant with an expiry: PT422');
RESET ROLE;

------------------------------------------------------------------------------------------
-- expire_credits()
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT pg_temp.give('f promo', '06', 10, 'grant', NULL, now() + interval '1 day');
SELECT pg_temp.give('f paid exp', '06', 25, 'purchase', NULL, now() + interval '2 days');
SELECT pg_temp.give('f paid', '06', 5, 'purchase');
SELECT pg_temp.give('h promo', '07', 7, 'grant', NULL, now() + interval '1 day');
SELECT test.act_as('authenticated', pg_temp.u('06'));
SELECT pg_temp.charge('f v1', 4);  -- from the promotional lot: 6 left
RESET ROLE;
SELECT pg_temp.expire_lot('f promo');
SELECT pg_temp.expire_lot('f paid exp', '2 minutes');
SELECT pg_temp.expire_lot('h promo');
SELECT is((SELECT count(*)::int FROM public.credit_lots WHERE remaining > 0 AND expires_at <= now()), 3,
          'three expired lots with credits left, nowhere else');

SELECT test.act_as('authenticated', pg_temp.u('06'));
SELECT throws_ok('SELECT public.expire_credits()', '42501', 'permission denied for function expire_credits',
                 'authenticated cannot call expire_credits');
SELECT test.act_as('anon');
SELECT throws_ok('SELECT public.expire_credits()', '42501', 'permission denied for function expire_credits',
                 'anon cannot call expire_credits');
SELECT test.act_as('service_role');
SELECT is(public.expire_credits(), '{"lots_expired": 3, "credits_expired": 38}', 'expire_credits: 3 lots, 6 + 25 + 7 credits');
SELECT is(public.expire_credits(), '{"lots_expired": 0, "credits_expired": 0}', 'run again: nothing left');
SELECT is(public.get_credit_info(pg_temp.u('06')) - 'user_id' - 'last_transaction_at' - 'active_videos' - 'deleted_videos'
            - 'credits_reserved',
          '{"credits": 5, "credits_paid": 5, "credits_promotional": 0, "next_expiry": null, "lifetime_expired": 31,
            "lifetime_granted": 40, "lifetime_spent": 4, "lifetime_refunded": 0}', 'frank: 5 left, lifetime_expired 31');
RESET ROLE;
SELECT bag_eq($$SELECT amount, balance_after < 40, description FROM public.credit_transactions
                WHERE user_id = pg_temp.u('06') AND kind = 'expiry'$$,
              $$VALUES (-25::bigint, true, format('Credits expired (lot %s, paid)', pg_temp.lot('f paid exp'))),
                       (-6, true, format('Credits expired (lot %s, promotional)', pg_temp.lot('f promo')))$$,
              'one expiry entry per lot, the negative remaining');
SELECT results_eq($$SELECT kind, amount, balance_after FROM public.credit_transactions
                    WHERE user_id = pg_temp.u('06') AND kind = 'expiry' ORDER BY id$$,
                  $$VALUES ('expiry'::text, -25::bigint, 11::bigint), ('expiry', -6, 5)$$,
                  'the soonest-expired lot first, each entry lowering the balance');
SELECT results_eq($$SELECT test.balance(pg_temp.u('06')), pg_temp.remaining('f promo'), pg_temp.remaining('f paid exp'),
                           pg_temp.remaining('f paid')$$,
                  'VALUES (5::bigint, 0::bigint, 0::bigint, 5::bigint)', 'balance 5; both expired lots hold 0');
SELECT results_eq($$SELECT test.balance(pg_temp.u('07')), pg_temp.lifetime_expired('07'),
                           (SELECT count(*)::int FROM public.credit_transactions WHERE user_id = pg_temp.u('07') AND kind = 'expiry')$$,
                  'VALUES (0::bigint, 7::bigint, 1)', 'the other user swept in the same run');
SELECT bag_eq($$SELECT a.lot_id, a.amount FROM public.credit_allocations a JOIN public.credit_transactions t
                ON t.id = a.transaction_id WHERE t.kind = 'expiry' AND t.user_id IN (pg_temp.u('06'), pg_temp.u('07'))$$,
              $$VALUES (pg_temp.lot('f promo'), 6::bigint), (pg_temp.lot('f paid exp'), 25), (pg_temp.lot('h promo'), 7)$$,
              'each expiry entry is allocated to its lot');

-- The expiry of a stale job refunds like the worker does: into the lot, expired at once.
SELECT test.act_as('service_role');
SELECT pg_temp.give('h2', '07', 20, 'grant', NULL, now() + interval '1 day');
SELECT test.act_as('authenticated', pg_temp.u('07'));
SELECT pg_temp.charge('h v1', 8);  -- 12 left in h2
RESET ROLE;
SELECT pg_temp.expire_lot('h2');
UPDATE public.videos SET updated_at = now() - interval '2 hours' WHERE id = test.vid('h v1');
SELECT test.act_as('service_role');
SELECT is(public.expire_stale_videos('1 hour'), '{"expired": 1, "credits_refunded": 8}', 'the stale job is refunded');
RESET ROLE;
SELECT results_eq($$SELECT kind, amount, balance_after FROM public.credit_transactions
                    WHERE user_id = pg_temp.u('07') AND id > pg_temp.tx('h v1') ORDER BY id$$,
                  $$VALUES ('expiry'::text, -12::bigint, 0::bigint), ('refund', 8, 8), ('expiry', -8, 0)$$,
                  'stale-job refund into an expired lot: the rest expires, the refund, then its expiry');
SELECT results_eq($$SELECT test.balance(pg_temp.u('07')), pg_temp.remaining('h2'), pg_temp.lifetime_expired('07')$$,
                  'VALUES (0::bigint, 0::bigint, 27::bigint)', 'nothing revived: balance 0, lifetime_expired 7 + 20');

------------------------------------------------------------------------------------------
-- get_credit_info's new keys and list_credit_lots
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT pg_temp.give('i1', '08', 10, 'grant', NULL, now() + interval '3 days');
SELECT pg_temp.give('i2', '08', 15, 'purchase', NULL, now() + interval '3 days');
SELECT pg_temp.give('i3', '08', 20, 'purchase', NULL, now() + interval '5 days');
SELECT pg_temp.give('i4', '08', 5, 'grant');
SELECT pg_temp.give('i5', '08', 50, 'purchase', NULL, now() + interval '1 day');
RESET ROLE;
SELECT pg_temp.expire_lot('i5', '0');  -- expires_at = now(): expired already, not swept
SELECT test.act_as('authenticated', pg_temp.u('08'));
INSERT INTO test.res SELECT 'i info', public.get_credit_info();
SELECT ok(test.res('i info') ?& ARRAY['credits', 'credits_paid', 'credits_promotional', 'next_expiry', 'lifetime_expired'],
          'get_credit_info has credits, credits_paid, credits_promotional, next_expiry, lifetime_expired');
SELECT is(test.res('i info') - 'user_id' - 'last_transaction_at' - 'active_videos' - 'deleted_videos' - 'credits_reserved'
            - 'next_expiry',
          '{"credits": 50, "credits_paid": 35, "credits_promotional": 15, "lifetime_expired": 0,
            "lifetime_granted": 100, "lifetime_spent": 0, "lifetime_refunded": 0}',
          'live credits only: 50 = paid 35 + promotional 15 (the expired 50 left out)');
SELECT is((test.res('i info')->>'credits_paid')::bigint + (test.res('i info')->>'credits_promotional')::bigint,
          (test.res('i info')->>'credits')::bigint, 'credits_paid + credits_promotional = credits');
SELECT is(test.res('i info')->'next_expiry'->'credits', '25', 'next_expiry.credits: both lots expiring at the soonest moment (10 + 15)');
SELECT is((test.res('i info')->'next_expiry'->>'expires_at')::timestamptz, now() + interval '3 days',
          'next_expiry.expires_at: the soonest expiry among live lots (not the expired one)');
SELECT results_eq('SELECT id, remaining FROM public.list_credit_lots()',
                  $$VALUES (pg_temp.lot('i1'), 10::bigint), (pg_temp.lot('i2'), 15), (pg_temp.lot('i3'), 20),
                           (pg_temp.lot('i4'), 5), (pg_temp.lot('i5'), 50)$$,
                  'list_credit_lots: live lots in spending order, then the expired one');
SELECT test.act_as('authenticated', pg_temp.u('09'));
SELECT is(public.get_credit_info() - 'user_id' - 'last_transaction_at' - 'active_videos' - 'deleted_videos'
            - 'credits_reserved' - 'lifetime_granted' - 'lifetime_spent' - 'lifetime_refunded',
          '{"credits": 0, "credits_paid": 0, "credits_promotional": 0, "next_expiry": null, "lifetime_expired": 0}',
          'a user without lots: zeros and next_expiry null');
SELECT test.act_as('authenticated', pg_temp.u('02'));
SELECT is(public.get_credit_info()->'next_expiry', 'null', 'only never-expiring live lots: next_expiry null');
SELECT is(public.get_credit_info()->'credits_promotional', '5', 'bob: 5 promotional left');
RESET ROLE;
SELECT is(test.balance(pg_temp.u('08')), 100::bigint, 'the stored balance still holds the unswept lot');
SELECT test.act_as('service_role');
SELECT pg_temp.give('i6', '08', 10, 'purchase');
RESET ROLE;
SELECT is((test.res('i6')->>'credits_remaining')::bigint, 60::bigint, 'a grant writes off the expired lot first: 100 - 50 + 10');
SELECT results_eq($$SELECT kind, amount, balance_after FROM public.credit_transactions
                    WHERE user_id = pg_temp.u('08') ORDER BY id DESC LIMIT 2$$,
                  $$VALUES ('purchase'::text, 10::bigint, 60::bigint), ('expiry', -50, 50)$$,
                  'the expiry entry, then the grant');

------------------------------------------------------------------------------------------
-- The sign-up bonus lot
------------------------------------------------------------------------------------------
SELECT is(current_setting('sora_credits.signup_credits_expire_after'), '', 'signup_credits_expire_after: empty by default (never)');
SET LOCAL sora_credits.signup_credits = 40;
INSERT INTO auth.users (id, email) VALUES (pg_temp.u('10'), 'user10@example.com');
SET LOCAL sora_credits.signup_credits_expire_after = '30 days';
INSERT INTO auth.users (id, email) VALUES (pg_temp.u('11'), 'user11@example.com');
SET LOCAL sora_credits.signup_credits = 0;
SELECT results_eq($$SELECT l.user_id, l.kind, l.category, l.amount, l.remaining, l.expires_at, t.kind
                    FROM public.credit_lots l JOIN public.credit_transactions t ON t.id = l.transaction_id
                    WHERE l.user_id IN (pg_temp.u('10'), pg_temp.u('11')) ORDER BY l.user_id$$,
                  $$VALUES (pg_temp.u('10'), 'signup_bonus'::text, 'promotional'::text, 40::bigint, 40::bigint, NULL::timestamptz, 'signup_bonus'::text),
                           (pg_temp.u('11'), 'signup_bonus', 'promotional', 40, 40, now() + interval '30 days', 'signup_bonus')$$,
                  'the sign-up bonus lot: promotional; never expiring by default, now() + 30 days with the setting');
SELECT is((SELECT count(*)::int FROM public.credit_allocations WHERE user_id IN (pg_temp.u('10'), pg_temp.u('11'))), 2,
          'each bonus entry has its allocation');
SELECT throws_ok($$SET LOCAL sora_credits.signup_credits_expire_after = 'soon'$$, '22023',
                 'invalid value for parameter "sora_credits.signup_credits_expire_after": "soon"', 'not an interval: 22023');
SELECT is(test.error_of($$SET LOCAL sora_credits.signup_credits_expire_after = 'soon'$$)->>'detail',
          'sora_credits.signup_credits_expire_after must be an interval such as ''30 days''.', 'its detail');
SELECT is(test.error_of($$SET LOCAL sora_credits.signup_credits_expire_after = '0'$$) - 'hint',
          '{"sqlstate": "22023", "message": "invalid value for parameter \"sora_credits.signup_credits_expire_after\": \"0\"",
            "detail": "sora_credits.signup_credits_expire_after must be positive (more than 0, with no negative part)."}',
          '0: refused, must be positive');
SELECT is(test.error_of($$SET LOCAL sora_credits.signup_credits_expire_after = '-1 day'$$)->>'detail',
          'sora_credits.signup_credits_expire_after must be positive (more than 0, with no negative part).', '-1 day: refused');
SELECT is(test.error_of($$SET LOCAL sora_credits.signup_credits_expire_after = '200 years'$$)->>'detail',
          'sora_credits.signup_credits_expire_after must be at most 100 years.', '200 years: refused');
SELECT is(current_setting('sora_credits.signup_credits_expire_after'), '30 days', 'the refused values left the setting as it was');
SET LOCAL ROLE authenticated;
SELECT throws_ok($$SET sora_credits.signup_credits_expire_after = '1 year'$$, '42501', NULL, 'superuser only');
RESET ROLE;

------------------------------------------------------------------------------------------
-- verify_ledger(): empty after all this, and finds each breakage
------------------------------------------------------------------------------------------
SELECT test.act_as('service_role');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() is empty');
RESET ROLE;

SAVEPOINT broken;
UPDATE public.credit_lots SET remaining = remaining - 1 WHERE id = pg_temp.lot('b d');
SELECT results_eq('SELECT user_id, credits, ledger_sum, lots_remaining, problem FROM public.verify_ledger()',
                  $$VALUES (pg_temp.u('02'), 25::bigint, 25::bigint, 24::bigint, 'balance differs from the credits remaining in the lots'::text),
                           (pg_temp.u('02'), 25, 25, 24, format('lot %s: remaining 9, but its allocations give 10', pg_temp.lot('b d')))$$,
                  'a lot missing a credit: the balance and the lot');
ROLLBACK TO SAVEPOINT broken;

UPDATE public.profiles SET credits = credits + 1 WHERE id = pg_temp.u('02');
SELECT results_eq('SELECT user_id, credits, ledger_sum, lots_remaining, problem FROM public.verify_ledger()',
                  $$VALUES (pg_temp.u('02'), 26::bigint, 25::bigint, 25::bigint, 'balance differs from the credits remaining in the lots'::text),
                           (pg_temp.u('02'), 26, 25, 25, 'balance differs from the sum of the ledger')$$,
                  'a balance one too high: differs from the ledger and from the lots');
ROLLBACK TO SAVEPOINT broken;

DELETE FROM public.credit_allocations WHERE transaction_id = pg_temp.tx('b v1');
SELECT results_eq('SELECT user_id, problem FROM public.verify_ledger()',
                  $$VALUES (pg_temp.u('02'), format('entry %s (video_generation, -5): its allocations move 0', pg_temp.tx('b v1'))),
                           (pg_temp.u('02'), format('lot %s: remaining 0, but its allocations give 5', pg_temp.lot('b c')))$$,
                  'a charge without its allocation: the entry and the lot');
ROLLBACK TO SAVEPOINT broken;

UPDATE public.credit_allocations SET lot_id = pg_temp.lot('a purchase') WHERE transaction_id = pg_temp.tx('b v1');
SELECT results_eq('SELECT user_id, problem FROM public.verify_ledger()',
                  $$VALUES (pg_temp.u('02'), format('allocation of entry %s to lot %s: not an entry and a lot of the user',
                                                    pg_temp.tx('b v1'), pg_temp.lot('a purchase'))),
                           (pg_temp.u('02'), format('lot %s: remaining 0, but its allocations give 5', pg_temp.lot('b c')))$$,
                  'an allocation moved to another user''s lot: reported for its own user and the lot it left');
ROLLBACK TO SAVEPOINT broken;

UPDATE public.credit_allocations SET amount = amount + 1 WHERE transaction_id = pg_temp.tx('d r1') AND lot_id = pg_temp.lot('d paid');
SELECT results_eq('SELECT user_id, problem FROM public.verify_ledger()',
                  $$VALUES (pg_temp.u('04'), format('entry %s (refund, 40): its allocations move 41', pg_temp.tx('d r1'))),
                           (pg_temp.u('04'), format('lot %s: remaining 100, but its allocations give 101', pg_temp.lot('d paid'))),
                           (pg_temp.u('04'), format('refund %s returned 11 to lot %s, which its charge took 10 from',
                                                    pg_temp.tx('d r1'), pg_temp.lot('d paid')))$$,
                  'a refund that returned more than its charge took');
ROLLBACK TO SAVEPOINT broken;
RELEASE SAVEPOINT broken;
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'each breakage rolled back: empty again');

------------------------------------------------------------------------------------------
-- The invariants, for every user
------------------------------------------------------------------------------------------
SELECT is((SELECT count(DISTINCT user_id)::int FROM public.credit_lots), 11, 'eleven users with lots');
SELECT is_empty($$SELECT p.id FROM public.profiles p
                  WHERE p.credits <> (SELECT COALESCE(sum(t.amount), 0) FROM public.credit_transactions t WHERE t.user_id = p.id)
                     OR p.credits <> (SELECT COALESCE(sum(l.remaining), 0) FROM public.credit_lots l WHERE l.user_id = p.id)$$,
                'every user: profiles.credits = sum of the ledger = sum of the lots'' remaining');
SELECT is_empty($$SELECT id FROM public.profiles
                  WHERE credits <> lifetime_granted - lifetime_spent + lifetime_refunded - lifetime_expired$$,
                'every user: credits = granted - spent + refunded - expired');
SELECT is_empty($$SELECT p.id FROM public.profiles p
                  WHERE p.lifetime_expired <> (SELECT COALESCE(-sum(t.amount), 0) FROM public.credit_transactions t
                                               WHERE t.user_id = p.id AND t.kind = 'expiry')$$,
                'every user: lifetime_expired = the expiry entries');
SELECT is_empty($$SELECT t.id FROM public.credit_transactions t
                  WHERE t.kind = 'video_generation' AND t.user_id <> pg_temp.u('05')
                    AND -t.amount <> (SELECT COALESCE(sum(a.amount), 0) FROM public.credit_allocations a WHERE a.transaction_id = t.id)$$,
                'every 1.2 charge: its allocations add up to its cost');

SELECT * FROM finish();
ROLLBACK;
