// RedisStore::launch keeps one Redis client per calling io_context (each server thread).
// These tests hold it to the lifetime rules of that design: a client never outlives its
// io_context, and callers on several io_contexts at once all get served.
#include <utility>

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../redis/redis_process.hpp"
#include "store/redis/redis_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

NewTask task_of(std::string id) {
  NewTask t;
  t.id = std::move(id);
  return t;
}

std::unique_ptr<RedisStore> launch_on(const RedisProcess& redis, const Clock& clock) {
  RedisStoreOptions options;
  options.url = redis.url();
  return RedisStore::launch(clock, options);
}

// A caller's io_context destroyed while the store lives on, then another one (most
// likely at the same address): the second must get a client of its own, not the first's.
TEST(RedisLocalClients, AnIoContextThatEndsTakesItsClientWithIt) {
  if (!RedisProcess::available()) GTEST_SKIP() << "redis-server not found";
  RedisProcess redis;
  SystemClock clock;
  auto store = launch_on(redis, clock);
  for (int round = 0; round < 5; ++round) {
    auto caller = std::make_unique<boost::asio::io_context>();
    const std::string id = "t" + std::to_string(round);
    auto put = run_sync(*caller, store->put("q", task_of(id)));
    ASSERT_TRUE(put.ok()) << put.error().message;
    EXPECT_TRUE(*put);
    auto taken = run_sync(*caller, store->take("q", 10, 60000));
    ASSERT_TRUE(taken.ok());
    ASSERT_EQ(taken->size(), 1u);
    EXPECT_EQ((*taken)[0].id, id);
    caller.reset();  // its client is closed and forgotten here
  }
  store->stop();
}

// Four threads, each with its own io_context, put and take concurrently; every task is
// taken exactly once, and the store stops cleanly after the threads are done.
TEST(RedisLocalClients, CallersOnSeveralThreadsShareOneQueue) {
  if (!RedisProcess::available()) GTEST_SKIP() << "redis-server not found";
  RedisProcess redis;
  SystemClock clock;
  auto store = launch_on(redis, clock);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::vector<std::string>> taken(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      boost::asio::io_context caller;
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        auto put = run_sync(caller, store->put("shared", task_of(id)));
        ASSERT_TRUE(put.ok());
        auto got = run_sync(caller, store->take("shared", 1, 0));
        ASSERT_TRUE(got.ok());
        for (auto& task : *got) taken[t].push_back(task.id);
      }
    });
  }
  for (auto& th : threads) th.join();
  boost::asio::io_context last;
  auto rest = run_sync(last, store->take("shared", 1000, 0));
  ASSERT_TRUE(rest.ok());
  std::vector<std::string> all;
  for (auto& ids : taken) all.insert(all.end(), ids.begin(), ids.end());
  for (auto& task : *rest) all.push_back(task.id);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
  store->stop();
}

}  // namespace
}  // namespace tc::test
