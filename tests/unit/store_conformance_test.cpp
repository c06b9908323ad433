// The rules of docs/protocol.md that are one atomic store step, checked against every backend
// (see store_conformance.hpp for how a backend joins). Time moves by a ManualClock.
#include "store_conformance.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreConformance);

namespace tc::test {

// --- fixture plumbing ---

namespace {

template <class T>
T ok(Result<T> result) {
  if (!result) {
    ADD_FAILURE() << "store error: " << result.error().message;
    throw std::runtime_error(result.error().message);
  }
  return std::move(result).value();
}

NewTask task(std::string id, std::string info = "null", std::string content = "",
             TaskConfig config = {}) {
  return NewTask{std::move(id), std::move(info), std::move(content), std::move(config)};
}

TaskConfig cache(std::int64_t ms) {
  TaskConfig config;
  config.cache_result_ms = ms;
  return config;
}

std::vector<std::string> ids_of(const std::vector<AcquiredTask>& tasks) {
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(t.id);
  return ids;
}

using Ids = std::vector<std::string>;

}  // namespace

void StoreConformance::SetUp() {
  factory_ = GetParam().make_factory();
  if (auto reason = factory_->unavailable_reason(); !reason.empty()) GTEST_SKIP() << reason;
  store_ = factory_->make(clock_, io_);
  store_->set_events(&events_);
}

void StoreConformance::TearDown() {
  if (store_) store_->set_events(nullptr);
  store_.reset();
}

bool StoreConformance::no_manual_clock() {
  if (factory_->supports_manual_clock()) return false;
  // GTEST_SKIP returns void: record the skip in a lambda, the caller returns.
  [] { GTEST_SKIP() << "the backend does not follow a manual clock"; }();
  return true;
}

bool StoreConformance::eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 2000; ++i) {
    io_.restart();
    io_.poll();
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return condition();
}

bool StoreConformance::put(const std::string& queue, NewTask t) {
  return ok(run(store_->put(queue, std::move(t))));
}
std::vector<PeekedTask> StoreConformance::peek(const std::string& queue,
                                               std::optional<Cursor> after, std::uint32_t size) {
  return ok(run(store_->peek(queue, after, size)));
}
std::vector<std::string> StoreConformance::peek_ids(const std::string& queue) {
  std::vector<std::string> ids;
  for (const auto& t : peek(queue)) ids.push_back(t.id);
  return ids;
}
std::vector<AcquiredTask> StoreConformance::acquire(const std::string& queue,
                                                    std::vector<std::string> ids,
                                                    std::int64_t lease_ms) {
  return ok(run(store_->acquire(queue, std::move(ids), lease_ms)));
}
std::vector<AcquiredTask> StoreConformance::take(const std::string& queue, std::uint32_t size,
                                                 std::int64_t lease_ms) {
  return ok(run(store_->take(queue, size, lease_ms)));
}
bool StoreConformance::reply(const std::string& queue, const std::string& id, std::string info,
                             std::string content) {
  return ok(run(store_->reply(queue, id, TaskResult{std::move(info), std::move(content)})));
}
CallBegin StoreConformance::call_begin(const std::string& queue, NewTask t, bool put_if_absent) {
  return ok(run(store_->call_begin(queue, std::move(t), put_if_absent)));
}
bool StoreConformance::touch(const std::string& queue, const std::string& id,
                             std::int64_t lease_ms) {
  return ok(run(store_->touch(queue, id, lease_ms)));
}
bool StoreConformance::remove(const std::string& queue, const std::string& id) {
  return ok(run(store_->remove(queue, id)));
}
bool StoreConformance::clear(const std::string& queue) {
  // A backend may clear in several steps: call again until it reports done.
  for (int i = 0; i < 100000; ++i)
    if (ok(run(store_->clear_queue(queue, 0)))) return true;
  return false;
}
QueuePage StoreConformance::list(std::optional<std::string> cursor, std::uint32_t size) {
  return ok(run(store_->list_queues(std::move(cursor), size)));
}
std::optional<QueueStats> StoreConformance::stat(const std::string& queue) {
  return ok(run(store_->stat_queue(queue)));
}
std::uint64_t StoreConformance::reap() { return ok(run(store_->reap())); }

