// Text rules that must not depend on bytes: lengths in characters, blankness, cuts.
#pragma once

#include <cstddef>
#include <string_view>

namespace sora::core {

// Number of characters (code points) in valid UTF-8 text. The server has already
// validated the encoding, so continuation bytes are simply not counted.
std::size_t utf8_length(std::string_view text) noexcept;

// The length in bytes of the longest start of valid UTF-8 text that is at most max_bytes
// long and does not cut a character in two.
std::size_t utf8_prefix_bytes(std::string_view text, std::size_t max_bytes) noexcept;

// True when the text is empty or only white space (ASCII white space and the Unicode
// space characters a phone keyboard or a copy-paste can produce).
bool is_blank(std::string_view text) noexcept;

}  // namespace sora::core
