// Errors that PostgreSQL raises inside the C++ functions (issue 3, item 7). Another session
// holds the user's profile row, so a charge waits for the lock inside the function's SPI
// query until lock_timeout, statement_timeout or a cancel ends the wait. The caller must get
// PostgreSQL's own SQLSTATE and message, and the session must come out of it whole: the
// same backend, no locks, no SPI state left, nothing written, and the next calls right.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support.hpp"

namespace itest {
namespace {

constexpr std::int64_t kCredits = 100;
constexpr std::int64_t kCost = 15;  // 5 s of sora-2 at 720p

class ServerErrors : public testing::Test {
 protected:
  struct Account {
    std::int64_t credits, entries, videos;
    bool operator==(const Account& o) const {
      return credits == o.credits && entries == o.entries && videos == o.videos;
    }
  };

  void SetUp() override {
    user_ = create_user(*admin_, kCredits);
    pid_ = backend_pid(*session_);
    before_ = account();
    // A long transaction of another session, holding the profile row.
    hold_ = std::make_unique<pqxx::work>(*holder_);
    hold_->exec_params("SELECT 1 FROM profiles WHERE id = $1 FOR UPDATE", user_);
  }

  Account account() {
    pqxx::nontransaction tx(*admin_);
    pqxx::row r = tx.exec_params1(
        "SELECT credits, (SELECT count(*) FROM credit_transactions WHERE user_id = $1),"
        "       (SELECT count(*) FROM videos WHERE user_id = $1) FROM profiles WHERE id = $1",
        user_);
    return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<std::int64_t>()};
  }

  // The user's charge in the session, after `setting` (SET LOCAL ...); returns its error.
  CallError failed_charge(const std::string& setting) {
    try {
      pqxx::work tx(*session_);
      act_as(tx, user(user_));
      tx.exec(setting);
      tx.exec_prepared("create", "A red fox running through snow", 5, "720p", "sora-2", "the-key");
      tx.commit();
    } catch (const pqxx::failure&) {
      return current_error(*session_);
    }
    return {"ok", "the charge succeeded while another session held the profile"};
  }

  // PostgreSQL's own SQLSTATE and message reached the caller, and the session is whole.
  void expect_error_then_whole_session(const CallError& e, const std::string& code,
                                       const std::string& message) {
    EXPECT_EQ(e.code, code) << e.message;
    EXPECT_NE(e.message.find(message), std::string::npos) << e.message;
    // Raised where the function waited, inside its own query (the error's context).
    EXPECT_NE(e.message.find("while locking tuple"), std::string::npos) << e.message;
    EXPECT_NE(e.message.find("relation \"profiles\""), std::string::npos) << e.message;
    expect_session_whole();
  }

  // Everything the session must still be after the error.
  void expect_session_whole() {
    expect_backend_clean(*admin_, *session_, pid_);
    EXPECT_TRUE(account() == before_) << "the failed call wrote to the ledger";

    // A read takes no lock: it works while the row is still held, and sees the balance.
    {
      pqxx::work tx(*session_);
      act_as(tx, user(user_));
      EXPECT_EQ(tx.exec_prepared1("credit_info", user_)[0].as<std::int64_t>(), kCredits);
      tx.commit();
    }
    // Once the holder is gone, the same request succeeds, as a first call: the failed one
    // left no trace, not even its idempotency key.
    hold_->abort();
    pqxx::work tx(*session_);
    act_as(tx, user(user_));
    pqxx::row r = tx.exec_prepared1("create", "A red fox running through snow", 5, "720p", "sora-2",
                                    "the-key");
    tx.commit();
    EXPECT_EQ(r[2].as<std::int64_t>(), kCost);             // credits_charged
    EXPECT_EQ(r[3].as<std::int64_t>(), kCredits - kCost);  // credits_remaining
    EXPECT_FALSE(r[4].as<bool>());                         // idempotent_replay
    EXPECT_TRUE((account() == Account{kCredits - kCost, before_.entries + 1, before_.videos + 1}));
  }

  std::unique_ptr<pqxx::connection> admin_ = connect(), holder_ = connect(), session_ = connect();
  std::unique_ptr<pqxx::work> hold_;
  std::string user_;
  std::int64_t pid_ = 0;
  Account before_{};
};

TEST_F(ServerErrors, LockTimeoutReachesTheCallerUnchanged) {
  expect_error_then_whole_session(failed_charge("SET LOCAL lock_timeout = '100ms'"), "55P03",
                                  "canceling statement due to lock timeout");
}

TEST_F(ServerErrors, StatementTimeoutReachesTheCallerUnchanged) {
  expect_error_then_whole_session(failed_charge("SET LOCAL statement_timeout = '200ms'"), "57014",
                                  "canceling statement due to statement timeout");
}

TEST_F(ServerErrors, CancelReachesTheCallerUnchanged) {
  CallError e;
  std::atomic<bool> returned{false};
  std::thread caller([&] {
    e = failed_charge("SET LOCAL lock_timeout = 0");
    returned = true;
  });
  {
    // Cancel from a third session once the call waits for the profile lock.
    pqxx::nontransaction watch(*admin_);
    bool waiting = false;
    while (!waiting && !returned) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      waiting = watch
                    .exec_params1(
                        "SELECT coalesce(wait_event_type = 'Lock', false)"
                        " FROM pg_stat_activity WHERE pid = $1",
                        pid_)[0]
                    .as<bool>();
    }
    EXPECT_TRUE(watch.exec_params1("SELECT pg_cancel_backend($1)", pid_)[0].as<bool>());
  }
  caller.join();
  expect_error_then_whole_session(e, "57014", "canceling statement due to user request");
}

}  // namespace
}  // namespace itest
