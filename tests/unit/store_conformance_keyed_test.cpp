// Store conformance, keyed takes: max_cost, batch_key and group_by_key, the config a
// taken task carries, and the key index kept right by every path into and out of
// pending, on every backend (same fixture as store_conformance_test.cpp,
// store_conformance.hpp).
#include <string>
#include <vector>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask keyed_task(std::string id, std::optional<std::string> key, double cost = 1,
                   std::int32_t priority = 0, TaskConfig config = {}) {
  config.batch_key = std::move(key);
  config.cost = cost;
  config.priority = priority;
  return NewTask{std::move(id), "null", "", std::move(config)};
}

std::vector<std::string> ids_of(const std::vector<AcquiredTask>& tasks) {
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(t.id);
  return ids;
}

using Ids = std::vector<std::string>;

TakeOptions max_cost(double cost) {
  TakeOptions options;
  options.max_cost = cost;
  return options;
}
TakeOptions of_key(std::string key) {
  TakeOptions options;
  options.batch_key = std::move(key);
  return options;
}
TakeOptions grouped() {
  TakeOptions options;
  options.group_by_key = true;
  return options;
}

}  // namespace

#define STORE_VALUE(operation) run(operation).value()
#define TAKE_WITH(queue, size, lease_ms, options) \
  STORE_VALUE(store_->take_with(queue, size, lease_ms, options))
#define COUNT_FITTING(queue, size, options) \
  STORE_VALUE(store_->count_fitting(queue, size, options))

TEST_P(StoreConformance, TakenAndPeekedTasksCarryTheirConfig) {
  ASSERT_TRUE(put("q", keyed_task("plain", std::nullopt)));
  ASSERT_TRUE(put("q", keyed_task("rich", "gpu-a", 2.5, -7)));
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_EQ(peeked[0].priority, 0);
  EXPECT_EQ(peeked[1].priority, -7);
  auto taken = take("q", 10, 60'000);
  ASSERT_EQ(ids_of(taken), (Ids{"plain", "rich"}));
  EXPECT_EQ(taken[0].priority, 0);
  EXPECT_FALSE(taken[0].batch_key);
  EXPECT_EQ(taken[0].cost, 1);
  EXPECT_EQ(taken[1].priority, -7);
  EXPECT_EQ(taken[1].batch_key, std::optional<std::string>("gpu-a"));
  EXPECT_EQ(taken[1].cost, 2.5);
  ASSERT_TRUE(put("q", keyed_task("acq", "k", 0.25, 3)));
  auto acquired = acquire("q", {"acq"}, 60'000);
  ASSERT_EQ(acquired.size(), 1u);
  EXPECT_EQ(acquired[0].priority, 3);
  EXPECT_EQ(acquired[0].batch_key, std::optional<std::string>("k"));
  EXPECT_EQ(acquired[0].cost, 0.25);
}

TEST_P(StoreConformance, MaxCostStopsBeforeTheTaskThatWouldExceedIt) {
  ASSERT_TRUE(put("q", keyed_task("a", std::nullopt, 3)));
  ASSERT_TRUE(put("q", keyed_task("b", std::nullopt, 4)));
  ASSERT_TRUE(put("q", keyed_task("c", std::nullopt, 1)));  // would fit, but b stops the batch
  ASSERT_TRUE(put("q", keyed_task("huge", std::nullopt, 100)));
  ASSERT_TRUE(put("q", keyed_task("d", std::nullopt, 0.5)));
  EXPECT_EQ(COUNT_FITTING("q", 10, max_cost(6)), 1u);
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, max_cost(6))), (Ids{"a"}));
  // Exactly max_cost fits.
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, max_cost(5))), (Ids{"b", "c"}));
  // A task costlier than max_cost comes alone.
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, max_cost(5))), (Ids{"huge"}));
  // size still bounds the batch.
  ASSERT_TRUE(put("q", keyed_task("e", std::nullopt, 0.5)));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 1, 60'000, max_cost(5))), (Ids{"d"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 5, 60'000, max_cost(5))), (Ids{"e"}));
  EXPECT_TRUE(TAKE_WITH("q", 5, 60'000, max_cost(5)).empty());
  EXPECT_EQ(stat("q")->leased, 6u);
}

TEST_P(StoreConformance, MaxCostFollowsPriorityOrder) {
  ASSERT_TRUE(put("q", keyed_task("low", std::nullopt, 1, -1)));
  ASSERT_TRUE(put("q", keyed_task("zero", std::nullopt, 2)));
  ASSERT_TRUE(put("q", keyed_task("high", std::nullopt, 2, 5)));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, max_cost(4))), (Ids{"high", "zero"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, max_cost(4))), (Ids{"low"}));
}

