-- 13_signup_bonus: the sign-up bonus only for real accounts (1.2). With auth.users's real
-- columns (email_confirmed_at, phone_confirmed_at, is_anonymous; the stand-in's
-- email_confirmed_at defaults to now(), so these sign-ups give it NULL, as the auth server
-- does), a profile is created at sign-up with 0 credits, and the
-- bonus is granted once per user at the first moment the account is confirmed and not
-- anonymous: at INSERT when auto-confirmed, else on the UPDATE that makes it so. Never
-- twice (flips, sign-ins, grant_credits of kind signup_bonus, a direct second entry), and
-- sora_credits.signup_bonus_at = 'signup' brings back the bonus at INSERT.
BEGIN;
SELECT plan(29);
LOAD 'sora_credits';  -- its settings exist once it is loaded

-- The auth server's sign-ups: not confirmed.
ALTER TABLE auth.users ALTER COLUMN email_confirmed_at DROP DEFAULT;
SET LOCAL sora_credits.signup_credits = 50;

CREATE FUNCTION pg_temp.bonus(p_user text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT jsonb_build_object('credits', p.credits, 'lifetime_granted', p.lifetime_granted,
                            'bonus_entries', (SELECT count(*) FROM public.credit_transactions t
                                              WHERE t.user_id = p.id AND t.kind = 'signup_bonus'))
  FROM public.profiles p WHERE p.id = ('13000000-0000-4000-8000-0000000000' || p_user)::uuid
$$;
-- Writes to auth.users as the auth server does (its own role).
CREATE FUNCTION pg_temp.auth(p_sql text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  SET LOCAL ROLE supabase_auth_admin;
  EXECUTE p_sql;
  RESET ROLE;
END
$$;

SELECT is(current_setting('sora_credits.signup_bonus_at'), 'confirmation', 'signup_bonus_at defaults to confirmation');

-- An e-mail sign-up, confirmed later.
SELECT pg_temp.auth($$INSERT INTO auth.users (id, email) VALUES ('13000000-0000-4000-8000-000000000001', 'a@example.com')$$);
SELECT is(pg_temp.bonus('01'), '{"credits": 0, "lifetime_granted": 0, "bonus_entries": 0}',
          'sign-up before confirmation: a profile with 0 credits, no bonus');
SELECT pg_temp.auth($$UPDATE auth.users SET updated_at = now() WHERE id = '13000000-0000-4000-8000-000000000001'$$);
SELECT is(pg_temp.bonus('01')->'bonus_entries', '0', 'an unrelated update of the unconfirmed user: still no bonus');
SELECT pg_temp.auth($$UPDATE auth.users SET email_confirmed_at = now() WHERE id = '13000000-0000-4000-8000-000000000001'$$);
SELECT is(pg_temp.bonus('01'), '{"credits": 50, "lifetime_granted": 50, "bonus_entries": 1}',
          'the confirming update grants the bonus');
SELECT results_eq($$SELECT amount, balance_after, description FROM public.credit_transactions
                    WHERE user_id = '13000000-0000-4000-8000-000000000001'$$,
                  $$VALUES (50::bigint, 50::bigint, 'Sign-up bonus'::text)$$, 'one signup_bonus entry of 50');
SELECT pg_temp.auth($$UPDATE auth.users SET email_confirmed_at = NULL WHERE id = '13000000-0000-4000-8000-000000000001'$$);
SELECT pg_temp.auth($$UPDATE auth.users SET email_confirmed_at = now() WHERE id = '13000000-0000-4000-8000-000000000001'$$);
SELECT pg_temp.auth($$UPDATE auth.users SET updated_at = now() WHERE id = '13000000-0000-4000-8000-000000000001'$$);
SELECT is(pg_temp.bonus('01'), '{"credits": 50, "lifetime_granted": 50, "bonus_entries": 1}',
          'confirmation flipped back and forth, then a sign-in: still one bonus');

-- Auto-confirmed at INSERT; phone confirmation.
SELECT pg_temp.auth($$INSERT INTO auth.users (id, email, email_confirmed_at)
                      VALUES ('13000000-0000-4000-8000-000000000002', 'b@example.com', now())$$);
SELECT is(pg_temp.bonus('02'), '{"credits": 50, "lifetime_granted": 50, "bonus_entries": 1}',
          'auto-confirmed at sign-up: the bonus at INSERT');
SELECT pg_temp.auth($$INSERT INTO auth.users (id) VALUES ('13000000-0000-4000-8000-000000000003')$$);
SELECT pg_temp.auth($$UPDATE auth.users SET phone_confirmed_at = now() WHERE id = '13000000-0000-4000-8000-000000000003'$$);
SELECT is(pg_temp.bonus('03')->'bonus_entries', '1', 'a phone confirmation grants it too');

-- Anonymous sign-ins.
SELECT pg_temp.auth($$INSERT INTO auth.users (id, is_anonymous) VALUES ('13000000-0000-4000-8000-000000000004', true)$$);
SELECT is(pg_temp.bonus('04'), '{"credits": 0, "lifetime_granted": 0, "bonus_entries": 0}',
          'an anonymous sign-in: a profile, no bonus');
SELECT pg_temp.auth($$INSERT INTO auth.users (id, is_anonymous, email_confirmed_at)
                      VALUES ('13000000-0000-4000-8000-000000000005', true, now())$$);
SELECT is(pg_temp.bonus('05')->'bonus_entries', '0', 'anonymous, even with a confirmation time: no bonus');
SELECT pg_temp.auth($$UPDATE auth.users SET email = 'd@example.com', is_anonymous = false
                      WHERE id = '13000000-0000-4000-8000-000000000004'$$);
SELECT is(pg_temp.bonus('04')->'bonus_entries', '0', 'turned permanent but not confirmed yet: no bonus');
SELECT pg_temp.auth($$UPDATE auth.users SET email_confirmed_at = now() WHERE id = '13000000-0000-4000-8000-000000000004'$$);
SELECT is(pg_temp.bonus('04')->'bonus_entries', '1', 'then confirmed: the bonus');
SELECT pg_temp.auth($$UPDATE auth.users SET is_anonymous = false WHERE id = '13000000-0000-4000-8000-000000000005'$$);
SELECT is(pg_temp.bonus('05')->'bonus_entries', '1', 'confirmed anonymous user made permanent: the bonus');

-- Never a second bonus.
SELECT test.act_as('service_role');
SELECT throws_ok($$SELECT public.grant_credits('13000000-0000-4000-8000-000000000001', 50, 'signup_bonus')$$,
                 'PT409', 'This user has already received the sign-up bonus.',
                 'grant_credits of kind signup_bonus to a user who has it: PT409');
SELECT is(test.error_of($$SELECT public.grant_credits('13000000-0000-4000-8000-000000000001', 50, 'signup_bonus')$$)->>'hint',
          'A user gets one sign-up bonus; use the kind grant for other gifts.', 'with a hint');
RESET ROLE;
SELECT pg_temp.auth($$INSERT INTO auth.users (id) VALUES ('13000000-0000-4000-8000-000000000006')$$);
SELECT test.act_as('service_role');
SELECT is((public.grant_credits('13000000-0000-4000-8000-000000000006', 20, 'signup_bonus')->>'credits_granted')::int, 20,
          'grant_credits of kind signup_bonus to an unconfirmed user: granted');
RESET ROLE;
SELECT pg_temp.auth($$UPDATE auth.users SET email_confirmed_at = now() WHERE id = '13000000-0000-4000-8000-000000000006'$$);
SELECT is(pg_temp.bonus('06'), '{"credits": 20, "lifetime_granted": 20, "bonus_entries": 1}',
          'and their confirmation grants no second one');
SELECT throws_ok($$INSERT INTO public.credit_transactions (user_id, amount, balance_after, kind)
                   VALUES ('13000000-0000-4000-8000-000000000006', 5, 25, 'signup_bonus')$$,
                 '23505', NULL, 'a second signup_bonus entry, even by the superuser: refused by the unique index');

-- sora_credits.signup_credits = 0: nothing to grant.
SET LOCAL sora_credits.signup_credits = 0;
SELECT pg_temp.auth($$INSERT INTO auth.users (id, email_confirmed_at) VALUES ('13000000-0000-4000-8000-000000000007', now())$$);
SELECT is(pg_temp.bonus('07'), '{"credits": 0, "lifetime_granted": 0, "bonus_entries": 0}',
          'signup_credits 0: a confirmed sign-up gets a profile and no entry');
SET LOCAL sora_credits.signup_credits = 50;

-- signup_bonus_at = 'signup': 1.1's behaviour.
SET LOCAL sora_credits.signup_bonus_at = 'signup';
SELECT pg_temp.auth($$INSERT INTO auth.users (id, is_anonymous) VALUES ('13000000-0000-4000-8000-000000000008', true)$$);
SELECT is(pg_temp.bonus('08')->'bonus_entries', '1', 'signup_bonus_at = signup: the bonus at INSERT, even anonymous');
SELECT pg_temp.auth($$UPDATE auth.users SET is_anonymous = false, email_confirmed_at = now()
                      WHERE id = '13000000-0000-4000-8000-000000000008'$$);
SELECT is(pg_temp.bonus('08')->'bonus_entries', '1', 'and none at confirmation');
RESET sora_credits.signup_bonus_at;
SELECT throws_ok($$SET sora_credits.signup_bonus_at = 'whenever'$$, '22023', NULL, 'signup_bonus_at: another value is refused');
SET LOCAL ROLE authenticated;
SELECT throws_ok($$SET sora_credits.signup_bonus_at = 'signup'$$, '42501', NULL, 'signup_bonus_at: superuser only');
RESET ROLE;

-- A user whose auth.users row came without a profile (loaded in replica mode): the
-- confirming update creates the profile and grants the bonus.
SET LOCAL session_replication_role = replica;
INSERT INTO auth.users (id) VALUES ('13000000-0000-4000-8000-000000000009');
RESET session_replication_role;
SELECT is(pg_temp.bonus('09'), NULL, 'loaded without triggers: no profile');
SELECT pg_temp.auth($$UPDATE auth.users SET email_confirmed_at = now() WHERE id = '13000000-0000-4000-8000-000000000009'$$);
SELECT is(pg_temp.bonus('09'), '{"credits": 50, "lifetime_granted": 50, "bonus_entries": 1}',
          'confirmed: profile and bonus');

-- The trigger: AFTER UPDATE, a member of the extension.
SELECT results_eq($$SELECT tgname::text COLLATE "default", tgtype::int, tgfoid::regproc::text COLLATE "default" FROM pg_trigger
                    WHERE tgrelid = 'auth.users'::regclass AND NOT tgisinternal ORDER BY tgname$$,
                  $$VALUES ('sora_credits_on_auth_user_created'::text, 5, 'handle_new_user'::text),
                           ('sora_credits_on_auth_user_updated', 17, 'handle_new_user')$$,
                  'auth.users: AFTER INSERT and AFTER UPDATE, both running handle_new_user');
SELECT is((SELECT count(*)::int FROM pg_depend d JOIN pg_trigger t ON t.oid = d.objid
           WHERE d.classid = 'pg_trigger'::regclass AND d.deptype = 'e' AND t.tgrelid = 'auth.users'::regclass), 2,
          'both are members of the extension (DROP EXTENSION removes them)');
SELECT is_empty('SELECT * FROM public.verify_ledger()', 'verify_ledger() is empty');

-- An auth.users without these columns (an older or another auth server): every new user
-- counts as confirmed and not anonymous.
ALTER TABLE auth.users DROP COLUMN confirmed_at, DROP COLUMN email_confirmed_at,
                       DROP COLUMN phone_confirmed_at, DROP COLUMN is_anonymous;
SELECT pg_temp.auth($$INSERT INTO auth.users (id) VALUES ('13000000-0000-4000-8000-000000000010')$$);
SELECT is(pg_temp.bonus('10'), '{"credits": 50, "lifetime_granted": 50, "bonus_entries": 1}',
          'without the confirmation columns: the bonus at INSERT');

SELECT * FROM finish();
ROLLBACK;
