// The Redis key schema (src/store/redis/keys.hpp): every valid queue name gets keys in
// exactly one cluster slot, distinct names never share keys, cursor keys round-trip.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "store/redis/keys.hpp"
#include "store/redis/url.hpp"

namespace tc::redis {
namespace {

const std::vector<std::string> kAwkwardNames = {"}x",
                                                "{a}",
                                                "x}y",
                                                "}",
                                                "{",
                                                "{}",
                                                "a{b}c",
                                                "%7D",
                                                "%",
                                                "%25",
                                                "}%",
                                                "\xc3\xa9t\xc3\xa9}",
                                                std::string(256, '}'),
                                                std::string(256, '{'),
                                                std::string(255, 'n') + "}"};

TEST(RedisKeys, EveryKeyOfAQueueIsInTheSlotOfItsName) {
  for (const auto& name : kAwkwardNames) {
    const std::string base = queue_key_base("tc", name);
    for (const char* suffix :
         {"tasks", "pending", "delayed", "leased", "done", "stats", "outbox"}) {
      EXPECT_EQ(key_slot(base + suffix), key_slot(base)) << name << " " << suffix;
    }
    // The hash tag is the whole escaped name: never empty, never cut at a '}'.
    const auto open = base.find('{');
    const auto close = base.find('}', open + 1);
    ASSERT_NE(close, std::string::npos) << name;
    EXPECT_EQ(close, base.size() - 2) << name;
    EXPECT_GT(close, open + 1) << name;
  }
}

TEST(RedisKeys, DistinctNamesNeverShareKeys) {
  std::set<std::string> bases;
  for (const auto& name : kAwkwardNames) bases.insert(queue_key_base("tc", name));
  EXPECT_EQ(bases.size(), kAwkwardNames.size());
}

TEST(RedisKeys, PlainNamesStayReadable) {
  EXPECT_EQ(queue_key_base("tc", "jobs"), "tc:{jobs}:");
  EXPECT_EQ(queue_key_base("p", "{a}"), "p:{{a%7D}:");
  EXPECT_EQ(queue_key_base("tc", "100%"), "tc:{100%25}:");
}

TEST(RedisKeys, CursorKeysRoundTripAndRejectOtherText) {
  EXPECT_EQ(cursor_key(1700000000000, 7), "001700000000000-0000000007");
  auto c = parse_cursor_key(cursor_key(1700000000000, 7));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->ms, 1700000000000u);
  EXPECT_EQ(c->seq, 7u);
  EXPECT_FALSE(parse_cursor_key("001700000000000-000000000x"));
  EXPECT_FALSE(parse_cursor_key("1-2"));
  EXPECT_FALSE(parse_cursor_key(""));
}

}  // namespace
}  // namespace tc::redis
