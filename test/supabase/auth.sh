#!/usr/bin/env bash
# What the auth server (GoTrue, supabase/auth) writes to auth.users, written the same way:
# on a connection of its own, as its role supabase_auth_admin (search_path auth), one
# transaction per API call, the statements its models issue (internal/api/signup.go,
# anonymous.go, verify.go, admin.go; internal/models/user.go). Called by the pgTAP files of
# this folder through psql's backquotes, so that the auth server's writes commit on their
# own connection while the suite's session (PostgREST's) waits, as in a real project.
#
#   auth.sh signup EMAIL UUID            POST /signup with an email, mailer autoconfirm off: the
#                                        row is inserted unconfirmed (supabase-db.sh signup)
#   auth.sh signup-autoconfirm EMAIL UUID
#                                        the same with autoconfirm on: the row is inserted, then
#                                        confirmed, in one transaction (SUPABASE_SIGNUP_CONFIRMED=1)
#   auth.sh confirm-email UUID           POST /verify (type signup): User.Confirm
#   auth.sh phone-signup PHONE UUID      POST /signup with a phone, SMS autoconfirm off
#   auth.sh confirm-phone UUID           POST /verify (type sms): User.ConfirmPhone
#   auth.sh anonymous UUID               POST /signup without email or phone (anonymous sign-in):
#                                        is_anonymous = true, no identity
#   auth.sh link-email UUID EMAIL        an anonymous user becomes permanent: PUT /user {email},
#                                        then POST /verify (type email_change), which sets
#                                        is_anonymous = false, the email, then User.Confirm
#   auth.sh unconfirm UUID               email_confirmed_at back to NULL. No GoTrue endpoint does
#                                        this: it is an operator's SQL, for the flip-flop test
#   auth.sh soft-delete UUID             DELETE /admin/users/{id} {"should_soft_delete": true}
#   auth.sh delete UUID                  DELETE /admin/users/{id}: pop's Destroy
# Prints the user's id for the sign-ups and "ok" for the rest; exits non-zero on an error.
#
# Environment (see run.sh): SORA_SUPABASE_HOST, SORA_SUPABASE_PORT, SORA_SUPABASE_DB, and
# SORA_SUPABASE_DB_SH for the email sign-ups.
set -euo pipefail
# the auth server's connection has its own settings (its role's search_path is auth): none
# of the suite's libpq settings (PGOPTIONS of pg_prove's sessions) may reach it
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGOPTIONS PGSERVICE PGSERVICEFILE PGPASSWORD
cmd=${1:?usage: auth.sh COMMAND ARGS (see the header)}
shift

q() {
  psql -X -q -v ON_ERROR_STOP=1 --no-password -h "$SORA_SUPABASE_HOST" -p "$SORA_SUPABASE_PORT" \
    -d "${SORA_SUPABASE_DB:-postgres}" -U supabase_auth_admin "$@" >/dev/null
}

case $cmd in
  signup)
    SUPABASE_SIGNUP_CONFIRMED='' "$SORA_SUPABASE_DB_SH" signup "$SORA_SUPABASE_HOST" "$1" "$2" ;;
  signup-autoconfirm)
    SUPABASE_SIGNUP_CONFIRMED=1 "$SORA_SUPABASE_DB_SH" signup "$SORA_SUPABASE_HOST" "$1" "$2" ;;

  confirm-email)
    # User.Confirm: UpdateOnly(confirmation_token, email_confirmed_at), then the email_verified
    # user metadata; pop's UpdateOnly also sets updated_at
    q -v id="$1" <<'SQL'
BEGIN;
UPDATE users SET confirmation_token = '', email_confirmed_at = now(), updated_at = now() WHERE id = :'id';
UPDATE users SET raw_user_meta_data = raw_user_meta_data || '{"email_verified": true}', updated_at = now() WHERE id = :'id';
COMMIT;
SQL
    echo ok ;;

  phone-signup)
    # NewUser(phone, "", password, ...), signupNewUser (the row, then SetRole), the phone
    # identity, the providers, then sendPhoneConfirmation (the OTP's hash and its time)
    q -v phone="$1" -v id="$2" <<'SQL'
BEGIN;
INSERT INTO users (instance_id, id, aud, role, email, is_sso_user, encrypted_password,
  email_confirmed_at, invited_at, phone, phone_confirmed_at, confirmation_token,
  confirmation_sent_at, recovery_token, recovery_sent_at, email_change_token_current,
  email_change_token_new, email_change, email_change_sent_at, email_change_confirm_status,
  phone_change_token, phone_change, phone_change_sent_at, reauthentication_token,
  reauthentication_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, banned_until, deleted_at, is_anonymous)
VALUES ('00000000-0000-0000-0000-000000000000', :'id', 'authenticated', '', NULL, false,
  '$2a$10$PznXR5VSgzjnAp7T/X7PCu6vtlgzdFt1zIr41IqP0CmVHQtShiXxS',
  NULL, NULL, :'phone', NULL, '', NULL, '', NULL, '', '', '', NULL, 0, '', '', NULL, '', NULL,
  NULL, '{}', '{}', now(), now(), NULL, NULL, false);
UPDATE users SET role = 'authenticated', updated_at = now() WHERE id = :'id';
INSERT INTO identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
VALUES (:'id', :'id', jsonb_build_object('sub', :'id', 'phone', :'phone', 'email_verified', false, 'phone_verified', false),
        'phone', now(), now(), now());
