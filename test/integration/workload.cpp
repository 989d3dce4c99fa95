#include "workload.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iomanip>
#include <memory>
#include <random>
#include <thread>

namespace itest {

namespace {

struct Price {
  const char* model;
  const char* resolution;
  std::int64_t per_second;
};
// The seeded price list (sql/sora_credits--1.0.sql): cheap and dear videos, so users with
// a few hundred credits are sometimes refused (PT402) and sometimes not.
const Price kPrices[] = {{"sora-2", "480p", 1},
                         {"sora-2", "720p", 3},
                         {"sora-2", "1080p", 6},
                         {"sora-2-pro", "720p", 10},
                         {"sora-2-pro", "1080p", 20}};
constexpr int kPriceCount = sizeof kPrices / sizeof kPrices[0];
constexpr int kMaxDuration = 12;
constexpr int kSharedKeysPerUser = 40;
constexpr int kReferencesPerUser = 100;
constexpr std::size_t kRecentVideos = 400;
constexpr int kLotReferencesPerUser = 60;

enum class Op {
  kCreate,
  kRefund,
  kComplete,
  kClaim,
  kSoftDelete,
  kRestore,
  kCreditInfo,
  kGrant,
  kListDeleted,
  kGrantLot,
  kExpireCredits
};
const char* const kOpNames[] = {
    "create_video_generation", "refund_video_credits", "complete_video_generation",
    "claim_video_jobs",        "soft_delete_video",    "restore_video",
    "get_credit_info",         "grant_credits",        "list_deleted_videos",
    "grant_credits (lot)",     "expire_credits"};
// Relative frequency of each operation, in the order of Op.
const double kOpWeights[] = {30, 9, 9, 6, 9, 7, 10, 10, 6, 8, 3};

using Codes = std::vector<std::string>;
const Codes kOk = {"ok"};

std::string video_url(const std::string& video) {
  return "https://cdn.example.com/videos/" + video + ".mp4";
}

}  // namespace

// One client thread: its own connection, random generator and tallies (merged into the
// Workload when it ends, so the threads share only the video pool and key records).
class Client {
 public:
  Client(Workload& load, int index)
      : load_(load), index_(index), rng_(load.options_.seed * 1000003 + index) {
    conn_ = connect();
    generation_ = load_.generation();
    // Locking and visibility do not depend on it, and without a crash nothing can tell:
    // only the crash test needs each acknowledged commit on disk; the others go faster.
    if (!load_.options_.tolerate_crashes) conn_->set_variable("synchronous_commit", "off");
  }

  void run() {
    while (!stopped_ && load_.next_.fetch_add(1) < load_.options_.operations) {
      one_operation();
      ++load_.completed_;
    }
  }

 private:
  friend class Workload;

  int uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  std::size_t random_user() { return std::size_t(uniform(0, int(load_.users_.size()) - 1)); }

  void one_operation() {
    std::discrete_distribution<int> pick(std::begin(kOpWeights), std::end(kOpWeights));
    Op op = Op(pick(rng_));
    Workload::VideoRef video;
    bool needs_video =
        op == Op::kRefund || op == Op::kComplete || op == Op::kSoftDelete || op == Op::kRestore;
    if (needs_video && !load_.pick_video(rng_(), &video)) op = Op::kCreate;
    switch (op) {
      case Op::kCreate:
        create();
        break;
      case Op::kRefund:
        refund(video);
        break;
      case Op::kComplete:
        complete(video);
        break;
      case Op::kClaim:
        claim();
        break;
      case Op::kSoftDelete:
      case Op::kRestore:
        soft_delete_or_restore(op, video);
        break;
      case Op::kCreditInfo:
        credit_info();
        break;
      case Op::kGrant:
        grant();
        break;
      case Op::kListDeleted:
        list_deleted();
        break;
      case Op::kGrantLot:
        grant_lot();
        break;
      case Op::kExpireCredits:
        expire_credits();
        break;
    }
  }

