// Fault injection: an error raised from inside each SPI statement of a charge, a refund and a
// grant (1.2: with their credit lots), one at a time. The statements that lock or read are made to fail by another session
// holding what they need (a row lock, or a table lock that even a plain read waits for) under
// lock_timeout or statement_timeout; the writes by test-only triggers that raise with a
// SQLSTATE of their own, or a NOT VALID check constraint on the ledger. For every one:
//  - the caller gets that error's SQLSTATE, raised inside that very statement (its text is
//    in the error's context);
//  - the transaction rolls back whole: the user's balance, counters, ledger and videos (and
//    the tables' row counts) are what they were;
//  - the session is whole (same backend, no locks, no transaction, no SPI state), and the
//    same call, once the fault is gone, succeeds.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "support.hpp"

namespace itest {
namespace {

enum class Call { kCharge, kChargeWithoutKey, kRefund, kRefundAgain, kGrant };

// Test-only DDL committed before the call, and the DDL that undoes it.
struct Injection {
  std::string add, remove;
};

// A trigger that raises `code` before each `event` on the extension's `table`.
Injection raise_on(const std::string& event, const std::string& table, const std::string& code) {
  return {"CREATE TRIGGER fault BEFORE " + event + " ON public." + table +
              " FOR EACH ROW EXECUTE FUNCTION faults.raise('" + code + "')",
          "DROP TRIGGER fault ON public." + table};
}

// A ledger that refuses new entries of `kind` (23514), its existing rows left unchecked.
Injection ledger_refuses(const std::string& kind) {
  return {"ALTER TABLE public.credit_transactions ADD CONSTRAINT fault CHECK (kind <> '" + kind +
              "') NOT VALID",
          "ALTER TABLE public.credit_transactions DROP CONSTRAINT fault"};
}

// A balance that a trigger changes behind the charge's back (one credit less on every
// UPDATE of profiles): the charge's entry records the balance it computed under the lock, so
// its statement must return no row, which fails the call (P0002) and undoes it.
Injection balance_drifts() {
  return {"CREATE TRIGGER fault BEFORE UPDATE ON public.profiles FOR EACH ROW"
          " EXECUTE FUNCTION faults.drift()",
          "DROP TRIGGER fault ON public.profiles"};
}

struct Fault {
  std::string name;
  Call call;
  std::string setting;  // run first in the call's transaction
  // SQL that another session runs and holds open during the call ({user} and {video} stand
  // for the call's user and video), or "".
  std::string hold;
  Injection injection;
  std::string sqlstate;
  std::string message;    // a piece of the error's message
  std::string statement;  // a piece of the failing statement's text
};

const std::string kLockTimeout = "SET LOCAL lock_timeout = '300ms'";
const std::string kLockTimedOut = "canceling statement due to lock timeout";
const std::string kHoldProfile = "SELECT 1 FROM profiles WHERE id = {user} FOR UPDATE";
const std::string kHoldLedger = "LOCK TABLE credit_transactions IN ACCESS EXCLUSIVE MODE";
const std::string kHoldVideos = "LOCK TABLE videos IN ACCESS EXCLUSIVE MODE";
const std::string kLockProfile = "SELECT credits, lifetime_granted FROM public.profiles";
const std::string kLockProfileForCharge = "AS credits_per_second FROM public.profiles";
const std::string kHoldLots = "LOCK TABLE credit_lots IN ACCESS EXCLUSIVE MODE";
const std::string kHoldAllocations = "LOCK TABLE credit_allocations IN ACCESS EXCLUSIVE MODE";
const std::string kHoldReferences = "LOCK TABLE payment_references IN ACCESS EXCLUSIVE MODE";
const std::string kSettleLots = "FROM public.credit_lots WHERE user_id = $1 AND NOT depleted";
const std::string kGiveBack = "SET remaining = l.remaining + m.amount";
const std::string kAddLot = "INSERT INTO public.credit_lots";
const std::string kInjected = "injected fault";
const std::string kCheck = "violates check constraint \"fault\"";
const std::string kChargeWrite = "credits = credits - $6";
const std::string kRefundWrite = "credits = credits + $3";
const std::string kGrantWrite = "lifetime_granted = lifetime_granted + $2";

const std::vector<Fault> kFaults = {
    // create_video_generation: lock the profile (and read the price), write off expired lots,
    // replay check, in-flight count, write (video, balance, ledger, lots, allocations).
    {"ChargeLockProfile", Call::kCharge, kLockTimeout, kHoldProfile, {}, "55P03", kLockTimedOut,
     kLockProfileForCharge},
    {"ChargeSettleLots", Call::kCharge, kLockTimeout, kHoldLots, {}, "55P03", kLockTimedOut,
     kSettleLots},
    {"ChargeReplayCheck", Call::kCharge, kLockTimeout, kHoldLedger, {}, "55P03", kLockTimedOut,
     "SELECT v.id, v.prompt"},
    {"ChargePrice", Call::kCharge, "SET LOCAL statement_timeout = '300ms'",
     "LOCK TABLE video_pricing IN ACCESS EXCLUSIVE MODE", {}, "57014",
     "canceling statement due to statement timeout", "SELECT credits_per_second::bigint"},
    {"ChargeInFlightCount", Call::kChargeWithoutKey, kLockTimeout, kHoldVideos, {}, "55P03",
     kLockTimedOut, "SELECT count(*) AS in_flight"},
    {"ChargeWriteVideo", Call::kCharge, "", "", raise_on("INSERT", "videos", "SF001"), "SF001",
     kInjected, kChargeWrite},
    {"ChargeWriteBalance", Call::kCharge, "", "", raise_on("UPDATE", "profiles", "SF002"),
     "SF002", kInjected, kChargeWrite},
    {"ChargeWriteLedger", Call::kCharge, "", "", ledger_refuses("video_generation"), "23514",
     kCheck, kChargeWrite},
    {"ChargeWriteLot", Call::kCharge, "", "", raise_on("UPDATE", "credit_lots", "SF004"), "SF004",
     kInjected, kChargeWrite},
    {"ChargeWriteAllocation", Call::kCharge, "", "", raise_on("INSERT", "credit_allocations", "SF005"),
     "SF005", kInjected, kChargeWrite},
    // (raised by the extension after the statement, so no statement text to find)
    {"ChargeBalanceDrifted", Call::kCharge, "", "", balance_drifts(), "P0002",
     "a statement returned no row where one was required", ""},
    // refund_video_credits: find the owner, lock the profile, lock the video, write off expired
    // lots, (for a refunded video) find the refund entry, read the charge's allocations,
    // write, give the credits back to the lots.
    {"RefundFindOwner", Call::kRefund, kLockTimeout, kHoldVideos, {}, "55P03", kLockTimedOut,
     "SELECT user_id FROM public.videos"},
    {"RefundLockProfile", Call::kRefund, kLockTimeout, kHoldProfile, {}, "55P03", kLockTimedOut,
     kLockProfile},
    {"RefundLockVideo", Call::kRefund, kLockTimeout,
     "SELECT 1 FROM videos WHERE id = {video} FOR UPDATE", {}, "55P03", kLockTimedOut,
     "SELECT status, credits_cost, video_url, deleted_at FROM public.videos"},
    {"RefundSettleLots", Call::kRefund, kLockTimeout, kHoldLots, {}, "55P03", kLockTimedOut,
     kSettleLots},
    {"RefundReadAllocations", Call::kRefund, kLockTimeout, kHoldAllocations, {}, "55P03",
     kLockTimedOut, "JOIN public.credit_allocations a"},
    {"RefundFindEarlierRefund", Call::kRefundAgain, kLockTimeout, kHoldLedger, {}, "55P03",
     kLockTimedOut, "SELECT id FROM public.credit_transactions WHERE user_id = $1 AND video_id"},
    {"RefundWriteVideo", Call::kRefund, "", "", raise_on("UPDATE", "videos", "SF003"), "SF003",
     kInjected, kRefundWrite},
    {"RefundWriteBalance", Call::kRefund, "", "", raise_on("UPDATE", "profiles", "SF002"),
     "SF002", kInjected, kRefundWrite},
    {"RefundWriteLedger", Call::kRefund, "", "", ledger_refuses("refund"), "23514", kCheck,
     kRefundWrite},
    {"RefundBalanceDrifted", Call::kRefund, "", "", balance_drifts(), "P0002",
     "a statement returned no row where one was required", ""},
    {"RefundGiveBackToLots", Call::kRefund, "", "", raise_on("UPDATE", "credit_lots", "SF004"),
     "SF004", kInjected, kGiveBack},
    {"RefundWriteAllocations", Call::kRefund, "", "",
     raise_on("INSERT", "credit_allocations", "SF005"), "SF005", kInjected, kGiveBack},
    // grant_credits: lock the profile, write off expired lots, claim of the reference (2.0),
    // write, create the lot and its allocation.
    {"GrantLockProfile", Call::kGrant, kLockTimeout, kHoldProfile, {}, "55P03", kLockTimedOut,
     kLockProfile},
    {"GrantSettleLots", Call::kGrant, kLockTimeout, kHoldLots, {}, "55P03", kLockTimedOut,
     kSettleLots},
    {"GrantClaimReference", Call::kGrant, kLockTimeout, kHoldReferences, {}, "55P03",
     kLockTimedOut, "INSERT INTO public.payment_references"},
    {"GrantWriteBalance", Call::kGrant, "", "", raise_on("UPDATE", "profiles", "SF002"), "SF002",
     kInjected, kGrantWrite},
    {"GrantWriteLedger", Call::kGrant, "", "", ledger_refuses("purchase"), "23514", kCheck,
     kGrantWrite},
    {"GrantBalanceDrifted", Call::kGrant, "", "", balance_drifts(), "P0002",
     "a statement returned no row where one was required", ""},
    {"GrantAddLot", Call::kGrant, "", "", raise_on("INSERT", "credit_lots", "SF004"), "SF004",
     kInjected, kAddLot},
    {"GrantAddAllocation", Call::kGrant, "", "", raise_on("INSERT", "credit_allocations", "SF005"),
     "SF005", kInjected, kAddLot},
};

// gtest names a failing case by its name, not by its bytes.
void PrintTo(const Fault& fault, std::ostream* out) { *out << fault.name; }

std::string replace_all(std::string text, const std::string& token, const std::string& value) {
  for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size())) {
    text.replace(at, token.size(), value);
  }
  return text;
}

