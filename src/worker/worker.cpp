#include "worker.hpp"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <deque>
#include <list>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "database.hpp"
#include "outcome.hpp"
#include "process.hpp"
#include "reporting.hpp"
#include "signals.hpp"

extern char** environ;

namespace sora::worker {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

constexpr seconds kFirstBackoff{1};
constexpr seconds kMaxBackoff{30};

void log(const std::string& line) {
  const std::string text = line + "\n";
  std::fputs(text.c_str(), stderr);
}

struct PendingReport {
  std::string video_id;
  std::string user_id;
  Clock::time_point claimed_at;
  Outcome outcome;
};

// The job's one log line.
void log_job(const PendingReport& r, Report outcome, const std::string& detail) {
  const std::chrono::duration<double> took = Clock::now() - r.claimed_at;
  log(job_log_line(r.video_id, outcome, took.count(), detail));
}

std::vector<std::string> inherited_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; *entry != nullptr; ++entry) env.emplace_back(*entry);
  return env;
}

struct RunningJob {
  Job job;
  Clock::time_point claimed_at;
  Clock::time_point deadline;
  Generator generator;
  // Set when the worker killed the generator, and why.
  std::optional<Termination::Kind> killed;
};

class Worker {
 public:
  explicit Worker(const Options& options)
      : options_(options), db_(options.dsn, !options.once), environment_(inherited_environment()) {}

  int run();

 private:
  void handle_stop_requests();
  void kill_overdue(Clock::time_point now);
  void reap_finished();
  void reconnect_if_due(Clock::time_point now);
  void connection_lost(const std::string& why);
  seconds schedule_reconnect();
  void report_pending();
  void claim_jobs();
  void start(const Job& job);
  void wait_for_events(Clock::time_point now);
  std::optional<int> finished();

  const Options& options_;
  Database db_;
  SignalPipe signals_;
  std::vector<std::string> environment_;

  std::list<RunningJob> running_;
  std::deque<PendingReport> reports_;

  bool jobs_may_wait_ = true;   // a claim may find work (start, NOTIFY, poll tick)
  bool announced_idle_ = false;
  bool claim_failed_ = false;
  int stops_seen_ = 0;
  Clock::time_point next_poll_;
  Clock::time_point reconnect_at_;
  seconds backoff_ = kFirstBackoff;
};

int Worker::run() {
  try {
    db_.connect();
  } catch (const Refused& e) {
    log("sora-worker: cannot act as service_role: " + std::string(e.what()) +
        " (the DSN's user must be able to SET ROLE service_role)");
    return 1;
  } catch (const ConnectionLost& e) {
    log("sora-worker: cannot connect: " + std::string(e.what()));
    return 1;
  }
  log("sora-worker: connected as service_role" +
      std::string(options_.once ? "" : ", listening on " + std::string(Database::kChannel)));
  next_poll_ = Clock::now() + seconds(options_.poll_interval_seconds);

  while (true) {
    handle_stop_requests();
    Clock::time_point now = Clock::now();
    kill_overdue(now);
    reap_finished();
    reconnect_if_due(now);
    report_pending();
    claim_jobs();
    if (std::optional<int> status = finished()) return *status;
    wait_for_events(Clock::now());
  }
}

void Worker::handle_stop_requests() {
  signals_.drain();
  const int stops = signals_.stop_requests();
  if (stops == stops_seen_) return;
  if (stops_seen_ == 0) {
    log("sora-worker: stop requested: claiming no more jobs, finishing " +
        std::to_string(running_.size()) + " in hand");
  }
  if (stops >= 2) {
    if (stops_seen_ < 2) {
      log("sora-worker: second stop request: killing " + std::to_string(running_.size()) +
          " job(s) in hand");
    }
    for (RunningJob& r : running_) {
      if (!r.killed) {
        r.generator.kill_group();
        r.killed = Termination::Kind::kStopped;
      }
    }
  }
  stops_seen_ = stops;
}

void Worker::kill_overdue(Clock::time_point now) {
  for (RunningJob& r : running_) {
    if (!r.killed && now >= r.deadline) {
      r.generator.kill_group();
      r.killed = Termination::Kind::kTimedOut;
    }
  }
}

void Worker::reap_finished() {
  for (auto it = running_.begin(); it != running_.end();) {
    std::optional<int> status = it->generator.try_wait();
    if (!status) {
      ++it;
      continue;
    }
    Termination how{Termination::Kind::kExited, 0};
    if (it->killed) {
      how = {*it->killed, options_.job_timeout_seconds};
    } else if (WIFSIGNALED(*status)) {
      how = {Termination::Kind::kSignaled, WTERMSIG(*status)};
    } else {
      how = {Termination::Kind::kExited, WEXITSTATUS(*status)};
    }
    reports_.push_back({it->job.video_id, it->job.user_id, it->claimed_at,
                        decide(how, it->generator.out(), it->generator.err())});
    it = running_.erase(it);
  }
}

void Worker::reconnect_if_due(Clock::time_point now) {
  if (db_.connected() || now < reconnect_at_) return;
  try {
    db_.connect();
    log("sora-worker: reconnected");
    backoff_ = kFirstBackoff;
    jobs_may_wait_ = true;
    announced_idle_ = false;
  } catch (const std::exception& e) {
    log("sora-worker: cannot reconnect: " + std::string(e.what()) + "; retrying in " +
        std::to_string(schedule_reconnect().count()) + " s");
  }
}

void Worker::connection_lost(const std::string& why) {
  log("sora-worker: connection lost: " + why + "; reconnecting in " +
      std::to_string(schedule_reconnect().count()) + " s");
}

