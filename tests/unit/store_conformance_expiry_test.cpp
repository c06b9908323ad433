// Store conformance, deadlines: a task still pending or delayed when its deadline passes
// expires (docs/scheduling.md, "Deadlines"), on every backend (same fixture as
// store_conformance_test.cpp, store_conformance.hpp; time moves by the manual clock).
#include <algorithm>
#include <string>
#include <vector>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), R"({"n":1})", "payload", std::move(config)};
}

TaskConfig with_deadline(std::int64_t deadline_ms) {
  TaskConfig config;
  config.deadline_ms = deadline_ms;
  return config;
}

using Ids = std::vector<std::string>;

#define STORE_VALUE(operation) run(operation).value()

}  // namespace

TEST_P(StoreConformance, PendingTaskExpiresWhenItsDeadlinePasses) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", with_deadline(1000))));
  EXPECT_TRUE(put("q", task("b")));
  advance(999);
  EXPECT_EQ(peek_ids("q"), (Ids{"a", "b"}));
  advance(1);
  // No reap: the read applies what is due before it answers.
  EXPECT_EQ(peek_ids("q"), Ids{"b"});
  auto stats = stat("q");
  EXPECT_EQ(stats->length, 1u);
  EXPECT_EQ(stats->total_expired, 1u);
  EXPECT_EQ(stats->total_dead, 0u);
  EXPECT_EQ(stats->total_removed, 0u);
  EXPECT_TRUE(eventually([&] { return events_.expired() == Ids{"q/a"}; }));
  // The task is gone: its id is free again.
  EXPECT_TRUE(put("q", task("a")));
}

TEST_P(StoreConformance, TakeAndAcquireNeverLeaseAnExpiredTask) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", with_deadline(1000))));
  EXPECT_TRUE(put("q", task("b", with_deadline(1000))));
  advance(1000);
  EXPECT_TRUE(acquire("q", {"a"}, 30'000).empty());
  EXPECT_TRUE(take("q", 10, 30'000).empty());
  EXPECT_EQ(stat("q")->total_expired, 2u);
  EXPECT_EQ(stat("q")->total_acquired, 0u);
}

TEST_P(StoreConformance, DelayedTaskExpiresBeforeItIsVisible) {
  if (no_manual_clock()) return;
  TaskConfig config = with_deadline(1000);
  config.delay_ms = 5000;
  EXPECT_TRUE(put("q", task("a", config)));
  EXPECT_EQ(stat("q")->delayed, 1u);
  advance(1000);
  reap();
  auto stats = stat("q");
  EXPECT_EQ(stats->delayed, 0u);
  EXPECT_EQ(stats->total_expired, 1u);
  advance(5000);
  EXPECT_TRUE(peek_ids("q").empty());
}

TEST_P(StoreConformance, ExpiredTaskGoesToItsDeadLetterQueue) {
  if (no_manual_clock()) return;
  TaskConfig config = with_deadline(1000);
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("a", config)));
  advance(1000);
  reap();
  EXPECT_TRUE(eventually([&] { return peek_ids("dlq") == Ids{"a"}; }));
  auto letters = peek("dlq");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].info, R"({"n":1})");
  auto stats = stat("q");
  EXPECT_EQ(stats->total_expired, 1u);
  EXPECT_EQ(stats->total_dead, 0u);
  // The copy has no deadline of its own, and is a dead letter (redrive sends it back).
  advance(10'000);
  EXPECT_EQ(peek_ids("dlq"), Ids{"a"});
  EXPECT_EQ(STORE_VALUE(store_->redrive("dlq", {}, 10)), 1u);
  EXPECT_TRUE(eventually([&] { return peek_ids("q") == Ids{"a"}; }));
}

TEST_P(StoreConformance, TasksExpiringAtOneInstantLeaveInCursorOrder) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.dead_letter_to = "dlq";
  // Put in the order c, a, b, each with a deadline that passes at the same instant.
  config.deadline_ms = 3000;
  EXPECT_TRUE(put("q", task("c", config)));
  advance(1000);
  config.deadline_ms = 2000;
  EXPECT_TRUE(put("q", task("a", config)));
  advance(1000);
  config.deadline_ms = 1000;
  EXPECT_TRUE(put("q", task("b", config)));
  advance(1000);
  reap();
  EXPECT_TRUE(eventually([&] { return peek_ids("dlq").size() == 3; }));
  EXPECT_EQ(peek_ids("dlq"), (Ids{"c", "a", "b"}));
  EXPECT_EQ(events_.expired(), (Ids{"q/c", "q/a", "q/b"}));
}

