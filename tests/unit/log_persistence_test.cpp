// The append-only log behind MemoryStore: restart equality, torn tails, corruption,
// disk-full, group commit and compaction. Faults come from an injected FileSystem.
#include "store/log/persistence.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <thread>

#include "core/ops_metrics.hpp"
#include "store/log/segments.hpp"
#include "store/memory_store.hpp"
#include "store_conformance.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

namespace fs = std::filesystem;

// Wraps the real file system: counts fsyncs, and fails writes once a byte budget is
// spent (writing the part that fits first, like a disk that fills mid-write).
struct Faults {
  std::atomic<std::int64_t> write_budget{-1};  // -1: unlimited
  std::atomic<int> syncs{0};
  std::atomic<bool> fail_sync{false};
};

class FaultyFile final : public log::LogFile {
 public:
  FaultyFile(std::unique_ptr<log::LogFile> inner, std::shared_ptr<Faults> faults)
      : inner_(std::move(inner)), faults_(std::move(faults)) {}
  std::error_code append(std::string_view bytes) override {
    std::int64_t budget = faults_->write_budget.load();
    if (budget >= 0 && static_cast<std::int64_t>(bytes.size()) > budget) {
      if (budget > 0) (void)inner_->append(bytes.substr(0, static_cast<std::size_t>(budget)));
      faults_->write_budget = 0;
      return std::error_code(ENOSPC, std::generic_category());
    }
    if (budget >= 0) faults_->write_budget -= static_cast<std::int64_t>(bytes.size());
    return inner_->append(bytes);
  }
  std::error_code sync() override {
    ++faults_->syncs;
    if (faults_->fail_sync) return std::error_code(EIO, std::generic_category());
    return inner_->sync();
  }
  std::error_code truncate(std::uint64_t size) override { return inner_->truncate(size); }
  std::error_code finish() override {
    ++faults_->syncs;
    if (faults_->fail_sync) return std::error_code(EIO, std::generic_category());
    return inner_->finish();
  }

 private:
  std::unique_ptr<log::LogFile> inner_;
  std::shared_ptr<Faults> faults_;
};

class FaultyFileSystem final : public log::FileSystem {
 public:
  explicit FaultyFileSystem(std::shared_ptr<Faults> faults) : faults_(std::move(faults)) {}
  std::unique_ptr<log::LogFile> open_append(const std::string& path, std::error_code& ec) override {
    auto inner = real_->open_append(path, ec);
    if (ec) return nullptr;
    return std::make_unique<FaultyFile>(std::move(inner), faults_);
  }

 private:
  std::shared_ptr<log::FileSystem> real_ = log::posix_file_system();
  std::shared_ptr<Faults> faults_;
};

// --- the conformance suite over a logged store ---

class LoggedFactory final : public StoreFactory {
 public:
  explicit LoggedFactory(log::FsyncPolicy policy) : policy_(policy) {}
  std::unique_ptr<Store> make(const Clock& clock, boost::asio::io_context&) override {
    log::PersistOptions options;
    options.dir = dir_.path();
    options.fsync = policy_;
    auto store = MemoryStore::open(clock, std::move(options));
    if (!store) throw std::runtime_error(store.error().message);
    return std::move(*store);
  }

 private:
  TempDir dir_;
  log::FsyncPolicy policy_;
};

INSTANTIATE_TEST_SUITE_P(
    MemoryLogged, StoreConformance,
    ::testing::Values(
        StoreBackend{"FsyncNo",
                     [] { return std::unique_ptr<StoreFactory>(new LoggedFactory(log::FsyncPolicy::no)); }},
        StoreBackend{"FsyncAlways",
                     [] {
                       return std::unique_ptr<StoreFactory>(new LoggedFactory(log::FsyncPolicy::always));
                     }}),
    StoreBackendName{});

// --- helpers ---

NewTask task(std::string id, std::string info = "null", std::string content = "",
             TaskConfig config = {}) {
  return NewTask{std::move(id), std::move(info), std::move(content), std::move(config)};
}

struct Opened {
  std::unique_ptr<MemoryStore> store;
  log::ReplayReport report;
};

