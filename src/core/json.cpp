#include "json.hpp"
#include "no_postgres.hpp"  // last: see the file

namespace sora::core {

void append_json_string(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(c >> 4) & 0xF];
          out += kHex[c & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void JsonObject::key(std::string_view name) {
  if (buffer_.size() > 1) buffer_ += ',';
  append_json_string(buffer_, name);
  buffer_ += ':';
}

JsonObject& JsonObject::text(std::string_view name, std::string_view value) {
  key(name);
  append_json_string(buffer_, value);
  return *this;
}

JsonObject& JsonObject::integer(std::string_view name, std::int64_t value) {
  key(name);
  buffer_ += std::to_string(value);
  return *this;
}

JsonObject& JsonObject::boolean(std::string_view name, bool value) {
  key(name);
  buffer_ += value ? "true" : "false";
  return *this;
}

JsonObject& JsonObject::null(std::string_view name) {
  key(name);
  buffer_ += "null";
  return *this;
}

JsonObject& JsonObject::object(std::string_view name, const JsonObject& value) {
  key(name);
  buffer_ += value.str();
  return *this;
}

}  // namespace sora::core
