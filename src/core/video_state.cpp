#include "video_state.hpp"

#include "messages.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

VideoStatus parse_status(std::string_view text) {
  for (VideoStatus s : {VideoStatus::kPending, VideoStatus::kProcessing, VideoStatus::kCompleted,
                        VideoStatus::kFailed}) {
    if (text == status_name(s)) return s;
  }
  throw messages::status_unknown(text);
}

std::string_view status_name(VideoStatus status) noexcept {
  switch (status) {
    case VideoStatus::kPending: return "pending";
    case VideoStatus::kProcessing: return "processing";
    case VideoStatus::kCompleted: return "completed";
    case VideoStatus::kFailed: return "failed";
  }
  return "pending";
}

Transition refund_transition(VideoStatus status) {
  switch (status) {
    case VideoStatus::kFailed: return Transition::kAlreadyDone;
    case VideoStatus::kCompleted:
      throw messages::completed_not_refundable();
    default: return Transition::kApply;
  }
}

Transition complete_transition(VideoStatus status, bool same_url) {
  switch (status) {
    case VideoStatus::kFailed:
      throw messages::failed_not_completable();
    case VideoStatus::kCompleted:
      if (same_url) return Transition::kAlreadyDone;
      throw messages::completed_with_other_url();
    default: return Transition::kApply;
  }
}

}  // namespace sora::core
