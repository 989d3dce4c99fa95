// The command line of sora-worker. Parsing is a pure function, so every rule is unit-tested.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace sora::worker {

struct Options {
  std::string dsn;              // libpq connection string or URI
  std::string command;          // run by /bin/sh -c once per job
  int batch = 1;                // jobs claimed and run at the same time
  int poll_interval_seconds = 5;
  // Below the server's job timeout (sora_credits.job_timeout, 1 hour by default), so the
  // worker refunds a hung job itself before the server expires it.
  int job_timeout_seconds = 1800;
  bool once = false;            // process what is pending, then exit
};

struct ShowHelp {};
struct UsageError {
  std::string message;
};

using ParsedOptions = std::variant<Options, ShowHelp, UsageError>;

// args: the command line without the program name.
ParsedOptions parse_options(const std::vector<std::string>& args);

// The --help text.
std::string usage();

}  // namespace sora::worker
