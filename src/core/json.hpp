// A minimal writer for the flat JSON objects the API returns (and the DETAIL of PT402).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sora::core {

class JsonObject {
 public:
  // Distinct names on purpose: an overloaded add("k", "text") would pick bool.
  JsonObject& text(std::string_view key, std::string_view value);
  JsonObject& integer(std::string_view key, std::int64_t value);
  JsonObject& boolean(std::string_view key, bool value);
  JsonObject& null(std::string_view key);
  JsonObject& object(std::string_view key, const JsonObject& value);

  // The finished object, e.g. {"a":1,"b":"x"}.
  std::string str() const { return buffer_ + "}"; }

 private:
  void key(std::string_view name);
  std::string buffer_ = "{";
};

// Appends value as a JSON string literal (quotes and escapes included).
void append_json_string(std::string& out, std::string_view value);

}  // namespace sora::core