class Faults : public testing::TestWithParam<Fault> {
 protected:
  void SetUp() override {
    {
      pqxx::nontransaction tx(*admin_);
      tx.exec("CREATE SCHEMA IF NOT EXISTS faults");
      tx.exec(
          "CREATE OR REPLACE FUNCTION faults.raise() RETURNS trigger LANGUAGE plpgsql AS"
          " $$ BEGIN RAISE EXCEPTION 'injected fault' USING ERRCODE = TG_ARGV[0]; END $$");
      tx.exec(
          "CREATE OR REPLACE FUNCTION faults.drift() RETURNS trigger LANGUAGE plpgsql AS"
          " $$ BEGIN NEW.credits := NEW.credits - 1; RETURN NEW; END $$");
    }
    user_ = create_user(*admin_, 1000);
    const Call call = GetParam().call;
    if (call == Call::kRefund || call == Call::kRefundAgain) {
      pqxx::work tx(*session_);
      act_as(tx, user(user_));
      video_ = tx.exec_prepared1("create", "A fox to refund", 5, "720p", "sora-2", nullptr)[0]
                   .as<std::string>();
      tx.commit();
      if (call == Call::kRefundAgain) {
        ASSERT_EQ(attempt(call, "").code, "ok");
      }
    }
    pid_ = backend_pid(*session_);
  }

