// The expiry launcher: its schedule, and one run per listed database and round.
#include "expiry_launcher.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../core/database_list.hpp"
#include "../core/messages.hpp"
#include "../pg/background.hpp"
#include "../pg/settings.hpp"
#include "../core/no_postgres.hpp"  // last: see the file

namespace sora::bgworker {

namespace {

namespace messages = core::messages;
using Clock = std::chrono::steady_clock;

// The two processes; their main functions are the symbols in src/entry.cpp.
constexpr pg::WorkerSpec kLauncher{"sora_credits expiry launcher", "sora_expiry_launcher_main"};
constexpr pg::WorkerSpec kRun{"sora_credits expiry run", "sora_expiry_run_main"};
// The launcher is restarted after a crash; a run never is (the next interval starts another).
constexpr int kLauncherRestartSeconds = 10;

struct Schedule {
  std::int64_t interval_ms = 0;  // 0: off
  std::string interval_text;
  std::vector<std::string> databases;

  bool active() const { return interval_ms > 0 && !databases.empty(); }
  bool operator!=(const Schedule& other) const {
    return interval_ms != other.interval_ms || databases != other.databases;
  }
};

Schedule read_schedule() {
  Schedule schedule;
  // At most 100 years (the setting's check): "last round + interval" cannot overflow.
  schedule.interval_ms = pg::expire_interval_ms();
  schedule.interval_text = pg::expire_interval_text();
  schedule.databases = core::split_database_list(pg::expiry_databases());
  return schedule;
}

void announce(const Schedule& schedule) {
  pg::log_line(pg::LogLevel::kLog,
          schedule.active()
              ? messages::expiry_schedule(schedule.interval_text,
                                          core::quoted_database_list(schedule.databases))
              : messages::expiry_idle(schedule.interval_ms == 0));
}

// One run in one database: started, then awaited, so runs never overlap. loud: report a
// skipped database at LOG (the first round after start or a changed schedule), else DEBUG1,
// so that a database left in the list does not fill the log every interval.
void run_in(const std::string& name, bool loud) {
  std::optional<Oid> database = pg::database_oid(name.c_str());
  if (!database) {
    pg::log_line(loud ? pg::LogLevel::kLog : pg::LogLevel::kDebug1,
            messages::expiry_skipped_no_database(name));
    return;
  }
  if (!pg::run_worker(kRun, *database, loud)) {
    pg::log_line(pg::LogLevel::kWarning, messages::expiry_not_started(name));
  }
}

}  // namespace

void register_launcher() { pg::register_worker(kLauncher, kLauncherRestartSeconds); }

void launcher_main() {
  // SIGTERM (server shutdown): finish the run in hand, then exit 0, which also tells the
  // postmaster not to restart the launcher. SIGHUP: re-read the settings.
  pg::start_without_database();
  Schedule schedule = read_schedule();
  announce(schedule);
  bool loud = true;
  Clock::time_point last_round = Clock::now();
  while (!pg::shutdown_requested()) {
    if (pg::reloaded_configuration()) {
      Schedule next = read_schedule();
      if (next != schedule) {
        schedule = next;
        announce(schedule);
        loud = true;
      }
    }
    std::int64_t wait_ms = -1;  // no timeout: only a signal wakes the launcher
    if (schedule.active()) {
      Clock::time_point due = last_round + std::chrono::milliseconds(schedule.interval_ms);
      wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count();
      if (wait_ms <= 0) {
        for (const std::string& name : schedule.databases) {
          if (pg::shutdown_requested()) break;
          run_in(name, loud);
        }
        loud = false;
        last_round = Clock::now();
        continue;
      }
    }
    pg::wait_for_signal(wait_ms);
  }
  pg::log_line(pg::LogLevel::kLog, messages::expiry_stopping());
  pg::exit_cleanly();
}

}  // namespace sora::bgworker
