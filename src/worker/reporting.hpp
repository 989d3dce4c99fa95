// How the worker reads the server's errors and reports each job in its log.
#pragma once

#include <string>
#include <string_view>

namespace sora::worker {

// The first line of a libpq error text, without its severity prefix ("ERROR:  ").
std::string server_message(std::string_view error_text);

// SQLSTATEs worth retrying on a new connection: connection exceptions (08), transaction
// rollbacks such as deadlocks (40), insufficient resources (53) and operator intervention
// such as a shutdown or a statement timeout (57). Everything else is the server's answer.
bool is_transient(std::string_view sqlstate);

// What became of a job.
enum class Report {
  kCompleted,   // complete_video_generation accepted the URL
  kRefunded,    // refund_video_credits returned the credits
  kRejected,    // the server refused the report (its message is the detail)
  kUnreported,  // the worker gave up before it could report (the server's job timeout
                // releases the job)
};

// The one log line per job: "sora-worker: video=<id> outcome=<outcome> seconds=<s>
// detail="<text>"", seconds from the claim to the report with one decimal, the detail
// quoted with \" and \\ escaped and control characters turned into spaces.
std::string job_log_line(std::string_view video_id, Report outcome, double seconds,
                         std::string_view detail);

}  // namespace sora::worker