  // One API call as `who`, in its own transaction like a PostgREST request. `on_ok` sees
  // the result once COMMIT has returned: only then is the call acknowledged.
  template <typename OnOk, typename... Args>
  void call(Op op, const Codes& expected, const Caller& who, const char* statement, OnOk on_ok,
            Args&&... args) {
    CallError outcome{"ok", ""};
    pqxx::result result;
    try {
      pqxx::work tx(*conn_);
      act_as(tx, who);
      result = tx.exec_prepared(statement, std::forward<Args>(args)...);
      tx.commit();
    } catch (const pqxx::failure&) {
      outcome = current_error(*conn_);
    }
    const char* name = kOpNames[int(op)];
    ++outcomes_[name][outcome.code];
    bool crash = load_.options_.tolerate_crashes && is_crash_code(outcome.code);
    if (!crash && std::find(expected.begin(), expected.end(), outcome.code) == expected.end()) {
      ++unexpected_count_;
      unexpected_.emplace(std::string(name) + " " + outcome.code, outcome.message);
    }
    if (outcome.code == "ok") on_ok(result);
    if (crash) reconnect();
  }

  // After a crash: a new connection once the server is back.
  void reconnect() {
    conn_.reset();
    for (;;) {
      if (!load_.wait_for_restart(generation_)) {
        load_.record_anomaly("client " + std::to_string(index_) +
                             ": the server did not come back after a crash");
        stopped_ = true;
        return;
      }
      generation_ = load_.generation();
      try {
        conn_ = connect();
        return;
      } catch (const pqxx::failure&) {
        // Down again already: wait for the next restart.
      }
    }
  }

  void anomaly(const std::string& what) {
    load_.record_anomaly("client " + std::to_string(index_) + ": " + what);
  }

  void create() {
    std::size_t u = random_user();
    const std::string& user_id = load_.users_[u];
    int variant = uniform(0, 99);
    std::string key;
    bool shared = false, mismatch = false;
    int price = uniform(0, kPriceCount - 1), duration = uniform(1, kMaxDuration);
    if (variant < 55) {
      key = "fresh-" + std::to_string(index_) + "-" + std::to_string(fresh_keys_++);
    } else if (variant < 90) {
      // Keys shared by all clients: concurrent first calls and replays. The parameters are
      // a function of the key, so every call with it is a retry of the same request.
      int n = uniform(0, kSharedKeysPerUser - 1);
      key = "shared-" + std::to_string(n);
      price = int((u + n) % kPriceCount);
      duration = int((u * 7 + n * 3) % kMaxDuration) + 1;
      shared = true;
      // Now and then a key already used, with another duration: PT422.
      if (variant >= 85 && load_.shared_key_used(user_id + "/" + key)) {
        shared = false;
        mismatch = true;
        duration = duration % kMaxDuration + 1;
      }
    }  // else no key: every call charges
    const Price& p = kPrices[price];
    std::int64_t cost = p.per_second * duration;
    const char* key_arg = key.empty() ? nullptr : key.c_str();
    call(
        Op::kCreate, mismatch ? Codes{"PT422"} : Codes{"ok", "PT402"}, user(user_id), "create",
        [&](const pqxx::result& r) {
          std::string video = r[0][0].as<std::string>();
          std::int64_t transaction = r[0][1].as<std::int64_t>();
          std::int64_t charged = r[0][2].as<std::int64_t>();
          bool replay = r[0][4].as<bool>();
          if (charged != cost) anomaly("charged " + std::to_string(charged) + " for " + video);
          if (r[0][3].as<std::int64_t>() < 0) anomaly("negative credits_remaining");
          if (replay && !shared) anomaly("a call with a new or no key was a replay: " + video);
          if (!replay && r[0][5].as<std::string>() != "pending") anomaly("new video not pending");
          if (shared) {
            std::string problem = load_.record_shared_key(user_id + "/" + key, video, replay);
            if (!problem.empty()) anomaly(problem);
          }
          acked_entries_.push_back({transaction, "video_generation", user_id, video, -charged});
          if (!replay) load_.add_video({video, user_id});
        },
        "load test video", duration, p.resolution, p.model, key_arg);
  }

  void refund(const Workload::VideoRef& video) {
    call(
        Op::kRefund, {"ok", "PT409"}, service(), "refund",
        [&](const pqxx::result& r) {
          std::int64_t refunded = r[0][0].as<std::int64_t>();
          bool already = r[0][2].as<bool>();
          if (already != (refunded == 0)) anomaly("refund amount and already_refunded disagree");
          if (!already) {
            acked_entries_.push_back(
                {r[0][1].as<std::int64_t>(), "refund", video.owner, video.id, refunded});
          }
          acked_statuses_.push_back({video.id, "failed"});
        },
        video.id, "load test: the job failed");
  }

