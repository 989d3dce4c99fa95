#include "worker/reporting.hpp"

#include <gtest/gtest.h>

#include "worker/job.hpp"

namespace {

using sora::worker::is_transient;
using sora::worker::Job;
using sora::worker::job_environment;
using sora::worker::job_log_line;
using sora::worker::Report;
using sora::worker::server_message;

TEST(LogLine, OneLinePerJobWithOutcomeSecondsAndDetail) {
  const char* id = "17d747a3-c14a-4095-a712-bdc81b7b7616";
  EXPECT_EQ(job_log_line(id, Report::kCompleted, 12.345, "https://cdn.example.com/x.mp4"),
            "sora-worker: video=17d747a3-c14a-4095-a712-bdc81b7b7616 outcome=completed "
            "seconds=12.3 detail=\"https://cdn.example.com/x.mp4\"");
  EXPECT_EQ(job_log_line(id, Report::kRefunded, 0.04, "say \"no\"\\ now\nplease"),
            "sora-worker: video=17d747a3-c14a-4095-a712-bdc81b7b7616 outcome=refunded "
            "seconds=0.0 detail=\"say \\\"no\\\"\\\\ now please\"");
  EXPECT_EQ(job_log_line("v", Report::kRejected, 1, "Video not found."),
            "sora-worker: video=v outcome=rejected seconds=1.0 detail=\"Video not found.\"");
  EXPECT_EQ(job_log_line("v", Report::kUnreported, 2.25, ""),
            "sora-worker: video=v outcome=unreported seconds=2.2 detail=\"\"");
}

TEST(ServerMessage, FirstLineWithoutSeverity) {
  EXPECT_EQ(server_message("ERROR:  Video not found.\n"), "Video not found.");
  EXPECT_EQ(server_message("ERROR:  permission denied to set role \"service_role\"\n"),
            "permission denied to set role \"service_role\"");
  EXPECT_EQ(server_message("FATAL:  terminating connection due to administrator command\n"
                           "server closed the connection unexpectedly\n"),
            "terminating connection due to administrator command");
  EXPECT_EQ(server_message("connection to server on socket \"/tmp/x/.s.PGSQL.1\" failed: "
                           "No such file or directory\n\tIs the server running locally?\n"),
            "connection to server on socket \"/tmp/x/.s.PGSQL.1\" failed: No such file or "
            "directory");
  EXPECT_EQ(server_message(""), "");
}

TEST(Transient, ConnectionRollbackResourcesAndOperatorErrors) {
  for (const char* state : {"08006", "08P01", "40001", "40P01", "53300", "57014", "57P01"}) {
    EXPECT_TRUE(is_transient(state)) << state;
  }
  for (const char* state : {"42501", "42883", "22023", "PT404", "PT409", "XX000", ""}) {
    EXPECT_FALSE(is_transient(state)) << state;
  }
}

TEST(JobEnvironment, SetsTheJobVariablesAndKeepsTheRest) {
  const Job job{"17d747a3-c14a-4095-a712-bdc81b7b7616", "2b0c8c9e-4f0e-4c55-9d8a-3f1f6e0c1a11",
                "A cat; $(rm -rf /) \"quoted\"\nline 2", "sora-2", "720p", 5};
  const std::vector<std::string> env =
      job_environment({"PATH=/usr/bin", "SORA_PROMPT=stale", "SORA_PROMPTX=kept", "HOME=/root"}, job);
  EXPECT_EQ(env, (std::vector<std::string>{
                     "PATH=/usr/bin", "SORA_PROMPTX=kept", "HOME=/root",
                     "SORA_VIDEO_ID=17d747a3-c14a-4095-a712-bdc81b7b7616",
                     "SORA_PROMPT=A cat; $(rm -rf /) \"quoted\"\nline 2", "SORA_MODEL=sora-2",
                     "SORA_RESOLUTION=720p", "SORA_DURATION_SECONDS=5"}));
}

}  // namespace