Opened open_store(const Clock& clock, const std::string& dir,
                  log::FsyncPolicy policy = log::FsyncPolicy::no,
                  std::shared_ptr<log::FileSystem> file_system = nullptr,
                  std::uint64_t compact_min_bytes = 64ull << 20) {
  log::PersistOptions options;
  options.dir = dir;
  options.fsync = policy;
  options.fs = std::move(file_system);
  options.compact_min_bytes = compact_min_bytes;
  Opened opened;
  auto store = MemoryStore::open(clock, std::move(options), &opened.report);
  if (!store) throw std::runtime_error(store.error().message);
  opened.store = std::move(*store);
  return opened;
}

// Everything a client can observe about the given ids, as text, for equality checks.
std::string observe(Store& store, const std::vector<std::string>& ids) {
  std::string out;
  auto page = *run_sync(store.list_queues(std::nullopt, 1000));
  for (const auto& q : page.queues) {
    auto s = **run_sync(store.stat_queue(q));
    out += q + " len=" + std::to_string(s.length) + " delayed=" + std::to_string(s.delayed) +
           " leased=" + std::to_string(s.leased) + " done=" + std::to_string(s.done) +
           " put=" + std::to_string(s.total_put) + " acq=" + std::to_string(s.total_acquired) +
           " rep=" + std::to_string(s.total_replied) +
           " redel=" + std::to_string(s.total_redelivered) + " dead=" + std::to_string(s.total_dead) +
           " rm=" + std::to_string(s.total_removed) + "\n";
    auto peeked = *run_sync(store.peek(q, std::nullopt, 1000));
    for (const auto& t : peeked)
      out += "  pending " + t.id + " " + t.info + " @" + t.cursor.to_string() + "\n";
    for (const auto& id : ids) {
      auto begin = *run_sync(store.call_begin(q, task(id), false));
      if (begin.cached) out += "  done " + id + " " + begin.cached->info + "\n";
      else if (begin.exists) out += "  exists " + id + "\n";
    }
  }
  return out;
}

std::vector<std::string> ids_0_to(int n) {
  std::vector<std::string> ids;
  for (int i = 0; i < n; ++i) ids.push_back(numbered("t", i));
  return ids;
}

