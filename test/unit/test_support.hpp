// Helpers shared by the unit tests (a header: CMake globs only test/unit/*.cpp).
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sora::test {

// Runs f and returns the core::Error it threw, or nullopt if it threw nothing.
// Any other exception type propagates and fails the test.
template <typename F>
std::optional<core::Error> catch_error(F&& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e;
  }
  return std::nullopt;
}

// count copies of piece, concatenated.
inline std::string repeat(std::string_view piece, std::size_t count) {
  std::string out;
  out.reserve(piece.size() * count);
  for (std::size_t i = 0; i < count; ++i) out.append(piece);
  return out;
}

// Strict UTF-8 check (no truncated sequences, no overlongs, no surrogates, <= U+10FFFF).
inline bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

}  // namespace sora::test

// Expects stmt to throw core::Error with exactly this SQLSTATE and message.
#define EXPECT_CORE_ERROR(stmt, state, msg)                                              \
  do {                                                                                   \
    const auto sora_err_ = ::sora::test::catch_error([&] { stmt; });                     \
    if (!sora_err_) {                                                                    \
      ADD_FAILURE() << "expected core::Error " << (state) << " from: " #stmt;            \
    } else {                                                                             \
      EXPECT_STREQ(sora_err_->sqlstate(), (state)) << #stmt;                             \
      EXPECT_EQ(std::string(sora_err_->message()), std::string(msg)) << #stmt;           \
    }                                                                                    \
  } while (0)
