#include "core/base64.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace tc {
namespace {

// RFC 4648 section 10.
const std::pair<const char*, const char*> kVectors[] = {
    {"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
};

TEST(Base64, EncodesRfc4648Vectors) {
  for (auto [plain, encoded] : kVectors) EXPECT_EQ(base64_encode(plain), encoded) << plain;
}

TEST(Base64, DecodesRfc4648Vectors) {
  for (auto [plain, encoded] : kVectors) {
    std::string out;
    ASSERT_TRUE(base64_decode(encoded, out)) << encoded;
    EXPECT_EQ(out, plain);
  }
}

TEST(Base64, RoundTripsEveryByteValueAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (std::size_t len = 0; len <= bytes.size(); ++len) {
    std::string in = bytes.substr(bytes.size() - len), out;
    const std::string text = base64_encode(in);
    EXPECT_EQ(text.size(), base64_encoded_size(len));
    ASSERT_TRUE(base64_decode(text, out)) << len;
    EXPECT_EQ(out, in);
  }
}

TEST(Base64, AppendKeepsExistingText) {
  std::string out = "x:";
  base64_encode_append(out, "foo");
  EXPECT_EQ(out, "x:Zm9v");
}

TEST(Base64, UsesPlusAndSlash) {
  EXPECT_EQ(base64_encode("\xfb\xff\xbf"), "+/+/");
  std::string out;
  ASSERT_TRUE(base64_decode("+/+/", out));
  EXPECT_EQ(out, "\xfb\xff\xbf");
}

TEST(Base64, RejectsInvalidText) {
  for (const char* bad : {
           "Zg",        // missing padding
           "Zg=",       // length not a multiple of 4
           "Z===",      // three padding characters
           "=Zg=",      // padding at the start
           "Zg==Zg==",  // padding in the middle
           "Zm9v ",     // whitespace
           "Zm9v\n",    // line break
           " Zm9",      // leading whitespace
           "Zm9-",      // URL-safe alphabet
           "Zm9_",      // URL-safe alphabet
           "Zm\x80v",   // non-ASCII byte
           "Zh==",      // non-zero unused bits (canonical is Zg==)
           "Zm9=",      // non-zero unused bits (canonical is Zm8=)
           "Zm=v",      // padding followed by data
           "====",      // padding only
           "A===",      // one symbol cannot carry a byte
       }) {
    std::string out;
    EXPECT_FALSE(base64_decode(bad, out)) << '"' << bad << '"';
  }
  std::string out;
  EXPECT_FALSE(base64_decode(std::string_view("Zm\0v", 4), out));
}

}  // namespace
}  // namespace tc
