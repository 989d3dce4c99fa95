#include "worker/outcome.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <string>

#include "../unit/test_support.hpp"

namespace {

using sora::test::is_valid_utf8;
using sora::test::repeat;
using sora::worker::clean_text;
using sora::worker::decide;
using sora::worker::last_line;
using sora::worker::Outcome;
using sora::worker::OutputTail;
using sora::worker::Termination;
using Kind = Termination::Kind;
using Action = Outcome::Action;

void expect_refund(const Outcome& o, const std::string& reason) {
  EXPECT_EQ(o.action, Action::kRefund);
  EXPECT_EQ(o.text, reason);
}

TEST(Decide, ExitZeroWithUrlCompletes) {
  const Outcome o = decide({Kind::kExited, 0}, "rendering...\nhttps://cdn.example.com/v/1.mp4\n",
                           "some warning\n");
  EXPECT_EQ(o.action, Action::kComplete);
  EXPECT_EQ(o.text, "https://cdn.example.com/v/1.mp4");
}

TEST(Decide, UrlIsTheLastNonEmptyLineTrimmed) {
  const Outcome o = decide({Kind::kExited, 0}, "https://old\n  http://cdn.example.com/a b \r\n\n \n", "");
  EXPECT_EQ(o.action, Action::kComplete);
  EXPECT_EQ(o.text, "http://cdn.example.com/a b");
}

TEST(Decide, ExitZeroWithoutUrlRefunds) {
  expect_refund(decide({Kind::kExited, 0}, "", "all good"),
                "The video generator printed no video URL.");
  expect_refund(decide({Kind::kExited, 0}, " \n\t\n", ""),
                "The video generator printed no video URL.");
  const std::string invalid =
      "The video generator printed no valid video URL (http:// or https://, at most 2048 "
      "characters).";
  expect_refund(decide({Kind::kExited, 0}, "https://x\ndone\n", ""), invalid);
  expect_refund(decide({Kind::kExited, 0}, "HTTPS://cdn.example.com/x", ""), invalid);
  expect_refund(decide({Kind::kExited, 0}, "ftp://cdn.example.com/x", ""), invalid);
  expect_refund(decide({Kind::kExited, 0}, "https://cdn.example.com/\xFF", ""), invalid);
  // complete_video_generation's limit, shared through the core.
  const std::string prefix = "https://cdn.example.com/";
  const std::string longest = prefix + repeat("a", 2048 - prefix.size());
  EXPECT_EQ(decide({Kind::kExited, 0}, longest, "").action, Action::kComplete);
  expect_refund(decide({Kind::kExited, 0}, longest + "a", ""), invalid);
}

TEST(Decide, FailureRefundsWithTheLastLineOfStderr) {
  expect_refund(decide({Kind::kExited, 3}, "https://cdn.example.com/x\n",
                       "loading model\nThe model rejected the prompt.\n\n"),
                "The model rejected the prompt.");
  expect_refund(decide({Kind::kExited, 3}, "", ""),
                "The video generator failed with exit status 3.");
  expect_refund(decide({Kind::kExited, 1}, "", "  \n"),
                "The video generator failed with exit status 1.");
}

TEST(Decide, SignalRefunds) {
  expect_refund(decide({Kind::kSignaled, 9}, "https://cdn.example.com/x", ""),
                "The video generator was killed by signal 9.");
  expect_refund(decide({Kind::kSignaled, 6}, "", "Assertion failed\n"), "Assertion failed");
}

TEST(Decide, WorkerKillsRefundWithTheirOwnReason) {
  // The generator's last words are not the reason: the worker stopped it.
  expect_refund(decide({Kind::kTimedOut, 30}, "https://cdn.example.com/x", "50% done"),
                "Video generation timed out after 30 seconds.");
  expect_refund(decide({Kind::kTimedOut, 1}, "", ""),
                "Video generation timed out after 1 second.");
  expect_refund(decide({Kind::kStopped, 0}, "", "50% done"),
                "Video generation was stopped because the worker shut down.");
  expect_refund(decide({Kind::kNotStarted, ENOENT}, "", ""),
                "The video generator could not be started: No such file or directory.");
}

TEST(Decide, ReasonIsCleanText) {
  const Outcome o = decide({Kind::kExited, 2}, "", "bad \x1b[31mred\x1b[0m \xC3\x28 l\xE1\xBB\x87nh\n");
  EXPECT_EQ(o.text, "bad  [31mred [0m \xEF\xBF\xBD( l\xE1\xBB\x87nh");
  EXPECT_TRUE(is_valid_utf8(o.text));
}

TEST(LastLine, Cases) {
  EXPECT_EQ(last_line(""), "");
  EXPECT_EQ(last_line("\n\n"), "");
  EXPECT_EQ(last_line("one"), "one");
  EXPECT_EQ(last_line("one\ntwo\n"), "two");
  EXPECT_EQ(last_line("one\r\n  two  \r\n \n"), "two");
  EXPECT_EQ(last_line("\t x y \t"), "x y");
}

TEST(CleanText, KeepsValidUtf8AndReplacesTheRest) {
  EXPECT_EQ(clean_text("Phở bò 🎬"), "Phở bò 🎬");
  EXPECT_EQ(clean_text("a\tb\nc\x7f"), "a b c ");
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(clean_text("\x80"), fffd);                            // lone continuation byte
  EXPECT_EQ(clean_text("\xC0\xAF"), fffd + fffd);                 // overlong '/'
  EXPECT_EQ(clean_text("\xED\xA0\x80"), fffd + fffd + fffd);      // surrogate U+D800
  EXPECT_EQ(clean_text("\xF4\x90\x80\x80"), repeat(fffd, 4));     // above U+10FFFF
  EXPECT_EQ(clean_text("ok\xE1\xBB"), "ok" + fffd + fffd);        // cut sequence
  for (std::string s : {"\xFE\xFF", "\xE1\x80\xC0", "\xF0\x9F\x8E"}) {
    EXPECT_TRUE(is_valid_utf8(clean_text(s))) << s;
  }
}

TEST(OutputTail, KeepsTheLastBytes) {
  OutputTail tail(5);
  tail.append("abc");
  EXPECT_EQ(tail.text(), "abc");
  tail.append("defg");
  EXPECT_EQ(tail.text(), "cdefg");
  tail.append("0123456789");
  EXPECT_EQ(tail.text(), "56789");
  OutputTail big;
  big.append(repeat("x", 100000));
  EXPECT_EQ(big.text().size(), OutputTail::kDefaultCapacity);
}

TEST(OutputTail, AChattyGeneratorsUrlSurvives) {
  OutputTail tail;
  for (int i = 0; i < 1000; ++i) tail.append("progress " + std::to_string(i) + "%\n");
  tail.append("https://cdn.example.com/final.mp4\n");
  const Outcome o = decide({Kind::kExited, 0}, tail.text(), "");
  EXPECT_EQ(o.action, Action::kComplete);
  EXPECT_EQ(o.text, "https://cdn.example.com/final.mp4");
}

}  // namespace
