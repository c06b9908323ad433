// TaskEventStream (service/event_stream.hpp) over a store double that keeps progress
// events itself, so the stream's rules are tested apart from the engines: kept events
// first, live ones in seq order without duplicates, gaps and lost events read from the
// store, exactly one end (result, removed, timeout, shutdown), a slow reader cut off.
#include "service/event_stream.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>

#include "service/task_service.hpp"
#include "forwarding_store.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc {
namespace {

namespace asio = boost::asio;

NewTask make_task(std::string id) {
  NewTask t;
  t.id = std::move(id);
  return t;
}

// Forwards to a MemoryStore and keeps each task's progress events here; `add` records an
// event and (unless `silent`: the event is lost on its way) tells on_progress.
class EventsStore final : public test::ForwardingStore, public StoreEvents {
 public:
  explicit EventsStore(Store& inner) : ForwardingStore(inner) {}

  void add(const std::string& queue, const std::string& id, std::string info, bool silent = false) {
    auto& events = kept_[queue + "\n" + id];
    TaskEvent event{events.size() + 1, std::move(info), "c"};
    events.push_back(event);
    if (!silent && events_) events_->on_progress(queue, id, "", event);
  }
  int reads = 0;  // events() calls
  bool fail_events = false;  // events() answers unavailable

  void on_pending(std::string_view queue) override {
    if (events_) events_->on_pending(queue);
  }
  void on_finished(std::string_view queue, std::string_view id, std::string_view incarnation,
                   const TaskResult* result) override {
    if (events_) events_->on_finished(queue, id, incarnation, result);
  }
  void on_events_lost() override {
    if (events_) events_->on_events_lost();
  }
  void set_events(StoreEvents* events) override {
    events_ = events;
    inner_.set_events(events ? this : nullptr);
  }
  Awaitable<Result<TaskEvents>> events(std::string queue, std::string id,
                                       std::uint64_t after) override {
    ++reads;
    if (fail_events) co_return make_error(Errc::unavailable, "the store is down");
    TaskEvents out;
    auto begun = co_await inner_.call_begin(queue, make_task(id), false);
    if (!begun) co_return std::move(begun).error();
    out.exists = begun->exists;
    out.result = begun->cached;
    for (const auto& event : kept_[queue + "\n" + id])
      if (event.seq > after) out.events.push_back(event);
    co_return out;
  }

 private:
  StoreEvents* events_ = nullptr;
  std::map<std::string, std::vector<TaskEvent>> kept_;
};

std::vector<std::uint64_t> seqs(const StreamStep& step) {
  std::vector<std::uint64_t> out;
  for (const auto& e : step.events) out.push_back(e.seq);
  return out;
}

class EventStreamTest : public ::testing::Test {
 protected:
  ManualClock clock;
  MemoryStore memory{clock};
  EventsStore store{memory};
  TaskService service{store, ServiceOptions{300'000, 5}};
  asio::io_context io;

  template <class T>
  T run(asio::awaitable<T> aw) {
    return test::run_sync(io, std::move(aw));
  }
  std::unique_ptr<TaskEventStream> watch(std::string id, std::uint64_t after,
                                         std::int64_t timeout_ms = 60'000) {
    WatchArgs args{"q", std::move(id), after, timeout_ms};
    auto stream = run(service.watch(std::move(args)));
    EXPECT_TRUE(stream);
    return stream ? std::move(*stream) : nullptr;
  }
  void reply(const std::string& id) {
    TaskResult result{"\"done\"", "r"};
    ASSERT_TRUE(run(service.reply("q", id, std::move(result))));
  }
};

TEST_F(EventStreamTest, WatchOfNoSuchTaskIsNoStream) {
  EXPECT_EQ(watch("absent", 0), nullptr);
}

TEST_F(EventStreamTest, KeptEventsAfterTheGivenSeqComeFirstThenLiveOnesThenTheResult) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  for (int i = 0; i < 3; ++i) store.add("q", "a", "1");
  auto stream = watch("a", 1);
  ASSERT_NE(stream, nullptr);
  auto first = run(stream->next());
  EXPECT_EQ(first.kind, StreamStep::Kind::events);
  EXPECT_EQ(seqs(first), (std::vector<std::uint64_t>{2, 3}));
  store.add("q", "a", "2");
  store.add("q", "a", "3");
  auto live = run(stream->next());
  EXPECT_EQ(seqs(live), (std::vector<std::uint64_t>{4, 5}));
  reply("a");
  auto end = run(stream->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_TRUE(end.events.empty());
  EXPECT_EQ(end.end.code, Errc::ok);
  ASSERT_TRUE(end.end.result);
  EXPECT_EQ(end.end.result->info, "\"done\"");
}

TEST_F(EventStreamTest, ALiveEventAlreadyReadFromTheStoreIsNotSentTwice) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  store.add("q", "a", "1");  // reported live, and read again below
  store.add("q", "a", "2", true);  // lost: the gap makes the stream read the store
  store.add("q", "a", "3");
  auto step = run(stream->next());
  std::vector<std::uint64_t> got = seqs(step);
  while (got.size() < 3) {
    auto more = run(stream->next());
    for (auto s : seqs(more)) got.push_back(s);
  }
  EXPECT_EQ(got, (std::vector<std::uint64_t>{1, 2, 3}));
}

TEST_F(EventStreamTest, EventsLostOnTheWayAreReadFromTheStoreWhenTheStoreSaysSo) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  store.add("q", "a", "1", true);
  store.on_events_lost();  // what RedisStore does once its subscriber is back
  auto step = run(stream->next());
  EXPECT_EQ(seqs(step), (std::vector<std::uint64_t>{1}));
}

TEST_F(EventStreamTest, EventsRecordedJustBeforeTheResultPrecedeTheResultLine) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  store.add("q", "a", "1", true);  // its notice is still on its way when the reply lands
  reply("a");
  auto step = run(stream->next());
  EXPECT_EQ(step.kind, StreamStep::Kind::events);
  EXPECT_EQ(seqs(step), (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(run(stream->next()).kind, StreamStep::Kind::end);
}

TEST_F(EventStreamTest, ARemovedTaskEndsTheStreamWithRemoved) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  ASSERT_TRUE(run(service.remove("q", "a")));
  auto end = run(stream->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(end.end.code, Errc::removed);
}

TEST_F(EventStreamTest, TheTimeoutEndsTheStreamWithCallTimeout) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0, 20);
  auto end = run(stream->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(end.end.code, Errc::call_timeout);
}

TEST_F(EventStreamTest, ShutdownEndsTheStreamWithAResultLineThatSaysSo) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  service.shutdown();
  auto end = run(stream->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(end.end.code, Errc::call_timeout);
  EXPECT_NE(end.end.message.find("shutting down"), std::string::npos);
}

TEST_F(EventStreamTest, AReaderTooFarBehindIsCutOff) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  for (std::uint64_t i = 0; i <= TaskEventStream::kMaxUnsentEvents; ++i) store.add("q", "a", "1");
  EXPECT_EQ(run(stream->next()).kind, StreamStep::Kind::cut_off);
  EXPECT_EQ(stream->ending(), StreamEndReason::cut_off);
}

