#include "text.hpp"

#include <cstdint>
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

std::size_t utf8_length(std::string_view text) noexcept {
  std::size_t count = 0;
  for (unsigned char byte : text) {
    if ((byte & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::size_t utf8_prefix_bytes(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text.size();
  std::size_t end = max_bytes;
  // text[end] is the first byte left out: if it continues a character, so must the cut.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return end;
}

namespace {

// Decodes the code point starting at text[i] and advances i past it.
char32_t next_code_point(std::string_view text, std::size_t& i) noexcept {
  const auto lead = static_cast<unsigned char>(text[i]);
  int extra = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
  char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
  ++i;
  for (; extra > 0 && i < text.size(); --extra, ++i) {
    cp = (cp << 6) | (static_cast<unsigned char>(text[i]) & 0x3F);
  }
  return cp;
}

bool is_space(char32_t cp) noexcept {
  switch (cp) {
    case U' ': case U'\t': case U'\n': case U'\v': case U'\f': case U'\r':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200B;  // en quad .. zero width space
  }
}

}  // namespace

bool is_blank(std::string_view text) noexcept {
  for (std::size_t i = 0; i < text.size();) {
    if (!is_space(next_code_point(text, i))) return false;
  }
  return true;
}

}  // namespace sora::core