// A workload touching every kind of record and state.
void workload(MemoryStore& store, ManualClock& clock) {
  TaskConfig retry;
  retry.max_attempts = 2;
  retry.dead_letter_to = "dlq";
  TaskConfig delayed;
  delayed.delay_ms = 5000;
  TaskConfig forward;
  forward.forward_result_to = "results";
  for (int i = 0; i < 30; ++i)
    EXPECT_TRUE(*run_sync(store.put("q", task(numbered("t", i), std::to_string(i),
                                            numbered("content", i), retry))));
  std::vector<NewTask> batch;
  batch.push_back(task("t30", "30", "", delayed));
  batch.push_back(task("t31", "31", "", forward));
  EXPECT_EQ(run_sync(store.put_batch("q", std::move(batch)))->size(), 2u);
  clock.advance(10);
  EXPECT_EQ(run_sync(store.take("q", 5, 1000))->size(), 5u);
  EXPECT_EQ(run_sync(store.acquire("q", {"t10", "t31"}, 60'000))->size(), 2u);
  EXPECT_TRUE(*run_sync(store.reply("q", "t0", TaskResult{"\"r0\"", "x"})));
  EXPECT_TRUE(*run_sync(store.reply("q", "t31", TaskResult{"\"r31\"", "y"})));
  EXPECT_TRUE(*run_sync(store.touch("q", "t1", 30'000)));
  EXPECT_TRUE(*run_sync(store.remove("q", "t20")));
  EXPECT_EQ(run_sync(store.take("q", 2, 0))->size(), 2u);
  clock.advance(1000);  // t2..t4 redelivered
  EXPECT_EQ(*run_sync(store.reap()), 3u);
  EXPECT_EQ(run_sync(store.take("q", 1, 500))->size(), 1u);  // t7 (first after t5, t6 deleted)
  EXPECT_TRUE(run_sync(store.call_begin("calls", task("c1"), true))->created);
  EXPECT_TRUE(*run_sync(store.put("gone", task("g"))));
  EXPECT_TRUE(*run_sync(store.clear_queue("gone", 0)));
  clock.advance(100);
}

std::string last_segment_path(const std::string& dir) {
  auto listing = *log::list_dir(dir);
  return dir + "/" + log::segment_name(listing.segments.back());
}

// The newest non-empty segment (the newest one may hold only its header).
std::string newest_written_segment(const std::string& dir) {
  auto listing = *log::list_dir(dir);
  for (auto it = listing.segments.rbegin(); it != listing.segments.rend(); ++it) {
    auto path = dir + "/" + log::segment_name(*it);
    if (fs::file_size(path) > log::kFileHeaderSize) return path;
  }
  return {};
}

// --- restart ---

TEST(LogPersistence, ARestartRebuildsTheSameState) {
  TempDir dir;
  ManualClock clock;
  auto ids = ids_0_to(32);
  ids.push_back("c1");
  std::string before;
  {
    auto opened = open_store(clock, dir.path());
    EXPECT_EQ(opened.report.records, 0u);
    workload(*opened.store, clock);
    before = observe(*opened.store, ids);
  }
  auto opened = open_store(clock, dir.path());
  EXPECT_GT(opened.report.records, 10u);
  EXPECT_TRUE(opened.report.warnings.empty());
  EXPECT_EQ(observe(*opened.store, ids), before);
  // Leases kept their deadlines: t1 (touched to 30 s) comes back when its time comes.
  clock.advance(30'000);
  auto peeked = *run_sync(opened.store->peek("q", std::nullopt, 1000));
  bool t1_back = false;
  for (auto& t : peeked) t1_back |= t.id == "t1";
  EXPECT_TRUE(t1_back);
  // ...and the state after that step survives another restart too.
  before = observe(*opened.store, ids);
  opened.store.reset();
  EXPECT_EQ(observe(*open_store(clock, dir.path()).store, ids), before);
}

TEST(LogPersistence, TheClockNeverRunsBehindTheLog) {
  TempDir dir;
  ManualClock clock;
  {
    auto opened = open_store(clock, dir.path());
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("a"))));
  }
  ManualClock earlier(clock.now_ms() - 3'600'000);
  auto opened = open_store(earlier, dir.path());
  EXPECT_TRUE(*run_sync(opened.store->put("q", task("b"))));
  auto peeked = *run_sync(opened.store->peek("q", std::nullopt, 10));
  ASSERT_EQ(peeked.size(), 2u);
  EXPECT_LT(peeked[0].cursor, peeked[1].cursor);
}

TEST(LogPersistence, OneProcessPerDataDirectory) {
  TempDir dir;
  ManualClock clock;
  auto first = open_store(clock, dir.path());
  log::PersistOptions options;
  options.dir = dir.path();
  auto second = MemoryStore::open(clock, options);
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("in use"), std::string::npos);
}

// Lost acquire races, second replies and the like change nothing: they must not grow
// the log (peek + acquire consumers produce many of them).
TEST(LogPersistence, RequestsThatChangeNothingAreNotLogged) {
  TempDir dir;
  ManualClock clock;
  auto opened = open_store(clock, dir.path());
  auto& store = *opened.store;
  EXPECT_TRUE(*run_sync(store.put("q", task("a"))));
  EXPECT_EQ(run_sync(store.take("q", 1, 1000))->size(), 1u);
  EXPECT_TRUE(*run_sync(store.put("q", task("b"))));
  EXPECT_TRUE(*run_sync(store.reply("q", "b", TaskResult{"1", ""})));
  auto size = store.persistence()->log_bytes();
  EXPECT_TRUE(run_sync(store.acquire("q", {"a", "b", "missing"}, 1000))->empty());
  EXPECT_TRUE(run_sync(store.take("q", 5, 1000))->empty());
  EXPECT_FALSE(*run_sync(store.put("q", task("a"))));
  EXPECT_FALSE(*run_sync(store.reply("q", "b", TaskResult{"2", ""})));
  EXPECT_FALSE(*run_sync(store.touch("q", "b", 1000)));
  EXPECT_FALSE(*run_sync(store.remove("q", "missing")));
  EXPECT_TRUE(*run_sync(store.clear_queue("missing", 0)));
  EXPECT_EQ(store.persistence()->log_bytes(), size);
  // But one that applies something due is logged, so replay sees the same expiry.
  clock.advance(1000);
  EXPECT_TRUE(run_sync(store.acquire("q", {"missing"}, 1000))->empty());
  EXPECT_GT(store.persistence()->log_bytes(), size);
  auto before = observe(store, {"a", "b"});
  opened.store.reset();
  EXPECT_EQ(observe(*open_store(clock, dir.path()).store, {"a", "b"}), before);
}

// --- damage ---

TEST(LogPersistence, ATornTailIsCutWithAWarning) {
  TempDir dir;
  ManualClock clock;
  std::string path;
  {
    auto opened = open_store(clock, dir.path());
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("a"))));
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("b", "\"last\""))));
    path = last_segment_path(dir.path());
  }
  auto full = fs::file_size(path);
  for (std::uint64_t cut : {1ull, 5ull, 12ull}) {
    TempDir copy;
    fs::copy(dir.path(), copy.path(), fs::copy_options::recursive);
    auto copied = copy.path() + "/" + fs::path(path).filename().string();
    fs::resize_file(copied, full - cut);
    auto opened = open_store(clock, copy.path());
    EXPECT_EQ(opened.report.warnings.size(), 1u) << cut;
    EXPECT_GT(opened.report.truncated_bytes, 0u);
    auto peeked = *run_sync(opened.store->peek("q", std::nullopt, 10));
    ASSERT_EQ(peeked.size(), 1u) << cut;  // the torn put of "b" is gone, "a" stays
    EXPECT_EQ(peeked[0].id, "a");
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("c"))));
    opened.store.reset();
    // The cut is permanent: the next start is clean.
    auto again = open_store(clock, copy.path());
    EXPECT_TRUE(again.report.warnings.empty());
    EXPECT_EQ(run_sync(again.store->peek("q", std::nullopt, 10))->size(), 2u);
  }
}

