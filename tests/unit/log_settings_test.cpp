// Queue settings in the embedded log: the config_queue record (type 12) round-trips, a
// restart replays the settings and the token bucket's state, and a compaction keeps them.
#include <gtest/gtest.h>

#include "store/log/record.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

std::unique_ptr<MemoryStore> open_store(const Clock& clock, const std::string& dir) {
  log::PersistOptions options;
  options.dir = dir;
  options.fsync = log::FsyncPolicy::no;
  auto store = MemoryStore::open(clock, std::move(options));
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

QueueSettings settings_of(MemoryStore& store, const std::string& queue) {
  auto stats = *run_sync(store.stat_queue(queue));
  if (!stats) throw std::runtime_error("no queue " + queue);
  return stats->settings;
}

void expect_same(const QueueSettings& a, const QueueSettings& b) {
  EXPECT_EQ(a.paused, b.paused);
  EXPECT_EQ(a.max_leased, b.max_leased);
  EXPECT_EQ(a.rate, b.rate);
  EXPECT_EQ(a.burst, b.burst);
}

// Three queues: one paused with a cap, one with a half-spent bucket, one configured and
// never put to.
void configure(MemoryStore& store) {
  QueueSettingsChange gpu;
  gpu.paused = true;
  gpu.max_leased = 2;
  ASSERT_TRUE(run_sync(store.config_queue("gpu", gpu)));
  QueueSettingsChange api;
  api.bucket = QueueSettingsChange::Bucket{10, 4};  // a token per 100 ms, 4 saved
  ASSERT_TRUE(run_sync(store.config_queue("api", api)));
  ASSERT_TRUE(run_sync(store.config_queue("empty", QueueSettingsChange{})));
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(*run_sync(store.put("api", NewTask{"t" + std::to_string(i), "null", "", {}})));
  }
  ASSERT_EQ(run_sync(store.take("api", 3, 60'000))->size(), 3u);  // 1 token left
}

}  // namespace

TEST(LogSettings, TheConfigQueueRecordRoundTrips) {
  QueueSettingsChange change;
  change.max_leased = 7;
  change.bucket = QueueSettingsChange::Bucket{0.25, 3};
  std::string frame;
  log::encode_config_queue(frame, 1234, "gpu", change);
  log::Record record;
  auto decoded = log::decode_frame(frame, record);
  ASSERT_EQ(decoded.status, log::DecodeStatus::ok) << decoded.message;
  EXPECT_EQ(record.type, log::RecordType::config_queue);
  EXPECT_EQ(record.now, 1234);
  EXPECT_EQ(record.queue, "gpu");
  EXPECT_FALSE(record.settings.paused);
  EXPECT_EQ(record.settings.max_leased, 7u);
  ASSERT_TRUE(record.settings.bucket);
  EXPECT_EQ(record.settings.bucket->rate, 0.25);
  EXPECT_EQ(record.settings.bucket->burst, 3);
}

TEST(LogSettings, ARestartReplaysTheSettingsAndTheBucket) {
  TempDir dir;
  ManualClock clock;
  {
    auto store = open_store(clock, dir.path());
    configure(*store);
  }
  auto store = open_store(clock, dir.path());
  expect_same(settings_of(*store, "gpu"), QueueSettings{true, 2, 0, 0});
  expect_same(settings_of(*store, "api"), QueueSettings{false, 0, 10, 4});
  expect_same(settings_of(*store, "empty"), QueueSettings{});
  // The bucket went on where it was: one token left, the next in 100 ms.
  EXPECT_EQ(run_sync(store->take("api", 5, 60'000))->size(), 1u);
  EXPECT_EQ(run_sync(store->take("api", 5, 60'000))->size(), 0u);
  EXPECT_EQ(run_sync(store->lease_gate("api"))->retry_in_ms, 100);
}

TEST(LogSettings, ACompactionKeepsTheSettingsAndTheBucket) {
  TempDir dir;
  ManualClock clock;
  {
    auto store = open_store(clock, dir.path());
    configure(*store);
    ASSERT_TRUE(store->compact());
  }
  auto store = open_store(clock, dir.path());
  expect_same(settings_of(*store, "gpu"), QueueSettings{true, 2, 0, 0});
  expect_same(settings_of(*store, "api"), QueueSettings{false, 0, 10, 4});
  expect_same(settings_of(*store, "empty"), QueueSettings{});
  EXPECT_EQ(run_sync(store->take("api", 5, 60'000))->size(), 1u);
  EXPECT_EQ(run_sync(store->take("api", 5, 60'000))->size(), 0u);
}

}  // namespace tc::test
