// Store conformance, seeing tasks after the Version 2 paths: get shows priority, cost,
// batch_key, attempt, last_error, source_queue and visible_in after fail, release, a
// retry delay, dead-lettering, redrive and reply_batch, and list_tasks' state index stays
// right on every one of those paths (same fixture as store_conformance_test.cpp).
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/retry_delay.hpp"
#include "store_conformance.hpp"

namespace tc::test {
namespace {

template <class T>
T must(Result<T> result) {
  if (!result) {
    ADD_FAILURE() << "store error: " << result.error().message;
    throw std::runtime_error(result.error().message);
  }
  return std::move(result).value();
}

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), R"({"n":1})", "payload", std::move(config)};
}

using Row = std::pair<std::string, TaskViewState>;
using Rows = std::vector<Row>;

}  // namespace

namespace {

// Every task of a queue as list_tasks pages it, in list order with its state: `page_after`
// answers the page after a cursor (LISTED asks for pages of 2, so cursors are used).
Rows listed(const std::function<Result<TaskPage>(std::optional<TaskListCursor>)>& page_after) {
  Rows rows;
  std::optional<TaskListCursor> cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = must(page_after(cursor));
    for (const auto& view : page.tasks) rows.emplace_back(view.id, view.state);
    if (!page.next_cursor) return rows;
    cursor = page.next_cursor;
  }
  ADD_FAILURE() << "list_tasks did not end";
  return rows;
}

}  // namespace

#define LISTED(queue)                                                      \
  listed([&](std::optional<TaskListCursor> after) {                        \
    return run(store_->list_tasks(queue, std::nullopt, std::move(after), 2)); \
  })

TEST_P(StoreConformance, GetShowsTheVersion2Fields) {
  TaskConfig config;
  config.priority = 7;
  config.cost = 2.5;
  config.batch_key = "gpu";
  ASSERT_TRUE(put("q", task("a", config)));
  ASSERT_TRUE(put("q", task("plain")));
  auto a = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->priority, 7);
  EXPECT_EQ(a->cost, 2.5);
  EXPECT_EQ(a->batch_key, "gpu");
  EXPECT_FALSE(a->last_error);
  EXPECT_FALSE(a->source_queue);
  auto plain = must(run(store_->get("q", "plain", false)));
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->priority, 0);
  EXPECT_EQ(plain->cost, 1);
  EXPECT_FALSE(plain->batch_key);
  // Listed with the same fields.
  auto page = must(run(store_->list_tasks("q", TaskViewState::pending, std::nullopt, 10)));
  ASSERT_EQ(page.tasks.size(), 2u);
  EXPECT_EQ(page.tasks[0].id, "a");  // cursor order, not priority order
  EXPECT_EQ(page.tasks[0].priority, 7);
  EXPECT_EQ(page.tasks[0].batch_key, "gpu");
  EXPECT_EQ(page.tasks[0].cost, 2.5);
}

TEST_P(StoreConformance, GetAfterFailShowsTheLastErrorAndTheRetryDelay) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.retry_delay_ms = 10'000;
  ASSERT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->fail("q", "a", TaskResult{R"({"why":"oom"})", "trace"}))));
  auto a = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, TaskViewState::delayed);
  EXPECT_EQ(a->attempt, 1u);
  EXPECT_EQ(a->visible_in_ms, retry_delay_ms(10'000, "q", "a", 1));
  ASSERT_TRUE(a->last_error);
  EXPECT_EQ(a->last_error->info, R"({"why":"oom"})");
  EXPECT_EQ(a->last_error->content, "trace");
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::delayed}}));
  // The delay runs out: pending, the last error kept; the next lease is attempt 2.
  advance(10'001);
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::pending}}));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  a = must(run(store_->get("q", "a", false)));
  EXPECT_EQ(a->state, TaskViewState::leased);
  EXPECT_EQ(a->attempt, 2u);
  ASSERT_TRUE(a->last_error);
  EXPECT_EQ(a->last_error->content, "trace");
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::leased}}));
}

TEST_P(StoreConformance, GetAfterFailWithoutRetryDelayShowsItPending) {
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->fail("q", "a", TaskResult{"null", ""}))));
  auto a = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, TaskViewState::pending);
  EXPECT_EQ(a->attempt, 1u);
  ASSERT_TRUE(a->last_error);
  EXPECT_EQ(a->last_error->info, "null");
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::pending}}));
}

TEST_P(StoreConformance, GetAfterReleaseShowsTheTaskBackWithTheAttemptGiven) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_TRUE(put("q", task("b")));
  ASSERT_EQ(take("q", 2, 30'000).size(), 2u);
  ASSERT_TRUE(must(run(store_->release("q", "a", 0))));
  ASSERT_TRUE(must(run(store_->release("q", "b", 4000))));
  auto a = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, TaskViewState::pending);
  EXPECT_EQ(a->attempt, 0u);  // the released attempt does not count
  EXPECT_FALSE(a->last_error);
  auto b = must(run(store_->get("q", "b", false)));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state, TaskViewState::delayed);
  EXPECT_EQ(b->visible_in_ms, 4000);
  EXPECT_FALSE(b->lease_left_ms);
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::pending}, {"b", TaskViewState::delayed}}));
  advance(4000);
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::pending}, {"b", TaskViewState::pending}}));
}

