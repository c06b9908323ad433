// Store conformance, failures: fail and release on every backend (same fixture as
// store_conformance_test.cpp, store_conformance.hpp), and the retry delay's arithmetic.
#include <algorithm>
#include <string>
#include <vector>

#include "core/retry_delay.hpp"
#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), R"({"n":1})", "payload", std::move(config)};
}

using Ids = std::vector<std::string>;

// The value of a store operation's Result (a Result converts to bool as ok(), not as its value).
#define STORE_VALUE(operation) run(operation).value()

}  // namespace


TEST_P(StoreConformance, FailRedeliversAtOnceWithoutARetryDelay) {
  EXPECT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  events_.clear();
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{R"({"why":"oom"})", "trace"})));
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
  auto again = take("q", 1, 30'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_EQ(again[0].content, "payload");  // the error does not replace the task
  auto stats = stat("q");
  EXPECT_EQ(stats->total_failed, 1u);
  EXPECT_EQ(stats->total_redelivered, 1u);
  EXPECT_EQ(stats->total_released, 0u);
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::count(p.begin(), p.end(), "q") > 0;
  }));
}

TEST_P(StoreConformance, FailAnswersFalseUnlessTheTaskIsLeased) {
  EXPECT_FALSE(STORE_VALUE(store_->fail("missing", "a", TaskResult{})));
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_FALSE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));  // pending
  EXPECT_FALSE(STORE_VALUE(store_->fail("q", "b", TaskResult{})));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  EXPECT_TRUE(reply("q", "a"));
  EXPECT_FALSE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));  // done
  auto stats = stat("q");
  EXPECT_EQ(stats->total_failed, 0u);
  EXPECT_EQ(stats->done, 1u);
}

TEST_P(StoreConformance, FailOnTheLastAttemptDeadLetters) {
  TaskConfig config;
  config.max_attempts = 2;
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{"1", ""})));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  events_.clear();
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{"2", ""})));
  EXPECT_TRUE(peek("q").empty());
  auto stats = stat("q");
  EXPECT_EQ(stats->total_failed, 2u);
  EXPECT_EQ(stats->total_dead, 1u);
  EXPECT_EQ(stats->leased, 0u);
  EXPECT_TRUE(eventually([&] { return peek_ids("dlq") == Ids{"a"}; }));
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() == 1 && f[0].id == "a" && !f[0].result;
  }));
}

TEST_P(StoreConformance, FailOnTheLastAttemptWithoutDeadLetterQueueDrops) {
  TaskConfig config;
  config.max_attempts = 1;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));
  EXPECT_TRUE(peek("q").empty());
  EXPECT_EQ(stat("q")->total_dead, 1u);
  EXPECT_TRUE(put("q", task("a")));  // the id is free again
}

TEST_P(StoreConformance, ReleaseMakesTheTaskPendingWithoutCountingTheAttempt) {
  TaskConfig config;
  config.max_attempts = 1;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  EXPECT_TRUE(STORE_VALUE(store_->release("q", "a", 0)));
  EXPECT_FALSE(STORE_VALUE(store_->release("q", "a", 0)));  // pending now
  auto again = take("q", 1, 30'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 1u);  // the released attempt did not count
  EXPECT_TRUE(STORE_VALUE(store_->release("q", "a", 0)));
  auto stats = stat("q");
  EXPECT_EQ(stats->total_released, 2u);
  EXPECT_EQ(stats->total_dead, 0u);
  EXPECT_EQ(stats->length, 1u);
  EXPECT_FALSE(STORE_VALUE(store_->release("missing", "a", 0)));
}

TEST_P(StoreConformance, ReleaseWithADelayHidesTheTaskUntilItRunsOut) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_TRUE(put("q", task("b")));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  EXPECT_TRUE(STORE_VALUE(store_->release("q", "a", 5000)));
  EXPECT_EQ(peek_ids("q"), Ids{"b"});
  EXPECT_EQ(stat("q")->delayed, 1u);
  advance(4999);
  EXPECT_EQ(peek_ids("q"), Ids{"b"});
  advance(1);
  EXPECT_EQ(peek_ids("q"), (Ids{"b", "a"}));  // a new cursor, behind b
  EXPECT_EQ(stat("q")->delayed, 0u);
}

TEST_P(StoreConformance, ALeaseThatRunsOutStillRedeliversAtOnceWithoutARetryDelay) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(1000);
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
  EXPECT_EQ(stat("q")->total_failed, 0u);  // only fail counts there
  EXPECT_EQ(stat("q")->total_redelivered, 1u);
}

// --- retry delays ---