// --- put ---

TEST_P(StoreConformance, PutCreatesATaskOnceWhateverItsState) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", R"({"k":1})", "one", cache(1000))));
  EXPECT_FALSE(put("q", task("a", "2", "two")));  // pending
  ASSERT_EQ(acquire("q", {"a"}, 5000).size(), 1u);
  EXPECT_FALSE(put("q", task("a", "2", "two")));  // leased
  EXPECT_TRUE(reply("q", "a"));
  EXPECT_FALSE(put("q", task("a", "2", "two")));  // done, result cached
  advance(1000);
  EXPECT_TRUE(put("q", task("a", "3", "three")));  // result forgotten: the id is free
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 1u);
  EXPECT_EQ(peeked[0].info, "3");
}

TEST_P(StoreConformance, IdsAreScopedToTheirQueue) {
  EXPECT_TRUE(put("q1", task("a")));
  EXPECT_TRUE(put("q2", task("a")));
  EXPECT_EQ(peek_ids("q1"), Ids{"a"});
  EXPECT_EQ(peek_ids("q2"), Ids{"a"});
}

TEST_P(StoreConformance, PutBatchAnswersForEachElement) {
  EXPECT_TRUE(put("q", task("b")));
  std::vector<NewTask> batch;
  batch.push_back(task("a"));
  batch.push_back(task("b"));
  batch.push_back(task("a"));
  batch.push_back(task("c"));
  auto created = ok(run(store_->put_batch("q", std::move(batch))));
  EXPECT_EQ(created, (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(peek_ids("q"), (Ids{"b", "a", "c"}));
}

TEST_P(StoreConformance, InfoAndContentComeBackByteForByte) {
  std::string binary("\0\x01\xff\n\"x", 6);
  std::string info = R"({"nested":[1,2.5,"é"],"n":null})";
  EXPECT_TRUE(put("q", task("a", info, binary)));
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 1u);
  EXPECT_EQ(peeked[0].info, info);
  auto got = acquire("q", {"a"}, 1000);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].info, info);
  EXPECT_EQ(got[0].content, binary);
  EXPECT_EQ(got[0].attempt, 1u);
}

// --- peek and cursors ---

TEST_P(StoreConformance, PeekReturnsPendingTasksInCursorOrderAfterACursor) {
  for (auto id : {"a", "b", "c", "d"}) EXPECT_TRUE(put("q", task(id)));
  auto first = peek("q", std::nullopt, 2);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "a");
  EXPECT_EQ(first[1].id, "b");
  EXPECT_LT(first[0].cursor, first[1].cursor);
  auto rest = peek("q", first[1].cursor, 10);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].id, "c");
  EXPECT_EQ(rest[1].id, "d");
  EXPECT_TRUE(peek("q", rest[1].cursor, 10).empty());
  // Peek changes nothing.
  EXPECT_EQ(peek_ids("q"), (Ids{"a", "b", "c", "d"}));
  // A cursor between two tasks' cursors works too (cursors are positions, not ids).
  EXPECT_EQ(peek("q", Cursor{0, 0}, 1)[0].id, "a");
  EXPECT_TRUE(peek("missing").empty());
}

TEST_P(StoreConformance, CursorsStrictlyIncreaseWhenTheClockStandsStillOrStepsBack) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_TRUE(put("q", task("b")));
  clock_.set(clock_.now_ms() - 60'000);
  EXPECT_TRUE(put("q", task("c")));
  advance(120'000);
  EXPECT_TRUE(put("q", task("d")));
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 4u);
  for (std::size_t i = 1; i < peeked.size(); ++i) EXPECT_LT(peeked[i - 1].cursor, peeked[i].cursor);
  // The shape of a Redis stream id, with the clock's milliseconds.
  EXPECT_EQ(peeked[3].cursor.ms, static_cast<std::uint64_t>(clock_.now_ms()));
  EXPECT_EQ(Cursor::parse(peeked[0].cursor.to_string()), peeked[0].cursor);
}

// --- acquire / take ---