UPDATE users SET raw_app_meta_data = '{"provider": "phone", "providers": ["phone"]}', updated_at = now() WHERE id = :'id';
UPDATE users SET confirmation_token = encode(sha224(convert_to(:'phone', 'UTF8')), 'hex'),
                 confirmation_sent_at = now(), updated_at = now() WHERE id = :'id';
COMMIT;
SQL
    echo "$2" ;;

  confirm-phone)
    # User.ConfirmPhone: UpdateOnly(confirmation_token, phone_confirmed_at)
    q -v id="$1" <<'SQL'
UPDATE users SET confirmation_token = '', phone_confirmed_at = now(), updated_at = now() WHERE id = :'id';
SQL
    echo ok ;;

  anonymous)
    # SignupAnonymously: NewUser("", "", "", ...) with IsAnonymous (no email, no phone, an
    # empty password hash, empty app metadata), signupNewUser (the row, then SetRole), then
    # issueRefreshToken, which records the sign-in (UpdateLastSignInAt)
    q -v id="$1" <<'SQL'
BEGIN;
INSERT INTO users (instance_id, id, aud, role, email, is_sso_user, encrypted_password,
  email_confirmed_at, invited_at, phone, phone_confirmed_at, confirmation_token,
  confirmation_sent_at, recovery_token, recovery_sent_at, email_change_token_current,
  email_change_token_new, email_change, email_change_sent_at, email_change_confirm_status,
  phone_change_token, phone_change, phone_change_sent_at, reauthentication_token,
  reauthentication_sent_at, last_sign_in_at, raw_app_meta_data, raw_user_meta_data,
  created_at, updated_at, banned_until, deleted_at, is_anonymous)
VALUES ('00000000-0000-0000-0000-000000000000', :'id', 'authenticated', '', NULL, false, '',
  NULL, NULL, NULL, NULL, '', NULL, '', NULL, '', '', '', NULL, 0, '', '', NULL, '', NULL,
  NULL, '{}', '{}', now(), now(), NULL, NULL, true);
UPDATE users SET role = 'authenticated', updated_at = now() WHERE id = :'id';
UPDATE users SET last_sign_in_at = now(), updated_at = now() WHERE id = :'id';
COMMIT;
SQL
    echo ok ;;

  link-email)
    # PUT /user {email} of an anonymous user: the pending change and its token; then
    # POST /verify type email_change (emailChangeVerify): the email identity, is_anonymous =
    # false, ConfirmEmailChange (the email), and User.Confirm because it was never confirmed
    q -v id="$1" -v email="$2" <<'SQL'
UPDATE users SET email_change = lower(:'email'),
                 email_change_token_new = encode(sha224(convert_to(:'email', 'UTF8')), 'hex'),
                 email_change_sent_at = now(), updated_at = now() WHERE id = :'id';
BEGIN;
INSERT INTO identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
VALUES (:'id', :'id', jsonb_build_object('sub', :'id', 'email', lower(:'email'), 'email_verified', true),
        'email', now(), now(), now());
UPDATE users SET is_anonymous = false, updated_at = now() WHERE id = :'id';
UPDATE users SET email = email_change, email_change = '', email_change_token_current = '',
                 email_change_token_new = '', email_change_confirm_status = 0, updated_at = now()
  WHERE id = :'id';
UPDATE users SET confirmation_token = '', email_confirmed_at = now(), updated_at = now() WHERE id = :'id';
UPDATE users SET raw_user_meta_data = raw_user_meta_data || '{"email_verified": true}', updated_at = now() WHERE id = :'id';
COMMIT;
SQL
    echo ok ;;

  unconfirm)
    q -v id="$1" <<'SQL'
UPDATE users SET email_confirmed_at = NULL, updated_at = now() WHERE id = :'id';
SQL
    echo ok ;;

  soft-delete)
    # User.SoftDeleteUser: obfuscated email and phone, no password or tokens, deleted_at,
    # empty metadata, the sessions logged out; the identities soft-deleted the same way
    q -v id="$1" <<'SQL'
BEGIN;
UPDATE users SET email = encode(sha256(convert_to(coalesce(email, '') || id::text, 'UTF8')), 'hex'),
                 phone = NULL, encrypted_password = NULL, email_change = '', phone_change = '',
                 confirmation_token = '', recovery_token = '', email_change_token_current = '',
                 email_change_token_new = '', phone_change_token = '', deleted_at = now(),
                 updated_at = now() WHERE id = :'id';
UPDATE users SET raw_user_meta_data = '{}', updated_at = now() WHERE id = :'id';
UPDATE users SET raw_app_meta_data = '{}', updated_at = now() WHERE id = :'id';
DELETE FROM sessions WHERE user_id = :'id';
UPDATE identities SET identity_data = '{}', provider_id = encode(sha256(convert_to(provider_id, 'UTF8')), 'hex'),
                      updated_at = now() WHERE user_id = :'id';
COMMIT;
SQL
    echo ok ;;

  delete)
    q -v id="$1" <<'SQL'
DELETE FROM users WHERE id = :'id';
SQL
    echo ok ;;

  *) echo "auth.sh: unknown command $cmd" >&2; exit 2 ;;
esac
