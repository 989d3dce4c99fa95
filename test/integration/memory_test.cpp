// Backend memory (issue 3, item 8): 100,000 API calls in one backend, successes and
// refusals mixed, must not grow its memory. The figures are the sum of total_bytes and the
// number of contexts in pg_backend_memory_contexts, after a warm-up (loading the library,
// preparing the cached SPI plans and filling the catalog caches happen once per backend).
#include <gtest/gtest.h>

#include <iostream>
#include <map>

#include "support.hpp"

namespace itest {
namespace {

constexpr std::int64_t kCalls = 100000;
constexpr std::int64_t kWarmUpCalls = 5000;
// A leak of 10 bytes or of one memory context per call would exceed these by far; the
// slack covers caches that a plan invalidation (autovacuum's ANALYZE) rebuilds meanwhile.
constexpr std::int64_t kAllowedGrowthBytes = 1 << 20;
constexpr std::int64_t kAllowedExtraContexts = 10;

struct Memory {
  std::int64_t bytes, contexts;
};

// The session calls as the backend with a user's claims (service_role may call every
// function, and create_video_generation charges the sub), set once for the session so that
// each call is one statement and nothing else runs in between.
class OneBackend {
 public:
  explicit OneBackend(const std::string& user_id) : user_id_(user_id) {
    pqxx::nontransaction tx(*conn_);
    tx.exec("SET synchronous_commit = off");  // no crash here: the disk need not be waited for
    tx.exec_params("SELECT set_config('request.jwt.claims', $1, false)",
                   claims_json(Caller{"service_role", user_id}));
    tx.exec("SET ROLE service_role");
  }

  // pg_backend_memory_contexts is for superusers: read it as the login role.
  Memory memory() {
    pqxx::nontransaction tx(*conn_);
    tx.exec("RESET ROLE");
    pqxx::row r = tx.exec1("SELECT sum(total_bytes), count(*) FROM pg_backend_memory_contexts");
    tx.exec("SET ROLE service_role");
    return {r[0].as<std::int64_t>(), r[1].as<std::int64_t>()};
  }

  // One round of 15 calls, each with the outcome it must have. The balance is the same
  // after each round (two charges of 15, a refund of 15 and a grant of 15), so every round
  // succeeds and is refused in the same places.
  void round(std::int64_t n) {
    std::string key = "memory-" + std::to_string(n);
    std::string first =
        expect("create", "ok", "a lighthouse at dusk", 5, "720p", "sora-2", key.c_str());
    expect("create", "ok", "a lighthouse at dusk", 5, "720p", "sora-2", key.c_str());  // replay
    expect("credit_info", "ok", user_id_);
    expect("claim", "ok", 1);
    expect("complete", "ok", first, "https://cdn.example.com/" + first + ".mp4");
    expect("refund", "PT409", first, nullptr);  // completed: cannot be refunded
    std::string second =
        expect("create", "ok", "a lighthouse at dawn", 5, "720p", "sora-2", nullptr);
    expect("refund", "ok", second, "the model failed");
    expect("soft_delete", "ok", second);
    expect("list_deleted", "ok");
    expect("restore", "ok", second);
    expect("create", "PT402", "a long film", 60, "1080p", "sora-2-pro", nullptr);
    expect("grant", "ok", user_id_, 15, "purchase", nullptr);
    expect("soft_delete", "PT404", "00000000-0000-4000-8000-000000000000");
    expect("create", "22023", "a film of no length", 0, "720p", "sora-2", nullptr);
    calls_ += 15;
  }

  std::int64_t calls() const { return calls_; }
  std::int64_t wrong() const { return wrong_; }
  const std::map<std::string, std::int64_t>& outcomes() const { return outcomes_; }

 private:
  // Calls the prepared statement; counts a wrong outcome. Returns the first column of a
  // successful call's result.
  template <typename... Args>
  std::string expect(const char* statement, const char* code, Args&&... args) {
    std::string outcome = "ok", first;
    try {
      pqxx::nontransaction tx(*conn_);
      pqxx::result r = tx.exec_prepared(statement, std::forward<Args>(args)...);
      first = r[0][0].c_str();
    } catch (const pqxx::failure&) {
      CallError e = current_error(*conn_);
      outcome = e.code;
      if (outcome != code && wrong_ == 0) {
        ADD_FAILURE() << statement << ": " << e.code << " " << e.message;
      }
    }
    ++outcomes_[std::string(statement) + " " + outcome];
    if (outcome != code) ++wrong_;
    return first;
  }

  std::unique_ptr<pqxx::connection> conn_ = connect();
  std::string user_id_;
  std::int64_t calls_ = 0, wrong_ = 0;
  std::map<std::string, std::int64_t> outcomes_;
};

TEST(BackendMemory, HundredThousandCallsDoNotGrowIt) {
  auto admin = connect();
  OneBackend backend(create_user(*admin, 100));
  std::int64_t round = 0;
  while (backend.calls() < kWarmUpCalls) backend.round(round++);
  Memory before = backend.memory();
  std::int64_t start = backend.calls();
  while (backend.calls() - start < kCalls) backend.round(round++);
  Memory after = backend.memory();

  std::cout << "memory: " << backend.calls() - start << " calls after " << start
            << " warm-up calls; backend memory " << before.bytes << " -> " << after.bytes
            << " bytes (" << after.bytes - before.bytes << "), contexts " << before.contexts
            << " -> " << after.contexts << "\n";
  for (const auto& [outcome, count] : backend.outcomes()) {
    std::cout << "  " << outcome << " = " << count << "\n";
  }
  EXPECT_EQ(backend.wrong(), 0) << "calls with another outcome than expected";
  EXPECT_LT(after.bytes - before.bytes, kAllowedGrowthBytes);
  EXPECT_LE(after.contexts, before.contexts + kAllowedExtraContexts);
}

}  // namespace
}  // namespace itest