  // The call in the session, in a transaction that starts with `setting`; "ok" or its error.
  CallError attempt(Call call, const std::string& setting) {
    try {
      pqxx::work tx(*session_);
      if (!setting.empty()) tx.exec(setting);
      switch (call) {
        case Call::kCharge:
        case Call::kChargeWithoutKey:
          // A cap, so that the in-flight count runs too.
          tx.exec("SET LOCAL sora_credits.max_inflight_per_user = 100");
          act_as(tx, user(user_));
          if (call == Call::kCharge) {
            tx.exec_prepared1("create", "A fault-injected fox", 5, "720p", "sora-2", "fault-key");
          } else {
            tx.exec_prepared1("create", "A fault-injected fox", 5, "720p", "sora-2", nullptr);
          }
          break;
        case Call::kRefund:
        case Call::kRefundAgain:
          act_as(tx, service());
          tx.exec_prepared1("refund", video_, "fault injection");
          break;
        case Call::kGrant:
          act_as(tx, service());
          tx.exec_prepared1("grant", user_, 10, "purchase", "payment for " + user_);
          break;
      }
      tx.commit();
    } catch (const pqxx::failure&) {
      return current_error(*session_);
    }
    return {"ok", ""};
  }

  // The user's account and the tables' sizes, as one text.
  std::string snapshot() {
    pqxx::nontransaction tx(*admin_);
    return tx
        .exec_params1(
            "SELECT concat_ws(' | ',"
            " (SELECT p::text FROM profiles p WHERE id = $1),"
            " (SELECT string_agg(t::text, ',' ORDER BY id) FROM credit_transactions t"
            "  WHERE user_id = $1),"
            " (SELECT string_agg(v::text, ',' ORDER BY id) FROM videos v WHERE user_id = $1),"
            " (SELECT string_agg(l::text, ',' ORDER BY id) FROM credit_lots l WHERE user_id = $1),"
            " (SELECT string_agg(a::text, ',' ORDER BY transaction_id, lot_id)"
            "  FROM credit_allocations a WHERE user_id = $1),"
            " (SELECT count(*) FROM credit_transactions), (SELECT count(*) FROM videos),"
            " (SELECT count(*) FROM credit_lots), (SELECT count(*) FROM credit_allocations))",
            user_)[0]
        .as<std::string>();
  }

