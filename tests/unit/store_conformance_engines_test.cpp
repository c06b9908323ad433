// Store conformance, part two: the rules where the two engines (MemoryState in C++, the
// Lua scripts on Redis) once disagreed, and the orders the contract leaves open that
// docs/protocol.md decides ("Orders"). Runs on every backend, like
// store_conformance_test.cpp (same fixture, store_conformance.hpp).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

template <class T>
T ok(Result<T> result) {
  if (!result) {
    ADD_FAILURE() << "store error: " << result.error().message;
    throw std::runtime_error(result.error().message);
  }
  return std::move(result).value();
}

NewTask task(std::string id, TaskConfig config = {}, std::string info = "null",
             std::string content = "") {
  return NewTask{std::move(id), std::move(info), std::move(content), std::move(config)};
}

TaskConfig dead_letter(std::string to, std::uint32_t max_attempts = 1) {
  TaskConfig config;
  config.max_attempts = max_attempts;
  config.dead_letter_to = std::move(to);
  return config;
}

using Ids = std::vector<std::string>;

}  // namespace

// --- acquire without a lease ---

// The task is gone once acquired with lease 0: a waiting call learns so at once (0006)
// on every engine, instead of waiting out its timeout.
TEST_P(StoreConformance, AcquireAndTakeWithoutLeaseTellWaitersTheTaskIsGone) {
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_TRUE(put("q", task("b")));
  events_.clear();
  ASSERT_EQ(acquire("q", {"a"}, 0).size(), 1u);
  ASSERT_EQ(take("q", 1, 0).size(), 1u);
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() == 2 && f[0].queue == "q" && f[0].id == "a" && !f[0].result && f[1].id == "b" &&
           !f[1].result;
  }));
}

// --- dead letters and forwards ---

