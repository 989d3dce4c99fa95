// The concurrent load (issue 3, item 2) and crash recovery under that load (item 3), with
// the credit lots of 1.2 (issue 13): grants of lots that expire during the run and
// concurrent expiry sweeps, and the lot invariants checked after the run and after the
// power cuts (support.cpp).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <thread>

#include "support.hpp"
#include "workload.hpp"

namespace itest {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The options of a run with this run's seed, printed so that a failure can be replayed.
WorkloadOptions seeded(std::int64_t operations, bool tolerate_crashes) {
  WorkloadOptions options;
  options.operations = operations;
  options.tolerate_crashes = tolerate_crashes;
  options.seed = seed();
  std::cout << "seed " << options.seed << " (SORA_SEED=" << options.seed << " replays it)"
            << std::endl;
  return options;
}

TEST(ConcurrentLoad, EveryOperationMixedKeepsTheLedgerConsistent) {
  auto admin = connect();
  WorkloadOptions options = seeded(in_ci() ? 100000 : 20000, false);
  Workload load(*admin, options);
  auto start = std::chrono::steady_clock::now();
  load.run();
  load.report(std::cout, seconds_since(start));

  load.expect_only_expected_outcomes();
  expect_acknowledged(*admin, load.acked_entries(), load.acked_statuses());
  // The invariants hold at every commit, this last sweep's included: checked once, after it.
  expect_final_sweep_leaves_nothing_due(*admin, std::cout);
  expect_ledger_invariants(*admin);
}

// Power cuts under load: at seeded moments the server is stopped with `pg_ctl stop -m
// immediate` (no checkpoint, backends killed, as if the machine lost power) and restarted
// (crash recovery replays the WAL). A call in flight at the cut has an unknown outcome;
// every call whose COMMIT returned must survive, and nothing may be half written.
TEST(CrashRecovery, PowerCutsUnderLoadLoseNoAcknowledgedCommit) {
  const char* pg_ctl = std::getenv("SORA_PG_CTL");
  ASSERT_NE(pg_ctl, nullptr) << "run the suite through test/integration/run.sh";
  constexpr int kCrashes = 3;
  WorkloadOptions options = seeded(in_ci() ? 30000 : 12000, true);
  std::unique_ptr<Workload> load;
  {
    auto admin = connect();
    load = std::make_unique<Workload>(*admin, options);
  }

  // Crash k falls at a seeded point of the k-th of kCrashes + 1 equal stretches of the run.
  std::mt19937_64 rng(options.seed);
  std::int64_t stretch = options.operations / (kCrashes + 1);
  std::atomic<bool> finished{false};
  auto start = std::chrono::steady_clock::now();
  std::thread runner([&] {
    load->run();
    finished = true;
  });
  for (int k = 1; k <= kCrashes; ++k) {
    std::int64_t point =
        stretch * k + std::uniform_int_distribution<std::int64_t>(-stretch / 2, stretch / 2)(rng);
    while (load->completed() < point && !finished) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::cout << "crash " << k << " after " << load->completed() << " operations" << std::endl;
    // restart: pg_ctl notes on stderr that no server is running, which is the point here.
    bool restarted = run_shell(std::string(pg_ctl) + " stop -s -m immediate") &&
                     run_shell(std::string(pg_ctl) + " restart -s 2>/dev/null");
    load->server_restarted();
    if (!restarted) break;
  }
  runner.join();
  load->report(std::cout, seconds_since(start));

  load->expect_only_expected_outcomes();
  auto admin = connect();
  expect_acknowledged(*admin, load->acked_entries(), load->acked_statuses());
  expect_final_sweep_leaves_nothing_due(*admin, std::cout);
  expect_ledger_invariants(*admin);
}

}  // namespace
}  // namespace itest
