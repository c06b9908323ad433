// MemoryStore: runs the store conformance suite, plus what is particular to the
// embedded store (deterministic replay of its state machine, memory per task).
#include "store/memory_store.hpp"

#include <malloc.h>

#include <cstdio>

#include "store/memory/memory_state.hpp"
#include "store_conformance.hpp"

namespace tc::test {
namespace {

class MemoryFactory final : public StoreFactory {
 public:
  std::unique_ptr<Store> make(const Clock& clock, boost::asio::io_context&) override {
    return std::make_unique<MemoryStore>(clock);
  }
};

INSTANTIATE_TEST_SUITE_P(Memory, StoreConformance,
                         ::testing::Values(StoreBackend{"Memory",
                                                        [] {
                                                          return std::unique_ptr<StoreFactory>(
                                                              new MemoryFactory);
                                                        }}),
                         StoreBackendName{});

NewTask make_task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), "null", "", std::move(config)};
}

// A fixed sequence of every kind of mutation, with explicit times.
void drive(memory::MemoryState& state) {
  TaskConfig retry;
  retry.max_attempts = 2;
  retry.dead_letter_to = "dlq";
  TaskConfig delayed;
  delayed.delay_ms = 300;
  TaskConfig forward;
  forward.forward_result_to = "results";
  std::int64_t t = 1'000;
  for (int i = 0; i < 20; ++i) state.put(t, "q", make_task("t" + std::to_string(i), retry));
  state.put(t, "q", make_task("late", delayed));
  state.put(t, "q", make_task("fwd", forward));
  state.take(t += 10, "q", 5, 100);
  state.acquire(t += 10, "q", {"t7", "fwd", "late"}, 1000);
  state.reply(t += 10, "q", "t0", TaskResult{"1", "r"});
  state.reply(t += 10, "q", "fwd", TaskResult{"2", "f"});
  state.touch(t, "q", "t1", 500);
  state.remove(t, "q", "t9");
  state.apply_due(t += 150);
  state.take(t += 10, "q", 4, 100);
  state.apply_due(t += 1000);
  state.take(t += 10, "q", 3, 0);
  state.call_begin(t, "calls", make_task("c"), true);
  state.put(t, "gone", make_task("x"));
  state.clear_queue(t, "gone");
  state.apply_due(t += 60'000);
}

std::string dump(const memory::MemoryState& state) {
  std::string out;
  auto page = state.list_queues(std::nullopt, 1000);
  for (const auto& name : page.queues) {
    auto stats = *state.stat_queue(name);
    out += name + ": len=" + std::to_string(stats.length) +
           " delayed=" + std::to_string(stats.delayed) + " leased=" + std::to_string(stats.leased) +
           " done=" + std::to_string(stats.done) + " dead=" + std::to_string(stats.total_dead) +
           " redelivered=" + std::to_string(stats.total_redelivered) + "\n";
    for (const auto& t : state.peek(name, std::nullopt, 1000))
      out += "  " + t.id + "@" + t.cursor.to_string() + "\n";
  }
  return out;
}

// The append-only log relies on this: the same mutations at the same times rebuild
// the same state, cursors included.
TEST(MemoryState, TheSameMutationsRebuildTheSameState) {
  memory::MemoryState first, second;
  drive(first);
  drive(second);
  EXPECT_EQ(dump(first), dump(second));
  EXPECT_NE(dump(first), "");
  EXPECT_EQ(first.task_count(), second.task_count());
}

TEST(MemoryState, HasDueLooksOnlyAtTheSoonestDeadline) {
  memory::MemoryState state;
  state.put(0, "q", make_task("a"));
  EXPECT_FALSE(state.has_due(1'000'000));  // pending tasks have no deadline
  state.take(0, "q", 1, 100);
  EXPECT_FALSE(state.has_due(99));
  EXPECT_TRUE(state.has_due(100));
}

// Compaction decides by live_bytes(): it must come back to zero whatever path a task
// took out of the store (a drift once kept compaction from ever starting).
TEST(MemoryState, LiveBytesReturnToZeroWhenTasksLeave) {
  memory::MemoryState state;
  TaskConfig retry;
  retry.max_attempts = 1;
  retry.dead_letter_to = "dlq";
  TaskConfig no_cache;
  no_cache.cache_result_ms = 0;
  for (int i = 0; i < 10; ++i) {
    NewTask t{"t" + std::to_string(i), std::string(100, 'i'), std::string(300, 'c'),
              i % 2 ? retry : no_cache};
    state.put(0, "q", std::move(t));
  }
  EXPECT_GT(state.live_bytes(), 4000u);
  state.take(0, "q", 2, 0);                                     // deleted on acquire
  state.take(0, "q", 2, 100);                                   // leased, then dead-lettered
  state.reply(0, "q", "t4", TaskResult{std::string(50, 'r'), ""});  // forgotten at once
  state.reply(0, "q", "t5", TaskResult{std::string(50, 'r'), ""});  // cached 60 s
  state.remove(0, "q", "t6");
  state.apply_due(100'000);
  state.clear_queue(100'000, "q");
  state.clear_queue(100'000, "dlq");
  EXPECT_EQ(state.task_count(), 0u);
  EXPECT_EQ(state.live_bytes(), 0u);
}

TEST(MemoryStore, CountsTasksAcrossQueues) {
  ManualClock clock;
  MemoryStore store(clock);
  EXPECT_TRUE(*run_sync(store.put("a", make_task("1"))));
  EXPECT_TRUE(*run_sync(store.put("b", make_task("1"))));
  EXPECT_EQ(store.task_count(), 2u);
  EXPECT_TRUE(*run_sync(store.clear_queue("a", 0)));
  EXPECT_EQ(store.task_count(), 1u);
}

// Reports heap bytes per pending task (a figure, not an assertion: allocators differ).
// Counts mmap-ed blocks too: large arrays (the id index's buckets) are mmap-ed by glibc.
// "Beyond the payload" subtracts the bytes of id, info and content (the target
// is <= 150 B beyond them, docs/performance.md).
TEST(MemoryStore, ReportsBytesPerPendingTask) {
  constexpr int kTasks = 200'000;
  ManualClock clock;
  auto heap = [] {
    auto info = mallinfo2();
    return info.uordblks + info.hblkhd;
  };
  auto before = heap();
  {
    memory::MemoryState state;
    std::size_t payload = 0;
    for (int i = 0; i < kTasks; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "task-%08d", i);  // 13 bytes
      NewTask task = make_task(id);
      payload += task.id.size() + task.info.size() + task.content.size();
      state.put(clock.now_ms(), "q", std::move(task));
    }
    auto after = heap();
    double per_task = static_cast<double>(after - before) / kTasks;
    double payload_per_task = static_cast<double>(payload) / kTasks;
    std::printf("[ figure ] MemoryState: %.1f heap bytes per pending task, "
                "%.1f beyond its %.0f bytes of id/info/content\n",
                per_task, per_task - payload_per_task, payload_per_task);
    RecordProperty("bytes_per_task", static_cast<int>(per_task));
    EXPECT_EQ(state.task_count(), static_cast<std::size_t>(kTasks));
  }
}

}  // namespace
}  // namespace tc::test
