// The embedded store's progress events across restarts: record progress (13) replays
// through the same step, and a snapshot keeps each task's events (snap_task tags 10 and
// 11), trimmed ones and the next seq included. Also the codec of both on their own.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/log/record.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

template <class T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

std::unique_ptr<MemoryStore> open_store(const Clock& clock, const std::string& dir) {
  log::PersistOptions options;
  options.dir = dir;
  options.fsync = log::FsyncPolicy::no;
  auto store = MemoryStore::open(clock, std::move(options));
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

NewTask plain(std::string id, std::int64_t cache_ms = 0) {
  TaskConfig config;
  config.cache_result_ms = cache_ms;
  return NewTask{std::move(id), "null", "", std::move(config)};
}

// Every event of the listed tasks, and what get shows, as text.
std::string observe(MemoryStore& store) {
  std::string out;
  for (const char* id : {"a", "b", "c", "d"}) {
    auto events = must(run_sync(store.events("q", id, 0)));
    out += std::string(id) + (events.exists ? "" : " absent") + ":";
    for (const auto& e : events.events)
      out += " " + std::to_string(e.seq) + "=" + e.info + "/" + e.content;
    if (events.result) out += " result=" + events.result->info;
    auto view = must(run_sync(store.get("q", id, false)));
    if (view && view->lease_left_ms) out += " lease_left=" + std::to_string(*view->lease_left_ms);
    if (view && view->progress) out += " progress=" + *view->progress;
    out += "\n";
  }
  return out;
}

// a: a few events, one extending the lease; b: more than kept (trimmed); c: done with a
// cached result; d: removed.
void fill(MemoryStore& store, ManualClock& clock) {
  for (const char* id : {"a", "b", "d"}) must(run_sync(store.put("q", plain(id))));
  must(run_sync(store.put("q", plain("c", 600'000))));
  must(run_sync(store.take("q", 10, 60'000)));
  clock.advance(10);
  must(run_sync(store.progress("q", "a", TaskResult{R"({"step":1})", "one"}, std::nullopt)));
  must(run_sync(store.progress("q", "a", TaskResult{"2", ""}, 120'000)));
  for (int i = 1; i <= static_cast<int>(kTaskEventsKept) + 3; ++i)
    must(run_sync(store.progress("q", "b", TaskResult{std::to_string(i), "x"}, std::nullopt)));
  must(run_sync(store.progress("q", "c", TaskResult{R"("c1")", ""}, std::nullopt)));
  must(run_sync(store.reply("q", "c", TaskResult{R"("done")", "out"})));
  must(run_sync(store.progress("q", "d", TaskResult{"1", ""}, std::nullopt)));
  must(run_sync(store.remove("q", "d")));
  clock.advance(10);
}

}  // namespace

TEST(LogEvents, ProgressReplaysAndSnapshotsKeepTheEvents) {
  TempDir replayed_dir, compacted_dir;
  ManualClock clock;
  std::string want;
  {
    auto store = open_store(clock, replayed_dir.path());
    fill(*store, clock);
    want = observe(*store);
  }
  EXPECT_NE(want.find("b: 4=4/x"), std::string::npos) << want;  // trimmed to the newest
  EXPECT_NE(want.find("progress=2"), std::string::npos) << want;
  {
    auto store = open_store(clock, replayed_dir.path());
    EXPECT_EQ(observe(*store), want) << "replayed from the log";
    // The seqs go on after the replay.
    EXPECT_EQ(must(run_sync(store->progress("q", "b", TaskResult{"next", ""}, std::nullopt))),
              std::optional<std::uint64_t>(kTaskEventsKept + 4));
  }
  ManualClock compacted_clock;  // the same times as the first run
  {
    auto store = open_store(compacted_clock, compacted_dir.path());
    fill(*store, compacted_clock);
    ASSERT_TRUE(store->compact().ok());
  }
  {
    auto store = open_store(compacted_clock, compacted_dir.path());
    EXPECT_EQ(observe(*store), want) << "restored from a snapshot";
    EXPECT_EQ(must(run_sync(store->progress("q", "b", TaskResult{"next", ""}, std::nullopt))),
              std::optional<std::uint64_t>(kTaskEventsKept + 4));
    EXPECT_EQ(must(run_sync(store->progress("q", "a", TaskResult{"3", ""}, std::nullopt))),
              std::optional<std::uint64_t>(3));
  }
}

TEST(LogEvents, RecordsRoundTrip) {
  std::string frame;
  log::encode_progress(frame, 1234, "q", "id", TaskResult{R"({"a":1})", std::string("b\0c", 3)},
                       std::optional<std::int64_t>(5000));
  log::Record record;
  auto decoded = log::decode_frame(frame, record);
  ASSERT_EQ(decoded.status, log::DecodeStatus::ok) << decoded.message;
  EXPECT_EQ(record.type, log::RecordType::progress);
  EXPECT_EQ(record.now, 1234);
  EXPECT_EQ(record.queue, "q");
  EXPECT_EQ(record.id, "id");
  EXPECT_EQ(record.result.info, R"({"a":1})");
  EXPECT_EQ(record.result.content, std::string("b\0c", 3));
  EXPECT_TRUE(record.lease_given);
  EXPECT_EQ(record.lease_ms, 5000);

  frame.clear();
  log::encode_progress(frame, 1, "q", "id", TaskResult{}, std::nullopt);
  ASSERT_EQ(log::decode_frame(frame, record).status, log::DecodeStatus::ok);
  EXPECT_FALSE(record.lease_given);

  memory::TaskImage image;
  image.queue = "q";
  image.id = "t";
  image.info = "null";
  image.state = 2;
  image.deadline = 9000;
  image.events = {TaskEvent{7, R"("seven")", "7"}, TaskEvent{8, "null", ""}};
  image.last_event_seq = 8;
  frame.clear();
  log::encode_snap_task(frame, 1, image);
  ASSERT_EQ(log::decode_frame(frame, record).status, log::DecodeStatus::ok);
  const auto& t = record.task_image;
  ASSERT_EQ(t.events.size(), 2u);
  EXPECT_EQ(t.events[0].seq, 7u);
  EXPECT_EQ(t.events[0].info, R"("seven")");
  EXPECT_EQ(t.events[0].content, "7");
  EXPECT_EQ(t.events[1].seq, 8u);
  EXPECT_EQ(t.last_event_seq, 8u);
}

TEST(LogEvents, ASnapshotWhoseEventsDoNotFitIsRefused) {
  memory::MemoryState state;
  memory::QueueImage queue;
  queue.name = "q";
  state.restore_queue(std::move(queue));
  auto leased = [](std::vector<TaskEvent> events, std::uint64_t last) {
    memory::TaskImage image;
    image.queue = "q";
    image.id = "t";
    image.info = "null";
    image.state = 2;
    image.deadline = 9000;
    image.events = std::move(events);
    image.last_event_seq = last;
    return image;
  };
  EXPECT_FALSE(state.restore_task(leased({TaskEvent{1, "1", ""}, TaskEvent{3, "3", ""}}, 3)));
  EXPECT_FALSE(state.restore_task(leased({TaskEvent{1, "1", ""}}, 2)));  // not ending at last
  EXPECT_FALSE(state.restore_task(leased({TaskEvent{1, "1", ""}}, 0)));
  EXPECT_TRUE(state.restore_task(leased({TaskEvent{5, "5", ""}, TaskEvent{6, "6", ""}}, 6)));
  EXPECT_EQ(state.events("q", "t", 0).events.size(), 2u);
}

}  // namespace tc::test
