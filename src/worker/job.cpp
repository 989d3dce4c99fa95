#include "job.hpp"

#include <string_view>
#include <utility>

namespace sora::worker {

std::vector<std::string> job_environment(const std::vector<std::string>& inherited,
                                         const Job& job) {
  const std::pair<std::string_view, std::string> job_vars[] = {
      {"SORA_VIDEO_ID", job.video_id},
      {"SORA_PROMPT", job.prompt},
      {"SORA_MODEL", job.model},
      {"SORA_RESOLUTION", job.resolution},
      {"SORA_DURATION_SECONDS", std::to_string(job.duration_seconds)},
  };
  std::vector<std::string> env;
  for (const std::string& entry : inherited) {
    std::string_view name = std::string_view(entry).substr(0, entry.find('='));
    bool replaced = false;
    for (const auto& var : job_vars) replaced = replaced || name == var.first;
    if (!replaced) env.push_back(entry);
  }
  for (const auto& [name, value] : job_vars) env.push_back(std::string(name) + "=" + value);
  return env;
}

}  // namespace sora::worker