  void complete(const Workload::VideoRef& video) {
    call(
        Op::kComplete, {"ok", "PT409"}, service(), "complete",
        [&](const pqxx::result& r) {
          if (r[0][1].as<std::string>() != "completed") anomaly("completed but not completed");
          acked_statuses_.push_back({video.id, "completed"});
        },
        video.id, video_url(video.id));
  }

  void claim() {
    call(
        Op::kClaim, kOk, service(), "claim",
        [&](const pqxx::result& r) {
          if (r[0][1].as<std::int64_t>() != 0) anomaly("claimed a job not in processing");
        },
        uniform(1, 5));
  }

  // The owner mostly; sometimes the backend (service_role may act on any video), and
  // sometimes another user, who must get the same PT404 as for a video that does not exist.
  void soft_delete_or_restore(Op op, const Workload::VideoRef& video) {
    int variant = uniform(0, 99);
    Caller who = variant < 80 ? user(video.owner) : service();
    Codes expected = kOk;
    if (variant >= 90) {
      std::string other = load_.users_[random_user()];
      if (other != video.owner) {
        who = user(other);
        expected = {"PT404"};
      }
    }
    call(
        op, expected, who, op == Op::kSoftDelete ? "soft_delete" : "restore",
        [](const pqxx::result&) {}, video.id);
  }

  void credit_info() {
    const std::string& user_id = load_.users_[random_user()];
    const char* asked = uniform(0, 1) ? user_id.c_str() : nullptr;
    call(
        Op::kCreditInfo, kOk, user(user_id), "credit_info",
        [&](const pqxx::result& r) {
          std::int64_t credits = r[0][0].as<std::int64_t>(), reserved = r[0][1].as<std::int64_t>();
          std::int64_t granted = r[0][2].as<std::int64_t>(), spent = r[0][3].as<std::int64_t>();
          std::int64_t refunded = r[0][4].as<std::int64_t>(), expired = r[0][5].as<std::int64_t>();
          std::int64_t paid = r[0][6].as<std::int64_t>(), promotional = r[0][7].as<std::int64_t>();
          // credits is the spendable balance (1.2): the stored one, which the lifetime
          // counters add up to, less what lots past their expiry hold until written off.
          std::int64_t stored = granted - spent + refunded - expired;
          if (credits < 0 || reserved < 0 || expired < 0 || credits > stored || paid < 0 ||
              promotional < 0 || paid + promotional != credits) {
            anomaly("get_credit_info figures do not add up for " + user_id);
          }
          if (!r[0][8].is_null() &&
              (r[0][8].as<std::int64_t>() <= 0 || r[0][8].as<std::int64_t>() > credits)) {
            anomaly("get_credit_info's next_expiry is not part of the live credits of " + user_id);
          }
        },
        asked);
  }

  // Half the grants carry a payment reference from a small space per user, so retried
  // webhooks (replays) happen, also concurrently; the amount is a function of the
  // reference, as a retried webhook resends the same payment.
  void grant() {
    std::size_t u = random_user();
    const std::string& user_id = load_.users_[u];
    static const char* const kinds[] = {"purchase", "grant", "adjustment"};
    std::string reference;
    std::int64_t amount = uniform(10, 150);
    const char* kind = kinds[uniform(0, 2)];
    if (uniform(0, 1)) {
      int n = uniform(0, kReferencesPerUser - 1);
      reference = "pay-" + user_id + "-" + std::to_string(n);
      amount = 10 + (n * 37) % 141;
      kind = kinds[n % 3];
    }
    const char* reference_arg = reference.empty() ? nullptr : reference.c_str();
    call(
        Op::kGrant, kOk, service(), "grant",
        [&](const pqxx::result& r) {
          acked_entries_.push_back({r[0][0].as<std::int64_t>(), kind, user_id, "", amount});
          if (r[0][1].as<bool>() && reference.empty())
            anomaly("a grant without reference replayed");
        },
        user_id, amount, kind, reference_arg);
  }

