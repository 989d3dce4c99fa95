#include "core/video_state.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/error.hpp"
#include "test_support.hpp"

namespace {

using sora::core::complete_transition;
using sora::core::parse_status;
using sora::core::refund_transition;
using sora::core::status_name;
using sora::core::Transition;
using sora::core::VideoStatus;

constexpr VideoStatus kAll[] = {VideoStatus::kPending, VideoStatus::kProcessing,
                                VideoStatus::kCompleted, VideoStatus::kFailed};

TEST(VideoStatusText, Names) {
  EXPECT_EQ(status_name(VideoStatus::kPending), "pending");
  EXPECT_EQ(status_name(VideoStatus::kProcessing), "processing");
  EXPECT_EQ(status_name(VideoStatus::kCompleted), "completed");
  EXPECT_EQ(status_name(VideoStatus::kFailed), "failed");
}

TEST(VideoStatusText, Parse) {
  EXPECT_EQ(parse_status("pending"), VideoStatus::kPending);
  EXPECT_EQ(parse_status("processing"), VideoStatus::kProcessing);
  EXPECT_EQ(parse_status("completed"), VideoStatus::kCompleted);
  EXPECT_EQ(parse_status("failed"), VideoStatus::kFailed);
}

TEST(VideoStatusText, RoundTrip) {
  for (VideoStatus s : kAll) EXPECT_EQ(parse_status(status_name(s)), s) << status_name(s);
}

// A status the table's CHECK constraint would refuse: an error with a SQLSTATE, not XX000.
TEST(VideoStatusText, UnknownStatusIsACheckViolation) {
  for (const char* bad : {"", "Pending", "PENDING", "pending ", "refunded", "deleted", "done"}) {
    std::optional<sora::core::Error> e = sora::test::catch_error([&] { parse_status(bad); });
    ASSERT_TRUE(e.has_value()) << '"' << bad << '"';
    EXPECT_STREQ(e->sqlstate(), "23514");
  }
  std::optional<sora::core::Error> e = sora::test::catch_error([] { parse_status("refunded"); });
  ASSERT_TRUE(e.has_value());
  EXPECT_STREQ(e->message(), "sora_credits: a video has the unknown status \"refunded\"");
}

TEST(RefundTransition, PendingAndProcessingApply) {
  EXPECT_EQ(refund_transition(VideoStatus::kPending), Transition::kApply);
  EXPECT_EQ(refund_transition(VideoStatus::kProcessing), Transition::kApply);
}

TEST(RefundTransition, FailedIsAlreadyDone) {
  EXPECT_EQ(refund_transition(VideoStatus::kFailed), Transition::kAlreadyDone);
}

TEST(RefundTransition, CompletedIsPT409) {
  EXPECT_CORE_ERROR(refund_transition(VideoStatus::kCompleted), "PT409",
                    "This video was completed and cannot be refunded.");
}

TEST(CompleteTransition, PendingAndProcessingApply) {
  for (bool same_url : {false, true}) {
    EXPECT_EQ(complete_transition(VideoStatus::kPending, same_url), Transition::kApply);
    EXPECT_EQ(complete_transition(VideoStatus::kProcessing, same_url), Transition::kApply);
  }
}

TEST(CompleteTransition, CompletedWithSameUrlIsAlreadyDone) {
  EXPECT_EQ(complete_transition(VideoStatus::kCompleted, true), Transition::kAlreadyDone);
}

TEST(CompleteTransition, CompletedWithOtherUrlIsPT409) {
  EXPECT_CORE_ERROR(complete_transition(VideoStatus::kCompleted, false), "PT409",
                    "This video is already completed with a different URL.");
}

TEST(CompleteTransition, FailedIsPT409) {
  for (bool same_url : {false, true}) {
    EXPECT_CORE_ERROR(complete_transition(VideoStatus::kFailed, same_url), "PT409",
                      "This video failed and its credits were refunded; it cannot be completed.");
  }
}

}  // namespace
