// Reading Redis replies (src/store/redis/replies.hpp): which errors are outages (0005)
// and which are internal (0010); a malformed integer is an error, never 0.
#include <gtest/gtest.h>

#include "store/redis/replies.hpp"

namespace tc::redis {
namespace {

Reply error_reply(std::string text) {
  Reply r;
  r.type = Reply::Type::error;
  r.str = std::move(text);
  return r;
}

Reply string_reply(std::string text) {
  Reply r;
  r.type = Reply::Type::string;
  r.str = std::move(text);
  return r;
}

TEST(RedisReplies, OutagesAreUnavailableEverythingElseIsInternal) {
  EXPECT_EQ(error_of(Reply::io_failure("connection lost"), "put").code, Errc::unavailable);
  for (const char* text :
       {"LOADING Redis is loading the dataset in memory", "BUSY Redis is busy running a script",
        "CLUSTERDOWN The cluster is down", "READONLY You can't write against a read only replica.",
        "OOM command not allowed when used memory > 'maxmemory'."}) {
    EXPECT_EQ(error_of(error_reply(text), "put").code, Errc::unavailable) << text;
  }
  auto script = error_of(error_reply("ERR user_script:40: Script attempted to access a "
                                     "non local key"),
                         "take");
  EXPECT_EQ(script.code, Errc::internal);
  EXPECT_NE(script.message.find("take failed: ERR user_script:40"), std::string::npos);
  EXPECT_EQ(
      error_of(error_reply("WRONGTYPE Operation against a key holding the wrong kind"), "peek")
          .code,
      Errc::internal);
  EXPECT_EQ(error_of(string_reply("surprise"), "peek").code, Errc::internal);
}

TEST(RedisReplies, AMalformedIntegerIsAnErrorNotZero) {
  Reply n;
  n.type = Reply::Type::integer;
  n.integer = 7;
  EXPECT_EQ(*int_of(n, "x"), 7);
  EXPECT_EQ(*int_of(string_reply("-12"), "x"), -12);
  for (const char* text : {"", "12x", "x", " 1", "1.5"}) {
    auto r = int_of(string_reply(text), "stat_queue");
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.error().code, Errc::internal);
  }
  Reply nil;
  EXPECT_FALSE(int_of(nil, "x").ok());
}

TEST(RedisReplies, AcquiredTasksNeedEightFieldsEach) {
  Reply r;
  r.type = Reply::Type::array;
  r.elements = {string_reply("a"),  string_reply("null"), string_reply("c"),
                string_reply("2"),  string_reply("-3"),   string_reply("gpu"),
                string_reply("0.5"), string_reply("1500")};
  auto ok = acquired_of(r, "take");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 1u);
  EXPECT_EQ((*ok)[0].attempt, 2u);
  EXPECT_EQ((*ok)[0].priority, -3);
  EXPECT_EQ((*ok)[0].batch_key, std::optional<std::string>("gpu"));
  EXPECT_EQ((*ok)[0].cost, 0.5);
  EXPECT_EQ((*ok)[0].queue_delay_ms, 1500);
  r.elements[5] = string_reply("");
  auto keyless = acquired_of(r, "take");
  ASSERT_TRUE(keyless.ok());
  EXPECT_FALSE((*keyless)[0].batch_key);
  Reply cut;
  cut.type = Reply::Type::array;
  cut.elements = {string_reply("a"), string_reply("null"), string_reply("c"), string_reply("2")};
  EXPECT_EQ(acquired_of(cut, "take").error().code, Errc::internal);
  Reply bad_attempt = r;
  bad_attempt.elements[3] = string_reply("two");
  EXPECT_EQ(acquired_of(bad_attempt, "take").error().code, Errc::internal);
  Reply bad_cost = r;
  bad_cost.elements[6] = string_reply("x");
  EXPECT_EQ(acquired_of(bad_cost, "take").error().code, Errc::internal);
  Reply bad_delay = r;
  bad_delay.elements[7] = string_reply("soon");
  EXPECT_EQ(acquired_of(bad_delay, "take").error().code, Errc::internal);
}

TEST(RedisReplies, ReplyOutcomesArePairsOfCompletedAndServiceTime) {
  Reply r;
  r.type = Reply::Type::array;
  Reply one, zero, minus_one, ms;
  one.type = zero.type = minus_one.type = ms.type = Reply::Type::integer;
  one.integer = 1;
  zero.integer = 0;
  minus_one.integer = -1;
  ms.integer = 250;
  r.elements = {one, ms, one, minus_one, zero, minus_one};
  auto outcomes = reply_outcomes_of(r, 3, "reply_batch");
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0], (ReplyOutcome{true, 250}));
  EXPECT_EQ((*outcomes)[1], (ReplyOutcome{true, std::nullopt}));  // the task was not leased
  EXPECT_EQ((*outcomes)[2], (ReplyOutcome{false, std::nullopt}));
  EXPECT_EQ(reply_outcomes_of(r, 2, "reply_batch").error().code, Errc::internal);
  Reply bad = r;
  bad.elements[1] = string_reply("x");
  EXPECT_EQ(reply_outcomes_of(bad, 3, "reply_batch").error().code, Errc::internal);
}

}  // namespace
}  // namespace tc::redis