TEST_P(StoreConformance, DeadlinesExpireInTheirOrderNotInPutOrder) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("late", with_deadline(3000))));
  EXPECT_TRUE(put("q", task("soon", with_deadline(1000))));
  EXPECT_TRUE(put("q", task("mid", with_deadline(2000))));
  advance(1000);
  EXPECT_EQ(peek_ids("q"), (Ids{"late", "mid"}));
  advance(1000);
  EXPECT_EQ(peek_ids("q"), Ids{"late"});
  advance(1000);
  EXPECT_TRUE(peek_ids("q").empty());
  EXPECT_TRUE(eventually([&] { return events_.expired().size() == 3; }));
  EXPECT_EQ(events_.expired(), (Ids{"q/soon", "q/mid", "q/late"}));
}

TEST_P(StoreConformance, LeasedTaskIsGovernedByItsLease) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", with_deadline(1000))));
  ASSERT_EQ(take("q", 1, 5000).size(), 1u);
  advance(2000);
  reap();
  auto stats = stat("q");
  EXPECT_EQ(stats->leased, 1u);
  EXPECT_EQ(stats->total_expired, 0u);
  EXPECT_TRUE(touch("q", "a", 5000));
  EXPECT_TRUE(reply("q", "a"));
  EXPECT_EQ(stat("q")->total_expired, 0u);
  EXPECT_TRUE(events_.expired().empty());
}

TEST_P(StoreConformance, LeaseRunningOutAfterTheDeadlineExpiresTheTask) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", with_deadline(1000))));
  ASSERT_EQ(take("q", 1, 5000).size(), 1u);
  advance(5000);
  reap();
  auto stats = stat("q");
  EXPECT_EQ(stats->leased, 0u);
  EXPECT_EQ(stats->length, 0u);
  EXPECT_EQ(stats->total_expired, 1u);
  EXPECT_EQ(stats->total_redelivered, 0u);
  EXPECT_TRUE(eventually([&] { return events_.expired() == Ids{"q/a"}; }));
}

TEST_P(StoreConformance, RedeliveryBeforeTheDeadlineKeepsIt) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", with_deadline(1000))));
  ASSERT_EQ(take("q", 1, 100).size(), 1u);
  advance(100);
  EXPECT_EQ(peek_ids("q"), Ids{"a"});  // redelivered, still before its deadline
  EXPECT_EQ(stat("q")->total_redelivered, 1u);
  advance(900);
  EXPECT_TRUE(peek_ids("q").empty());
  EXPECT_EQ(stat("q")->total_expired, 1u);
}

TEST_P(StoreConformance, FailOrReleaseAfterTheDeadlineExpiresTheTask) {
  if (no_manual_clock()) return;
  TaskConfig config = with_deadline(1000);
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("f", config)));
  EXPECT_TRUE(put("q", task("r", config)));
  ASSERT_EQ(take("q", 2, 30'000).size(), 2u);
  advance(2000);
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "f", TaskResult{R"({"why":"oom"})", ""})));
  EXPECT_TRUE(STORE_VALUE(store_->release("q", "r", 0)));
  auto stats = stat("q");
  EXPECT_EQ(stats->total_expired, 2u);
  EXPECT_EQ(stats->total_failed, 1u);
  EXPECT_EQ(stats->total_released, 1u);
  EXPECT_EQ(stats->total_redelivered, 0u);
  EXPECT_EQ(stats->length + stats->delayed + stats->leased, 0u);
  EXPECT_TRUE(eventually([&] { return peek_ids("dlq") == (Ids{"f", "r"}); }));
}

