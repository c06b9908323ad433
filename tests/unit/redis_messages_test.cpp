// The netstring messages written by scripts/lib.lua: events and outbox items.
#include <gtest/gtest.h>

#include "store/redis/messages.hpp"

namespace tc::redis {
namespace {

std::string ns(std::string_view s) { return std::to_string(s.size()) + ":" + std::string(s); }

TEST(RedisMessages, ParsesEveryEventKind) {
  std::string binary("a\0:b", 4);
  std::string msg = ns("inst1") + ns("p") + ns("q") + ns("f") + ns("q") + ns("id:1") +
                    ns(R"({"x":1})") + ns(binary) + ns("r") + ns("q2") + ns("gone");
  auto parsed = parse_event_message(msg);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->origin, "inst1");
  ASSERT_EQ(parsed->events.size(), 3u);
  EXPECT_EQ(parsed->events[0].kind, StoreEvent::Kind::pending);
  EXPECT_EQ(parsed->events[0].queue, "q");
  EXPECT_EQ(parsed->events[1].kind, StoreEvent::Kind::finished);
  EXPECT_EQ(parsed->events[1].id, "id:1");
  EXPECT_EQ(parsed->events[1].info, R"({"x":1})");
  EXPECT_EQ(parsed->events[1].content, binary);
  EXPECT_EQ(parsed->events[2].kind, StoreEvent::Kind::removed);
  EXPECT_EQ(parsed->events[2].queue, "q2");
  EXPECT_EQ(parsed->events[2].id, "gone");
}

TEST(RedisMessages, RejectsMalformedMessages) {
  EXPECT_FALSE(parse_event_message(""));
  EXPECT_FALSE(parse_event_message("5:ab"));                       // short
  EXPECT_FALSE(parse_event_message(ns("o") + ns("x") + ns("q")));  // unknown kind
  EXPECT_FALSE(parse_event_message(ns("o") + ns("f") + ns("q") + ns("id")));  // truncated
  EXPECT_FALSE(parse_event_message("x:abc"));
  EXPECT_TRUE(parse_event_message(ns("o")));  // no events: fine
}

TEST(RedisMessages, ParsesOutboxItems) {
  auto item = parse_outbox_item(ns("target") + ns("id") + ns("null") + ns(""));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->target, "target");
  EXPECT_EQ(item->id, "id");
  EXPECT_EQ(item->info, "null");
  EXPECT_EQ(item->content, "");
  EXPECT_FALSE(parse_outbox_item(ns("target") + ns("id") + ns("null")));
  EXPECT_FALSE(parse_outbox_item(ns("t") + ns("i") + ns("n") + ns("c") + "junk"));
}

}  // namespace
}  // namespace tc::redis
