#include "signup.hpp"

#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

bool real_account(const AccountState& account) { return account.confirmed && !account.anonymous; }

bool bonus_due_on_insert(BonusMoment moment, const AccountState& account) {
  return moment == BonusMoment::kSignup || real_account(account);
}

bool bonus_due_on_update(BonusMoment moment, const AccountState& before, const AccountState& after) {
  return moment == BonusMoment::kConfirmation && !real_account(before) && real_account(after);
}

}  // namespace sora::core