TEST_P(StoreConformance, AcquireTakesPendingTasksInTheOrderAsked) {
  for (auto id : {"a", "b", "c"}) EXPECT_TRUE(put("q", task(id)));
  EXPECT_EQ(ids_of(acquire("q", {"c", "missing", "a", "c"}, 1000)), (Ids{"c", "a"}));
  EXPECT_TRUE(acquire("q", {"a", "c"}, 1000).empty());  // leased: not acquirable again
  EXPECT_EQ(peek_ids("q"), Ids{"b"});
  EXPECT_TRUE(acquire("missing", {"a"}, 1000).empty());
}

TEST_P(StoreConformance, AcquireWithoutLeaseDeletesTheTask) {
  EXPECT_TRUE(put("q", task("a", "1", "x")));
  auto got = acquire("q", {"a"}, 0);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].content, "x");
  EXPECT_TRUE(peek("q").empty());
  EXPECT_FALSE(reply("q", "a"));         // nothing left to reply to
  EXPECT_TRUE(put("q", task("a")));      // the id is free again
  EXPECT_EQ(stat("q")->total_acquired, 1u);
}

TEST_P(StoreConformance, TakeAcquiresTheOldestPendingTasks) {
  for (auto id : {"a", "b", "c"}) EXPECT_TRUE(put("q", task(id)));
  EXPECT_EQ(ids_of(take("q", 2, 1000)), (Ids{"a", "b"}));
  EXPECT_EQ(ids_of(take("q", 5, 0)), Ids{"c"});
  EXPECT_TRUE(take("q", 5, 1000).empty());
  EXPECT_TRUE(take("missing", 5, 1000).empty());
  auto stats = stat("q");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->leased, 2u);
  EXPECT_EQ(stats->length, 0u);
}

// --- leases ---

TEST_P(StoreConformance, AnExpiredLeaseRedeliversAtTheTailWithANewCursor) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", "1", "x")));
  EXPECT_TRUE(put("q", task("b")));
  auto old_cursor = peek("q")[0].cursor;
  ASSERT_EQ(acquire("q", {"a"}, 1000).size(), 1u);
  advance(999);
  EXPECT_EQ(peek_ids("q"), Ids{"b"});
  events_.clear();
  advance(1);
  auto peeked = peek("q");  // every operation sees what has come due, reaped or not
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_EQ(peeked[0].id, "b");
  EXPECT_EQ(peeked[1].id, "a");
  EXPECT_GT(peeked[1].cursor, old_cursor);
  EXPECT_GT(peeked[1].cursor, peeked[0].cursor);
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::count(p.begin(), p.end(), "q") > 0;
  }));
  auto again = acquire("q", {"a"}, 1000);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 2u);
  EXPECT_EQ(again[0].info, "1");
  EXPECT_EQ(again[0].content, "x");
  EXPECT_EQ(stat("q")->total_redelivered, 1u);
}

TEST_P(StoreConformance, ReapAppliesWhatHasComeDue) {
  if (no_manual_clock()) return;
  for (auto id : {"a", "b", "c"}) EXPECT_TRUE(put("q", task(id)));
  ASSERT_EQ(take("q", 3, 1000).size(), 3u);
  EXPECT_EQ(reap(), 0u);
  advance(1000);
  EXPECT_EQ(reap(), 3u);
  EXPECT_EQ(reap(), 0u);
  EXPECT_EQ(peek_ids("q"), (Ids{"a", "b", "c"}));
}

TEST_P(StoreConformance, TouchExtendsALease) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_FALSE(touch("q", "a", 1000));  // pending, not leased
  ASSERT_EQ(acquire("q", {"a"}, 1000).size(), 1u);
  advance(800);
  EXPECT_TRUE(touch("q", "a", 1000));
  advance(800);
  EXPECT_TRUE(peek("q").empty());  // 1600 ms after acquire, still leased
  advance(200);
  EXPECT_EQ(peek_ids("q"), Ids{"a"});
  EXPECT_FALSE(touch("q", "a", 1000));  // the lease ran out: too late
  EXPECT_FALSE(touch("q", "missing", 1000));
  EXPECT_FALSE(touch("missing", "a", 1000));
}

