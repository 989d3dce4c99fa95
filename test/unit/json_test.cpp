#include "core/json.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace {

using sora::core::append_json_string;
using sora::core::JsonObject;

std::string json_quoted(std::string_view value) {
  std::string out;
  append_json_string(out, value);
  return out;
}

TEST(JsonObject, EmptyObject) { EXPECT_EQ(JsonObject().str(), "{}"); }

TEST(JsonObject, KeyOrderIsInsertionOrder) {
  const std::string json =
      JsonObject().integer("z", 1).text("a", "x").boolean("m", true).null("b").str();
  EXPECT_EQ(json, R"({"z":1,"a":"x","m":true,"b":null})");
}

TEST(JsonObject, StrDoesNotConsumeTheBuilder) {
  JsonObject o;
  o.integer("a", 1);
  EXPECT_EQ(o.str(), R"({"a":1})");
  EXPECT_EQ(o.str(), R"({"a":1})");
  o.integer("b", 2);
  EXPECT_EQ(o.str(), R"({"a":1,"b":2})");
}

TEST(JsonObject, Integers) {
  EXPECT_EQ(JsonObject().integer("n", 0).str(), R"({"n":0})");
  EXPECT_EQ(JsonObject().integer("n", 42).str(), R"({"n":42})");
  EXPECT_EQ(JsonObject().integer("n", -15).str(), R"({"n":-15})");
  EXPECT_EQ(JsonObject().integer("n", std::numeric_limits<std::int64_t>::max()).str(),
            R"({"n":9223372036854775807})");
  EXPECT_EQ(JsonObject().integer("n", std::numeric_limits<std::int64_t>::min()).str(),
            R"({"n":-9223372036854775808})");
}

TEST(JsonObject, Booleans) {
  EXPECT_EQ(JsonObject().boolean("t", true).boolean("f", false).str(),
            R"({"t":true,"f":false})");
}

TEST(JsonObject, Null) { EXPECT_EQ(JsonObject().null("x").str(), R"({"x":null})"); }

TEST(JsonObject, TextValueIsEscaped) {
  EXPECT_EQ(JsonObject().text("msg", "say \"hi\"\n").str(), R"({"msg":"say \"hi\"\n"})");
  EXPECT_EQ(JsonObject().text("empty", "").str(), R"({"empty":""})");
}

TEST(JsonObject, KeysAreEscapedToo) {
  EXPECT_EQ(JsonObject().integer("a\"b", 1).str(), R"({"a\"b":1})");
  EXPECT_EQ(JsonObject().integer("back\\slash", 2).str(), R"({"back\\slash":2})");
}

TEST(JsonObject, ContractDetailShape) {
  EXPECT_EQ(JsonObject().integer("credits", 5).integer("required", 15).integer("shortfall", 10).str(),
            R"({"credits":5,"required":15,"shortfall":10})");
}

TEST(AppendJsonString, PlainText) {
  EXPECT_EQ(json_quoted("hello"), R"("hello")");
  EXPECT_EQ(json_quoted(""), R"("")");
}

TEST(AppendJsonString, AppendsWithoutClearing) {
  std::string out = "prefix:";
  append_json_string(out, "v");
  EXPECT_EQ(out, R"(prefix:"v")");
}

TEST(AppendJsonString, QuoteAndBackslash) {
  EXPECT_EQ(json_quoted("\""), R"("\"")");
  EXPECT_EQ(json_quoted("\\"), R"("\\")");
  EXPECT_EQ(json_quoted(R"(C:\dir\"x")"), R"("C:\\dir\\\"x\"")");
}

TEST(AppendJsonString, NamedControlEscapes) {
  EXPECT_EQ(json_quoted("\n"), R"("\n")");
  EXPECT_EQ(json_quoted("\t"), R"("\t")");
  EXPECT_EQ(json_quoted("\r"), R"("\r")");
  EXPECT_EQ(json_quoted("\b"), R"("\b")");
  EXPECT_EQ(json_quoted("\f"), R"("\f")");
  EXPECT_EQ(json_quoted("a\tb\nc"), R"("a\tb\nc")");
}

TEST(AppendJsonString, OtherControlCharactersUseUnicodeEscapes) {
  EXPECT_EQ(json_quoted("\x01"), R"("\u0001")");
  EXPECT_EQ(json_quoted(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(json_quoted("\x0B"), R"("\u000b")");
  EXPECT_EQ(json_quoted("\x1F"), R"("\u001f")");
  EXPECT_EQ(json_quoted("\x1B[0m"), R"("\u001b[0m")");
}

TEST(AppendJsonString, PrintableAsciiPassesThrough) {
  EXPECT_EQ(json_quoted(" /<>&'~\x7F"), "\" /<>&'~\x7F\"");
}

TEST(AppendJsonString, Utf8PassesThroughUnchanged) {
  const std::string text = "caf\xC3\xA9 Vi\xE1\xBB\x87t \xF0\x9F\x98\x80 \xE3\x80\x80";
  EXPECT_EQ(json_quoted(text), "\"" + text + "\"");
  EXPECT_EQ(JsonObject().text("\xE6\x97\xA5", text).str(),
            "{\"\xE6\x97\xA5\":\"" + text + "\"}");
}

}  // namespace
