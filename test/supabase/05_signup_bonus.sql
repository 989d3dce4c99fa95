-- 05_signup_bonus: accounts as the auth server creates, confirms, converts and deletes them
-- (auth.sh, as supabase_auth_admin), with sora_credits.signup_credits > 0. Every user gets a
-- profile at sign-up; the bonus belongs to real accounts only: granted once, at the first
-- moment the user is confirmed (email or phone) and not anonymous (issue #11). Today's
-- release grants it at INSERT, and the auth server always inserts a user unconfirmed
-- (autoconfirm confirms with an UPDATE in the same transaction) and inserts anonymous users
-- too: those assertions are TODO. What holds today and must keep holding is not.
-- connect: authenticator
\getenv bonus SORA_SB_BONUS
SELECT gen_random_uuid() AS erin, gen_random_uuid() AS frank, gen_random_uuid() AS gina, gen_random_uuid() AS hank \gset
SELECT 'erin-' || :'erin' || '@example.com' AS erin_email, 'frank-' || :'frank' || '@example.com' AS frank_email,
       'gina-' || :'gina' || '@example.com' AS gina_email,
       '49' || lpad(((random() * 1e10)::bigint)::text, 10, '0') AS hank_phone \gset
SELECT plan(45);

SELECT cmp_ok(:bonus, '>', 0, 'the database has a sign-up bonus (sora_credits.signup_credits, set by run.sh)');

------------------------------------------------------------------------------------------
-- Email sign-up, confirmed later by the link in the mail (mailer autoconfirm off)
------------------------------------------------------------------------------------------
\set r `"$SORA_SB_AUTH" signup :'erin_email' :'erin'`
SELECT is(:'r'::text, :'erin'::text, 'the auth server signed erin up (email, not confirmed)');
SELECT is(test.sb_auth_user(:'erin') - 'role', '{"confirmed": false, "email_confirmed": false, "phone_confirmed": false, "is_anonymous": false, "deleted": false}',
          'erin''s auth.users row: not confirmed, not anonymous');
SELECT ok(test.profile_row(:'erin') IS NOT NULL, 'erin has a profile from the sign-up');
SELECT todo_start('issue #11: the bonus is granted at INSERT, before the email is confirmed');
SELECT is(test.balance(:'erin'), 0::bigint, 'an unconfirmed user has 0 credits');
SELECT is(test.sb_count(:'erin', 'signup_bonus'), 0, 'and no signup_bonus entry');
SELECT todo_end();
CALL test.request('05 erin before confirming', 'authenticated', :'erin', 'GET', '/rpc/get_credit_info');
SELECT is(test.status('05 erin before confirming'), 200, 'get_credit_info works before confirmation (the profile exists)');

\set r `"$SORA_SB_AUTH" confirm-email :'erin'`
SELECT is(:'r'::text, 'ok', 'erin confirms her email');
SELECT is(test.sb_auth_user(:'erin')->'confirmed', 'true'::jsonb, 'auth.users: erin is confirmed');
SELECT is(test.balance(:'erin'), :bonus::bigint, 'confirmed: erin has the bonus');
SELECT is(test.sb_count(:'erin', 'signup_bonus'), 1, 'one signup_bonus entry');
SELECT is((test.profile_row(:'erin')->>'lifetime_granted')::bigint, :bonus::bigint, 'lifetime_granted counts it');

-- Confirmation flips back and forth (an operator's SQL): the bonus stays granted once.
\set r `"$SORA_SB_AUTH" unconfirm :'erin'`
SELECT is(:'r'::text, 'ok', 'erin''s confirmation is taken back');
\set r `"$SORA_SB_AUTH" confirm-email :'erin'`
SELECT is(:'r'::text, 'ok', 'and given again');
SELECT is(test.sb_count(:'erin', 'signup_bonus'), 1, 'still one signup_bonus entry');
SELECT is(test.balance(:'erin'), :bonus::bigint, 'still the bonus once');

------------------------------------------------------------------------------------------
-- Email sign-up with autoconfirm: the row is inserted, then confirmed, in one transaction
------------------------------------------------------------------------------------------
\set r `"$SORA_SB_AUTH" signup-autoconfirm :'frank_email' :'frank'`
SELECT is(:'r'::text, :'frank'::text, 'the auth server signed frank up with autoconfirm');
SELECT is(test.sb_auth_user(:'frank')->'confirmed', 'true'::jsonb, 'auth.users: frank is confirmed');
SELECT is(test.balance(:'frank'), :bonus::bigint, 'frank has the bonus');
SELECT is(test.sb_count(:'frank', 'signup_bonus'), 1, 'once');

------------------------------------------------------------------------------------------
-- Anonymous sign-in, later converted into a permanent account by linking an email
------------------------------------------------------------------------------------------
\set r `"$SORA_SB_AUTH" anonymous :'gina'`
SELECT is(:'r'::text, 'ok', 'gina signs in anonymously');
SELECT is(test.sb_auth_user(:'gina') - 'role', '{"confirmed": false, "email_confirmed": false, "phone_confirmed": false, "is_anonymous": true, "deleted": false}',
          'gina''s auth.users row: anonymous, not confirmed');
SELECT ok(test.profile_row(:'gina') IS NOT NULL, 'gina has a profile (an anonymous user can be given credits)');
SELECT todo_start('issue #11: anonymous sign-ins get the bonus, so it can be farmed');
SELECT is(test.balance(:'gina'), 0::bigint, 'an anonymous user has 0 credits');
SELECT is(test.sb_count(:'gina', 'signup_bonus'), 0, 'and no signup_bonus entry');
SELECT todo_end();

\set r `"$SORA_SB_AUTH" link-email :'gina' :'gina_email'`
SELECT is(:'r'::text, 'ok', 'gina links and verifies an email');
SELECT is(test.sb_auth_user(:'gina') - 'role', '{"confirmed": true, "email_confirmed": true, "phone_confirmed": false, "is_anonymous": false, "deleted": false}',
          'auth.users: gina is a confirmed, permanent user now');
SELECT is(test.sb_count(:'gina', 'signup_bonus'), 1, 'gina has one signup_bonus entry');
SELECT is(test.balance(:'gina'), :bonus::bigint, 'and the bonus once');

------------------------------------------------------------------------------------------
-- Phone sign-up, confirmed by the SMS code
------------------------------------------------------------------------------------------
\set r `"$SORA_SB_AUTH" phone-signup :'hank_phone' :'hank'`
SELECT is(:'r'::text, :'hank'::text, 'the auth server signed hank up with a phone');
SELECT is(test.sb_auth_user(:'hank')->'confirmed', 'false'::jsonb, 'auth.users: hank is not confirmed yet');
SELECT todo_start('issue #11: the bonus is granted at INSERT, before the phone is confirmed');
SELECT is(test.balance(:'hank'), 0::bigint, 'an unconfirmed phone user has 0 credits');
SELECT todo_end();
\set r `"$SORA_SB_AUTH" confirm-phone :'hank'`
SELECT is(:'r'::text, 'ok', 'hank enters the SMS code');
SELECT is(test.sb_auth_user(:'hank') - 'role', '{"confirmed": true, "email_confirmed": false, "phone_confirmed": true, "is_anonymous": false, "deleted": false}',
          'auth.users: hank is confirmed by phone');
SELECT is(test.sb_count(:'hank', 'signup_bonus'), 1, 'hank has one signup_bonus entry');
SELECT is(test.balance(:'hank'), :bonus::bigint, 'and the bonus once');

------------------------------------------------------------------------------------------
-- Deleting users, as the admin API does
------------------------------------------------------------------------------------------
CALL test.request('05 erin charges', 'authenticated', :'erin', 'POST', '/rpc/create_video_generation',
                  '{"p_prompt": "A video before leaving", "p_duration_seconds": 1, "p_resolution": "480p"}');
SELECT is(test.status('05 erin charges'), 200, 'erin pays for a video');
SELECT is(test.sb_rows_of(:'erin'), '{"profiles": 1, "videos": 1, "credit_transactions": 2}', 'erin''s account, video and ledger');
\set r `"$SORA_SB_AUTH" delete :'erin'`
SELECT is(:'r'::text, 'ok', 'the admin API deletes erin');
SELECT is(test.sb_rows_of(:'erin'), '{"profiles": 0, "videos": 0, "credit_transactions": 0}',
          'her profile, video and ledger went with her (the one deletion the ledger allows)');

SELECT test.sb_rows_of(:'frank') AS frank_rows \gset
\set r `"$SORA_SB_AUTH" soft-delete :'frank'`
SELECT is(:'r'::text, 'ok', 'the admin API soft-deletes frank');
SELECT is(test.sb_auth_user(:'frank')->'deleted', 'true'::jsonb, 'auth.users keeps frank''s row, with deleted_at');
SELECT is(test.sb_rows_of(:'frank'), :'frank_rows'::jsonb, 'so his account and ledger stay as they were');
SELECT is(test.balance(:'frank'), :bonus::bigint, 'with his balance');

CALL test.request('05 verify_ledger', 'service_role', NULL, 'GET', '/rpc/verify_ledger');
SELECT test.responds('05 verify_ledger', 200, '[]');

SELECT * FROM finish();