  // Grants that make lots with an expiry and a category (1.2). Most expire within a second
  // or two, so that lots expire during the run, short as it is (written off by the sweeps
  // below and by each user's next charge, refund or grant); others in an hour, a day or
  // never. Half carry a reference from a space per user, whose amount, kind, category and
  // expiry (milliseconds after the start of the run) are functions of it, as a retried
  // webhook resends the same payment: a replay is answered even after that expiry, but a
  // first delivery after it is refused (22023), which only a reference of a near expiry
  // can meet.
  void grant_lot() {
    std::size_t u = random_user();
    const std::string& user_id = load_.users_[u];
    static const char* const kinds[] = {"purchase", "grant", "adjustment"};
    static const char* const categories[] = {nullptr, "paid", "promotional"};
    std::string reference, milliseconds;
    const char* base = nullptr;  // NULL: the expiry counts from the call's now()
    std::int64_t amount = uniform(5, 100);
    const char* kind = kinds[uniform(0, 2)];
    const char* category = categories[uniform(0, 2)];
    Codes expected = kOk;
    if (uniform(0, 1)) {
      int n = uniform(0, kLotReferencesPerUser - 1);
      reference = "lot-" + user_id + "-" + std::to_string(n);
      amount = 5 + (n * 29) % 96;
      kind = kinds[n % 3];
      category = categories[(n / 3) % 3];
      base = load_.lot_base_.c_str();
      switch (n % 4) {
        case 0: break;  // never expires
        case 1: milliseconds = std::to_string(200 + (n % 6) * 300); break;
        case 2: milliseconds = "86400000"; break;
        default: milliseconds = std::to_string(1000 + (n % 40) * 100); break;
      }
      if (n % 4 == 1 || n % 4 == 3) expected = {"ok", "22023"};
    } else {
      int variant = uniform(0, 9);
      if (variant < 6) {
        // Larger, so that some are still unspent when they expire.
        amount = uniform(20, 200);
        milliseconds = std::to_string(uniform(100, 2500));
      } else if (variant < 8) {
        milliseconds = "3600000";
      }  // else never
    }
    const char* reference_arg = reference.empty() ? nullptr : reference.c_str();
    const char* milliseconds_arg = milliseconds.empty() ? nullptr : milliseconds.c_str();
    call(
        Op::kGrantLot, expected, service(), "grant_lot",
        [&](const pqxx::result& r) {
          acked_entries_.push_back({r[0][0].as<std::int64_t>(), kind, user_id, "", amount});
          if (r[0][1].as<bool>() && reference.empty()) anomaly("a grant without reference replayed");
          if (r[0][2].as<std::int64_t>() < 0) anomaly("negative credits_remaining after a grant");
        },
        user_id, amount, kind, reference_arg, base, milliseconds_arg, category);
  }

  // The sweep, from several clients at once (as from several schedulers): each lot that has
  // expired with credits left is written off by exactly one of them, or by its owner's call.
  void expire_credits() {
    call(Op::kExpireCredits, kOk, service(), "expire_credits", [&](const pqxx::result& r) {
      std::int64_t lots = r[0][0].as<std::int64_t>(), credits = r[0][1].as<std::int64_t>();
      // Every lot written off held at least one credit.
      if (lots < 0 || credits < lots) anomaly("expire_credits figures do not add up");
      lots_expired_ += lots;
      credits_expired_ += credits;
    });
  }

  void list_deleted() {
    call(Op::kListDeleted, kOk, user(load_.users_[random_user()]), "list_deleted",
         [&](const pqxx::result& r) {
           if (r[0][1].as<std::int64_t>() != 0) anomaly("listed a video not deleted or not own");
         });
  }

  Workload& load_;
  int index_;
  std::mt19937_64 rng_;
  std::unique_ptr<pqxx::connection> conn_;
  std::uint64_t generation_ = 0;  // of the server this connection was made to
  std::int64_t fresh_keys_ = 0;
  bool stopped_ = false;
  std::map<std::string, std::map<std::string, std::int64_t>> outcomes_;
  std::map<std::string, std::string> unexpected_;
  std::int64_t unexpected_count_ = 0;
  std::vector<AckedEntry> acked_entries_;
  std::vector<AckedStatus> acked_statuses_;
  std::int64_t lots_expired_ = 0, credits_expired_ = 0;  // by this client's acknowledged sweeps
};

Workload::Workload(pqxx::connection& admin, WorkloadOptions options) : options_(options) {
  for (int i = 0; i < options_.users; ++i) {
    users_.push_back(create_user(admin, options_.initial_credits));
  }
  {
    // The server's clock, exactly as text: the expiries of referenced lot grants count from it.
    pqxx::nontransaction tx(admin);
    lot_base_ = tx.exec1("SELECT now()::text")[0].as<std::string>();
  }
  recent_videos_.resize(kRecentVideos);
}

void Workload::run() {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < options_.clients; ++i) clients.push_back(std::make_unique<Client>(*this, i));
  std::vector<std::thread> threads;
  for (auto& client : clients) threads.emplace_back([&client] { client->run(); });
  for (auto& thread : threads) thread.join();
  for (auto& client : clients) merge(*client);
}