TEST_P(StoreConformance, ADeadLetteredCopyKeepsTheSourcesResultCacheTime) {
  if (no_manual_clock()) return;
  TaskConfig config = dead_letter("dlq");
  config.cache_result_ms = 5000;
  EXPECT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(1000);
  reap();
  ASSERT_EQ(acquire("dlq", {"a"}, 60'000).size(), 1u);
  EXPECT_TRUE(reply("dlq", "a", "1"));
  advance(4999);
  EXPECT_TRUE(call_begin("dlq", task("a"), false).cached);
  advance(1);
  EXPECT_FALSE(call_begin("dlq", task("a"), false).exists);
}

// A forward is a put made while the replied task still holds its id, so a forward to
// the task's own queue never creates a task, whatever the cache time.
TEST_P(StoreConformance, AForwardToTheTasksOwnQueueCreatesNothing) {
  for (std::int64_t cache_ms : {0, 60'000}) {
    const std::string queue = "own" + std::to_string(cache_ms);
    TaskConfig config;
    config.forward_result_to = queue;
    config.cache_result_ms = cache_ms;
    EXPECT_TRUE(put(queue, task("a", config)));
    ASSERT_EQ(take(queue, 1, 1000).size(), 1u);
    EXPECT_TRUE(reply(queue, "a", "\"out\""));
    reap();
    EXPECT_TRUE(peek(queue).empty()) << cache_ms;
    EXPECT_EQ(stat(queue)->total_put, 1u) << cache_ms;
  }
}

// --- names: every valid name is one queue (on Redis Cluster: one slot) ---

TEST_P(StoreConformance, AwkwardQueueNamesWorkLikeAnyOther) {
  const Ids names = {"}x",
                     "{a}",
                     "x}y",
                     "}",
                     "{",
                     "a{b}c",
                     "%7D",
                     "}%",
                     "\xc3\xa9t\xc3\xa9}",
                     std::string(256, '}'),
                     std::string(255, 'n') + "}"};
  TaskConfig forward;
  forward.forward_result_to = "}f";
  for (const auto& name : names) {
    EXPECT_TRUE(put(name, task(name, forward))) << name;
    EXPECT_FALSE(put(name, task(name))) << name;  // one queue: the id is taken
    EXPECT_EQ(peek_ids(name), Ids{name}) << name;
    auto taken = take(name, 5, 60'000);
    ASSERT_EQ(taken.size(), 1u) << name;
    EXPECT_TRUE(touch(name, name, 60'000)) << name;
    EXPECT_TRUE(reply(name, name, "1", name)) << name;
    EXPECT_EQ(stat(name)->done, 1u) << name;
  }
  reap();
  Ids forwarded = peek_ids("}f");
  EXPECT_EQ(forwarded.size(), names.size());
  for (const auto& name : names) {
    EXPECT_NE(std::find(forwarded.begin(), forwarded.end(), name), forwarded.end()) << name;
  }
  auto listed = list(std::nullopt, 100).queues;
  for (const auto& name : names) {
    EXPECT_NE(std::find(listed.begin(), listed.end(), name), listed.end()) << name;
  }
  // "%7D" and "}" are two queues, whatever escaping the store uses.
  EXPECT_EQ(stat("%7D")->total_put, 1u);
  EXPECT_EQ(stat("}")->total_put, 1u);
  for (const auto& name : names) EXPECT_TRUE(clear(name)) << name;
  EXPECT_FALSE(stat("}x"));
}

// --- orders the contract leaves open (docs/protocol.md, "Orders") ---

// Tasks that become visible again at the same instant keep the order in which their
// leases were given.
TEST_P(StoreConformance, TasksRedeliveredTogetherComeBackInLeaseOrder) {
  if (no_manual_clock()) return;
  for (auto id : {"t3", "t1", "t2"}) EXPECT_TRUE(put("q", task(id)));
  ASSERT_EQ(take("q", 3, 1000).size(), 3u);
  advance(1000);
  EXPECT_EQ(peek_ids("q"), (Ids{"t3", "t1", "t2"}));
}

// Earlier due first; for the same due time, the one scheduled first (a touch schedules
// the lease again, behind those already due then).
TEST_P(StoreConformance, DueTasksBecomeVisibleByDueTimeThenByWhenTheyWereScheduled) {
  if (no_manual_clock()) return;
  TaskConfig delayed;
  delayed.delay_ms = 2000;
  EXPECT_TRUE(put("q", task("z-delayed", delayed)));  // due at 2000
  for (auto id : {"c", "b", "a"}) EXPECT_TRUE(put("q", task(id)));
  ASSERT_EQ(take("q", 3, 2000).size(), 3u);  // c, b, a due at 2000 too
  advance(500);
  EXPECT_TRUE(touch("q", "c", 1500));  // c: due at 2000, scheduled after the others
  delayed.delay_ms = 1000;
  EXPECT_TRUE(put("q", task("y-delayed", delayed)));  // due at 1500
  advance(1500);
  EXPECT_EQ(peek_ids("q"), (Ids{"y-delayed", "z-delayed", "b", "a", "c"}));
}

// A dead letter into its own queue takes its place among the redeliveries due with it.
TEST_P(StoreConformance, ADeadLetterIntoItsOwnQueueKeepsItsPlaceAmongRedeliveries) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("b")));
  EXPECT_TRUE(put("q", task("a", dead_letter("q"))));
  EXPECT_TRUE(put("q", task("c")));
  ASSERT_EQ(take("q", 3, 1000).size(), 3u);
  advance(1000);
  reap();
  EXPECT_EQ(peek_ids("q"), (Ids{"b", "a", "c"}));
  auto stats = stat("q");
  EXPECT_EQ(stats->total_dead, 1u);
  EXPECT_EQ(stats->total_redelivered, 2u);
  EXPECT_EQ(stats->total_put, 4u);  // the dead-lettered copy is a put into q
  auto again = take("q", 3, 1000);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[1].attempt, 1u);  // a fresh task: no retries left to count
}

// Dead letters from several queues applied in one pass arrive by due time, then by
// source queue name, then in the order they were scheduled.
TEST_P(StoreConformance, DeadLettersFromSeveralQueuesArriveByDueTimeThenSourceName) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("b", task("b1", dead_letter("z"))));
  EXPECT_TRUE(put("b", task("b2", dead_letter("z"))));
  EXPECT_TRUE(put("a", task("a1", dead_letter("z"))));
  EXPECT_TRUE(put("c", task("c1", dead_letter("z"))));
  ASSERT_EQ(take("b", 2, 1000).size(), 2u);  // b1, b2 due at 1000
  ASSERT_EQ(take("a", 1, 1000).size(), 1u);  // a1 due at 1000
  ASSERT_EQ(take("c", 1, 400).size(), 1u);   // c1 due at 400
  advance(2000);
  reap();
  EXPECT_EQ(peek_ids("z"), (Ids{"c1", "a1", "b1", "b2"}));
}

}  // namespace tc::test