  std::unique_ptr<pqxx::connection> admin_ = connect(), holder_ = connect(), session_ = connect();
  std::string user_, video_;
  std::int64_t pid_ = 0;
};

TEST_P(Faults, ArriveWithTheirSqlstateAndLeaveNothingBehind) {
  const Fault& fault = GetParam();
  const std::string before = snapshot();
  pqxx::work hold(*holder_);
  if (!fault.hold.empty()) {
    hold.exec(replace_all(replace_all(fault.hold, "{user}", hold.quote(user_)), "{video}",
                          hold.quote(video_)));
  }
  if (!fault.injection.add.empty()) pqxx::nontransaction(*admin_).exec(fault.injection.add);
  CallError e = attempt(fault.call, fault.setting);
  hold.abort();
  if (!fault.injection.remove.empty()) pqxx::nontransaction(*admin_).exec(fault.injection.remove);

  EXPECT_EQ(e.code, fault.sqlstate) << e.message;
  EXPECT_NE(e.message.find(fault.message), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(fault.statement), std::string::npos)
      << "not raised inside the statement expected: " << e.message;
  EXPECT_EQ(snapshot(), before) << "the failed call left a change behind";
  expect_backend_clean(*admin_, *session_, pid_);
  CallError next = attempt(fault.call, "");
  EXPECT_EQ(next.code, "ok") << next.message;
  if (fault.call != Call::kRefundAgain) {  // a replay, which writes nothing
    EXPECT_NE(snapshot(), before) << "the call that succeeded changed nothing";
  }
}

INSTANTIATE_TEST_SUITE_P(EachStatement, Faults, testing::ValuesIn(kFaults),
                         [](const testing::TestParamInfo<Fault>& info) { return info.param.name; });

// The same fault inside a transaction that goes on: the failed call is rolled back to a
// savepoint (as PL/pgSQL's EXCEPTION blocks do), and the next call in that transaction works.
TEST(FaultsInsideATransaction, TheTransactionGoesOnAfterRollingBackToASavepoint) {
  auto admin = connect(), holder = connect(), session = connect();
  std::string id = create_user(*admin, 100);
  pqxx::work hold(*holder);
  hold.exec_params("SELECT 1 FROM profiles WHERE id = $1 FOR UPDATE", id);
  pqxx::work tx(*session);
  tx.exec("SET LOCAL lock_timeout = '300ms'");
  act_as(tx, service());
  tx.exec("SAVEPOINT call");
  try {
    tx.exec_prepared("grant", id, 10, "grant", nullptr);
    ADD_FAILURE() << "the grant succeeded while the profile was held";
  } catch (const pqxx::sql_error& e) {
    EXPECT_EQ(e.sqlstate(), "55P03") << e.what();
  }
  tx.exec("ROLLBACK TO SAVEPOINT call");
  hold.abort();
  EXPECT_EQ(tx.exec_prepared1("grant", id, 10, "grant", nullptr)[2].as<std::int64_t>(), 110);
  tx.commit();
  pqxx::nontransaction check(*admin);
  EXPECT_EQ(check.exec_params1("SELECT credits FROM profiles WHERE id = $1", id)[0].as<std::int64_t>(),
            110)
      << "one grant, not two";
}

}  // namespace
}  // namespace itest
