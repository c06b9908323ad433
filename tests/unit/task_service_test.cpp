// TaskService rules over the real MemoryStore: long-poll wake-ups, batch windows,
// call waiting, coalescing and outcomes, shutdown. Store time is a ManualClock; the
// long-poll waits use short real timeouts and assert only behaviour, never timing.
#include "service/task_service.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>

#include "forwarding_store.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc {
namespace {

namespace asio = boost::asio;

// Inside a coroutine, arguments built with braces are named first: g++ 12 frees a
// braced aggregate temporary passed by value to a coroutine twice (see docs/hacking.md).

NewTask make_task(std::string id, std::string info = "null", TaskConfig config = {}) {
  NewTask t;
  t.id = std::move(id);
  t.info = std::move(info);
  t.config = std::move(config);
  return t;
}

class TaskServiceTest : public ::testing::Test {
 protected:
  ManualClock clock;
  MemoryStore store{clock};
  TaskService service{store, ServiceOptions{300'000, 5}};
  asio::io_context io;

  template <class T>
  T run(asio::awaitable<T> aw) {
    return test::run_sync(io, std::move(aw));
  }

  // Runs `action` on the io_context after `delay_ms` of real time.
  void later(int delay_ms, std::function<asio::awaitable<void>()> action) {
    asio::co_spawn(
        io,
        [delay_ms, action = std::move(action)]() -> asio::awaitable<void> {
          asio::steady_timer timer(co_await asio::this_coro::executor);
          timer.expires_after(std::chrono::milliseconds(delay_ms));
          co_await timer.async_wait(asio::use_awaitable);
          co_await action();
        },
        asio::detached);
  }

  // Runs the io_context until every spawned coroutine is done.
  void drain() {
    io.restart();
    io.run();
  }
};

TEST_F(TaskServiceTest, PeekWithTimeoutReturnsEmptyWhenNothingArrives) {
  auto out = run(service.peek(PeekArgs{"q", std::nullopt, 1, 30, 0}));
  ASSERT_TRUE(out);
  EXPECT_TRUE(out->tasks.empty());
  EXPECT_FALSE(out->cursor);
}

TEST_F(TaskServiceTest, PeekWithTimeoutKeepsTheGivenCursorWhenEmpty) {
  Cursor given{42, 1};
  auto out = run(service.peek(PeekArgs{"q", given, 1, 0, 0}));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->cursor, given);
}

TEST_F(TaskServiceTest, PutWakesABlockedPeek) {
  std::optional<Result<PeekOutcome>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        PeekArgs args{"q", std::nullopt, 1, 10'000, 0};
        got.emplace(co_await service.peek(std::move(args)));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("a")); });
  drain();
  ASSERT_TRUE(got && *got);
  ASSERT_EQ((*got)->tasks.size(), 1u);
  EXPECT_EQ((*got)->tasks[0].id, "a");
  EXPECT_EQ((*got)->cursor, (*got)->tasks[0].cursor);
}

TEST_F(TaskServiceTest, BatchWindowCollectsTasksPutWithinIt) {
  std::optional<Result<PeekOutcome>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        PeekArgs args{"q", std::nullopt, 3, 10'000, 5'000};
        got.emplace(co_await service.peek(std::move(args)));
      },
      asio::detached);
  later(10, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("a")); });
  later(30, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("b")); });
  later(50, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("c")); });
  drain();
  ASSERT_TRUE(got && *got);
  ASSERT_EQ((*got)->tasks.size(), 3u);  // the batch filled before the 5 s window ran out
  EXPECT_EQ((*got)->tasks[2].id, "c");
}

TEST_F(TaskServiceTest, BatchWindowAnswersWithWhatItHasWhenItRunsOut) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto out = run(service.peek(PeekArgs{"q", std::nullopt, 8, 0, 30}));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->tasks.size(), 1u);
}

TEST_F(TaskServiceTest, TakeWaitsForAPutAndLeasesIt) {
  std::optional<Result<std::vector<AcquiredTask>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        TakeArgs args{"q", 4, 10'000, 30'000, 0, {}};
        got.emplace(co_await service.take(std::move(args)));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("a")); });
  drain();
  ASSERT_TRUE(got && *got);
  ASSERT_EQ((*got)->size(), 1u);
  auto stats = run(service.stat_queue("q"));
  ASSERT_TRUE(stats && *stats);
  EXPECT_EQ((*stats)->leased, 1u);
  EXPECT_EQ((*stats)->length, 0u);
}

