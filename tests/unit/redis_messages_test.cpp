// The netstring messages written by scripts/lib.lua: events and outbox items.
#include <gtest/gtest.h>

#include "store/redis/messages.hpp"

namespace tc::redis {
namespace {

std::string ns(std::string_view s) { return std::to_string(s.size()) + ":" + std::string(s); }

TEST(RedisMessages, ParsesEveryEventKind) {
  std::string binary("a\0:b", 4);
  std::string msg = ns("inst1") + ns("p") + ns("q") + ns("f") + ns("q") + ns("id:1") +
                    ns(R"({"x":1})") + ns(binary) + ns("1764585600000000.1") + ns("r") +
                    ns("q2") + ns("gone") + ns("");
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
  EXPECT_EQ(parsed->events[1].incarnation, "1764585600000000.1");
  EXPECT_EQ(parsed->events[2].kind, StoreEvent::Kind::removed);
  EXPECT_EQ(parsed->events[2].queue, "q2");
  EXPECT_EQ(parsed->events[2].id, "gone");
  EXPECT_EQ(parsed->events[2].incarnation, "");
}

TEST(RedisMessages, ParsesAnExpiredEvent) {
  auto parsed = parse_event_message(ns("inst1") + ns("x") + ns("q") + ns("late") + ns("17.2"));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->events.size(), 1u);
  EXPECT_EQ(parsed->events[0].kind, StoreEvent::Kind::expired);
  EXPECT_EQ(parsed->events[0].queue, "q");
  EXPECT_EQ(parsed->events[0].id, "late");
  EXPECT_EQ(parsed->events[0].incarnation, "17.2");
}

TEST(RedisMessages, ParsesAProgressEvent) {
  std::string binary("t\0k", 3);
  auto parsed = parse_event_message(ns("inst1") + ns("g") + ns("q") + ns("job") + ns("17.2") +
                                    ns("42") + ns(R"({"step":3})") + ns(binary));
  ASSERT_TRUE(parsed);
  ASSERT_EQ(parsed->events.size(), 1u);
  const StoreEvent& ev = parsed->events[0];
  EXPECT_EQ(ev.kind, StoreEvent::Kind::progress);
  EXPECT_EQ(ev.queue, "q");
  EXPECT_EQ(ev.id, "job");
  EXPECT_EQ(ev.incarnation, "17.2");
  EXPECT_EQ(ev.seq, 42u);
  EXPECT_EQ(ev.info, R"({"step":3})");
  EXPECT_EQ(ev.content, binary);
  // A seq that is not a positive integer, or a missing field, is malformed.
  EXPECT_FALSE(parse_event_message(ns("o") + ns("g") + ns("q") + ns("id") + ns("1") + ns("x") +
                                   ns("null") + ns("")));
  EXPECT_FALSE(parse_event_message(ns("o") + ns("g") + ns("q") + ns("id") + ns("1") + ns("0") +
                                   ns("null") + ns("")));
  EXPECT_FALSE(parse_event_message(ns("o") + ns("g") + ns("q") + ns("id") + ns("1") + ns("3") +
                                   ns("null")));
}

TEST(RedisMessages, RejectsMalformedMessages) {
  EXPECT_FALSE(parse_event_message(""));
  EXPECT_FALSE(parse_event_message("5:ab"));                       // short
  // A kind of a later version ends the message; the events before it stand.
  auto later = parse_event_message(ns("o") + ns("p") + ns("q") + ns("z") + ns("q") + ns("?"));
  ASSERT_TRUE(later);
  ASSERT_EQ(later->events.size(), 1u);
  EXPECT_EQ(later->events[0].kind, StoreEvent::Kind::pending);
  EXPECT_FALSE(parse_event_message(ns("o") + ns("x") + ns("q") + ns("id")));  // truncated
  EXPECT_FALSE(parse_event_message(ns("o") + ns("f") + ns("q") + ns("id")));  // truncated
  // An event without its incarnation (the format before incarnations) is malformed.
  EXPECT_FALSE(parse_event_message(ns("o") + ns("r") + ns("q") + ns("id")));
  EXPECT_FALSE(parse_event_message("x:abc"));
  EXPECT_TRUE(parse_event_message(ns("o")));  // no events: fine
}

TEST(RedisMessages, ParsesOutboxItems) {
  auto item = parse_outbox_item(ns("target") + ns("id") + ns("null") + ns("") + ns("") +
                                ns("1000") + ns(""));
  ASSERT_TRUE(item);
  EXPECT_EQ(item->target, "target");
  EXPECT_EQ(item->id, "id");
  EXPECT_EQ(item->info, "null");
  EXPECT_EQ(item->content, "");
  EXPECT_FALSE(item->cache_ms);  // a forward: the default cache time
  EXPECT_EQ(item->due_ms, 1000);
  EXPECT_EQ(item->schedule_key, "");
  auto dead = parse_outbox_item(ns("dlq") + ns("id") + ns("1") + ns("c") + ns("5000") +
                                ns("2000") + ns("000000000000007"));
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->cache_ms, 5000);
  EXPECT_EQ(dead->schedule_key, "000000000000007");
  EXPECT_FALSE(parse_outbox_item(ns("target") + ns("id") + ns("null") + ns("")));  // old shape
  EXPECT_FALSE(parse_outbox_item(ns("t") + ns("i") + ns("n") + ns("c") + ns("x") + ns("1") +
                                 ns("")));  // cache_ms not a number
  EXPECT_FALSE(parse_outbox_item(ns("t") + ns("i") + ns("n") + ns("c") + ns("") + ns("") +
                                 ns("")));  // no due time
  EXPECT_FALSE(parse_outbox_item(ns("t") + ns("i") + ns("n") + ns("c") + ns("") + ns("1") +
                                 ns("") + "junk"));
}

}  // namespace
}  // namespace tc::redis
