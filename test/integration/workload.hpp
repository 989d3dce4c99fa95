// The concurrent load: client threads, each with its own connection, call every API
// function on a small set of users in a seeded random mix (credit lots of 1.2 included:
// grants with expiries, some within seconds, and concurrent expire_credits() sweeps), count the outcome of each call
// by operation and SQLSTATE, check each result they get, and remember every ledger entry
// and final video status whose commit they saw acknowledged.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "support.hpp"

namespace itest {

struct WorkloadOptions {
  int clients = 8;
  std::int64_t operations = 0;  // calls in all, over all clients
  int users = 20;
  std::int64_t initial_credits = 300;
  // The crash test: a lost connection is an unknown outcome, not a failure; the client
  // reconnects once the server is back (server_restarted()).
  bool tolerate_crashes = false;
  std::uint64_t seed = 0;
};

class Workload {
 public:
  Workload(pqxx::connection& admin, WorkloadOptions options);

  // Runs every client to the end of the operations; blocks.
  void run();
  // Calls finished so far (for choosing crash points while run() is under way).
  std::int64_t completed() const { return completed_.load(); }
  // The server is accepting connections again after a crash.
  void server_restarted();

  // Figures: operations, clients, per-operation outcome counts, operations per second.
  void report(std::ostream& out, double seconds) const;
  // Fails the test for each unexpected outcome (any SQLSTATE the operation may not raise,
  // deadlocks and serialization failures included) and each wrong result seen.
  void expect_only_expected_outcomes() const;

  const std::vector<AckedEntry>& acked_entries() const { return acked_entries_; }
  const std::vector<AckedStatus>& acked_statuses() const { return acked_statuses_; }

 private:
  friend class Client;

  struct VideoRef {
    std::string id;
    std::string owner;
  };
  void add_video(VideoRef video);
  bool pick_video(std::uint64_t random, VideoRef* video);
  // A result with an idempotency key shared between clients: one video per key, created
  // (not replayed) once. Returns a description of the problem, or "".
  std::string record_shared_key(const std::string& key, const std::string& video, bool replay);
  bool shared_key_used(const std::string& key) const;
  void record_anomaly(const std::string& what);
  void merge(const class Client& client);
  // Crash test: waits until the server has restarted after `generation`; false if it
  // did not come back.
  bool wait_for_restart(std::uint64_t generation);
  std::uint64_t generation() const;

  WorkloadOptions options_;
  std::vector<std::string> users_;
  std::atomic<std::int64_t> next_{0}, completed_{0};

  mutable std::mutex mutex_;
  std::condition_variable restarted_;
  std::uint64_t generation_ = 0;
  std::vector<VideoRef> recent_videos_;  // a ring of the latest acknowledged videos
  std::uint64_t videos_added_ = 0;
  std::map<std::string, std::string> shared_keys_;  // key -> video
  std::map<std::string, int> shared_key_creations_;
  std::vector<std::string> anomalies_;
  std::int64_t anomaly_count_ = 0;
  // operation -> outcome ("ok" or SQLSTATE) -> count
  std::map<std::string, std::map<std::string, std::int64_t>> outcomes_;
  std::map<std::string, std::string> unexpected_;  // "operation code" -> first message
  std::int64_t unexpected_count_ = 0;
  std::vector<AckedEntry> acked_entries_;
  std::vector<AckedStatus> acked_statuses_;
  std::string lot_base_;  // the server's now() when the workload was set up
  std::int64_t lots_expired_ = 0, credits_expired_ = 0;
};

}  // namespace itest
