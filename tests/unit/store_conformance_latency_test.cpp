// Store conformance, latency: the queue delay every acquired task carries and the service
// time a reply reports, read from the store's clock, on every backend (same fixture as
// store_conformance_test.cpp, store_conformance.hpp). docs/operations.md, "Per queue" says what
// they mean.
#include <string>
#include <vector>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), "null", "", std::move(config)};
}

TaskReply reply_of(std::string id) { return TaskReply{std::move(id), TaskResult{}}; }

#define STORE_VALUE(operation) run(operation).value()

}  // namespace

TEST_P(StoreConformance, AcquiredTasksCarryHowLongTheyWaitedSinceThePut) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", task("a")));
  advance(1500);
  TaskConfig urgent;
  urgent.priority = 5;
  ASSERT_TRUE(put("q", task("b", urgent)));
  advance(500);
  ASSERT_TRUE(put("q", task("c")));
  auto taken = take("q", 3, 60'000);  // by priority: b, then a, c
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].id, "b");
  EXPECT_EQ(taken[0].queue_delay_ms, 500);
  EXPECT_EQ(taken[1].id, "a");
  EXPECT_EQ(taken[1].queue_delay_ms, 2000);
  EXPECT_EQ(taken[2].id, "c");
  EXPECT_EQ(taken[2].queue_delay_ms, 0);

  ASSERT_TRUE(put("q", task("d")));
  ASSERT_TRUE(put("q", task("e")));
  advance(300);
  auto acquired = acquire("q", {"d"}, 60'000);
  ASSERT_EQ(acquired.size(), 1u);
  EXPECT_EQ(acquired[0].queue_delay_ms, 300);
  acquired = acquire("q", {"e"}, 0);  // deleted on acquire: it waited all the same
  ASSERT_EQ(acquired.size(), 1u);
  EXPECT_EQ(acquired[0].queue_delay_ms, 300);

  TaskConfig keyed;
  keyed.batch_key = "gpu";
  ASSERT_TRUE(put("q", task("k", keyed)));
  advance(40);
  TakeOptions of_key;
  of_key.batch_key = "gpu";
  auto keyed_taken = STORE_VALUE(store_->take_with("q", 10, 60'000, of_key));
  ASSERT_EQ(keyed_taken.size(), 1u);
  EXPECT_EQ(keyed_taken[0].queue_delay_ms, 40);
}

// A redelivered attempt waited from its return to pending, not from the put: what the
// queue's consumers made it wait this time.
TEST_P(StoreConformance, ARedeliveredTaskWaitedSinceItWasPendingAgain) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", task("a")));
  advance(100);
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(1000);  // the lease runs out: pending again now
  reap();
  advance(250);
  auto again = take("q", 1, 60'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_EQ(again[0].queue_delay_ms, 250);

  EXPECT_TRUE(STORE_VALUE(store_->release("q", "a", 0)));
  advance(70);
  again = take("q", 1, 60'000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].queue_delay_ms, 70);

  // A delayed task waits from the moment its delay was applied, not from the put.
  TaskConfig delayed;
  delayed.delay_ms = 5000;
  ASSERT_TRUE(put("q", task("later", delayed)));
  advance(5000);
  reap();
  advance(20);
  auto later = take("q", 1, 60'000);
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].id, "later");
  EXPECT_EQ(later[0].queue_delay_ms, 20);
}

TEST_P(StoreConformance, AReplyReportsHowLongTheLeaseRan) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_TRUE(put("q", task("pending")));
  advance(50);
  ASSERT_EQ(acquire("q", {"a"}, 10'000).size(), 1u);
  advance(700);
  EXPECT_TRUE(touch("q", "a", 10'000));  // extends the lease; its start stays
  advance(300);
  auto outcome = STORE_VALUE(store_->reply_timed("q", "a", TaskResult{}));
  EXPECT_EQ(outcome, (ReplyOutcome{true, 1000}));
  // A second reply completes nothing; a task replied before any lease has no service time.
  EXPECT_EQ(STORE_VALUE(store_->reply_timed("q", "a", TaskResult{})), ReplyOutcome{});
  EXPECT_EQ(STORE_VALUE(store_->reply_timed("q", "pending", TaskResult{})),
            (ReplyOutcome{true, std::nullopt}));
  EXPECT_EQ(STORE_VALUE(store_->reply_timed("q", "nosuch", TaskResult{})), ReplyOutcome{});
}

TEST_P(StoreConformance, AReplyAfterARedeliveryTimesTheLastLease) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(1000);
  reap();
  advance(10);
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  advance(400);
  EXPECT_EQ(STORE_VALUE(store_->reply_timed("q", "a", TaskResult{})), (ReplyOutcome{true, 400}));
}

TEST_P(StoreConformance, ReplyBatchReportsEachServiceTime) {
  if (no_manual_clock()) return;
  for (const char* id : {"a", "b", "pending"}) ASSERT_TRUE(put("q", task(id)));
  ASSERT_EQ(acquire("q", {"a"}, 60'000).size(), 1u);
  advance(200);
  ASSERT_EQ(acquire("q", {"b"}, 60'000).size(), 1u);
  advance(100);
  std::vector<TaskReply> replies;
  for (const char* id : {"a", "b", "pending", "a", "nosuch"}) replies.push_back(reply_of(id));
  auto outcomes = STORE_VALUE(store_->reply_batch_timed("q", std::move(replies)));
  EXPECT_EQ(outcomes, (std::vector<ReplyOutcome>{{true, 300},
                                                 {true, 100},
                                                 {true, std::nullopt},
                                                 {false, std::nullopt},
                                                 {false, std::nullopt}}));
}

}  // namespace tc::test