TEST(LogPersistence, ZerosAfterTheLastRecordAreUnusedReservedSpace) {
  // What a crash leaves: the writer reserves space ahead (zeros) and cuts it off only
  // when the segment is finished. Nothing was lost, so nothing is reported.
  TempDir dir;
  ManualClock clock;
  {
    auto opened = open_store(clock, dir.path());
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("a"))));
  }
  auto path = newest_written_segment(dir.path());
  auto size = fs::file_size(path);
  std::ofstream(path, std::ios::binary | std::ios::app) << std::string(100, '\0');
  auto opened = open_store(clock, dir.path());
  EXPECT_EQ(opened.report.truncated_bytes, 0u);
  EXPECT_TRUE(opened.report.warnings.empty());
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_EQ(run_sync(opened.store->peek("q", std::nullopt, 10))->size(), 1u);
}

TEST(LogPersistence, ARecordCutShortBeforeReservedZerosIsATornWrite) {
  // A process killed while copying a record into the mapping leaves a prefix of the
  // record and then the reserved zeros: a torn write, cut with a warning.
  TempDir dir;
  ManualClock clock;
  {
    auto opened = open_store(clock, dir.path());
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("a"))));
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("b"))));
  }
  auto path = newest_written_segment(dir.path());
  auto size = fs::file_size(path);
  std::string bytes(size, '\0');
  std::ifstream(path, std::ios::binary).read(bytes.data(), static_cast<std::streamsize>(size));
  // Find where the second record starts: replay of the first alone must give one task.
  std::size_t first_end = 8;
  {
    std::uint32_t length = 0;
    std::memcpy(&length, bytes.data() + first_end, 4);
    first_end += 8 + length;
  }
  ASSERT_LT(first_end, size);
  // Keep the first 20 bytes of the second record, zero the rest, add reserved zeros.
  std::string torn = bytes.substr(0, first_end + 20) + std::string(size - first_end - 20 + 4096, '\0');
  std::ofstream(path, std::ios::binary | std::ios::trunc) << torn;
  auto opened = open_store(clock, dir.path());
  EXPECT_EQ(opened.report.truncated_bytes, torn.size() - first_end);
  EXPECT_EQ(opened.report.warnings.size(), 1u);
  EXPECT_EQ(fs::file_size(path), first_end);
  EXPECT_EQ(run_sync(opened.store->peek("q", std::nullopt, 10))->size(), 1u);
}

