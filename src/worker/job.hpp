// A claimed video job and the environment its generator command runs with.
#pragma once

#include <string>
#include <vector>

namespace sora::worker {

struct Job {
  std::string video_id;
  std::string user_id;  // the video's owner
  std::string prompt;
  std::string model;
  std::string resolution;
  int duration_seconds = 0;
};

// The generator's environment ("NAME=value" entries): the worker's own, with the job's
// SORA_VIDEO_ID, SORA_PROMPT, SORA_MODEL, SORA_RESOLUTION and SORA_DURATION_SECONDS
// replacing any inherited ones. The prompt reaches the command only this way, never as
// shell text.
std::vector<std::string> job_environment(const std::vector<std::string>& inherited,
                                         const Job& job);

}  // namespace sora::worker