TEST_P(StoreConformance, GetOfADeadLetteredCopyShowsItsSourceAndRedriveMovesIt) {
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  ASSERT_TRUE(put("q", task("a", config)));
  ASSERT_TRUE(put("q", task("b", config)));
  ASSERT_EQ(take("q", 2, 30'000).size(), 2u);
  ASSERT_TRUE(must(run(store_->fail("q", "a", TaskResult{R"({"e":1})", "why"}))));
  ASSERT_TRUE(must(run(store_->fail("q", "b", TaskResult{"null", ""}))));
  ASSERT_TRUE(eventually([&] { return LISTED("dlq").size() == 2; }));
  EXPECT_TRUE(LISTED("q").empty());
  EXPECT_FALSE(must(run(store_->get("q", "a", false))));

  auto a = must(run(store_->get("dlq", "a", true)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, TaskViewState::pending);
  EXPECT_EQ(a->source_queue, "q");
  EXPECT_EQ(a->attempt, 0u);  // a fresh task here
  EXPECT_EQ(a->info, R"({"n":1})");
  EXPECT_EQ(a->content, "payload");
  ASSERT_TRUE(a->last_error);
  EXPECT_EQ(a->last_error->info, R"({"e":1})");
  EXPECT_EQ(a->last_error->content, "why");
  // list_tasks of the dead-letter queue, one state and all.
  auto page = must(run(store_->list_tasks("dlq", TaskViewState::pending, std::nullopt, 10)));
  ASSERT_EQ(page.tasks.size(), 2u);
  EXPECT_EQ(page.tasks[0].id, "a");
  EXPECT_EQ(page.tasks[0].source_queue, "q");
  EXPECT_EQ(page.tasks[1].id, "b");
  EXPECT_EQ(page.tasks[1].source_queue, "q");
  EXPECT_TRUE(must(run(store_->list_tasks("dlq", TaskViewState::delayed, std::nullopt, 10)))
                  .tasks.empty());

  // A leased copy is listed as leased; redrive moves the pending one back.
  ASSERT_EQ(acquire("dlq", {"b"}, 30'000).size(), 1u);
  EXPECT_EQ(LISTED("dlq"), (Rows{{"a", TaskViewState::pending}, {"b", TaskViewState::leased}}));
  EXPECT_EQ(must(run(store_->redrive("dlq", {}, 100))), 1u);
  EXPECT_EQ(LISTED("dlq"), (Rows{{"b", TaskViewState::leased}}));
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::pending}}));
  auto back = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->state, TaskViewState::pending);
  EXPECT_EQ(back->attempt, 0u);
  EXPECT_FALSE(back->source_queue);
  EXPECT_FALSE(back->last_error);
  EXPECT_FALSE(must(run(store_->get("dlq", "a", false))));
}

TEST_P(StoreConformance, ADeadLetterIntoItsOwnQueueIsListedOnce) {
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "q";
  ASSERT_TRUE(put("q", task("a", config)));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->fail("q", "a", TaskResult{"null", ""}))));
  EXPECT_EQ(LISTED("q"), (Rows{{"a", TaskViewState::pending}}));
  auto a = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->source_queue, "q");
}

TEST_P(StoreConformance, ListTasksIsRightAfterReplyBatch) {
  for (const char* id : {"a", "b", "c", "d"}) ASSERT_TRUE(put("q", task(id)));
  TaskConfig forget;
  forget.cache_result_ms = 0;
  ASSERT_TRUE(put("q", task("e", forget)));
  ASSERT_EQ(take("q", 5, 30'000).size(), 5u);
  std::vector<TaskReply> replies = {{"a", TaskResult{"1", "ra"}},
                                    {"c", TaskResult{"2", "rc"}},
                                    {"a", TaskResult{"3", ""}},  // repeated: false
                                    {"e", TaskResult{"4", ""}},
                                    {"missing", TaskResult{"5", ""}}};
  auto completed = must(run(store_->reply_batch("q", std::move(replies))));
  EXPECT_EQ(completed, (std::vector<bool>{true, true, false, true, false}));
  EXPECT_EQ(LISTED("q"), (Rows{{"b", TaskViewState::leased},
                                {"d", TaskViewState::leased},
                                {"a", TaskViewState::done},
                                {"c", TaskViewState::done}}));
  auto a = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(a && a->result);
  EXPECT_EQ(a->result->info, "1");
  EXPECT_EQ(a->result->content, "ra");
  EXPECT_FALSE(must(run(store_->get("q", "e", false))));
  auto done = must(run(store_->list_tasks("q", TaskViewState::done, std::nullopt, 10)));
  ASSERT_EQ(done.tasks.size(), 2u);
  EXPECT_FALSE(done.tasks[0].result);  // list_tasks shows no results
}

TEST_P(StoreConformance, ListTasksOfAQueueCreatedByConfigQueueAndCleared) {
  QueueSettingsChange change;
  change.paused = true;
  ASSERT_TRUE(run(store_->config_queue("cfg", change)));
  EXPECT_TRUE(LISTED("cfg").empty());
  ASSERT_TRUE(put("cfg", task("a")));
  TaskConfig delayed;
  delayed.delay_ms = 60'000;
  ASSERT_TRUE(put("cfg", task("b", delayed)));
  EXPECT_EQ(LISTED("cfg"), (Rows{{"a", TaskViewState::pending}, {"b", TaskViewState::delayed}}));
  EXPECT_TRUE(clear("cfg"));
  EXPECT_TRUE(LISTED("cfg").empty());
  ASSERT_TRUE(put("cfg", task("b")));
  EXPECT_EQ(LISTED("cfg"), (Rows{{"b", TaskViewState::pending}}));
}

}  // namespace tc::test
