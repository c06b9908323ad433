// Figure of what a deadline costs the embedded engine: the put 16 -> take 16 -> reply
// cycle on MemoryState with every task carrying a deadline (one hour: none expires)
// against none, in alternating rounds of the same run, as a ratio. Disabled (benchmarks
// are not tests): run with
//   unit_tests --gtest_also_run_disabled_tests --gtest_filter='ExpiryFigures.*'
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

// Tasks per second through `cycles` rounds of put 16, take 16 (leased), reply each.
double cycle_rate(bool with_deadline, int cycles) {
  MemoryState state;
  std::int64_t now = 1'000'000;
  std::uint64_t next_id = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int c = 0; c < cycles; ++c) {
    std::vector<NewTask> batch;
    batch.reserve(16);
    for (int i = 0; i < 16; ++i) {
      NewTask task{"t" + std::to_string(next_id++), R"({"n":1})", "payload", {}};
      task.config.cache_result_ms = 0;
      if (with_deadline) task.config.deadline_ms = 3'600'000;
      batch.push_back(std::move(task));
    }
    state.put_batch(now, "q", std::move(batch));
    for (AcquiredTask& got : state.take(now, "q", 16, 30'000))
      state.reply(now, "q", got.id, TaskResult{"null", ""});
    ++now;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return 16.0 * cycles / seconds;
}

TEST(ExpiryFigures, DISABLED_CycleWithAndWithoutDeadlines) {
  constexpr int kRounds = 11;
  constexpr int kCycles = 20'000;
  std::vector<double> ratios;
  for (int round = 0; round < kRounds; ++round) {
    // Alternating which side goes first, so a drift of the machine's load favours neither.
    double none = 0, deadline = 0;
    if (round % 2 == 0) {
      none = cycle_rate(false, kCycles);
      deadline = cycle_rate(true, kCycles);
    } else {
      deadline = cycle_rate(true, kCycles);
      none = cycle_rate(false, kCycles);
    }
    ratios.push_back(deadline / none);
    std::printf("round %d: no deadline %.0f tasks/s, deadline %.0f tasks/s, ratio %.3f\n", round,
                none, deadline, deadline / none);
  }
  std::sort(ratios.begin(), ratios.end());
  std::printf("median ratio (deadline / none): %.3f\n", ratios[ratios.size() / 2]);
}

}  // namespace
}  // namespace tc::memory
