#include "options.hpp"

#include <charconv>
#include <optional>
#include <set>
#include <string_view>

#include "core/validation.hpp"

namespace sora::worker {

namespace {

struct IntOption {
  std::string_view name;
  int Options::*field;
  int min;
  int max;
};

// claim_video_jobs accepts at most kClaimMax jobs per call.
constexpr IntOption kIntOptions[] = {
    {"--batch", &Options::batch, 1, core::limits::kClaimMax},
    {"--poll-interval", &Options::poll_interval_seconds, 1, 3600},
    {"--job-timeout", &Options::job_timeout_seconds, 1, 86400},
};

// A whole decimal number, nothing before or after it.
std::optional<int> parse_int(std::string_view text) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

ParsedOptions parse_options(const std::vector<std::string>& args) {
  Options options;
  std::set<std::string, std::less<>> given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") return ShowHelp{};
    if (arg.substr(0, 1) != "-") return UsageError{"unexpected argument '" + args[i] + "'"};

    std::string_view name = arg;
    std::optional<std::string> value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    }
    if (name == "--once") {
      if (value) return UsageError{"--once takes no value"};
      options.once = true;
      continue;
    }

    const IntOption* int_option = nullptr;
    for (const IntOption& o : kIntOptions) {
      if (name == o.name) int_option = &o;
    }
    if (!int_option && name != "--dsn" && name != "--command") {
      return UsageError{"unknown option '" + std::string(name) + "'"};
    }
    if (!value) {
      if (i + 1 == args.size()) return UsageError{std::string(name) + " needs a value"};
      value = args[++i];
    }
    if (!given.emplace(name).second) return UsageError{std::string(name) + " is given twice"};

    if (name == "--dsn") {
      options.dsn = *value;
    } else if (name == "--command") {
      if (value->find_first_not_of(" \t\n") == std::string::npos) {
        return UsageError{"--command must not be empty"};
      }
      options.command = *value;
    } else {
      std::optional<int> number = parse_int(*value);
      if (!number || *number < int_option->min || *number > int_option->max) {
        return UsageError{std::string(name) + " must be a whole number from " +
                          std::to_string(int_option->min) + " to " +
                          std::to_string(int_option->max) + ", not '" + *value + "'"};
      }
      options.*(int_option->field) = *number;
    }
  }
  if (!given.count("--dsn")) return UsageError{"--dsn is required"};
  if (!given.count("--command")) return UsageError{"--command is required"};
  return options;
}

std::string usage() {
  const Options defaults;
  return "Usage: sora-worker --dsn CONNINFO --command SHELL_COMMAND [--batch N]\n"
         "                   [--poll-interval SECONDS] [--job-timeout SECONDS] [--once]\n"
         "\n"
         "The reference backend worker of sora_credits: claims video jobs with\n"
         "claim_video_jobs() as service_role, runs SHELL_COMMAND once per job, and completes\n"
         "or refunds each job.\n"
         "\n"
         "  --dsn CONNINFO           libpq connection string or URI; its user must be able to\n"
         "                           SET ROLE service_role\n"
         "  --command SHELL_COMMAND  run by /bin/sh -c per job, with SORA_VIDEO_ID, SORA_PROMPT,\n"
         "                           SORA_MODEL, SORA_RESOLUTION and SORA_DURATION_SECONDS in its\n"
         "                           environment; exit status 0 and a URL as the last line of\n"
         "                           stdout complete the job, anything else refunds it (reason:\n"
         "                           the last line of stderr)\n"
         "  --batch N                jobs claimed and run at the same time (1-100, default " +
         std::to_string(defaults.batch) +
         ")\n"
         "  --poll-interval SECONDS  look for jobs at least this often; new jobs announced by\n"
         "                           NOTIFY sora_credits_jobs wake it at once (default " +
         std::to_string(defaults.poll_interval_seconds) +
         ")\n"
         "  --job-timeout SECONDS    kill and refund a job running longer (default " +
         std::to_string(defaults.job_timeout_seconds) +
         ")\n"
         "  --once                   process the pending jobs, then exit\n"
         "  -h, --help               show this text\n"
         "\n"
         "SIGTERM or SIGINT: claim no more jobs, finish the jobs in hand, exit 0; a second one\n"
         "kills and refunds the jobs in hand at once.\n"
         "Exit status: 0 done, 1 error (connection, permissions, unreported jobs), 2 bad usage.\n";
}

}  // namespace sora::worker
