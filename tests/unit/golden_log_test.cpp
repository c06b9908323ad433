// Golden logs: data directories written by this version of the embedded store, checked
// in under tests/unit/golden/<name>/ (log/ holds the segment and snapshot files,
// expected.txt the state they must replay to). Every later version must replay them to
// exactly that state; a record format change keeps the old decoder and adds a golden
// log of its own (docs/storage.md, "Golden logs").
//
// The logs are written by the scenarios below on a manual clock, so they are
// deterministic. To write them again (only when adding a new version's logs: the
// checked-in ones are the record of what older versions wrote, never regenerated):
//   TC_WRITE_GOLDEN=$PWD/tests/unit/golden ./build/tests/unit_tests
//   --gtest_filter='GoldenLog.Write'
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

namespace fs = std::filesystem;

NewTask task(std::string id, std::string info = "null", std::string content = "",
             TaskConfig config = {}) {
  return NewTask{std::move(id), std::move(info), std::move(content), std::move(config)};
}

template <class T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

using Scenario = std::function<void(MemoryStore&, ManualClock&)>;

// Every kind of record and of state over a few queues: pending, delayed, leased (some
// expiring after the end), done, removed, dead-lettered, forwarded, a cleared queue.
void mixed(MemoryStore& store, ManualClock& clock) {
  TaskConfig retry;
  retry.max_attempts = 2;
  retry.dead_letter_to = "dlq";
  TaskConfig delayed;
  delayed.delay_ms = 5000;
  TaskConfig forward;
  forward.forward_result_to = "results";
  forward.cache_result_ms = 600'000;
  for (int i = 0; i < 12; ++i) {
    must(run_sync(store.put("jobs", task("j" + std::to_string(i), std::to_string(i),
                                         "content " + std::to_string(i), retry))));
  }
  std::vector<NewTask> batch;
  batch.push_back(task("late", R"({"delayed":true})", "later", delayed));
  batch.push_back(task("fwd", R"("question")", "\x01\x02", forward));
  must(run_sync(store.put_batch("jobs", std::move(batch))));
  clock.advance(10);
  must(run_sync(store.take("jobs", 4, 1000)));  // j0..j3
  must(run_sync(store.acquire("jobs", {"fwd", "j9", "nope"}, 600'000)));
  must(run_sync(store.reply("jobs", "j0", TaskResult{R"({"r":0})", "zero"})));
  must(run_sync(store.reply("jobs", "fwd", TaskResult{R"({"answer":42})", "forty-two"})));
  must(run_sync(store.touch("jobs", "j1", 300'000)));
  must(run_sync(store.remove("jobs", "j5")));
  must(run_sync(store.take("jobs", 1, 0)));  // j4, deleted on take
  clock.advance(1000);                       // j2, j3 come back
  must(run_sync(store.reap()));
  must(run_sync(store.acquire("jobs", {"j2", "j3"}, 500)));  // their last attempt
  must(run_sync(store.take("jobs", 1, 500)));                // j6, its first
  clock.advance(500);                                        // j2, j3 to dlq; j6 back
  must(run_sync(store.peek("jobs", std::nullopt, 10)));
  must(run_sync(store.call_begin("calls", task("c1", R"({"call":1})"), true)));
  must(run_sync(store.put("gone", task("g"))));
  must(run_sync(store.clear_queue("gone", 0)));
  must(run_sync(store.put("jobs", task("j0"))));  // done: not created
  clock.advance(100);
}

// Leases and dead letters that come due together, across queues: the order rules of
// docs/protocol.md ("Orders") as the log replays them.
void due_together(MemoryStore& store, ManualClock& clock) {
  TaskConfig to_z;
  to_z.max_attempts = 1;
  to_z.dead_letter_to = "z";
  TaskConfig to_self;
  to_self.max_attempts = 1;
  to_self.dead_letter_to = "b";
  for (const char* id : {"b3", "b1", "b2"})
    must(run_sync(store.put("b", task(id, "null", "", to_z))));
  must(run_sync(store.put("b", task("self", "null", "", to_self))));
  must(run_sync(store.put("b", task("plain"))));
  must(run_sync(store.put("a", task("a1", "null", "", to_z))));
  must(run_sync(store.put("c", task("c1", "null", "", to_z))));
  must(run_sync(store.take("b", 5, 1000)));
  must(run_sync(store.take("a", 1, 1000)));
  must(run_sync(store.take("c", 1, 400)));
  TaskConfig delayed;
  delayed.delay_ms = 1000;
  must(run_sync(store.put("b", task("d", "null", "", delayed))));
  clock.advance(2000);
  must(run_sync(store.reap()));
  must(run_sync(store.take("b", 1, 60'000)));
  clock.advance(10);
}

// Format 2: the Version 2 task config (priority, cost, batch_key, retry_delay, deadline)
// in put records and snapshots, and the record types fail, release, redrive,
// config_queue and reply_batch, over the queues and ids render() looks at.
void scheduling(MemoryStore& store, ManualClock& clock) {
  TaskConfig v2;
  v2.priority = 7;
  v2.cost = 2.5;
  v2.batch_key = "model-a";
  v2.retry_delay_ms = 500;
  v2.deadline_ms = 7'200'000;
  v2.max_attempts = 2;
  v2.dead_letter_to = "dlq";
  for (int i = 0; i < 5; ++i)
    must(run_sync(store.put("jobs", task("j" + std::to_string(i), std::to_string(i),
                                         "v2 " + std::to_string(i), v2))));
  clock.advance(10);
  must(run_sync(store.take("jobs", 3, 1000)));  // j0, j1, j2
  must(run_sync(store.fail("jobs", "j0", TaskResult{R"({"error":"oom"})", "trace"})));
  must(run_sync(store.release("jobs", "j1", 2000)));
  must(run_sync(store.reply_batch(
      "jobs", {TaskReply{"j2", TaskResult{R"({"r":2})", "two"}}, TaskReply{"j9", TaskResult{}}})));
  clock.advance(600);                            // j0's retry delay is over
  must(run_sync(store.acquire("jobs", {"j0"}, 1000)));
  must(run_sync(store.fail("jobs", "j0", TaskResult{R"("again")", ""})));  // to dlq
  must(run_sync(store.redrive("dlq", {}, 100)));                          // back to jobs
  QueueSettingsChange cap;
  cap.max_leased = 1;
  must(run_sync(store.config_queue("a", cap)));
  must(run_sync(store.put("a", task("a1"))));
  must(run_sync(store.put("a", task("b1"))));
  must(run_sync(store.take("a", 2, 600'000)));  // a1 only
  QueueSettingsChange bucket;
  bucket.bucket = QueueSettingsChange::Bucket{0.001, 2};
  must(run_sync(store.config_queue("b", bucket)));
  for (const char* id : {"b1", "b2", "b3"}) must(run_sync(store.put("b", task(id))));
  must(run_sync(store.take("b", 3, 600'000)));  // b1, b2: the burst
  QueueSettingsChange pause;
  pause.paused = true;
  must(run_sync(store.config_queue("c", pause)));  // a queue configured before any put
  if (auto r = store.compact(); !r.ok()) throw std::runtime_error(r.error().message);
  must(run_sync(store.put("c", task("c1", "null", "", v2))));
  clock.advance(5);
}

// Keyed takes (record take_v2): by batch_key with max_cost, group_by_key, max_cost alone;
// some leases run out after the end (redelivered through the key index on replay).
void keyed(MemoryStore& store, ManualClock& clock) {
  for (int i = 0; i < 6; ++i) {
    TaskConfig config;
    config.batch_key = i % 2 ? "model-a" : "model-b";
    config.cost = 1 + i;
    config.priority = i == 4 ? 3 : 0;
    must(run_sync(store.put("gpu", task("k" + std::to_string(i), std::to_string(i), "", config))));
  }
  must(run_sync(store.put("gpu", task("plain"))));
  clock.advance(10);
  TakeOptions model_a;
  model_a.batch_key = "model-a";
  model_a.max_cost = 6;
  must(run_sync(store.take_with("gpu", 10, 1000, model_a)));  // k1 (2), k3 (4)
  TakeOptions grouped;
  grouped.group_by_key = true;
  must(run_sync(store.take_with("gpu", 10, 0, grouped)));  // k4 (priority 3), k0, k2
  TakeOptions cheap;
  cheap.max_cost = 1;
  must(run_sync(store.take_with("gpu", 10, 600'000, cheap)));  // k5 alone
  clock.advance(5);
}

// Deadlines: tasks that expire before the snapshot (into a dead-letter queue, in cursor
// order at one instant, and dropped), a snapshot that counts them (total_expired) and
// holds pending and delayed tasks with deadlines still to come (they expire in
// render()'s hour), and a put with a deadline after the snapshot.
void expiry(MemoryStore& store, ManualClock& clock) {
  TaskConfig to_dlq;
  to_dlq.deadline_ms = 1000;
  to_dlq.dead_letter_to = "dlq";
  TaskConfig dropped;
  dropped.deadline_ms = 1000;
  TaskConfig later;
  later.deadline_ms = 1'800'000;
  TaskConfig delayed_later;
  delayed_later.delay_ms = 5000;
  delayed_later.deadline_ms = 1'800'000;
  delayed_later.dead_letter_to = "z";
  must(run_sync(store.put("jobs", task("j0", "0", "zero", to_dlq))));
  must(run_sync(store.put("jobs", task("j1", "1", "one", dropped))));
  must(run_sync(store.put("jobs", task("j2", "2", "two", to_dlq))));
  must(run_sync(store.put("jobs", task("j3", "3", "three", later))));
  must(run_sync(store.put("jobs", task("late", "4", "four", delayed_later))));
  must(run_sync(store.take("jobs", 1, 500)));  // j0, its lease due at 500
  clock.advance(2000);
  // Applied at 2000: j0's lease first (due at 500): past its deadline, it expires to dlq
  // instead of coming back; then at their deadline j1 (dropped) and j2 (to dlq).
  must(run_sync(store.reap()));
  if (auto r = store.compact(); !r.ok()) throw std::runtime_error(r.error().message);
  must(run_sync(store.put("calls", task("c1", "null", "", dropped))));
  clock.advance(5);
}

// Progress events (record progress, snap_task tags 10 and 11): events of leased tasks,
// one extending its lease, one task over the 1,000 kept, a done task keeping its events
// while its result is cached, a removed one; a snapshot, then more progress after it.
// In render()'s hour the leases run out (the events stay) and the result expires.
void events(MemoryStore& store, ManualClock& clock) {
  TaskConfig cached;
  cached.cache_result_ms = 60'000;
  for (const char* id : {"s0", "s1", "s3"}) must(run_sync(store.put("stream", task(id))));
  must(run_sync(store.put("stream", task("s2", "null", "", cached))));
  must(run_sync(store.take("stream", 10, 600'000)));
  clock.advance(10);
  auto progress = [&](const char* id, std::string info, std::string content,
                      std::optional<std::int64_t> lease_ms = std::nullopt) {
    must(run_sync(store.progress("stream", id, TaskResult{std::move(info), std::move(content)},
                                 lease_ms)));
  };
  progress("s0", R"({"token":"Hel"})", "Hel");
  progress("s0", R"({"token":"lo"})", "lo", 900'000);
  progress("s1", "1", "");
  for (int i = 1; i <= 1003; ++i) progress("s3", std::to_string(i), "");
  progress("s2", R"("half")", "");
  must(run_sync(store.reply("stream", "s2", TaskResult{R"("whole")", "out"})));
  must(run_sync(store.remove("stream", "s1")));
  clock.advance(10);
  if (auto r = store.compact(); !r.ok()) throw std::runtime_error(r.error().message);
  progress("s0", "null", "!");
  clock.advance(5);
}

struct GoldenCase {
  const char* name;
  Scenario scenario;
};

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"v1-mixed", mixed},
      // A snapshot, then records after it.
      {"v1-mixed-compacted",
       [](MemoryStore& s, ManualClock& c) {
         mixed(s, c);
         if (auto r = s.compact(); !r.ok()) throw std::runtime_error(r.error().message);
         must(run_sync(s.put("after-snapshot", task("x", "1", "tail"))));
         c.advance(5);
       }},
      {"v1-due-together", due_together},
      {"v2-scheduling", scheduling},
      {"v2-keyed", keyed},
      {"v2-expiry", expiry},
      {"v2-events", events},
  };
  return all;
}

// Everything a client can observe, as text: per queue its counters, its pending tasks
// in peek order with cursors, what call says of every id of the queue; then the same
// after an hour has passed (leases ran out, results expired), and what a take of
// everything returns (content and attempt), in order.
std::string render(MemoryStore& store, ManualClock& clock) {
  std::ostringstream out;
  auto render_now = [&](const std::string& title) {
    out << "== " << title << " (now " << clock.now_ms() << ")\n";
    auto page = must(run_sync(store.list_queues(std::nullopt, 1000)));
    for (const auto& q : page.queues) {
      auto s = *must(run_sync(store.stat_queue(q)));
      out << q << ": length=" << s.length << " delayed=" << s.delayed << " leased=" << s.leased
          << " done=" << s.done << " put=" << s.total_put << " acquired=" << s.total_acquired
          << " replied=" << s.total_replied << " redelivered=" << s.total_redelivered
          << " dead=" << s.total_dead << " removed=" << s.total_removed;
      // Only when not 0, so the logs written before deadlines render as they did.
      if (s.total_expired != 0) out << " expired=" << s.total_expired;
      out << "\n";
      for (const auto& t : must(run_sync(store.peek(q, std::nullopt, 1000)))) {
        out << "  pending " << t.id << " " << t.info << " @" << t.cursor.to_string() << "\n";
      }
    }
  };
  auto render_ids = [&](const std::vector<std::pair<std::string, std::string>>& ids) {
    for (const auto& [q, id] : ids) {
      auto begin = must(run_sync(store.call_begin(q, task(id), false)));
      if (begin.cached) {
        out << "  " << q << "/" << id << " done " << begin.cached->info << " "
            << begin.cached->content << "\n";
      } else if (begin.exists) {
        out << "  " << q << "/" << id << " exists\n";
      }
      // Progress events, only of tasks that have some (so logs from before them render
      // as they did): the first and last kept, and what get shows.
      auto events = must(run_sync(store.events(q, id, 0)));
      if (!events.events.empty()) {
        const auto& first = events.events.front();
        const auto& last = events.events.back();
        out << "    events " << events.events.size() << " " << first.seq << "=" << first.info
            << "/" << first.content << " .. " << last.seq << "=" << last.info << "/"
            << last.content;
        if (auto view = must(run_sync(store.get(q, id, false))); view && view->progress)
          out << " progress=" << *view->progress;
        out << "\n";
      }
    }
  };
  std::vector<std::pair<std::string, std::string>> ids;
  for (const auto& q :
       {"jobs", "dlq", "results", "calls", "gone", "a", "b", "c", "z", "after-snapshot", "gpu",
        "stream"}) {
    for (const auto& id : {"j0", "j1", "j2", "j3", "j4", "j5", "j6",   "j9",    "late", "fwd",
                           "c1", "g",  "a1", "b1", "b2", "b3", "self", "plain", "d",    "x",
                           "k0", "k1", "k2", "k3", "k4", "k5", "s0", "s1", "s2", "s3"}) {
      ids.emplace_back(q, id);
    }
  }
  render_now("replayed");
  render_ids(ids);
  clock.advance(3'600'000);
  must(run_sync(store.reap()));
  render_now("an hour later");
  render_ids(ids);
  auto page = must(run_sync(store.list_queues(std::nullopt, 1000)));
  for (const auto& q : page.queues) {
    for (const auto& t : must(run_sync(store.take(q, 1000, 0)))) {
      out << "  take " << q << "/" << t.id << " attempt=" << t.attempt << " " << t.info << " "
          << t.content << "\n";
    }
  }
  return out.str();
}

std::unique_ptr<MemoryStore> open_store(const Clock& clock, const std::string& dir) {
  log::PersistOptions options;
  options.dir = dir;
  options.fsync = log::FsyncPolicy::no;
  auto store = MemoryStore::open(clock, std::move(options));
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

// tests/unit/golden: from TC_GOLDEN_DIR, else beside this file (__FILE__ is relative to
// the build directory when ccache rewrites paths; the binary is <build>/tests/).
fs::path golden_root() {
  if (const char* dir = std::getenv("TC_GOLDEN_DIR"); dir && *dir) return dir;
  const fs::path here = fs::path(__FILE__).parent_path() / "golden";
  std::error_code ec;
  const fs::path build = fs::canonical("/proc/self/exe", ec).parent_path().parent_path();
  for (const fs::path& candidate : {here, build / here, fs::current_path() / here}) {
    if (fs::is_directory(candidate, ec)) return candidate;
  }
  return here;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The log files of a data directory, without the LOCK.
void copy_log_files(const fs::path& from, const fs::path& to) {
  fs::create_directories(to);
  for (const auto& entry : fs::directory_iterator(from)) {
    const auto ext = entry.path().extension();
    if (ext == ".log" || ext == ".snap") fs::copy_file(entry.path(), to / entry.path().filename());
  }
}

TEST(GoldenLog, EveryCheckedInLogReplaysToItsRecordedState) {
  const fs::path root = golden_root();
  ASSERT_TRUE(fs::is_directory(root)) << root << " (set TC_GOLDEN_DIR)";
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    SCOPED_TRACE(entry.path().filename().string());
    std::istringstream expected(read_file(entry.path() / "expected.txt"));
    std::string word;
    std::int64_t now_ms = 0;
    expected >> word >> now_ms;
    ASSERT_EQ(word, "now_ms");
    expected.ignore(1);  // the newline
    std::string want((std::istreambuf_iterator<char>(expected)), std::istreambuf_iterator<char>());
    TempDir dir;  // replay opens a new segment: never write into the checked-in copy
    copy_log_files(entry.path() / "log", dir.path());
    ManualClock clock(now_ms);
    auto store = open_store(clock, dir.path());
    EXPECT_EQ(render(*store, clock), want);
    ++checked;
  }
  EXPECT_GE(checked, cases().size());
}

TEST(GoldenLog, Write) {
  const char* target = std::getenv("TC_WRITE_GOLDEN");
  if (!target || !*target) GTEST_SKIP() << "set TC_WRITE_GOLDEN=<dir> to write the golden logs";
  for (const auto& c : cases()) {
    const fs::path out = fs::path(target) / c.name;
    if (fs::exists(out)) {
      ADD_FAILURE() << out << " exists: golden logs are never rewritten; add a new one";
      continue;
    }
    TempDir dir;
    std::int64_t end_ms = 0;
    {
      ManualClock clock;
      auto store = open_store(clock, dir.path());
      c.scenario(*store, clock);
      end_ms = clock.now_ms();
    }
    copy_log_files(dir.path(), out / "log");
    // The expected state: what this version replays the written files to.
    TempDir replay;
    copy_log_files(out / "log", replay.path());
    ManualClock clock(end_ms);
    auto store = open_store(clock, replay.path());
    std::ofstream(out / "expected.txt", std::ios::binary) << "now_ms " << end_ms << "\n"
                                                          << render(*store, clock);
  }
}

}  // namespace
}  // namespace tc::test
