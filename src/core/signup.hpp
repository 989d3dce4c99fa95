// The sign-up bonus: granted once per user, and only to a real account (confirmed by e-mail
// or phone, and not anonymous), so that throwaway and anonymous sign-ins cannot farm it.
#pragma once

namespace sora::core {

// sora_credits.signup_bonus_at: at the first moment the account is real (the default), or
// at sign-up for every new user (1.1's behaviour).
enum class BonusMoment { kConfirmation, kSignup };

// What an auth.users row says of its account. A table without the confirmation columns
// counts as confirmed, one without is_anonymous as not anonymous.
struct AccountState {
  bool confirmed = true;
  bool anonymous = false;
};

bool real_account(const AccountState& account);

// Whether a new auth.users row, or a change of one, is the moment to grant the bonus. It
// is then granted unless the user already has one (at most one per user, whatever happens
// to the row afterwards).
bool bonus_due_on_insert(BonusMoment moment, const AccountState& account);
bool bonus_due_on_update(BonusMoment moment, const AccountState& before, const AccountState& after);

}  // namespace sora::core