TEST_P(StoreConformance, BatchKeyTakesOnlyThatKeyInTakeOrder) {
  ASSERT_TRUE(put("q", keyed_task("a1", "a")));
  ASSERT_TRUE(put("q", keyed_task("b1", "b")));
  ASSERT_TRUE(put("q", keyed_task("none", std::nullopt)));
  ASSERT_TRUE(put("q", keyed_task("a2", "a", 1, 4)));
  ASSERT_TRUE(put("q", keyed_task("a3", "a", 1, -4)));
  ASSERT_TRUE(put("q", keyed_task("a4", "a")));
  EXPECT_EQ(COUNT_FITTING("q", 10, of_key("a")), 4u);
  EXPECT_EQ(COUNT_FITTING("q", 2, of_key("a")), 2u);
  EXPECT_EQ(COUNT_FITTING("q", 10, of_key("zzz")), 0u);
  EXPECT_EQ(ids_of(TAKE_WITH("q", 3, 60'000, of_key("a"))), (Ids{"a2", "a1", "a4"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 3, 60'000, of_key("a"))), (Ids{"a3"}));
  EXPECT_TRUE(TAKE_WITH("q", 3, 60'000, of_key("a")).empty());
  EXPECT_TRUE(TAKE_WITH("q", 3, 60'000, of_key("zzz")).empty());
  EXPECT_TRUE(TAKE_WITH("missing", 3, 60'000, of_key("a")).empty());
  // The others are still there, in order, for a plain take.
  EXPECT_EQ(ids_of(take("q", 10, 60'000)), (Ids{"b1", "none"}));
}

TEST_P(StoreConformance, BatchKeyWithMaxCost) {
  ASSERT_TRUE(put("q", keyed_task("a1", "a", 2)));
  ASSERT_TRUE(put("q", keyed_task("b1", "b", 1)));
  ASSERT_TRUE(put("q", keyed_task("a2", "a", 2)));
  ASSERT_TRUE(put("q", keyed_task("a3", "a", 2)));
  TakeOptions options = of_key("a");
  options.max_cost = 5;
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, options)), (Ids{"a1", "a2"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, options)), (Ids{"a3"}));
}

TEST_P(StoreConformance, GroupByKeyTakesTheFirstTasksGroup) {
  ASSERT_TRUE(put("q", keyed_task("x1", "x")));
  ASSERT_TRUE(put("q", keyed_task("n1", std::nullopt)));
  ASSERT_TRUE(put("q", keyed_task("y1", "y")));
  ASSERT_TRUE(put("q", keyed_task("x2", "x")));
  ASSERT_TRUE(put("q", keyed_task("n2", std::nullopt)));
  ASSERT_TRUE(put("q", keyed_task("y2", "y", 1, 2)));  // the first in take order
  EXPECT_EQ(COUNT_FITTING("q", 10, grouped()), 2u);
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, grouped())), (Ids{"y2", "y1"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, grouped())), (Ids{"x1", "x2"}));
  // Tasks without a key are one group of their own.
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, grouped())), (Ids{"n1", "n2"}));
  EXPECT_TRUE(TAKE_WITH("q", 10, 60'000, grouped()).empty());
  EXPECT_EQ(COUNT_FITTING("q", 10, grouped()), 0u);
}

TEST_P(StoreConformance, GroupByKeyKeylessGroupStepsOverKeyedTasks) {
  ASSERT_TRUE(put("q", keyed_task("n1", std::nullopt, 1, 1)));
  ASSERT_TRUE(put("q", keyed_task("k1", "k", 1, 1)));
  ASSERT_TRUE(put("q", keyed_task("k2", "k")));
  ASSERT_TRUE(put("q", keyed_task("n2", std::nullopt)));
  ASSERT_TRUE(put("q", keyed_task("k3", "k", 1, -1)));
  ASSERT_TRUE(put("q", keyed_task("n3", std::nullopt, 1, -1)));
  TakeOptions options = grouped();
  options.max_cost = 10;
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, options)), (Ids{"n1", "n2", "n3"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 2, 60'000, options)), (Ids{"k1", "k2"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 2, 60'000, options)), (Ids{"k3"}));
}

TEST_P(StoreConformance, BatchKeyWinsOverGroupByKey) {
  ASSERT_TRUE(put("q", keyed_task("a1", "a")));
  ASSERT_TRUE(put("q", keyed_task("b1", "b")));
  TakeOptions options = of_key("b");
  options.group_by_key = true;
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, options)), (Ids{"b1"}));
}

