#include "http/json_writer.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdint>
#include <limits>
#include <string>

namespace tc {
namespace {

std::string quoted(std::string_view text) {
  std::string out;
  json::append_string(out, text);
  return out;
}

// The writer's output must parse back to the same string (for valid UTF-8 input).
void expect_round_trip(std::string_view text) {
  const std::string written = quoted(text);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(written);
  std::string_view back;
  ASSERT_EQ(parser.parse(padded).get_string().get(back), simdjson::SUCCESS) << written;
  EXPECT_EQ(back, text);
}

TEST(JsonWriter, WritesPlainStringsUnchanged) {
  EXPECT_EQ(quoted(""), "\"\"");
  EXPECT_EQ(quoted("queue-1"), "\"queue-1\"");
}

TEST(JsonWriter, EscapesQuoteAndBackslash) {
  EXPECT_EQ(quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(quoted("/"), "\"/\"");  // '/' needs no escape
}

TEST(JsonWriter, EscapesEveryControlCharacterAsU00XX) {
  EXPECT_EQ(quoted("\n"), R"("\u000a")");
  EXPECT_EQ(quoted("\t\r"), R"("\u0009\u000d")");
  EXPECT_EQ(quoted(std::string_view("\0", 1)), R"("\u0000")");
  EXPECT_EQ(quoted("\x1f"), R"("\u001f")");
  EXPECT_EQ(quoted("\x7f"), "\"\x7f\"");  // DEL is legal inside a JSON string
  for (int c = 0; c < 0x20; ++c) expect_round_trip(std::string(1, static_cast<char>(c)));
}

TEST(JsonWriter, KeepsValidUtf8AsIs) {
  EXPECT_EQ(quoted("h\xC3\xA9llo"), "\"h\xC3\xA9llo\"");            // é
  EXPECT_EQ(quoted("\xE4\xB8\xAD\xE6\x96\x87"), "\"\xE4\xB8\xAD\xE6\x96\x87\"");  // 中文
  EXPECT_EQ(quoted("\xF0\x9F\x98\x80"), "\"\xF0\x9F\x98\x80\"");    // emoji, 4 bytes
  expect_round_trip("mixed \xC3\xA9 \"quoted\" \n \xF0\x9F\x98\x80 end");
}

TEST(JsonWriter, ReplacesInvalidUtf8SoOutputStaysValid) {
  EXPECT_EQ(quoted("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(quoted("\xC3"), "\"\xEF\xBF\xBD\"");                 // truncated sequence
  EXPECT_EQ(quoted("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  EXPECT_EQ(quoted("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");  // overlong '/'
  EXPECT_EQ(quoted("\xFF\n\xC3\xA9"), "\"\xEF\xBF\xBD\\u000a\xC3\xA9\"");
  const std::string written = quoted("x\xFE\xFF\"y");
  EXPECT_TRUE(simdjson::validate_utf8(written.data(), written.size()));
}

TEST(JsonWriter, WritesNumbersBooleansNullAndKeys) {
  std::string out;
  json::append_uint(out, std::numeric_limits<std::uint64_t>::max());
  out.push_back(',');
  json::append_int(out, -42);
  out.push_back(',');
  json::append_bool(out, true);
  out.push_back(',');
  json::append_bool(out, false);
  out.push_back(',');
  json::append_null(out);
  out.push_back(',');
  json::append_key(out, "data");
  json::append_raw(out, "{\"a\": 1.50}");
  EXPECT_EQ(out, "18446744073709551615,-42,true,false,null,\"data\":{\"a\": 1.50}");
}

}  // namespace
}  // namespace tc
