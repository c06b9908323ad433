// The embedded store's key index across restarts: keyed takes (record take_v2) replay
// to the same state, and the index is rebuilt from log replay and from a snapshot.
#include <gtest/gtest.h>

#include <string>
#include <vector>

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

NewTask keyed(std::string id, std::optional<std::string> key, double cost = 1,
              std::int32_t priority = 0) {
  TaskConfig config;
  config.batch_key = std::move(key);
  config.cost = cost;
  config.priority = priority;
  return NewTask{std::move(id), "null", "", std::move(config)};
}

std::vector<std::string> ids_of(const std::vector<AcquiredTask>& tasks) {
  std::vector<std::string> ids;
  for (const auto& t : tasks) ids.push_back(t.id + "/" + t.batch_key.value_or("-"));
  return ids;
}

void fill(MemoryStore& store) {
  for (int i = 0; i < 8; ++i) {
    std::optional<std::string> key;
    if (i % 3 == 1) key = "a";
    if (i % 3 == 2) key = "b";
    must(run_sync(store.put("q", keyed("t" + std::to_string(i), key, 1 + i % 2, i == 5 ? 2 : 0))));
  }
}

// Takes everything, by key first, then the rest as groups.
std::vector<std::string> drain(MemoryStore& store) {
  std::vector<std::string> out;
  TakeOptions a;
  a.batch_key = "a";
  for (auto& id : ids_of(must(run_sync(store.take_with("q", 100, 60'000, a))))) out.push_back(id);
  TakeOptions grouped;
  grouped.group_by_key = true;
  for (int i = 0; i < 4; ++i)
    for (auto& id : ids_of(must(run_sync(store.take_with("q", 100, 60'000, grouped)))))
      out.push_back(id);
  return out;
}

TEST(LogKeyed, KeyedTakesReplayAndTheIndexIsRebuilt) {
  TempDir replayed_dir, compacted_dir;
  std::vector<std::string> want;
  {
    ManualClock clock;
    auto reference = open_store(clock, replayed_dir.path());
    fill(*reference);
    TakeOptions cheap_b;
    cheap_b.batch_key = "b";
    cheap_b.max_cost = 2;
    EXPECT_EQ(ids_of(must(run_sync(reference->take_with("q", 10, 60'000, cheap_b)))),
              (std::vector<std::string>{"t5/b"}));  // priority 2, cost 2
  }
  {
    ManualClock clock;
    auto store = open_store(clock, compacted_dir.path());
    fill(*store);
    TakeOptions cheap_b;
    cheap_b.batch_key = "b";
    cheap_b.max_cost = 2;
    must(run_sync(store->take_with("q", 10, 60'000, cheap_b)));
    ASSERT_TRUE(store->compact().ok());
  }
  ManualClock clock;
  auto replayed = open_store(clock, replayed_dir.path());
  auto compacted = open_store(clock, compacted_dir.path());
  want = {"t1/a", "t4/a", "t7/a", "t0/-", "t3/-", "t6/-", "t2/b"};
  EXPECT_EQ(drain(*replayed), want);
  EXPECT_EQ(drain(*compacted), want);
}

}  // namespace
}  // namespace tc::test