TEST_P(StoreConformance, KeyIndexFollowsEveryWayOutOfPending) {
  ASSERT_TRUE(put("q", keyed_task("removed", "k")));
  ASSERT_TRUE(put("q", keyed_task("acquired", "k")));
  ASSERT_TRUE(put("q", keyed_task("replied", "k")));
  ASSERT_TRUE(put("q", keyed_task("plain-taken", "k", 1, 9)));
  ASSERT_TRUE(put("q", keyed_task("kept", "k")));
  ASSERT_TRUE(remove("q", "removed"));
  ASSERT_EQ(acquire("q", {"acquired"}, 60'000).size(), 1u);
  ASSERT_TRUE(reply("q", "replied"));
  EXPECT_EQ(ids_of(take("q", 1, 60'000)), (Ids{"plain-taken"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, of_key("k"))), (Ids{"kept"}));
  // A cleared queue starts again without stale entries.
  ASSERT_TRUE(put("q", keyed_task("gone", "k")));
  ASSERT_TRUE(clear("q"));
  ASSERT_TRUE(put("q", keyed_task("fresh", "k")));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, of_key("k"))), (Ids{"fresh"}));
  // lease 0: taken tasks are deleted.
  ASSERT_TRUE(put("q", keyed_task("once", "k")));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 0, of_key("k"))), (Ids{"once"}));
  EXPECT_EQ(stat("q")->length, 0u);
  EXPECT_TRUE(TAKE_WITH("q", 10, 0, of_key("k")).empty());
}

TEST_P(StoreConformance, KeyIndexFollowsRedeliveryDelayFailAndRelease) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", keyed_task("expires", "k")));
  ASSERT_TRUE(put("q", keyed_task("failed", "k")));
  ASSERT_TRUE(put("q", keyed_task("released", "k")));
  TaskConfig delayed;
  delayed.delay_ms = 1'000;
  ASSERT_TRUE(put("q", keyed_task("delayed", "k", 1, 0, delayed)));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 1, 500, of_key("k"))), (Ids{"expires"}));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 2, 60'000, of_key("k"))), (Ids{"failed", "released"}));
  EXPECT_TRUE(TAKE_WITH("q", 2, 60'000, of_key("k")).empty());
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "failed", TaskResult{})));
  EXPECT_TRUE(STORE_VALUE(store_->release("q", "released", 0)));
  advance(1'000);  // the lease ran out (redelivered) and the delay passed
  auto again = TAKE_WITH("q", 10, 60'000, of_key("k"));
  EXPECT_EQ(ids_of(again), (Ids{"failed", "released", "expires", "delayed"}));
  EXPECT_TRUE(TAKE_WITH("q", 10, 60'000, of_key("k")).empty());
}

TEST_P(StoreConformance, KeyIndexFollowsDeadLettersAndRedrive) {
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  ASSERT_TRUE(put("q", keyed_task("a", "k", 2, 0, config)));
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, of_key("k"))), (Ids{"a"}));
  EXPECT_TRUE(STORE_VALUE(store_->fail("q", "a", TaskResult{})));
  ASSERT_TRUE(eventually([&] { return stat("dlq") && stat("dlq")->length == 1; }));
  EXPECT_TRUE(TAKE_WITH("q", 10, 60'000, of_key("k")).empty());
  EXPECT_EQ(run(store_->redrive("dlq", {}, 100)).value(), 1u);
  ASSERT_TRUE(eventually([&] { return stat("q") && stat("q")->length == 1; }));
  // A redriven task is a new task with the default config (docs/protocol.md): no key.
  EXPECT_TRUE(TAKE_WITH("q", 10, 60'000, of_key("k")).empty());
  auto redriven = TAKE_WITH("q", 10, 60'000, grouped());
  ASSERT_EQ(ids_of(redriven), (Ids{"a"}));
  EXPECT_FALSE(redriven[0].batch_key);
  EXPECT_EQ(redriven[0].cost, 1);
}

TEST_P(StoreConformance, KeyedTakeRespectsTheQueuesSettings) {
  ASSERT_TRUE(put("q", keyed_task("a1", "a")));
  ASSERT_TRUE(put("q", keyed_task("a2", "a")));
  QueueSettingsChange change;
  change.max_leased = 1;
  ASSERT_TRUE(run(store_->config_queue("q", change)).ok());
  EXPECT_EQ(ids_of(TAKE_WITH("q", 10, 60'000, of_key("a"))), (Ids{"a1"}));
  EXPECT_TRUE(TAKE_WITH("q", 10, 60'000, of_key("a")).empty());
  // Counting ignores the settings (the window waits for tasks; the gate for room).
  EXPECT_EQ(COUNT_FITTING("q", 10, of_key("a")), 1u);
}

}  // namespace tc::test