TEST_P(StoreConformance, RemovedRepliedOrClearedTasksNeverExpire) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("removed", with_deadline(1000))));
  EXPECT_TRUE(put("q", task("replied", with_deadline(1000))));
  TaskConfig delayed = with_deadline(1000);
  delayed.delay_ms = 500;
  EXPECT_TRUE(put("q", task("delayed", delayed)));
  EXPECT_TRUE(remove("q", "removed"));
  EXPECT_TRUE(reply("q", "replied"));
  EXPECT_TRUE(remove("q", "delayed"));
  // The same id again, without a deadline: the old deadline is not its.
  EXPECT_TRUE(put("q", task("removed")));
  EXPECT_TRUE(put("c", task("x", with_deadline(1000))));
  EXPECT_TRUE(clear("c"));
  advance(2000);
  reap();
  EXPECT_EQ(peek_ids("q"), Ids{"removed"});
  EXPECT_EQ(stat("q")->total_expired, 0u);
  EXPECT_FALSE(stat("c").has_value());
  EXPECT_TRUE(events_.expired().empty());
}

TEST_P(StoreConformance, ReapExpiresAndWakesCallsOnlyOfTheirIncarnation) {
  if (no_manual_clock()) return;
  auto begun = call_begin("q", task("a", with_deadline(1000)), true);
  EXPECT_TRUE(begun.created);
  advance(1000);
  EXPECT_GE(reap(), 1u);
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() == 1 && f[0].id == "a" && !f[0].result &&
           f[0].incarnation == begun.incarnation;
  }));
  EXPECT_EQ(events_.expired(), Ids{"q/a"});
}

TEST_P(StoreConformance, PriorityTasksExpireToo) {
  if (no_manual_clock()) return;
  TaskConfig high = with_deadline(1000);
  high.priority = 5;
  TaskConfig low = with_deadline(1000);
  low.priority = -5;
  EXPECT_TRUE(put("q", task("high", high)));
  EXPECT_TRUE(put("q", task("low", low)));
  EXPECT_TRUE(put("q", task("plain")));
  advance(1000);
  auto taken = take("q", 10, 30'000);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, "plain");
  EXPECT_EQ(stat("q")->total_expired, 2u);
}

// More tasks come due at once than one Redis script applies (1000 of each kind): take
// and peek still never serve one past its deadline.
TEST_P(StoreConformance, ManyExpiringAtOnceAreNeverServed) {
  if (no_manual_clock()) return;
  for (const char* queue : {"taken", "peeked"}) {
    std::vector<NewTask> batch;
    for (int i = 0; i < 1100; ++i) {
      std::string id = "t";
      id.append(std::to_string(i));
      batch.push_back(task(std::move(id), with_deadline(1000)));
    }
    batch.push_back(task("plain"));
    auto created = run(store_->put_batch(queue, std::move(batch)));
    ASSERT_TRUE(created.ok());
  }
  advance(1000);
  auto taken = take("taken", 2000, 30'000);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, "plain");
  EXPECT_EQ(stat("taken")->total_expired, 1100u);
  EXPECT_EQ(peek_ids("peeked"), Ids{"plain"});
  reap();
  reap();
  EXPECT_EQ(stat("peeked")->total_expired, 1100u);
  EXPECT_EQ(stat("peeked")->length, 1u);
}


// A task given back (fail with a retry left, release) is pending again with its deadline:
// it still expires at that deadline even when the queue's next due time had moved past it
// (a touch extended the lease and a scan found nothing due meanwhile).
TEST_P(StoreConformance, ATaskGivenBackAfterATouchStillExpiresAtItsDeadline) {
  if (no_manual_clock()) return;
  for (const bool by_fail : {false, true}) {
    const std::string q = by_fail ? "failed" : "released";
    EXPECT_TRUE(put(q, task("a", with_deadline(30'000))));
    ASSERT_EQ(take(q, 1, 5'000).size(), 1u);
    advance(1'000);
    EXPECT_TRUE(touch(q, "a", 60'000));  // the lease now ends at 61 s
    advance(5'000);
    EXPECT_EQ(stat(q)->leased, 1u);  // a look at 6 s: nothing is due before 61 s
    advance(4'000);
    if (by_fail)
      EXPECT_TRUE(STORE_VALUE(store_->fail(q, "a", TaskResult{"null", ""})));
    else
      EXPECT_TRUE(STORE_VALUE(store_->release(q, "a", 0)));
    advance(19'999);
    EXPECT_EQ(stat(q)->length, 1u);
    advance(1);  // 30 s after the put
    auto stats = stat(q);
    EXPECT_EQ(stats->length, 0u) << q;
    EXPECT_EQ(stats->total_expired, 1u) << q;
  }
}

}  // namespace tc::test