TEST_P(StoreConformance, ATaskOutOfAttemptsGoesToItsDeadLetterQueue) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.max_attempts = 2;
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("q", task("a", R"({"x":1})", "payload", config)));
  ASSERT_EQ(acquire("q", {"a"}, 1000).size(), 1u);
  advance(1000);
  auto second = acquire("q", {"a"}, 1000);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].attempt, 2u);
  events_.clear();
  advance(1000);
  EXPECT_EQ(reap(), 1u);
  EXPECT_TRUE(peek("q").empty());
  auto dead = peek("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, "a");
  EXPECT_EQ(dead[0].info, R"({"x":1})");
  EXPECT_EQ(acquire("dlq", {"a"}, 1000)[0].content, "payload");
  auto stats = stat("q");
  EXPECT_EQ(stats->total_dead, 1u);
  EXPECT_EQ(stats->leased, 0u);
  EXPECT_FALSE(reply("q", "a"));  // gone from its queue
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    auto p = events_.pending();
    return f.size() == 1 && f[0].queue == "q" && f[0].id == "a" && !f[0].result &&
           std::count(p.begin(), p.end(), "dlq") > 0;
  }));
}

TEST_P(StoreConformance, ATaskOutOfAttemptsWithoutDeadLetterQueueIsDropped) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.max_attempts = 1;
  EXPECT_TRUE(put("q", task("a", "null", "", config)));
  ASSERT_EQ(acquire("q", {"a"}, 1000).size(), 1u);
  advance(1000);
  EXPECT_TRUE(peek("q").empty());
  EXPECT_EQ(stat("q")->total_dead, 1u);
  EXPECT_TRUE(put("q", task("a")));  // the id is free again
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() == 1 && !f[0].result;
  }));
}

TEST_P(StoreConformance, DeadLetteringIsPutIfAbsent) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = "dlq";
  EXPECT_TRUE(put("dlq", task("a", "\"older\"")));
  EXPECT_TRUE(put("q", task("a", "\"newer\"", "", config)));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  advance(1000);
  auto dead = peek("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].info, "\"older\"");
  EXPECT_EQ(stat("q")->total_dead, 1u);
}

// --- reply, results, forwarding ---

TEST_P(StoreConformance, TheFirstReplyWinsAndItsResultIsCached) {
  EXPECT_TRUE(put("q", task("a")));
  ASSERT_EQ(take("q", 1, 1000).size(), 1u);
  EXPECT_TRUE(reply("q", "a", R"({"r":1})", "out"));
  EXPECT_FALSE(reply("q", "a", "2", "other"));
  EXPECT_FALSE(reply("q", "missing"));
  EXPECT_FALSE(reply("missing", "a"));
  auto begin = call_begin("q", task("a"), true);
  ASSERT_TRUE(begin.cached);
  EXPECT_EQ(begin.cached->info, R"({"r":1})");
  EXPECT_EQ(begin.cached->content, "out");
  EXPECT_TRUE(begin.exists);
  EXPECT_FALSE(begin.created);
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() == 1 && f[0].queue == "q" && f[0].id == "a" && f[0].result &&
           f[0].result->info == R"({"r":1})" && f[0].result->content == "out";
  }));
  auto stats = stat("q");
  EXPECT_EQ(stats->done, 1u);
  EXPECT_EQ(stats->total_replied, 1u);
}

TEST_P(StoreConformance, AReplyCompletesAPendingTaskToo) {
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_TRUE(reply("q", "a", "1"));
  EXPECT_TRUE(peek("q").empty());
  EXPECT_TRUE(acquire("q", {"a"}, 1000).empty());
  EXPECT_EQ(call_begin("q", task("a"), false).cached->info, "1");
}

TEST_P(StoreConformance, AResultIsForgottenWhenItsCacheTimePasses) {
  if (no_manual_clock()) return;
  EXPECT_TRUE(put("q", task("a", "null", "", cache(5000))));
  EXPECT_TRUE(reply("q", "a", "1"));
  advance(4999);
  EXPECT_TRUE(call_begin("q", task("a"), false).cached);
  advance(1);
  auto begin = call_begin("q", task("a"), false);
  EXPECT_FALSE(begin.cached);
  EXPECT_FALSE(begin.exists);
  EXPECT_EQ(stat("q")->done, 0u);
}

