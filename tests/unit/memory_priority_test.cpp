// The embedded engine's priority index is derived state: a snapshot restore and a log
// replay (with and without compaction) must rebuild it, so take keeps its order after a
// restart.
#include <utility>  // Boost 1.74's Asio needs this before its headers

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "store/log/persistence.hpp"
#include "store/memory/memory_state.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

NewTask prio_task(std::string id, std::int32_t priority) {
  TaskConfig config;
  config.priority = priority;
  return NewTask{std::move(id), "null", "", std::move(config)};
}

const std::vector<std::pair<std::string, std::int32_t>> kTasks = {
    {"z1", 0}, {"n1", -3}, {"p1", 2}, {"z2", 0}, {"p2", 7}, {"p3", 2}, {"n2", -3}};
const std::vector<std::string> kTakeOrder = {"p2", "p1", "p3", "z1", "z2", "n1", "n2"};

std::vector<std::string> ids_of(const std::vector<AcquiredTask>& tasks) {
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(t.id);
  return ids;
}

TEST(MemoryPriority, ASnapshotRestoreRebuildsThePriorityOrder) {
  memory::MemoryState state;
  for (const auto& [id, priority] : kTasks) ASSERT_TRUE(state.put(0, "q", prio_task(id, priority)));
  memory::MemoryState restored;
  state.export_images(
      [&](const memory::QueueImage& q) { restored.restore_queue(memory::QueueImage(q)); },
      [&](const memory::TaskImage& t) { ASSERT_TRUE(restored.restore_task(memory::TaskImage(t))); });
  EXPECT_EQ(ids_of(restored.take(1, "q", 100, 60'000)), kTakeOrder);
  EXPECT_EQ(ids_of(state.take(1, "q", 100, 60'000)), kTakeOrder);
}

std::unique_ptr<MemoryStore> open_store(const Clock& clock, const std::string& dir) {
  log::PersistOptions options;
  options.dir = dir;
  auto store = MemoryStore::open(clock, std::move(options));
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

TEST(MemoryPriority, ALogReplayAndACompactionKeepThePriorityOrder) {
  for (bool compact : {false, true}) {
    TempDir dir;
    ManualClock clock;
    {
      auto store = open_store(clock, dir.path());
      for (const auto& [id, priority] : kTasks)
        ASSERT_TRUE(*run_sync(store->put("q", prio_task(id, priority))));
      // One take before the restart: the replay must leave the same rest.
      auto first = run_sync(store->take("q", 2, 60'000));
      ASSERT_TRUE(first);
      EXPECT_EQ(ids_of(*first), (std::vector<std::string>{"p2", "p1"}));
      if (compact) {
        ASSERT_TRUE(store->compact());
      }
    }
    auto store = open_store(clock, dir.path());
    auto rest = run_sync(store->take("q", 100, 60'000));
    ASSERT_TRUE(rest);
    EXPECT_EQ(ids_of(*rest), (std::vector<std::string>(kTakeOrder.begin() + 2, kTakeOrder.end())))
        << (compact ? "after a compaction" : "after a replay");
  }
}

}  // namespace
}  // namespace tc::test