TEST_F(TaskServiceTest, TakeWithBatchWindowTakesTheFilledBatch) {
  std::optional<Result<std::vector<AcquiredTask>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        TakeArgs args{"q", 2, 10'000, 30'000, 5'000, {}};
        got.emplace(co_await service.take(std::move(args)));
      },
      asio::detached);
  later(10, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("a")); });
  later(30, [&]() -> asio::awaitable<void> { (void)co_await service.put("q", make_task("b")); });
  drain();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->size(), 2u);
}

TEST_F(TaskServiceTest, CallReturnsTheReply) {
  std::optional<Result<std::optional<TaskResult>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CallArgs args{"q", make_task("a", "{\"x\":1}"), 10'000};
        got.emplace(co_await service.call(std::move(args)));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> {
    TakeArgs args{"q", 1, 0, 30'000, 0, {}};
    auto taken = co_await service.take(std::move(args));
    EXPECT_EQ(taken->size(), 1u);
    EXPECT_EQ((*taken)[0].info, "{\"x\":1}");
    TaskResult result{"{\"y\":2}", "bytes"};
    (void)co_await service.reply("q", "a", std::move(result));
  });
  drain();
  ASSERT_TRUE(got && *got);
  ASSERT_TRUE(**got);
  EXPECT_EQ((***got).info, "{\"y\":2}");
  EXPECT_EQ((***got).content, "bytes");
}

TEST_F(TaskServiceTest, ConcurrentCallsOnOneIdShareOneTaskAndOneResult) {
  constexpr int kCallers = 50;
  int answered = 0;
  for (int i = 0; i < kCallers; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          CallArgs args{"q", make_task("same"), 10'000};
          auto r = co_await service.call(std::move(args));
          if (r && *r && (**r).info == "\"done\"") ++answered;
        },
        asio::detached);
  }
  later(20, [&]() -> asio::awaitable<void> {
    auto stats = co_await service.stat_queue("q");
    EXPECT_EQ((*stats)->length, 1u);  // one task for fifty callers
    TaskResult result{"\"done\"", ""};
    EXPECT_TRUE(*co_await service.reply("q", "same", std::move(result)));
  });
  drain();
  EXPECT_EQ(answered, kCallers);
}

TEST_F(TaskServiceTest, CallGetsTheReplyEvenWhenTheResultIsNotCached) {
  TaskConfig no_cache;
  no_cache.cache_result_ms = 0;
  std::optional<Result<std::optional<TaskResult>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CallArgs args{"q", make_task("a", "null", no_cache), 10'000};
        got.emplace(co_await service.call(std::move(args)));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> {
    TaskResult result{"1", ""};
    (void)co_await service.reply("q", "a", std::move(result));
  });
  drain();
  ASSERT_TRUE(got && *got && **got);
  EXPECT_EQ((***got).info, "1");
  EXPECT_TRUE(*run(service.put("q", make_task("a"))));  // forgotten at once: the id is free
}

TEST_F(TaskServiceTest, CallAnswersACachedResultAtOnce) {
  ASSERT_TRUE(*run(service.put("q", make_task("a"))));
  ASSERT_TRUE(*run(service.reply("q", "a", TaskResult{"7", "c"})));
  auto r = run(service.call(CallArgs{"q", make_task("a"), 10'000}));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((**r).info, "7");
}

TEST_F(TaskServiceTest, CallTimesOutAndALaterCallPicksUpTheResult) {
  auto r = run(service.call(CallArgs{"q", make_task("a"), 20}));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::call_timeout);
  auto stats = run(service.stat_queue("q"));
  EXPECT_EQ((*stats)->length, 1u);  // the task stays queued
  ASSERT_TRUE(*run(service.reply("q", "a", TaskResult{"2", ""})));
  auto again = run(service.call(CallArgs{"q", make_task("a"), 20}));
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((**again).info, "2");
}

TEST_F(TaskServiceTest, CallWithZeroTimeoutOnlyChecks) {
  auto r = run(service.call(CallArgs{"q", make_task("a"), 0}));
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);
  auto stats = run(service.stat_queue("q"));
  ASSERT_TRUE(stats);
  EXPECT_FALSE(*stats);  // nothing was put
}

TEST_F(TaskServiceTest, RemoveWhileACallWaitsAnswersRemoved) {
  std::optional<Result<std::optional<TaskResult>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CallArgs args{"q", make_task("a"), 10'000};
        got.emplace(co_await service.call(std::move(args)));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> { EXPECT_TRUE(*co_await service.remove("q", "a")); });
  drain();
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error().code, Errc::removed);
}

