// What a generator run means for its job: the pure decision between completing the video
// with a URL and refunding it with a reason, from how the command ended and what it printed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sora::worker {

// How a generator run ended, as the worker saw it.
struct Termination {
  enum class Kind {
    kExited,      // value: exit status
    kSignaled,    // value: signal number
    kTimedOut,    // value: the --job-timeout in seconds (the worker killed it)
    kStopped,     // the worker was told to stop at once and killed it
    kNotStarted,  // value: errno of the failed spawn
  };
  Kind kind;
  int value = 0;
};

struct Outcome {
  enum class Action { kComplete, kRefund };
  Action action;
  std::string text;  // the video URL, or the refund reason
};

// Exit status 0 with a valid URL (complete_video_generation's rules) as the last non-empty
// line of stdout completes the job. Anything else refunds it: a failure or signal with the
// last non-empty line of stderr as the reason (the generator's own words), otherwise a
// sentence saying what happened.
Outcome decide(const Termination& how, std::string_view out, std::string_view err);

// The last line of text that is not blank, without surrounding white space.
std::string_view last_line(std::string_view text);

// Text safe to send to the server and to show a user: invalid UTF-8 becomes U+FFFD and
// control characters become spaces.
std::string clean_text(std::string_view text);

// The end of a stream. A generator's URL or error is at the end of what it prints; keeping
// only the last bytes means a chatty generator cannot make the worker grow.
class OutputTail {
 public:
  // Above the longest URL complete_video_generation accepts, so a valid URL is never cut.
  static constexpr std::size_t kDefaultCapacity = 8192;

  explicit OutputTail(std::size_t capacity = kDefaultCapacity) : capacity_(capacity) {}
  void append(std::string_view data);
  std::string_view text() const { return buffer_; }

 private:
  std::size_t capacity_;
  std::string buffer_;
};

}  // namespace sora::worker