TEST(LogPersistence, ACorruptRecordInTheMiddleRefusesToStart) {
  TempDir dir;
  ManualClock clock;
  {
    auto opened = open_store(clock, dir.path());
    for (int i = 0; i < 10; ++i)
      EXPECT_TRUE(*run_sync(opened.store->put("q", task(numbered("t", i)))));
  }
  auto path = newest_written_segment(dir.path());
  auto size = fs::file_size(path);
  {
    std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size / 2));
    f.put('\x5a');
  }
  log::PersistOptions options;
  options.dir = dir.path();
  auto refused = MemoryStore::open(clock, options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find(fs::path(path).filename().string()), std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("offset"), std::string::npos);
  EXPECT_EQ(fs::file_size(path), size);  // nothing was cut
}

TEST(LogPersistence, AMissingSegmentRefusesToStart) {
  TempDir dir;
  ManualClock clock;
  for (int run = 0; run < 3; ++run) {
    auto opened = open_store(clock, dir.path());
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("t" + std::to_string(run)))));
  }
  auto listing = *log::list_dir(dir.path());
  ASSERT_GE(listing.segments.size(), 3u);
  fs::remove(dir.path() + "/" + log::segment_name(listing.segments[1]));
  log::PersistOptions options;
  options.dir = dir.path();
  auto refused = MemoryStore::open(clock, options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("missing"), std::string::npos);
}

// --- disk full ---

TEST(LogPersistence, ADiskFullFailsTheRequestAndChangesNothing) {
  TempDir dir;
  ManualClock clock;
  auto faults = std::make_shared<Faults>();
  {
    auto opened = open_store(clock, dir.path(), log::FsyncPolicy::always,
                             std::make_shared<FaultyFileSystem>(faults));
    auto& store = *opened.store;
    EXPECT_TRUE(*run_sync(store.put("q", task("a"))));
    ASSERT_EQ(run_sync(store.take("q", 1, 1000))->size(), 1u);
    faults->write_budget = 10;  // the next record is cut mid-write
    auto put = run_sync(store.put("q", task("b")));
    ASSERT_FALSE(put);
    EXPECT_EQ(put.error().code, Errc::unavailable);
    auto replied = run_sync(store.reply("q", "a", TaskResult{"1", ""}));
    ASSERT_FALSE(replied);
    // Nothing was applied: b is absent, a is still leased.
    EXPECT_TRUE(run_sync(store.peek("q", std::nullopt, 10))->empty());
    EXPECT_EQ((*run_sync(store.stat_queue("q")))->leased, 1u);
    // Reads keep working while the disk is full.
    EXPECT_TRUE(run_sync(store.list_queues(std::nullopt, 10)));
    faults->write_budget = -1;  // space returns
    EXPECT_TRUE(*run_sync(store.put("q", task("b"))));
    EXPECT_TRUE(*run_sync(store.reply("q", "a", TaskResult{"1", ""})));
  }
  // The log holds exactly the acknowledged steps: no garbage where the write failed.
  auto opened = open_store(clock, dir.path());
  EXPECT_TRUE(opened.report.warnings.empty());
  auto peeked = *run_sync(opened.store->peek("q", std::nullopt, 10));
  ASSERT_EQ(peeked.size(), 1u);
  EXPECT_EQ(peeked[0].id, "b");
  EXPECT_EQ(run_sync(opened.store->call_begin("q", task("a"), false))->cached->info, "1");
}

TEST(LogPersistence, AFailedFsyncFailsTheRequestUnderFsyncAlways) {
  TempDir dir;
  ManualClock clock;
  auto faults = std::make_shared<Faults>();
  auto opened = open_store(clock, dir.path(), log::FsyncPolicy::always,
                           std::make_shared<FaultyFileSystem>(faults));
  faults->fail_sync = true;
  auto put = run_sync(opened.store->put("q", task("a")));
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, Errc::unavailable);
  faults->fail_sync = false;
  EXPECT_TRUE(run_sync(opened.store->put("q", task("b"))));
}

