// The embedded engine's state index (list_tasks) and the put time (get's age) after a
// restart: a log replay and a compaction (snapshot) must rebuild the same listing, with
// the ages, last errors and dead-letter origins the tasks had.
#include <utility>  // Boost 1.74's Asio needs this before its headers

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "store/log/persistence.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

std::unique_ptr<MemoryStore> open_store(const Clock& clock, const std::string& dir) {
  log::PersistOptions options;
  options.dir = dir;
  auto store = MemoryStore::open(clock, std::move(options));
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), "null", "c", std::move(config)};
}

// "id state age_ms" for each task of the queue, in list order, plus the extra fields.
std::vector<std::string> listing(MemoryStore& store, const std::string& queue) {
  std::vector<std::string> out;
  auto page = run_sync(store.list_tasks(queue, std::nullopt, std::nullopt, 100));
  if (!page) throw std::runtime_error(page.error().message);
  for (const auto& view : page->tasks) {
    std::string row = view.id + " " + std::string(task_view_state_name(view.state)) + " " +
                      std::to_string(view.age_ms);
    if (view.last_error) row += " error=" + view.last_error->info;
    if (view.source_queue) row += " from=" + *view.source_queue;
    out.push_back(row);
  }
  return out;
}

TEST(MemoryViews, ALogReplayAndACompactionKeepTheListingAndTheAges) {
  for (bool compact : {false, true}) {
    TempDir dir;
    ManualClock clock;
    std::vector<std::string> before, dead_before;
    {
      auto store = open_store(clock, dir.path());
      TaskConfig once;
      once.max_attempts = 1;
      once.dead_letter_to = "dlq";
      ASSERT_TRUE(*run_sync(store->put("q", task("pending"))));
      clock.advance(1000);
      ASSERT_TRUE(*run_sync(store->put("q", task("leased"))));
      ASSERT_TRUE(*run_sync(store->put("q", task("done"))));
      ASSERT_TRUE(*run_sync(store->put("q", task("dead", once))));
      TaskConfig later;
      later.delay_ms = 60'000;
      ASSERT_TRUE(*run_sync(store->put("q", task("delayed", later))));
      clock.advance(500);
      ASSERT_TRUE(run_sync(store->acquire("q", {"leased", "done", "dead"}, 60'000)));
      ASSERT_TRUE(*run_sync(store->reply("q", "done", TaskResult{"1", ""})));
      ASSERT_TRUE(*run_sync(store->fail("q", "dead", TaskResult{"\"oom\"", ""})));
      clock.advance(250);
      before = listing(*store, "q");
      dead_before = listing(*store, "dlq");
      ASSERT_EQ(before.size(), 4u);
      ASSERT_EQ(dead_before.size(), 1u);
      if (compact) {
        ASSERT_TRUE(store->compact());
      }
    }
    auto store = open_store(clock, dir.path());
    const char* how = compact ? "after a compaction" : "after a replay";
    EXPECT_EQ(listing(*store, "q"), before) << how;
    EXPECT_EQ(listing(*store, "dlq"), dead_before) << how;
    EXPECT_EQ(before[0], "pending pending 1750");
    EXPECT_EQ(dead_before[0], "dead pending 250 error=\"oom\" from=q");
  }
}

}  // namespace
}  // namespace tc::test