TEST_F(EventStreamTest, EachEndSaysWhyForTheMetrics) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  EXPECT_EQ(stream->ending(), std::nullopt);
  reply("a");
  auto end = run(stream->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(stream->ending(), StreamEndReason::result);

  ASSERT_TRUE(run(service.put("q", make_task("b"))));
  auto stopped = watch("b", 0);
  service.shutdown();
  EXPECT_EQ(run(stopped->next()).kind, StreamStep::Kind::end);
  EXPECT_EQ(stopped->ending(), StreamEndReason::shutdown);
}

TEST_F(EventStreamTest, AStoreFailureWhileStreamingEndsWithItsError) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  auto stream = watch("a", 0);
  store.add("q", "a", "1", /*silent=*/true);  // lost on its way: the next one is a gap
  store.add("q", "a", "2");
  store.fail_events = true;
  auto end = run(stream->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(end.end.code, Errc::unavailable);
  EXPECT_NE(end.end.message.find("the store failed while streaming"), std::string::npos)
      << end.end.message;
  EXPECT_EQ(stream->ending(), StreamEndReason::result);
}

TEST_F(EventStreamTest, KeptHistoryDoesNotCountAsFallingBehind) {
  ASSERT_TRUE(run(service.put("q", make_task("a"))));
  for (std::uint64_t i = 0; i < 2 * TaskEventStream::kMaxUnsentEvents; ++i)
    store.add("q", "a", "1", true);
  auto stream = watch("a", 0);
  std::uint64_t got = 0;
  while (got < 2 * TaskEventStream::kMaxUnsentEvents) {
    auto step = run(stream->next());
    ASSERT_EQ(step.kind, StreamStep::Kind::events);
    got += step.events.size();
  }
  EXPECT_EQ(stream->last_written(), 2 * TaskEventStream::kMaxUnsentEvents);
}

TEST_F(EventStreamTest, AStreamedCallPutsTheTaskAndEndsWithItsReply) {
  CallArgs args{"q", make_task("c"), 60'000, true};
  auto stream = run(service.call_stream(std::move(args)));
  ASSERT_TRUE(stream);
  auto taken = run(service.take(TakeArgs{"q", 1, 0, 30'000, 0, {}}));
  ASSERT_TRUE(taken);
  ASSERT_EQ(taken->size(), 1u);
  store.add("q", "c", "1");
  EXPECT_EQ(seqs(run((*stream)->next())), (std::vector<std::uint64_t>{1}));
  reply("c");
  auto end = run((*stream)->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(end.end.code, Errc::ok);
}

TEST_F(EventStreamTest, AStreamedCallWithTimeoutZeroEndsAtOnceWithDataNull) {
  CallArgs args{"q", make_task("z"), 0, true};
  auto stream = run(service.call_stream(std::move(args)));
  ASSERT_TRUE(stream);
  auto end = run((*stream)->next());
  EXPECT_EQ(end.kind, StreamStep::Kind::end);
  EXPECT_EQ(end.end.code, Errc::ok);
  EXPECT_FALSE(end.end.result);
}

}  // namespace
}  // namespace tc
