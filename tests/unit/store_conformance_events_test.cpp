// Store conformance, progress events: progress and events on every backend (same
// fixture as store_conformance_test.cpp, store_conformance.hpp): only a leased task takes
// progress, seqs grow by one and are never reused, the newest 1,000 / 1 MiB are kept,
// and events live and die with their task.
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

NewTask task(std::string id, TaskConfig config = {}) {
  return NewTask{std::move(id), R"({"n":1})", "payload", std::move(config)};
}

TaskConfig cached() {
  TaskConfig config;
  config.cache_result_ms = 60'000;
  return config;
}

TaskConfig uncached() {
  TaskConfig config;
  config.cache_result_ms = 0;  // forgotten at its reply
  return config;
}

std::vector<std::uint64_t> seqs(const TaskEvents& events) {
  std::vector<std::uint64_t> out;
  for (const auto& event : events.events) out.push_back(event.seq);
  return out;
}

}  // namespace

TEST_P(StoreConformance, ProgressNeedsALeasedTask) {
  // No such queue, no such task, pending, delayed: nothing recorded.
  EXPECT_FALSE(must(run(store_->progress("q", "a", TaskResult{"1", ""}, std::nullopt))));
  ASSERT_TRUE(put("q", task("a")));
  EXPECT_FALSE(must(run(store_->progress("q", "a", TaskResult{"1", ""}, std::nullopt))));
  EXPECT_FALSE(must(run(store_->progress("q", "b", TaskResult{"1", ""}, std::nullopt))));
  auto before = must(run(store_->events("q", "a", 0)));
  EXPECT_TRUE(before.exists);
  EXPECT_TRUE(before.events.empty());
  EXPECT_FALSE(before.result);
  auto view = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->progress);
  EXPECT_FALSE(must(run(store_->events("q", "nobody", 0))).exists);
  EXPECT_TRUE(events_.progress().empty());
}

TEST_P(StoreConformance, ProgressAppendsEventsInSeqOrder) {
  ASSERT_TRUE(put("q", task("a", cached())));
  ASSERT_EQ(take("q", 1, 30'000).size(), 1u);
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{R"({"step":1})", "one"}, std::nullopt))),
            std::optional<std::uint64_t>(1));
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{"null", ""}, std::nullopt))),
            std::optional<std::uint64_t>(2));
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{R"("three")", "3"}, std::nullopt))),
            std::optional<std::uint64_t>(3));

  auto all = must(run(store_->events("q", "a", 0)));
  ASSERT_TRUE(all.exists);
  EXPECT_FALSE(all.incarnation.empty());
  ASSERT_EQ(seqs(all), (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(all.events[0].info, R"({"step":1})");
  EXPECT_EQ(all.events[0].content, "one");
  EXPECT_EQ(all.events[1].info, "null");
  EXPECT_EQ(all.events[2].content, "3");
  EXPECT_FALSE(all.result);
  EXPECT_EQ(seqs(must(run(store_->events("q", "a", 2)))), (std::vector<std::uint64_t>{3}));
  EXPECT_TRUE(must(run(store_->events("q", "a", 3))).events.empty());
  EXPECT_TRUE(must(run(store_->events("q", "a", 99))).events.empty());

  auto view = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->progress, std::optional<std::string>(R"("three")"));

  // Each event was told, carrying itself and the task's incarnation.
  ASSERT_TRUE(eventually([&] { return events_.progress().size() == 3; }));
  auto told = events_.progress();
  EXPECT_EQ(told[0].queue, "q");
  EXPECT_EQ(told[0].id, "a");
  EXPECT_EQ(told[0].incarnation, all.incarnation);
  EXPECT_EQ(told[0].event.seq, 1u);
  EXPECT_EQ(told[0].event.info, R"({"step":1})");
  EXPECT_EQ(told[0].event.content, "one");
  EXPECT_EQ(told[2].event.seq, 3u);

  // Kept while the result is cached; events() answers the result too.
  ASSERT_TRUE(reply("q", "a", R"("done")", "out"));
  EXPECT_FALSE(must(run(store_->progress("q", "a", TaskResult{"4", ""}, std::nullopt))));
  auto done = must(run(store_->events("q", "a", 1)));
  EXPECT_EQ(seqs(done), (std::vector<std::uint64_t>{2, 3}));
  ASSERT_TRUE(done.result);
  EXPECT_EQ(done.result->info, R"("done")");
  EXPECT_EQ(done.result->content, "out");
  view = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->progress, std::optional<std::string>(R"("three")"));
}

