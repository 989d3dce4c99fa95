#include "reporting.hpp"

#include <algorithm>
#include <cstdio>

namespace sora::worker {

std::string server_message(std::string_view error_text) {
  std::string_view line = error_text.substr(0, error_text.find('\n'));
  for (std::string_view prefix : {"ERROR:", "FATAL:", "PANIC:"}) {
    if (line.substr(0, prefix.size()) == prefix) {
      line.remove_prefix(prefix.size());
      line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
    }
  }
  return std::string(line);
}

bool is_transient(std::string_view sqlstate) {
  const std::string_view sqlclass = sqlstate.substr(0, 2);
  return sqlclass == "08" || sqlclass == "40" || sqlclass == "53" || sqlclass == "57";
}

std::string job_log_line(std::string_view video_id, Report outcome, double seconds,
                         std::string_view detail) {
  const char* name = "";
  switch (outcome) {
    case Report::kCompleted: name = "completed"; break;
    case Report::kRefunded: name = "refunded"; break;
    case Report::kRejected: name = "rejected"; break;
    case Report::kUnreported: name = "unreported"; break;
  }
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", seconds);
  std::string line = "sora-worker: video=" + std::string(video_id) + " outcome=" + name +
                     " seconds=" + secs + " detail=\"";
  for (char c : detail) {
    if (c == '"' || c == '\\') line += '\\';
    line += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? ' ' : c;
  }
  return line + "\"";
}

}  // namespace sora::worker
