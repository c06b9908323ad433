// Store conformance, seeing tasks: get shows a task in each state, and list_tasks pages a
// queue's tasks state by state so that a scan lists each task that keeps its state once
// (same fixture as store_conformance_test.cpp, store_conformance.hpp).
#include <map>
#include <set>
#include <string>
#include <vector>

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

NewTask task(std::string id, std::string info = "null", std::int64_t delay_ms = 0) {
  TaskConfig config;
  config.cache_result_ms = 60'000;
  config.delay_ms = delay_ms;
  std::string content = "bytes of " + id;
  return NewTask{std::move(id), std::move(info), std::move(content), std::move(config)};
}

}  // namespace

TEST_P(StoreConformance, GetShowsATaskInEachState) {
  if (no_manual_clock()) return;
  EXPECT_FALSE(must(run(store_->get("q", "nobody", false))));
  ASSERT_TRUE(put("q", task("p", R"({"n":1})")));
  ASSERT_TRUE(put("q", task("d", "2", 5000)));
  ASSERT_TRUE(put("q", task("l", "3")));
  ASSERT_TRUE(put("q", task("f", "4")));
  ASSERT_EQ(acquire("q", {"l", "f"}, 30'000).size(), 2u);
  ASSERT_TRUE(reply("q", "f", R"("done")", "result bytes"));
  advance(1500);

  auto p = must(run(store_->get("q", "p", false)));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->id, "p");
  EXPECT_EQ(p->state, TaskViewState::pending);
  EXPECT_EQ(p->info, R"({"n":1})");
  EXPECT_EQ(p->attempt, 0u);
  EXPECT_EQ(p->age_ms, 1500);
  EXPECT_FALSE(p->visible_in_ms);
  EXPECT_FALSE(p->lease_left_ms);
  EXPECT_FALSE(p->content);
  EXPECT_FALSE(p->result);
  auto with_content = must(run(store_->get("q", "p", true)));
  ASSERT_TRUE(with_content && with_content->content);
  EXPECT_EQ(*with_content->content, "bytes of p");

  auto d = must(run(store_->get("q", "d", false)));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->state, TaskViewState::delayed);
  EXPECT_EQ(d->info, "2");
  EXPECT_EQ(d->visible_in_ms, 3500);
  EXPECT_FALSE(d->lease_left_ms);

  auto l = must(run(store_->get("q", "l", true)));
  ASSERT_TRUE(l);
  EXPECT_EQ(l->state, TaskViewState::leased);
  EXPECT_EQ(l->attempt, 1u);
  EXPECT_EQ(l->lease_left_ms, 28'500);
  EXPECT_EQ(l->content, "bytes of l");

  // A done task keeps only its result: no info, no content even when asked.
  auto f = must(run(store_->get("q", "f", true)));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->state, TaskViewState::done);
  EXPECT_EQ(f->info, "null");
  EXPECT_EQ(f->attempt, 1u);
  ASSERT_TRUE(f->result);
  EXPECT_EQ(f->result->info, R"("done")");
  EXPECT_EQ(f->result->content, "result bytes");
  EXPECT_FALSE(f->content);

  // The delay runs out: pending now; the lease runs out: pending again, attempt kept.
  advance(30'000);
  EXPECT_EQ(must(run(store_->get("q", "d", false)))->state, TaskViewState::pending);
  auto again = must(run(store_->get("q", "l", false)));
  EXPECT_EQ(again->state, TaskViewState::pending);
  EXPECT_EQ(again->attempt, 1u);
  EXPECT_EQ(again->age_ms, 31'500);
  EXPECT_TRUE(remove("q", "p"));
  EXPECT_FALSE(must(run(store_->get("q", "p", false))));
}

namespace {

struct Listed {
  std::vector<std::string> ids;
  std::vector<TaskViewState> states;
  std::size_t pages = 0;
};

}  // namespace

TEST_P(StoreConformance, ListTasksPagesStateByStateInAFixedOrder) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(must(run(store_->list_tasks("none", std::nullopt, std::nullopt, 10))).tasks.empty());
  for (const char* id : {"p3", "p1", "p2"}) ASSERT_TRUE(put("q", task(id)));
  for (const char* id : {"dz", "da"}) ASSERT_TRUE(put("q", task(id, "null", 9000)));
  for (const char* id : {"lb", "la", "fz", "fa"}) ASSERT_TRUE(put("q", task(id)));
  ASSERT_EQ(acquire("q", {"lb", "la", "fz", "fa"}, 60'000).size(), 4u);
  ASSERT_TRUE(reply("q", "fz"));
  ASSERT_TRUE(reply("q", "fa"));

  // Pending in cursor (put) order, then delayed, leased and done by id.
  const std::vector<std::string> expected = {"p3", "p1", "p2", "da", "dz", "la", "lb", "fa", "fz"};
  for (std::uint32_t size : {1u, 2u, 4u, 9u, 100u}) {
    std::vector<std::string> ids;
    std::optional<TaskListCursor> cursor;
    std::size_t pages = 0;
    do {
      auto page = must(run(store_->list_tasks("q", std::nullopt, cursor, size)));
      ASSERT_LE(page.tasks.size(), size);
      for (auto& view : page.tasks) ids.push_back(view.id);
      cursor = page.next_cursor;
      ++pages;
      ASSERT_LE(pages, 20u);
    } while (cursor);
    EXPECT_EQ(ids, expected) << "size " << size;
    EXPECT_EQ(pages, (expected.size() + size - 1) / size) << "no empty last page";
  }

  // One state only; a view carries its state's times.
  auto leased = must(run(store_->list_tasks("q", TaskViewState::leased, std::nullopt, 10)));
  ASSERT_EQ(leased.tasks.size(), 2u);
  EXPECT_EQ(leased.tasks[0].id, "la");
  EXPECT_EQ(leased.tasks[0].state, TaskViewState::leased);
  EXPECT_EQ(leased.tasks[0].lease_left_ms, 60'000);
  EXPECT_EQ(leased.tasks[0].attempt, 1u);
  EXPECT_FALSE(leased.next_cursor);
  auto delayed = must(run(store_->list_tasks("q", TaskViewState::delayed, std::nullopt, 1)));
  ASSERT_EQ(delayed.tasks.size(), 1u);
  EXPECT_EQ(delayed.tasks[0].id, "da");
  EXPECT_EQ(delayed.tasks[0].visible_in_ms, 9000);
  ASSERT_TRUE(delayed.next_cursor);
  delayed = must(run(store_->list_tasks("q", TaskViewState::delayed, delayed.next_cursor, 1)));
  ASSERT_EQ(delayed.tasks.size(), 1u);
  EXPECT_EQ(delayed.tasks[0].id, "dz");
  EXPECT_FALSE(delayed.next_cursor);
  auto done = must(run(store_->list_tasks("q", TaskViewState::done, std::nullopt, 10)));
  ASSERT_EQ(done.tasks.size(), 2u);
  EXPECT_EQ(done.tasks[0].info, "null");
  EXPECT_FALSE(done.tasks[0].result) << "list_tasks shows no results";
  auto pending = must(run(store_->list_tasks("q", TaskViewState::pending, std::nullopt, 10)));
  ASSERT_EQ(pending.tasks.size(), 3u);
  EXPECT_FALSE(pending.tasks[0].content) << "list_tasks shows no content";

  // Clearing the queue leaves nothing to list.
  EXPECT_TRUE(clear("q"));
  EXPECT_TRUE(must(run(store_->list_tasks("q", std::nullopt, std::nullopt, 10))).tasks.empty());
}

TEST_P(StoreConformance, AScanListsATaskThatKeepsItsStateOnce) {
  if (no_manual_clock()) return;
  // Leases extended (touch) and tasks coming and going during the scan move nothing
  // that keeps its state: each of those is listed exactly once.
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) ids.push_back("t" + std::to_string(100 + i));
  for (const auto& id : ids) ASSERT_TRUE(put("q", task(id)));
  ASSERT_EQ(acquire("q", {ids.begin() + 10, ids.end()}, 10'000).size(), 10u);
  std::map<std::string, int> seen;
  std::optional<TaskListCursor> cursor;
  int step = 0;
  do {
    auto page = must(run(store_->list_tasks("q", std::nullopt, cursor, 3)));
    for (auto& view : page.tasks) ++seen[view.id];
    cursor = page.next_cursor;
    // Between pages: every lease is extended (their deadlines change order) and a new
    // task arrives.
    advance(10);
    for (int i = 10; i < 20; ++i) touch("q", ids[static_cast<std::size_t>(i)], 10'000 + (19 - i) * step);
    put("q", task("new" + std::to_string(step)));
    ++step;
  } while (cursor && step < 50);
  for (const auto& id : ids) EXPECT_EQ(seen[id], 1) << id;
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
}

}  // namespace tc::test