void Workload::merge(const Client& client) {
  for (const auto& [op, counts] : client.outcomes_) {
    for (const auto& [code, count] : counts) outcomes_[op][code] += count;
  }
  unexpected_.insert(client.unexpected_.begin(), client.unexpected_.end());
  unexpected_count_ += client.unexpected_count_;
  acked_entries_.insert(acked_entries_.end(), client.acked_entries_.begin(),
                        client.acked_entries_.end());
  acked_statuses_.insert(acked_statuses_.end(), client.acked_statuses_.begin(),
                         client.acked_statuses_.end());
  lots_expired_ += client.lots_expired_;
  credits_expired_ += client.credits_expired_;
}

void Workload::add_video(VideoRef video) {
  std::lock_guard<std::mutex> lock(mutex_);
  recent_videos_[videos_added_++ % kRecentVideos] = std::move(video);
}

bool Workload::pick_video(std::uint64_t random, VideoRef* video) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::uint64_t filled = std::min<std::uint64_t>(videos_added_, kRecentVideos);
  if (filled == 0) return false;
  *video = recent_videos_[random % filled];
  return true;
}

std::string Workload::record_shared_key(const std::string& key, const std::string& video,
                                        bool replay) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto [known, added] = shared_keys_.emplace(key, video);
  if (!added && known->second != video) {
    return "key " + key + " answered with video " + video + " and with " + known->second;
  }
  if (!replay && ++shared_key_creations_[key] > 1) {
    return "key " + key + " created a video twice (" + video + ")";
  }
  return "";
}

bool Workload::shared_key_used(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return shared_keys_.count(key) > 0;
}

void Workload::record_anomaly(const std::string& what) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (anomalies_.size() < 20) anomalies_.push_back(what);
  ++anomaly_count_;
}

void Workload::server_restarted() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ++generation_;
  }
  restarted_.notify_all();
}

std::uint64_t Workload::generation() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generation_;
}

bool Workload::wait_for_restart(std::uint64_t generation) {
  // Not a timed assertion: a bound so that a server that never returns ends the test.
  std::unique_lock<std::mutex> lock(mutex_);
  return restarted_.wait_for(lock, std::chrono::minutes(2),
                             [&] { return generation_ > generation; });
}

void Workload::report(std::ostream& out, double seconds) const {
  std::int64_t total = 0;
  for (const auto& [op, counts] : outcomes_) {
    for (const auto& [code, count] : counts) total += count;
  }
  out << "load: " << total << " operations, " << options_.clients << " clients, " << options_.users
      << " users, seed " << options_.seed << ", " << std::fixed << std::setprecision(1) << seconds
      << " s, " << std::setprecision(0) << (seconds > 0 ? double(total) / seconds : 0.0)
      << " ops/s\n";
  for (const auto& [op, counts] : outcomes_) {
    out << "  " << std::left << std::setw(26) << op;
    for (const auto& [code, count] : counts) out << ' ' << code << '=' << count;
    out << '\n';
  }
  out << "  acknowledged: " << acked_entries_.size() << " ledger entries, "
      << acked_statuses_.size() << " final statuses\n"
      << "  acknowledged sweeps wrote off " << lots_expired_ << " lots, " << credits_expired_
      << " credits\n";
}

void Workload::expect_only_expected_outcomes() const {
  EXPECT_EQ(unexpected_count_, 0) << "unexpected outcomes (seed " << options_.seed << ")";
  for (const auto& [what, message] : unexpected_) {
    ADD_FAILURE() << "unexpected outcome " << what << ": " << message;
  }
  EXPECT_EQ(anomaly_count_, 0) << "wrong results (seed " << options_.seed << ")";
  for (const std::string& what : anomalies_) ADD_FAILURE() << what;
}

}  // namespace itest
