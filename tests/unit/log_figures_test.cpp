// Figures of the append-only log: puts/s per fsync policy, replay time and memory for
// 1M tasks. Disabled (benchmarks are not tests): run with
//   unit_tests --gtest_also_run_disabled_tests --gtest_filter='LogFigures.*'
#include <malloc.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

namespace fs = std::filesystem;


std::uint64_t rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6));
  return 0;
}

// Puts per second straight into the store (no HTTP) from `writers` concurrent
// coroutines on 2 threads, memory-only and under each fsync policy.
double puts_per_second(std::optional<log::FsyncPolicy> policy, int puts, int writers = 64) {
  TempDir dir;
  SystemClock clock;
  std::unique_ptr<MemoryStore> store;
  if (policy) {
    log::PersistOptions options;
    options.dir = dir.path();
    options.fsync = *policy;
    store = MemoryStore::open(clock, options).value();
  } else {
    store = std::make_unique<MemoryStore>(clock);
  }
  const int kWriters = writers;
  boost::asio::io_context io;
  std::atomic<int> next{0};
  for (int w = 0; w < kWriters; ++w) {
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          for (int i = next++; i < puts; i = next++) {
            NewTask t{"t" + std::to_string(i), R"({"k":1})", std::string(100, 'c'), {}};
            co_await store->put("q", std::move(t));
          }
        },
        boost::asio::detached);
  }
  auto start = std::chrono::steady_clock::now();
  std::thread helper([&] { io.run(); });
  io.run();
  helper.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return puts / seconds;
}

TEST(LogFigures, DISABLED_PutsPerSecondByFsyncPolicy) {
  constexpr int kPuts = 200'000;
  std::printf("[ figure ] store-level puts/s, 64 writers, 100-byte content, %d puts each:\n", kPuts);
  std::printf("[ figure ]   memory-only     %9.0f\n", puts_per_second(std::nullopt, kPuts));
  std::printf("[ figure ]   fsync=no        %9.0f\n", puts_per_second(log::FsyncPolicy::no, kPuts));
  std::printf("[ figure ]   fsync=everysec  %9.0f\n", puts_per_second(log::FsyncPolicy::everysec, kPuts));
  std::printf("[ figure ]   fsync=always    %9.0f\n", puts_per_second(log::FsyncPolicy::always, kPuts));
  // Group commit: the more writers wait together, the more each fsync carries.
  std::printf("[ figure ]   fsync=always, 256 writers %9.0f\n",
              puts_per_second(log::FsyncPolicy::always, kPuts, 256));
}

TEST(LogFigures, DISABLED_ReplayOfOneMillionTasks) {
  constexpr int kTasks = 1'000'000;
  TempDir dir;
  SystemClock clock;
  {
    log::PersistOptions options;
    options.dir = dir.path();
    options.fsync = log::FsyncPolicy::no;
    auto store = MemoryStore::open(clock, options).value();
    for (int base = 0; base < kTasks; base += 1000) {
      std::vector<NewTask> batch;
      for (int i = base; i < base + 1000; ++i)
        batch.push_back(NewTask{"task-" + std::to_string(i), R"({"k":1})", std::string(100, 'c'), {}});
      (void)run_sync(store->put_batch("q", std::move(batch)));
    }
  }
  malloc_trim(0);
  std::uint64_t log_bytes = 0;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    if (entry.path().extension() == ".log") log_bytes += fs::file_size(entry.path());
  auto rss_before = rss_kib();
  auto start = std::chrono::steady_clock::now();
  log::PersistOptions options;
  options.dir = dir.path();
  auto opened = MemoryStore::open(clock, options);
  ASSERT_TRUE(opened);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto rss_after = rss_kib();
  EXPECT_EQ((*opened)->task_count(), static_cast<std::size_t>(kTasks));
  // Compaction of the same 1M tasks, while this thread keeps putting: the slowest put
  // during it is the pause requests see. The same number of puts without a compaction
  // running gives the baseline.
  auto& store = **opened;
  auto timed_puts = [&](const std::string& prefix, const std::atomic<bool>& done, int at_least) {
    std::vector<double> ms;
    for (int i = 0; !done.load() || i < at_least; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      (void)run_sync(store.put("live", NewTask{prefix + std::to_string(i), "{}", "c", {}}));
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(ms.begin(), ms.end());
    return ms;
  };
  std::atomic<bool> compacted{false};
  auto compact_start = std::chrono::steady_clock::now();
  std::thread compactor([&] {
    EXPECT_TRUE(store.compact());
    compacted = true;
  });
  auto during = timed_puts("during-", compacted, 1);
  compactor.join();
  double compact_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - compact_start).count();
  std::atomic<bool> no_compaction{true};
  auto baseline = timed_puts("after-", no_compaction, static_cast<int>(during.size()));
  auto pct = [](const std::vector<double>& v, double p) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
  };
  std::printf("[ figure ] compaction of 1M tasks: %.2f s in all, snapshot %.1f MiB; "
              "%zu puts meanwhile, p99 %.3f ms, max %.3f ms (same puts without compaction: "
              "p99 %.3f ms, max %.3f ms)\n",
              compact_seconds, store.persistence()->log_bytes() / 1048576.0, during.size(),
              pct(during, 0.99), during.back(), pct(baseline, 0.99), baseline.back());
  std::printf("[ figure ] 1M tasks (100-byte content, ~12-byte ids, info {\"k\":1}): log %.1f MiB "
              "(%.0f bytes/task), replay %.2f s, RSS +%.0f MiB\n",
              log_bytes / 1048576.0, static_cast<double>(log_bytes) / kTasks, seconds,
              (rss_after - rss_before) / 1024.0);
}

}  // namespace
}  // namespace tc::test