TEST_F(TaskServiceTest, ExpiredLeaseIsRedeliveredToAWaitingPeekByTheReaper) {
  service.start(io.get_executor());
  ASSERT_TRUE(*run(service.put("q", make_task("a"))));
  auto first = run(service.take(TakeArgs{"q", 1, 0, 1'000, 0, {}}));
  ASSERT_EQ(first->size(), 1u);
  std::optional<Result<PeekOutcome>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        PeekArgs args{"q", std::nullopt, 1, 10'000, 0};
        got.emplace(co_await service.peek(std::move(args)));
        service.shutdown();  // stops the reaper so drain() returns
      },
      asio::detached);
  later(10, [&]() -> asio::awaitable<void> {
    clock.advance(1'001);
    co_return;
  });
  drain();
  ASSERT_TRUE(got && *got);
  ASSERT_EQ((*got)->tasks.size(), 1u);
  EXPECT_EQ((*got)->tasks[0].id, "a");
}

TEST_F(TaskServiceTest, ShutdownAnswersWaitersAtOnce) {
  std::optional<Result<PeekOutcome>> peeked;
  std::optional<Result<std::optional<TaskResult>>> called;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        PeekArgs args{"q", std::nullopt, 1, 60'000, 0};
        peeked.emplace(co_await service.peek(std::move(args)));
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CallArgs args{"r", make_task("a"), 60'000};
        called.emplace(co_await service.call(std::move(args)));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> {
    EXPECT_EQ(service.waiting(), 2u);
    service.shutdown();
    co_return;
  });
  drain();  // would take a minute if shutdown did not wake them
  ASSERT_TRUE(peeked && *peeked);
  EXPECT_TRUE((*peeked)->tasks.empty());
  ASSERT_TRUE(called);
  ASSERT_FALSE(*called);
  EXPECT_EQ(called->error().code, Errc::call_timeout);
  EXPECT_EQ(service.waiting(), 0u);
}

TEST_F(TaskServiceTest, StatQueueCountsWaitingLongPolls) {
  ASSERT_TRUE(*run(service.put("q", make_task("a"))));
  ASSERT_EQ(run(service.acquire("q", {"a"}, 0))->size(), 1u);
  std::optional<std::uint64_t> waiting;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        PeekArgs args{"q", std::nullopt, 1, 200, 0};
        (void)co_await service.peek(std::move(args));
      },
      asio::detached);
  later(20, [&]() -> asio::awaitable<void> {
    auto stats = co_await service.stat_queue("q");
    waiting = (*stats)->waiting;
  });
  drain();
  EXPECT_EQ(waiting, 1u);
}

// A store whose events can be lost, as a Redis subscriber loses what is published while
// it reconnects: forwards every operation to a MemoryStore, and drops its events while
// `dropping` is set. It can also hold its outcome events back (`holding`) and deliver
// them late (release()), as pub/sub delivers another instance's events after a call
// began here; `before_call_begin` runs as call_begin is asked, after the call registered.
class LossyStore final : public test::ForwardingStore, public StoreEvents {
 public:
  explicit LossyStore(Store& inner) : ForwardingStore(inner) {}
  bool dropping = false;
  bool holding = false;
  std::function<void()> before_call_begin;
  // Runs once call_begin has its answer, before the caller gets it.
  std::function<void(const CallBegin&)> after_call_begin;
  // What RedisStore does once its subscriber is back.
  void lose_events() { if (events_) events_->on_events_lost(); }
  // An outcome event as the store would publish it.
  void report(std::string_view queue, std::string_view id, std::string_view incarnation,
              const TaskResult* result) {
    if (events_) events_->on_finished(queue, id, incarnation, result);
  }
  void release() {
    auto held = std::move(held_);
    held_.clear();
    for (auto& e : held) {
      const TaskResult* result = e.result ? &*e.result : nullptr;
      if (events_) events_->on_finished(e.queue, e.id, e.incarnation, result);
    }
  }

  void on_pending(std::string_view queue) override {
    if (!dropping && events_) events_->on_pending(queue);
  }
  void on_finished(std::string_view queue, std::string_view id, std::string_view incarnation,
                   const TaskResult* result) override {
    if (holding) {
      held_.push_back(Held{std::string(queue), std::string(id), std::string(incarnation),
                           result ? std::optional<TaskResult>(*result) : std::nullopt});
      return;
    }
    if (!dropping && events_) events_->on_finished(queue, id, incarnation, result);
  }
  void on_events_lost() override {
    if (events_) events_->on_events_lost();
  }

  void set_events(StoreEvents* events) override {
    events_ = events;
    inner_.set_events(events ? this : nullptr);
  }
  Awaitable<Result<CallBegin>> call_begin(std::string q, NewTask t, bool put_if_absent) override {
    if (before_call_begin) before_call_begin();
    auto begun = co_await inner_.call_begin(std::move(q), std::move(t), put_if_absent);
    if (begun && after_call_begin) after_call_begin(*begun);
    co_return begun;
  }

 private:
  struct Held {
    std::string queue, id, incarnation;
    std::optional<TaskResult> result;
  };
  StoreEvents* events_ = nullptr;
  std::vector<Held> held_;
};

TEST(TaskServiceLostEvents, ACallWhoseReplyEventWasLostGetsTheResultOnceEventsAreResent) {
  ManualClock clock;
  MemoryStore memory{clock};
  LossyStore store{memory};
  TaskService service{store, ServiceOptions{300'000, 5}};
  asio::io_context io;
  std::optional<Result<std::optional<TaskResult>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        CallArgs args{"q", make_task("a"), 60'000};
        got.emplace(co_await service.call(std::move(args)));
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
        store.dropping = true;  // the reply's event goes nowhere
        TaskResult result{"\"late\"", ""};
        EXPECT_TRUE(*co_await store.reply("q", "a", std::move(result)));
        store.dropping = false;
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
        EXPECT_FALSE(got.has_value());  // still waiting: it never heard of the reply
        store.lose_events();            // the subscriber is back
      },
      asio::detached);
  io.run();  // without the look at the store, this would last the call's 60 s timeout
  ASSERT_TRUE(got && *got && **got);
  EXPECT_EQ((***got).info, "\"late\"");
}

// The removal (or reply) of a task's previous incarnation reaches the call late: after
// the call registered, before or after its call_begin put the new task. Only the new
// task's outcome ends the call.
class TaskServiceStaleEvents : public ::testing::TestWithParam<bool> {
 protected:
  ManualClock clock;
  MemoryStore memory{clock};
  LossyStore store{memory};
  TaskService service{store, ServiceOptions{300'000, 5}};
  asio::io_context io;
};

TEST_P(TaskServiceStaleEvents, ACallIgnoresTheLateOutcomeOfThePreviousTaskOfItsId) {
  const bool before_call_begin = GetParam();
  const bool was_replied = before_call_begin;  // covers both kinds of outcome
  std::optional<Result<std::optional<TaskResult>>> got;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        TaskConfig uncached;
        uncached.cache_result_ms = 0;  // so the id is free once the old task is replied
        EXPECT_TRUE(*co_await store.put("q", make_task("a", "null", uncached)));
        store.holding = true;  // another instance ends it; the event is on its way
        if (was_replied) {
          TaskResult old{"\"old\"", ""};
          EXPECT_TRUE(*co_await store.reply("q", "a", std::move(old)));
        } else {
          EXPECT_TRUE(*co_await store.remove("q", "a"));
        }
        store.holding = false;
        if (before_call_begin) store.before_call_begin = [&] { store.release(); };
        CallArgs args{"q", make_task("a"), 60'000};
        got.emplace(co_await service.call(std::move(args)));
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor);
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
        store.release();  // no-op when it was released before call_begin
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
        EXPECT_FALSE(got.has_value());  // still waiting for its own task
        TaskResult fresh{"\"new\"", ""};
        EXPECT_TRUE(*co_await store.reply("q", "a", std::move(fresh)));
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(got && *got && **got) << (got && !*got ? got->error().message : "");
  EXPECT_EQ((***got).info, "\"new\"");
}

TEST_F(TaskServiceTest, AReplyEventThatBeatsCallBeginsAnswerStillReachesTheCall) {
  LossyStore lossy{store};
  TaskService over{lossy, ServiceOptions{300'000, 5}};
  // Another instance replies to the task the call finds (or puts), and its event gets
  // here before call_begin's answer does: kept, and judged once the answer names the task.
  lossy.after_call_begin = [&](const CallBegin& begun) {
    EXPECT_TRUE(begun.created);
    EXPECT_FALSE(begun.incarnation.empty());
    TaskResult stale{"\"stale\"", ""};
    lossy.report("q", "a", "not-this-one", &stale);
    TaskResult result{"\"r\"", ""};
    lossy.report("q", "a", begun.incarnation, &result);
  };
  CallArgs args{"q", make_task("a"), 60'000};
  auto got = run(over.call(std::move(args)));
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((**got).info, "\"r\"");
}

INSTANTIATE_TEST_SUITE_P(BeforeOrAfterCallBegin, TaskServiceStaleEvents, ::testing::Bool());

}  // namespace
}  // namespace tc
