// sora-worker: the reference backend worker of sora_credits (see docs/worker.md).
#include <cstdio>
#include <exception>
#include <string>
#include <variant>
#include <vector>

#include "options.hpp"
#include "worker.hpp"

int main(int argc, char** argv) {
  using namespace sora::worker;
  const ParsedOptions parsed = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (std::holds_alternative<ShowHelp>(parsed)) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  if (const auto* error = std::get_if<UsageError>(&parsed)) {
    std::fprintf(stderr, "sora-worker: %s\nTry 'sora-worker --help' for more information.\n",
                 error->message.c_str());
    return 2;
  }
  try {
    return run_worker(std::get<Options>(parsed));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sora-worker: %s\n", e.what());
    return 1;
  }
}
