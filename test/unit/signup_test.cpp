// The sign-up bonus rule: only real accounts, at the first moment they are real.
#include "core/signup.hpp"

#include <gtest/gtest.h>

namespace {

using sora::core::AccountState;
using sora::core::bonus_due_on_insert;
using sora::core::bonus_due_on_update;
using sora::core::BonusMoment;
using sora::core::real_account;

constexpr AccountState kConfirmed{true, false};
constexpr AccountState kUnconfirmed{false, false};
constexpr AccountState kAnonymous{true, true};
constexpr AccountState kAnonymousUnconfirmed{false, true};

TEST(SignupBonus, RealAccountIsConfirmedAndNotAnonymous) {
  EXPECT_TRUE(real_account(kConfirmed));
  EXPECT_FALSE(real_account(kUnconfirmed));
  EXPECT_FALSE(real_account(kAnonymous));
  EXPECT_FALSE(real_account(kAnonymousUnconfirmed));
  EXPECT_TRUE(real_account(AccountState{})) << "a table without the columns counts as real";
}

TEST(SignupBonus, AtConfirmationOnlyRealAccountsGetItAtInsert) {
  EXPECT_TRUE(bonus_due_on_insert(BonusMoment::kConfirmation, kConfirmed)) << "auto-confirmed";
  EXPECT_FALSE(bonus_due_on_insert(BonusMoment::kConfirmation, kUnconfirmed));
  EXPECT_FALSE(bonus_due_on_insert(BonusMoment::kConfirmation, kAnonymous));
}

TEST(SignupBonus, AtConfirmationTheUpdateThatMakesTheAccountRealGrantsIt) {
  EXPECT_TRUE(bonus_due_on_update(BonusMoment::kConfirmation, kUnconfirmed, kConfirmed));
  EXPECT_TRUE(bonus_due_on_update(BonusMoment::kConfirmation, kAnonymous, kConfirmed))
      << "an anonymous user turned permanent";
  EXPECT_FALSE(bonus_due_on_update(BonusMoment::kConfirmation, kConfirmed, kConfirmed))
      << "a sign-in updates the row of an account that was already real";
  EXPECT_FALSE(bonus_due_on_update(BonusMoment::kConfirmation, kConfirmed, kUnconfirmed));
  EXPECT_FALSE(bonus_due_on_update(BonusMoment::kConfirmation, kUnconfirmed, kAnonymous));
}

TEST(SignupBonus, AtSignupEveryNewUserGetsItAndUpdatesNever) {
  for (AccountState account : {kConfirmed, kUnconfirmed, kAnonymous}) {
    EXPECT_TRUE(bonus_due_on_insert(BonusMoment::kSignup, account));
    EXPECT_FALSE(bonus_due_on_update(BonusMoment::kSignup, kUnconfirmed, account));
  }
}

}  // namespace