TEST_P(StoreConformance, FailWaitsOutTheRetryDelayBeforeTheNextAttempt) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.retry_delay_ms = 10'000;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));
  const std::int64_t first = retry_delay_ms(10'000, "q", "a", 1);
  EXPECT_GE(first, 8'000);
  EXPECT_TRUE(peek("q").empty());
  EXPECT_EQ(stat("q")->delayed, 1u);
  advance(first - 1);
  EXPECT_TRUE(peek("q").empty());
  advance(1);
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
  // The second failure waits about twice as long.
  ASSERT_EQ(take("q", 1, 60'000)[0].attempt, 2u);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));
  const std::int64_t second = retry_delay_ms(10'000, "q", "a", 2);
  EXPECT_GE(second, 16'000);
  advance(second - 1);
  EXPECT_TRUE(peek("q").empty());
  advance(1);
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
}

TEST_P(StoreConformance, ALeaseThatRunsOutWaitsTheRetryDelayFromItsDeadline) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.retry_delay_ms = 5'000;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  const std::int64_t delay = retry_delay_ms(5'000, "q", "a", 1);
  advance(1000 + 100);  // the lease ran out 100 ms ago
  EXPECT_TRUE(peek("q").empty());
  EXPECT_EQ(stat("q")->delayed, 1u);
  advance(delay - 101);
  EXPECT_TRUE(peek("q").empty());
  advance(1);  // lease deadline + delay
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
  EXPECT_EQ(stat("q")->total_redelivered, 1u);
}

TEST_P(StoreConformance, AReaperLaterThanTheRetryDelayMakesTheTaskPendingAtOnce) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.retry_delay_ms = 1000;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(5000);  // nothing looked for 4 s after the lease's end: the delay has passed too
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
  EXPECT_EQ(stat("q")->delayed, 0u);
}

TEST_P(StoreConformance, ReleaseIgnoresTheRetryDelay) {
  TaskConfig config;
  config.retry_delay_ms = 60'000;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  EXPECT_TRUE(STORE_VALUE(store_->release("q", "a", 0)));
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
}

// --- dead letters and redrive ---

TEST_P(StoreConformance, RedriveMovesDeadLettersBackWithTheirAttemptsReset) {
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("a", config)));
  EXPECT_TRUE(put("q", task("b", config)));
  ASSERT_EQ(take("q", 2, 30'000).size(), 2u);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{R"({"e":1})", ""})));
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "b", TaskResult{})));
  EXPECT_TRUE(put("dlq", task("plain")));  // not a dead letter: never moved
  ASSERT_TRUE(eventually([&] { return peek_ids("dlq").size() == 3; }));
  EXPECT_EQ(run(store_->redrive("dlq", {}, 100)).value(), 2u);
  EXPECT_EQ(peek_ids("dlq"), Ids{"plain"});
  EXPECT_EQ(peek_ids("q"), (Ids{"a", "b"}));
  auto again = take("q", 2, 30'000);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].attempt, 1u);  // attempts reset
  EXPECT_EQ(again[0].content, "payload");
  EXPECT_EQ(run(store_->redrive("dlq", {}, 100)).value(), 0u);
  EXPECT_EQ(run(store_->redrive("missing", {}, 100)).value(), 0u);
}

TEST_P(StoreConformance, RedriveLeavesACopyWhoseIdExistsInTheSourceQueue) {
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("a", config)));
  EXPECT_TRUE(put("q", task("b", config)));
  ASSERT_EQ(take("q", 2, 30'000).size(), 2u);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "b", TaskResult{})));
  ASSERT_TRUE(eventually([&] { return peek_ids("dlq").size() == 2; }));
  EXPECT_TRUE(put("q", task("a")));  // the id is taken again in the source
  EXPECT_EQ(run(store_->redrive("dlq", {"b", "a", "b", "missing"}, 100)).value(), 1u);
  EXPECT_EQ(peek_ids("dlq"), Ids{"a"});
  EXPECT_EQ(peek_ids("q"), (Ids{"a", "b"}));
}

TEST_P(StoreConformance, RedriveBySizeTakesTheOldestFirst) {
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_TRUE(put("q", task(id, config)));
    ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
    EXPECT_TRUE(STORE_VALUE(store_->fail("q", id, TaskResult{})));
    ASSERT_TRUE(eventually([&] { return stat("dlq") && stat("dlq")->length >= 1; }));
  }
  ASSERT_TRUE(eventually([&] { return peek_ids("dlq").size() == 3; }));
  EXPECT_EQ(run(store_->redrive("dlq", {}, 2)).value(), 2u);
  EXPECT_EQ(peek_ids("dlq"), Ids{"c"});
  EXPECT_EQ(peek_ids("q"), (Ids{"a", "b"}));
}

TEST_P(StoreConformance, ALeaseThatRunsOutOnTheLastAttemptDeadLettersARedrivableCopy) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(1000);
  reap();
  ASSERT_TRUE(eventually([&] { return peek_ids("dlq") == Ids{"a"}; }));
  EXPECT_EQ(run(store_->redrive("dlq", {"a"}, 100)).value(), 1u);
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
}

// --- the retry delay's arithmetic (the same in lib.lua) ---

TEST(RetryDelay, DoublesPerAttemptUpToAnHourMinusAtMostTwentyPercent) {
  EXPECT_EQ(retry_delay_ms(0, "q", "a", 1), 0);
  EXPECT_EQ(retry_delay_ms(-5, "q", "a", 3), 0);
  for (std::uint32_t attempt = 1; attempt < 40; ++attempt) {
    std::int64_t full = 1000;
    for (std::uint32_t i = 1; i < attempt && full < kMaxRetryDelayMs; ++i) full *= 2;
    full = std::min(full, kMaxRetryDelayMs);
    const std::int64_t got = retry_delay_ms(1000, "q", "a", attempt);
    EXPECT_LE(got, full) << attempt;
    EXPECT_GE(got, full - full / 5) << attempt;
  }
  EXPECT_LE(retry_delay_ms(1, "q", "a", 4'000'000'000u), kMaxRetryDelayMs);
}

TEST(RetryDelay, TheJitterIsAFunctionOfQueueIdAndAttempt) {
  EXPECT_EQ(retry_delay_ms(10'000, "q", "a", 2), retry_delay_ms(10'000, "q", "a", 2));
  // Known values, shared with the Lua implementation's test (tests/redis).
  EXPECT_EQ(retry_jitter_hash("", "", 0), 66355u);
  EXPECT_EQ(retry_jitter_hash("q", "a", 1), retry_jitter_hash("q", "a", 1));
  EXPECT_NE(retry_jitter_hash("q", "a", 1), retry_jitter_hash("q", "b", 1));
  EXPECT_NE(retry_jitter_hash("q", "a", 1), retry_jitter_hash("q", "a", 2));
}

}  // namespace tc::test
