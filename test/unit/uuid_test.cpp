#include "core/uuid.hpp"

#include <gtest/gtest.h>

namespace {

using sora::core::format_uuid;
using sora::core::UuidBytes;

TEST(FormatUuid, KnownBytesGiveLowerCase8_4_4_4_12) {
  const UuidBytes bytes{0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3,
                        0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
  EXPECT_EQ(format_uuid(bytes), "123e4567-e89b-12d3-a456-426614174000");
}

TEST(FormatUuid, HighNibblesAreLowerCaseHex) {
  const UuidBytes bytes{0xAB, 0xCD, 0xEF, 0xFF, 0xFE, 0xDC, 0xBA, 0x98,
                        0x76, 0x54, 0x32, 0x10, 0x0A, 0x0B, 0x0C, 0x0D};
  EXPECT_EQ(format_uuid(bytes), "abcdefff-fedc-ba98-7654-32100a0b0c0d");
}

TEST(FormatUuid, NilAndMax) {
  UuidBytes nil{};
  EXPECT_EQ(format_uuid(nil), "00000000-0000-0000-0000-000000000000");
  UuidBytes max;
  max.fill(0xFF);
  EXPECT_EQ(format_uuid(max), "ffffffff-ffff-ffff-ffff-ffffffffffff");
}

TEST(FormatUuid, SequentialBytesKeepOrder) {
  UuidBytes seq;
  for (unsigned i = 0; i < seq.size(); ++i) seq[i] = static_cast<unsigned char>(i);
  const std::string text = format_uuid(seq);
  EXPECT_EQ(text, "00010203-0405-0607-0809-0a0b0c0d0e0f");
  ASSERT_EQ(text.size(), 36u);
  for (std::size_t i : {8u, 13u, 18u, 23u}) EXPECT_EQ(text[i], '-') << i;
}

}  // namespace