TEST_P(StoreConformance, ProgressWithALeaseTimeExtendsTheLeaseAsTouch) {
  if (no_manual_clock()) return;
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 10'000).size(), 1u);
  advance(8000);
  ASSERT_TRUE(must(run(store_->progress("q", "a", TaskResult{"1", ""}, 10'000))));
  auto view = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->lease_left_ms, 10'000);
  // Without one, the lease stays as it is.
  advance(3000);
  ASSERT_TRUE(must(run(store_->progress("q", "a", TaskResult{"2", ""}, std::nullopt))));
  view = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(view);
  EXPECT_EQ(view->lease_left_ms, 7000);
  // Once the lease is gone, progress answers false and records nothing.
  advance(7000);
  EXPECT_FALSE(must(run(store_->progress("q", "a", TaskResult{"3", ""}, 10'000))));
  // Redelivered: the events are kept, and the next lease's events continue the seqs.
  auto redelivered = take("q", 1, 10'000);
  ASSERT_EQ(redelivered.size(), 1u);
  EXPECT_EQ(seqs(must(run(store_->events("q", "a", 0)))), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{"3", ""}, std::nullopt))),
            std::optional<std::uint64_t>(3));
}

TEST_P(StoreConformance, ProgressKeepsTheNewestThousandEvents) {
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  for (int i = 1; i <= 1005; ++i)
    ASSERT_EQ(must(run(store_->progress("q", "a", TaskResult{std::to_string(i), ""},
                                        std::nullopt))),
              std::optional<std::uint64_t>(static_cast<std::uint64_t>(i)));
  auto kept = must(run(store_->events("q", "a", 0)));
  ASSERT_EQ(kept.events.size(), kTaskEventsKept);
  EXPECT_EQ(kept.events.front().seq, 6u);
  EXPECT_EQ(kept.events.front().info, "6");
  EXPECT_EQ(kept.events.back().seq, 1005u);
  auto tail = must(run(store_->events("q", "a", 1000)));
  EXPECT_EQ(seqs(tail), (std::vector<std::uint64_t>{1001, 1002, 1003, 1004, 1005}));
  // After a drop the seqs go on: never reused.
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{"x", ""}, std::nullopt))),
            std::optional<std::uint64_t>(1006));
}

TEST_P(StoreConformance, ProgressKeepsAtMostOneMebibyte) {
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  // 300 KiB each (info "1" + content): three fit in 1 MiB, the fourth drops the first.
  const std::string chunk(300 * 1024 - 1, 'c');
  for (int i = 1; i <= 4; ++i)
    ASSERT_TRUE(must(run(store_->progress("q", "a", TaskResult{"1", chunk}, std::nullopt))));
  EXPECT_EQ(seqs(must(run(store_->events("q", "a", 0)))), (std::vector<std::uint64_t>{2, 3, 4}));
  // One event over the budget by itself is told but not kept (and drops all the others).
  const std::string huge(kTaskEventBytesKept, 'h');
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{R"("big")", huge}, std::nullopt))),
            std::optional<std::uint64_t>(5));
  EXPECT_TRUE(must(run(store_->events("q", "a", 0))).events.empty());
  auto view = must(run(store_->get("q", "a", false)));
  ASSERT_TRUE(view);
  EXPECT_FALSE(view->progress);
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{"6", ""}, std::nullopt))),
            std::optional<std::uint64_t>(6));
}

TEST_P(StoreConformance, EventsAreForgottenWithTheTask) {
  // remove
  ASSERT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->progress("q", "a", TaskResult{"1", ""}, std::nullopt))));
  ASSERT_TRUE(remove("q", "a"));
  EXPECT_FALSE(must(run(store_->events("q", "a", 0))).exists);
  // A new task of the same id starts from seq 1, without the old events.
  ASSERT_TRUE(put("q", task("a", uncached())));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  EXPECT_TRUE(must(run(store_->events("q", "a", 0))).events.empty());
  EXPECT_EQ(must(run(store_->progress("q", "a", TaskResult{"2", ""}, std::nullopt))),
            std::optional<std::uint64_t>(1));
  // reply without a cached result
  ASSERT_TRUE(reply("q", "a"));
  EXPECT_FALSE(must(run(store_->events("q", "a", 0))).exists);
  // Redelivered with its events, then taken without a lease (deleted on acquire).
  ASSERT_TRUE(put("q2", task("e")));
  ASSERT_EQ(take("q2", 1, 60'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->progress("q2", "e", TaskResult{"1", ""}, std::nullopt))));
  ASSERT_TRUE(must(run(store_->release("q2", "e", 0))));
  ASSERT_EQ(must(run(store_->events("q2", "e", 0))).events.size(), 1u);
  ASSERT_EQ(take("q2", 1, 0).size(), 1u);
  EXPECT_FALSE(must(run(store_->events("q2", "e", 0))).exists);
  ASSERT_TRUE(put("q2", task("e")));
  EXPECT_TRUE(must(run(store_->events("q2", "e", 0))).events.empty());
  // clear_queue
  ASSERT_TRUE(put("q", task("b")));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->progress("q", "b", TaskResult{"1", ""}, std::nullopt))));
  ASSERT_TRUE(clear("q"));
  ASSERT_TRUE(put("q", task("b")));
  EXPECT_TRUE(must(run(store_->events("q", "b", 0))).events.empty());
}

TEST_P(StoreConformance, EventsEndWithTheCachedResultAndDeadLetters) {
  if (no_manual_clock()) return;
  // The cached result's time runs out: the events go with it.
  ASSERT_TRUE(put("q", task("a", cached())));
  ASSERT_EQ(take("q", 1, 60'000).size(), 1u);
  ASSERT_TRUE(must(run(store_->progress("q", "a", TaskResult{"1", ""}, std::nullopt))));
  ASSERT_TRUE(reply("q", "a"));
  advance(60'001);
  reap();
  EXPECT_FALSE(must(run(store_->events("q", "a", 0))).exists);

  // Out of attempts into a dead-letter queue: the copy starts without events.
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  ASSERT_TRUE(put("q", task("d", config)));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  ASSERT_TRUE(must(run(store_->progress("q", "d", TaskResult{"1", ""}, std::nullopt))));
  advance(1001);
  reap();
  EXPECT_FALSE(must(run(store_->events("q", "d", 0))).exists);
  auto copy = must(run(store_->events("dlq", "d", 0)));
  EXPECT_TRUE(copy.exists);
  EXPECT_TRUE(copy.events.empty());
  ASSERT_EQ(take("dlq", 1, 1000).size(), 1u);
  EXPECT_EQ(must(run(store_->progress("dlq", "d", TaskResult{"1", ""}, std::nullopt))),
            std::optional<std::uint64_t>(1));
}

}  // namespace tc::test