TEST_P(StoreConformance, CacheTimeZeroForgetsTheTaskOnReply) {
  EXPECT_TRUE(put("q", task("a", "null", "", cache(0))));
  EXPECT_TRUE(reply("q", "a", "1"));
  EXPECT_FALSE(call_begin("q", task("a"), false).exists);
  EXPECT_TRUE(put("q", task("a")));
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() == 1 && f[0].result && f[0].result->info == "1";
  }));
}

TEST_P(StoreConformance, AReplyIsForwardedAsATaskOfTheTargetQueue) {
  TaskConfig config;
  config.forward_result_to = "results";
  EXPECT_TRUE(put("q", task("a", "\"in\"", "question", config)));
  EXPECT_TRUE(put("q", task("b", "\"in\"", "question", config)));
  EXPECT_TRUE(put("results", task("b", "\"already\"")));
  ASSERT_EQ(take("q", 2, 1000).size(), 2u);
  events_.clear();
  EXPECT_TRUE(reply("q", "a", R"({"answer":42})", "answer"));
  EXPECT_TRUE(reply("q", "b", R"({"answer":43})", "answer"));
  auto forwarded = peek("results");
  ASSERT_EQ(forwarded.size(), 2u);
  EXPECT_EQ(forwarded[0].id, "b");
  EXPECT_EQ(forwarded[0].info, "\"already\"");  // put-if-absent: not overwritten
  EXPECT_EQ(forwarded[1].id, "a");
  EXPECT_EQ(forwarded[1].info, R"({"answer":42})");
  EXPECT_EQ(acquire("results", {"a"}, 0)[0].content, "answer");
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::count(p.begin(), p.end(), "results") > 0;
  }));
}

// --- delay ---

TEST_P(StoreConformance, ADelayedTaskBecomesVisibleWithACursorOfThatTime) {
  if (no_manual_clock()) return;
  TaskConfig config;
  config.delay_ms = 1000;
  EXPECT_TRUE(put("q", task("late", "null", "", config)));
  EXPECT_FALSE(put("q", task("late")));  // exists while delayed
  advance(500);
  EXPECT_TRUE(put("q", task("early")));
  EXPECT_EQ(peek_ids("q"), Ids{"early"});
  EXPECT_TRUE(acquire("q", {"late"}, 1000).empty());
  auto stats = stat("q");
  EXPECT_EQ(stats->length, 1u);
  EXPECT_EQ(stats->delayed, 1u);
  events_.clear();
  advance(500);
  EXPECT_EQ(reap(), 1u);
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_EQ(peeked[1].id, "late");
  EXPECT_EQ(peeked[1].cursor.ms, static_cast<std::uint64_t>(clock_.now_ms()));
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::count(p.begin(), p.end(), "q") > 0;
  }));
  EXPECT_EQ(stat("q")->delayed, 0u);
}

// --- call_begin ---

TEST_P(StoreConformance, CallBeginPutsOnceAndAnswersCachedResults) {
  auto absent = call_begin("q", task("a"), false);
  EXPECT_FALSE(absent.exists);
  EXPECT_FALSE(absent.created);
  EXPECT_FALSE(absent.cached);
  EXPECT_FALSE(stat("q"));  // a check does not create the queue
  auto first = call_begin("q", task("a", "1"), true);
  EXPECT_TRUE(first.created);
  EXPECT_TRUE(first.exists);
  auto second = call_begin("q", task("a", "2"), true);
  EXPECT_FALSE(second.created);
  EXPECT_TRUE(second.exists);
  EXPECT_FALSE(second.cached);
  EXPECT_EQ(peek("q")[0].info, "1");
  EXPECT_TRUE(reply("q", "a", "\"r\""));
  EXPECT_EQ(call_begin("q", task("a"), true).cached->info, "\"r\"");
}

// --- remove, clear, list, stat ---

