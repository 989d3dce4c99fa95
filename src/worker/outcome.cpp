#include "outcome.hpp"

#include <cstring>
#include <utility>

#include "core/error.hpp"
#include "core/validation.hpp"

namespace sora::worker {

namespace {

constexpr std::string_view kSpace = " \t\r\n\v\f";

Outcome refund(std::string reason) { return {Outcome::Action::kRefund, std::move(reason)}; }

std::string seconds(int n) { return std::to_string(n) + (n == 1 ? " second" : " seconds"); }

// The same rules as complete_video_generation (the core is shared with the extension), so
// the worker never sends a URL the server would refuse.
bool is_valid_url(std::string_view url) {
  if (clean_text(url) != url) return false;
  try {
    core::validate_video_url(url);
  } catch (const core::Error&) {
    return false;
  }
  return true;
}

}  // namespace

Outcome decide(const Termination& how, std::string_view out, std::string_view err) {
  using Kind = Termination::Kind;
  const std::string said = clean_text(last_line(err));
  switch (how.kind) {
    case Kind::kNotStarted:
      return refund("The video generator could not be started: " +
                    std::string(std::strerror(how.value)) + ".");
    case Kind::kTimedOut:
      return refund("Video generation timed out after " + seconds(how.value) + ".");
    case Kind::kStopped:
      return refund("Video generation was stopped because the worker shut down.");
    case Kind::kSignaled:
      if (!said.empty()) return refund(said);
      return refund("The video generator was killed by signal " + std::to_string(how.value) + ".");
    case Kind::kExited:
      break;
  }
  if (how.value != 0) {
    if (!said.empty()) return refund(said);
    return refund("The video generator failed with exit status " + std::to_string(how.value) +
                  ".");
  }
  const std::string_view url = last_line(out);
  if (url.empty()) return refund("The video generator printed no video URL.");
  if (!is_valid_url(url)) {
    return refund(
        "The video generator printed no valid video URL (http:// or https://, at most 2048 "
        "characters).");
  }
  return {Outcome::Action::kComplete, std::string(url)};
}

std::string_view last_line(std::string_view text) {
  const auto end = text.find_last_not_of(kSpace);
  if (end == std::string_view::npos) return {};
  text = text.substr(0, end + 1);
  const auto newline = text.rfind('\n');
  const std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
  return line.substr(line.find_first_not_of(kSpace));
}

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      out += lead < 0x20 || lead == 0x7F ? ' ' : static_cast<char>(lead);
      ++i;
      continue;
    }
    // A strict UTF-8 sequence: right length, no overlong form, no surrogate, <= U+10FFFF.
    std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    char32_t cp = lead & (0x7F >> length);
    bool valid = length > 0 && lead <= 0xF4 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    const char32_t min = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    valid = valid && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER, for one bad byte
      ++i;
    }
  }
  return out;
}

void OutputTail::append(std::string_view data) {
  buffer_.append(data);
  if (buffer_.size() > capacity_) buffer_.erase(0, buffer_.size() - capacity_);
}

}  // namespace sora::worker