// Sets the time of the next connection attempt, waiting twice as long after each failure
// (up to kMaxBackoff); returns the wait.
seconds Worker::schedule_reconnect() {
  const seconds wait = backoff_;
  reconnect_at_ = Clock::now() + wait;
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  return wait;
}

// Reports in order; a report whose connection broke stays queued and is sent again after
// reconnecting (both functions are idempotent, so a report that did commit is harmless).
void Worker::report_pending() {
  while (!reports_.empty() && db_.connected()) {
    const PendingReport& r = reports_.front();
    Report outcome = Report::kRejected;
    std::string detail = r.outcome.text;
    try {
      if (r.outcome.action == Outcome::Action::kComplete) {
        db_.complete(r.video_id, r.user_id, r.outcome.text);
        outcome = Report::kCompleted;
      } else {
        db_.refund(r.video_id, r.user_id, r.outcome.text);
        outcome = Report::kRefunded;
      }
    } catch (const Refused& e) {
      detail = e.what();
    } catch (const ConnectionLost& e) {
      connection_lost(e.what());
      return;
    }
    log_job(r, outcome, detail);
    reports_.pop_front();
  }
}

void Worker::claim_jobs() {
  const int free_slots = options_.batch - static_cast<int>(running_.size());
  if (stops_seen_ > 0 || !jobs_may_wait_ || free_slots <= 0 || !db_.connected()) return;
  std::vector<Job> jobs;
  try {
    jobs = db_.claim(free_slots);
  } catch (const ConnectionLost& e) {
    connection_lost(e.what());
    return;
  } catch (const Refused& e) {
    log("sora-worker: claim_video_jobs failed: " + std::string(e.what()));
    claim_failed_ = true;
    jobs_may_wait_ = false;  // try again at the next wake-up, not in a busy loop
    return;
  }
  // A full batch means more may be waiting; fewer means the queue is empty for now.
  jobs_may_wait_ = static_cast<int>(jobs.size()) == free_slots;
  for (const Job& job : jobs) start(job);
  if (!jobs.empty()) announced_idle_ = false;
  if (!options_.once && running_.empty() && !jobs_may_wait_ && !announced_idle_) {
    log("sora-worker: waiting for jobs (NOTIFY " + std::string(Database::kChannel) +
        ", or every " + std::to_string(options_.poll_interval_seconds) + " s)");
    announced_idle_ = true;
  }
}

void Worker::start(const Job& job) {
  const Clock::time_point now = Clock::now();
  try {
    running_.push_back({job, now, now + seconds(options_.job_timeout_seconds),
                        Generator(options_.command, job_environment(environment_, job)),
                        std::nullopt});
  } catch (const std::system_error& e) {
    reports_.push_back(
        {job.video_id, job.user_id, now, decide({Termination::Kind::kNotStarted, e.code().value()}, {}, {})});
  }
}

void Worker::wait_for_events(Clock::time_point now) {
  std::vector<pollfd> fds{{signals_.fd(), POLLIN, 0}};
  for (const RunningJob& r : running_) {
    for (int fd : r.generator.open_fds()) fds.push_back({fd, POLLIN, 0});
  }
  const int db_socket = options_.once ? -1 : db_.socket();
  if (db_socket >= 0) fds.push_back({db_socket, POLLIN, 0});

  // Wake for the next deadline, the next poll tick or the next reconnection attempt.
  std::optional<Clock::time_point> until;
  auto wake_by = [&](Clock::time_point t) { until = until ? std::min(*until, t) : t; };
  for (const RunningJob& r : running_) {
    if (!r.killed) wake_by(r.deadline);
  }
  if (!options_.once && stops_seen_ == 0) wake_by(next_poll_);
  if (!db_.connected()) wake_by(reconnect_at_);
  int timeout_ms = -1;
  if (until) {
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*until - now);
    timeout_ms = static_cast<int>(std::max<long long>(0, wait.count()));
  }

  if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
    throw std::system_error(errno, std::generic_category(), "poll");
  }
  for (const pollfd& p : fds) {
    if (p.revents == 0 || p.fd == signals_.fd() || p.fd == db_socket) continue;
    for (RunningJob& r : running_) {
      const std::vector<int> open = r.generator.open_fds();
      if (std::find(open.begin(), open.end(), p.fd) != open.end()) r.generator.read_from(p.fd);
    }
  }
  if (db_socket >= 0) {
    try {
      if (db_.take_notification()) jobs_may_wait_ = true;
    } catch (const ConnectionLost& e) {
      connection_lost(e.what());
    }
  }
  if (!options_.once && Clock::now() >= next_poll_) {
    jobs_may_wait_ = true;
    next_poll_ = Clock::now() + seconds(options_.poll_interval_seconds);
  }
}

// The exit status once there is nothing left to do.
std::optional<int> Worker::finished() {
  if (!running_.empty()) return std::nullopt;
  if (reports_.empty()) {
    if (stops_seen_ > 0) return 0;
    if (options_.once && !jobs_may_wait_) return claim_failed_ ? 1 : 0;
    return std::nullopt;
  }
  // Told twice to stop and no connection: give up on the reports; the server's job
  // timeout (expire_stale_videos, 1.1) releases those jobs.
  if (stops_seen_ >= 2 && !db_.connected()) {
    for (const PendingReport& r : reports_) log_job(r, Report::kUnreported, r.outcome.text);
    return 1;
  }
  return std::nullopt;
}

}  // namespace

int run_worker(const Options& options) {
  Worker worker(options);
  return worker.run();
}

}  // namespace sora::worker