TEST_P(StoreConformance, RemoveWorksInEveryState) {
  if (no_manual_clock()) return;
  TaskConfig delayed;
  delayed.delay_ms = 1000;
  EXPECT_TRUE(put("q", task("pending")));
  EXPECT_TRUE(put("q", task("leased")));
  EXPECT_TRUE(put("q", task("done")));
  EXPECT_TRUE(put("q", task("delayed", "null", "", delayed)));
  ASSERT_EQ(acquire("q", {"leased"}, 1000).size(), 1u);
  EXPECT_TRUE(reply("q", "done"));
  events_.clear();
  for (auto id : {"pending", "leased", "done", "delayed"}) {
    EXPECT_TRUE(remove("q", id)) << id;
    EXPECT_FALSE(remove("q", id)) << id;
    EXPECT_TRUE(put("q", task(id))) << id;  // the id is free again
  }
  EXPECT_FALSE(remove("missing", "a"));
  EXPECT_EQ(stat("q")->total_removed, 4u);
  EXPECT_TRUE(eventually([&] {
    auto f = events_.finished();
    return f.size() >= 2 && std::all_of(f.begin(), f.end(), [](auto& e) { return !e.result; });
  }));
}

TEST_P(StoreConformance, ClearQueueForgetsTasksAndTheQueue) {
  if (no_manual_clock()) return;
  for (auto id : {"a", "b", "c", "d"}) EXPECT_TRUE(put("q", task(id)));
  EXPECT_TRUE(put("other", task("a")));
  ASSERT_EQ(acquire("q", {"b"}, 1000).size(), 1u);
  EXPECT_TRUE(reply("q", "c"));
  events_.clear();
  EXPECT_TRUE(clear("q"));
  EXPECT_FALSE(stat("q"));
  EXPECT_TRUE(peek("q").empty());
  EXPECT_EQ(list(std::nullopt, 10).queues, Ids{"other"});
  advance(2000);  // the lease that was running must not bring "b" back
  EXPECT_EQ(reap(), 0u);
  EXPECT_FALSE(stat("q"));
  EXPECT_TRUE(put("q", task("c")));  // a new queue, from scratch
  EXPECT_EQ(stat("q")->total_put, 1u);
  EXPECT_EQ(peek_ids("other"), Ids{"a"});
  EXPECT_TRUE(clear("never-existed"));
  EXPECT_TRUE(eventually([&] {
    std::set<std::string> gone;
    for (auto& f : events_.finished())
      if (f.queue == "q" && !f.result) gone.insert(f.id);
    return gone.count("a") && gone.count("b") && gone.count("d");
  }));
}

TEST_P(StoreConformance, ListQueuesPagesThroughSortedNames) {
  for (auto name : {"c", "a", "e", "b", "d"}) EXPECT_TRUE(put(name, task("x")));
  auto page = list(std::nullopt, 2);
  EXPECT_EQ(page.queues, (Ids{"a", "b"}));
  ASSERT_TRUE(page.next_cursor);
  page = list(page.next_cursor, 2);
  EXPECT_EQ(page.queues, (Ids{"c", "d"}));
  ASSERT_TRUE(page.next_cursor);
  page = list(page.next_cursor, 2);
  EXPECT_EQ(page.queues, Ids{"e"});
  EXPECT_FALSE(page.next_cursor);
  page = list(std::nullopt, 5);
  EXPECT_EQ(page.queues.size(), 5u);
  EXPECT_FALSE(page.next_cursor);
  // A queue exists until cleared, even with no task left in it.
  EXPECT_TRUE(remove("a", "x"));
  EXPECT_EQ(list(std::nullopt, 1).queues, Ids{"a"});
}