// --- group commit ---

TEST(LogPersistence, ConcurrentWritersShareFsyncsUnderFsyncAlways) {
  TempDir dir;
  ManualClock clock;
  auto faults = std::make_shared<Faults>();
  auto opened = open_store(clock, dir.path(), log::FsyncPolicy::always,
                           std::make_shared<FaultyFileSystem>(faults));
  auto& store = *opened.store;
  int syncs_before = faults->syncs.load();
  constexpr int kWriters = 64;
  constexpr int kEach = 20;
  boost::asio::io_context io;
  std::atomic<int> acknowledged{0};
  for (int w = 0; w < kWriters; ++w) {
    boost::asio::co_spawn(
        io,
        [&, w]() -> boost::asio::awaitable<void> {
          for (int i = 0; i < kEach; ++i) {
            auto r = co_await store.put("q", task(std::to_string(w) + "-" + std::to_string(i)));
            if (r && *r) ++acknowledged;
          }
        },
        boost::asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back([&] { io.run(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(acknowledged.load(), kWriters * kEach);
  int syncs = faults->syncs.load() - syncs_before;
  std::printf("[ figure ] fsync=always: %d puts acknowledged with %d fsyncs\n", kWriters * kEach,
              syncs);
  EXPECT_LT(syncs, kWriters * kEach);  // writers waiting together share an fsync
  opened.store.reset();
  EXPECT_EQ(open_store(clock, dir.path()).store->task_count(),
            static_cast<std::size_t>(kWriters * kEach));
}

// --- compaction ---

TEST(LogPersistence, CompactionReplacesOldSegmentsWithASnapshot) {
  TempDir dir;
  ManualClock clock;
  auto ids = ids_0_to(32);
  ids.push_back("c1");
  std::string before;
  {
    auto opened = open_store(clock, dir.path());
    workload(*opened.store, clock);
    for (int round = 0; round < 50; ++round) {  // churn: log grows, live data does not
      EXPECT_TRUE(*run_sync(opened.store->put("churn", task("x", "null", std::string(100, 'c')))));
      EXPECT_EQ(run_sync(opened.store->take("churn", 1, 0))->size(), 1u);
    }
    auto log_before = opened.store->persistence()->log_bytes();
    ASSERT_TRUE(opened.store->compact());
    EXPECT_LT(opened.store->persistence()->log_bytes(), log_before);
    auto listing = *log::list_dir(dir.path());
    ASSERT_EQ(listing.snapshots.size(), 1u);
    EXPECT_EQ(listing.segments.front(), listing.snapshots.front());  // older ones deleted
    EXPECT_TRUE(*run_sync(opened.store->put("after", task("z"))));  // lands after the snapshot
    before = observe(*opened.store, ids);
  }
  auto opened = open_store(clock, dir.path());
  ASSERT_TRUE(opened.report.snapshot);
  EXPECT_EQ(observe(*opened.store, ids), before);
  // Twice in a row, and a restart between: still the same.
  ASSERT_TRUE(opened.store->compact());
  ASSERT_TRUE(opened.store->compact());
  opened.store.reset();
  EXPECT_EQ(observe(*open_store(clock, dir.path()).store, ids), before);
}

TEST(LogPersistence, CompactionStartsByItselfWhenTheLogOutgrowsTheData) {
  TempDir dir;
  ManualClock clock;
  auto opened = open_store(clock, dir.path(), log::FsyncPolicy::no, nullptr, 64 << 10);
  auto* persistence = opened.store->persistence();
  // Churn (the log grows, the live data does not) until a compaction has run and caught
  // up with the writes; it runs in the background, so give it time after a while.
  std::uint64_t written = 0;
  for (int i = 0; i < 10'000; ++i) {
    if (i >= 2000 && persistence->compactions() >= 1 && persistence->log_bytes() < 200'000) break;
    EXPECT_TRUE(*run_sync(opened.store->put("q", task("x", "null", std::string(200, 'c')))));
    EXPECT_EQ(run_sync(opened.store->take("q", 1, 0))->size(), 1u);
    written += 200;
    if (i >= 2000) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(*run_sync(opened.store->put("q", task("kept"))));
  EXPECT_GE(persistence->compactions(), 1u);
  EXPECT_LT(persistence->log_bytes(), 200'000u);
  EXPECT_GT(written, 2000u * 200u - 1);
  opened.store.reset();
  auto reopened = open_store(clock, dir.path());
  auto peeked = *run_sync(reopened.store->peek("q", std::nullopt, 10));
  ASSERT_EQ(peeked.size(), 1u);
  EXPECT_EQ(peeked[0].id, "kept");
}

TEST(LogPersistence, WritesDuringACompactionAreKept) {
  // The compaction holds the store lock only to switch segments: puts, takes and
  // replies go on while its thread rebuilds and writes the snapshot, and every one of
  // them is there after a restart (in the new segment, after the snapshot).
  TempDir dir;
  ManualClock clock;
  std::string before;
  std::vector<std::string> ids;
  {
    auto opened = open_store(clock, dir.path());
    for (int i = 0; i < 3000; ++i)
      EXPECT_TRUE(*run_sync(opened.store->put("q", task("old" + std::to_string(i)))));
    std::atomic<bool> compacted{false};
    std::thread compactor([&] {
      EXPECT_TRUE(opened.store->compact());
      compacted = true;
    });
    int during = 0;
    while (!compacted.load() || during < 100) {
      std::string id = "new" + std::to_string(during++);
      ids.push_back(id);
      EXPECT_TRUE(*run_sync(opened.store->put("q", task(id))));
      if (during % 3 == 0) {
        auto taken = *run_sync(opened.store->take("q", 1, 60'000));
        ASSERT_EQ(taken.size(), 1u);
        EXPECT_TRUE(*run_sync(opened.store->reply("q", taken[0].id, TaskResult{"1", "r"})));
      }
    }
    compactor.join();
    EXPECT_EQ(log::list_dir(dir.path())->snapshots.size(), 1u);
    for (int i = 0; i < 10; ++i) ids.push_back("old" + std::to_string(i));
    before = observe(*opened.store, ids);
  }
  auto opened = open_store(clock, dir.path());
  ASSERT_TRUE(opened.report.snapshot);
  EXPECT_EQ(observe(*opened.store, ids), before);
}

TEST(LogPersistence, ACompactionThatCannotWriteLeavesTheLogUsable) {
  TempDir dir;
  ManualClock clock;
  auto faults = std::make_shared<Faults>();
  auto opened =
      open_store(clock, dir.path(), log::FsyncPolicy::no, std::make_shared<FaultyFileSystem>(faults));
  for (int i = 0; i < 20; ++i)
    EXPECT_TRUE(*run_sync(opened.store->put("q", task(numbered("t", i)))));
  // Room for the new segment's header but not for the snapshot.
  faults->write_budget = static_cast<std::int64_t>(log::kFileHeaderSize);
  EXPECT_FALSE(opened.store->compact());
  faults->write_budget = -1;
  EXPECT_TRUE(*run_sync(opened.store->put("q", task("after"))));
  EXPECT_TRUE(log::list_dir(dir.path())->snapshots.empty());
  opened.store.reset();
  EXPECT_EQ(open_store(clock, dir.path()).store->task_count(), 21u);
}

// --- store errors seen by operators ---

std::uint64_t store_errors(StoreErrorKind kind) {
  return ops_metrics().store_errors[static_cast<std::size_t>(kind)].load();
}

TEST(LogPersistence, ADiskFullMakesTheStoreNotReadyUntilAWriteSucceeds) {
  TempDir dir;
  ManualClock clock;
  auto faults = std::make_shared<Faults>();
  auto opened = open_store(clock, dir.path(), log::FsyncPolicy::no,
                           std::make_shared<FaultyFileSystem>(faults));
  auto& store = *opened.store;
  EXPECT_TRUE(run_sync(store.ready()));
  const auto write_errors = store_errors(StoreErrorKind::write);
  faults->write_budget = 0;  // the disk is full
  EXPECT_FALSE(run_sync(store.put("q", task("a"))));
  EXPECT_FALSE(run_sync(store.ready()));
  EXPECT_FALSE(run_sync(store.put("q", task("b"))));
  EXPECT_FALSE(run_sync(store.ready()));
  EXPECT_EQ(store_errors(StoreErrorKind::write), write_errors + 2);
  faults->write_budget = -1;  // space returns: still not ready until a write proves it
  EXPECT_FALSE(run_sync(store.ready()));
  EXPECT_TRUE(*run_sync(store.put("q", task("c"))));
  EXPECT_TRUE(run_sync(store.ready()));
}

TEST(LogPersistence, AFailedFsyncIsCounted) {
  TempDir dir;
  ManualClock clock;
  auto faults = std::make_shared<Faults>();
  auto opened = open_store(clock, dir.path(), log::FsyncPolicy::always,
                           std::make_shared<FaultyFileSystem>(faults));
  const auto fsync_errors = store_errors(StoreErrorKind::fsync);
  const auto fsyncs = ops_metrics().fsync_seconds.count();
  faults->fail_sync = true;
  EXPECT_FALSE(run_sync(opened.store->put("q", task("a"))));
  faults->fail_sync = false;
  EXPECT_TRUE(run_sync(opened.store->put("q", task("b"))));
  EXPECT_GE(store_errors(StoreErrorKind::fsync), fsync_errors + 1);
  EXPECT_GE(ops_metrics().fsync_seconds.count(), fsyncs + 2);
}

TEST(LogPersistence, AReplyBatchSurvivesARestartAsOneRecord) {
  TempDir dir;
  ManualClock clock;
  std::string before;
  {
    auto opened = open_store(clock, dir.path());
    for (const char* id : {"a", "b", "c"}) EXPECT_TRUE(*run_sync(opened.store->put("q", task(id))));
    EXPECT_EQ(run_sync(opened.store->take("q", 2, 60'000))->size(), 2u);
    std::vector<TaskReply> replies = {TaskReply{"a", TaskResult{"\"ra\"", "x"}},
                                      TaskReply{"c", TaskResult{"\"rc\"", ""}},
                                      TaskReply{"a", TaskResult{"\"again\"", ""}}};
    EXPECT_EQ(*run_sync(opened.store->reply_batch("q", std::move(replies))),
              (std::vector<bool>{true, true, false}));
    before = observe(*opened.store, {"a", "b", "c"});
  }
  auto opened = open_store(clock, dir.path());
  EXPECT_EQ(opened.report.records, 5u);  // 3 puts, the take, the reply_batch
  EXPECT_EQ(observe(*opened.store, {"a", "b", "c"}), before);
  EXPECT_NE(before.find("done a \"ra\""), std::string::npos) << before;
}

// The service time starts at the lease: a restart replays the take at its own clock
// reading, and a snapshot keeps a leased task's lease start (snap_task tag 12).
TEST(LogPersistence, ALeaseStartSurvivesARestartFromTheLogAndFromASnapshot) {
  TempDir dir;
  ManualClock clock;
  {
    auto opened = open_store(clock, dir.path());
    for (const char* id : {"a", "b"}) EXPECT_TRUE(*run_sync(opened.store->put("q", task(id))));
    clock.advance(100);
    EXPECT_EQ(run_sync(opened.store->take("q", 1, 60'000))->size(), 1u);  // a
    clock.advance(200);
  }
  {
    auto opened = open_store(clock, dir.path());  // from the log
    clock.advance(50);
    EXPECT_EQ(*run_sync(opened.store->reply_timed("q", "a", TaskResult{})),
              (ReplyOutcome{true, 250}));
    EXPECT_EQ(run_sync(opened.store->take("q", 1, 60'000))->size(), 1u);  // b
    clock.advance(30);
    ASSERT_TRUE(opened.store->compact());
  }
  auto opened = open_store(clock, dir.path());  // from the snapshot
  ASSERT_TRUE(opened.report.snapshot);
  clock.advance(20);
  EXPECT_EQ(*run_sync(opened.store->reply_timed("q", "b", TaskResult{})),
            (ReplyOutcome{true, 50}));
}

}  // namespace
}  // namespace tc::test