TEST_P(StoreConformance, StatQueueCountsEveryState) {
  if (no_manual_clock()) return;
  EXPECT_FALSE(stat("q"));
  TaskConfig delayed;
  delayed.delay_ms = 10'000;
  for (auto id : {"a", "b", "c", "d", "e"}) EXPECT_TRUE(put("q", task(id)));
  EXPECT_TRUE(put("q", task("f", "null", "", delayed)));
  ASSERT_EQ(acquire("q", {"a", "b"}, 1000).size(), 2u);
  EXPECT_TRUE(reply("q", "a"));
  EXPECT_TRUE(remove("q", "c"));
  auto stats = stat("q");
  ASSERT_TRUE(stats);
  auto peeked = peek("q");
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_EQ(stats->length, 2u);  // d, e
  EXPECT_EQ(stats->oldest_cursor, peeked.front().cursor);
  EXPECT_EQ(stats->newest_cursor, peeked.back().cursor);
  EXPECT_EQ(stats->delayed, 1u);
  EXPECT_EQ(stats->leased, 1u);
  EXPECT_EQ(stats->done, 1u);
  EXPECT_EQ(stats->total_put, 6u);
  EXPECT_EQ(stats->total_acquired, 2u);
  EXPECT_EQ(stats->total_replied, 1u);
  EXPECT_EQ(stats->total_removed, 1u);
  EXPECT_EQ(stats->total_redelivered, 0u);
  EXPECT_EQ(stats->total_dead, 0u);
  advance(1000);  // b's lease runs out
  stats = stat("q");
  EXPECT_EQ(stats->leased, 0u);
  EXPECT_EQ(stats->length, 3u);
  EXPECT_EQ(stats->total_redelivered, 1u);
  EXPECT_EQ(stats->newest_cursor, peek("q").back().cursor);
  EXPECT_TRUE(take("q", 3, 0).size() == 3u);
  stats = stat("q");
  EXPECT_EQ(stats->length, 0u);
  EXPECT_FALSE(stats->oldest_cursor);
  EXPECT_FALSE(stats->newest_cursor);
}

// --- events, readiness ---

TEST_P(StoreConformance, PutWakesTheQueue) {
  EXPECT_TRUE(put("q", task("a")));
  std::vector<NewTask> batch;
  batch.push_back(task("x"));
  EXPECT_EQ(ok(run(store_->put_batch("batch", std::move(batch)))), std::vector<bool>{true});
  EXPECT_TRUE(call_begin("call", task("a"), true).created);
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::count(p.begin(), p.end(), "q") && std::count(p.begin(), p.end(), "batch") &&
           std::count(p.begin(), p.end(), "call");
  }));
}

TEST_P(StoreConformance, IsReady) { EXPECT_TRUE(run(store_->ready())); }

// --- concurrency ---

// 8 consumers race on the same 2000 tasks with peek + acquire of the same ids (the
// seed's consumer loop) and with take: every task is acquired exactly once.
TEST_P(StoreConformance, RacingConsumersAcquireEachTaskExactlyOnce) {
  constexpr int kTasks = 2000;
  constexpr int kConsumers = 8;
  for (int base = 0; base < kTasks; base += 500) {
    std::vector<NewTask> batch;
    for (int i = base; i < base + 500; ++i) batch.push_back(task(numbered("t", i)));
    ok(run(store_->put_batch("race", std::move(batch))));
  }
  std::vector<std::vector<std::string>> got(kConsumers);
  std::atomic<int> finished{0};
  for (int c = 0; c < kConsumers; ++c) {
    boost::asio::co_spawn(
        io_,
        [this, c, &got, &finished]() -> boost::asio::awaitable<void> {
          for (;;) {
            std::vector<AcquiredTask> acquired;
            if (c % 2 == 0) {
              auto peeked = co_await store_->peek("race", std::nullopt, 16);
              if (!peeked || peeked->empty()) break;
              std::vector<std::string> ids;
              for (auto& t : *peeked) ids.push_back(t.id);
              auto r = co_await store_->acquire("race", std::move(ids), 60'000);
              if (r) acquired = std::move(*r);
            } else {
              auto r = co_await store_->take("race", 7, 60'000);
              if (!r || r->empty()) break;
              acquired = std::move(*r);
            }
            for (auto& t : acquired) got[c].push_back(t.id);
          }
          if (++finished == kConsumers) io_.stop();
        },
        boost::asio::detached);
  }
  io_.restart();
  std::vector<std::thread> threads;
  for (int i = 0; i < kConsumers; ++i) threads.emplace_back([this] { io_.run(); });
  for (auto& t : threads) t.join();
  io_.restart();
  ASSERT_EQ(finished.load(), kConsumers);
  std::set<std::string> all;
  std::size_t total = 0;
  for (auto& ids : got) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, static_cast<std::size_t>(kTasks));  // no task twice
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kTasks));  // every task once
  EXPECT_EQ(stat("race")->leased, static_cast<std::uint64_t>(kTasks));
}

}  // namespace tc::test
