// Store conformance, queue settings (config_queue): pause, max_leased and the token
// bucket gate every take and acquire, on every backend (same fixture as
// store_conformance_test.cpp, store_conformance.hpp). The bucket runs on the store's
// clock: the memory store's (the manual clock here) and Redis's own TIME, so the tests
// that need the bucket to refill run on the memory stores only; the others use a rate
// so low that no token comes back while they run.
#include <algorithm>
#include <string>

#include "store_conformance.hpp"

namespace tc::test {
namespace {

NewTask task(std::string id) { return NewTask{std::move(id), "null", "", TaskConfig{}}; }

QueueSettingsChange pause(bool paused) {
  QueueSettingsChange c;
  c.paused = paused;
  return c;
}
QueueSettingsChange cap(std::uint32_t max_leased) {
  QueueSettingsChange c;
  c.max_leased = max_leased;
  return c;
}
QueueSettingsChange bucket(double rate, double burst = 0) {
  QueueSettingsChange c;
  c.bucket = QueueSettingsChange::Bucket{rate, burst};
  return c;
}

bool same(const QueueSettings& a, const QueueSettings& b) {
  return a.paused == b.paused && a.max_leased == b.max_leased && a.rate == b.rate &&
         a.burst == b.burst;
}

}  // namespace


#define CONFIG(queue, change) \
  run(store_->config_queue(queue, change)).value()
#define GATE(queue) run(store_->lease_gate(queue)).value()

TEST_P(StoreConformance, ConfigQueueKeepsWhatIsLeftOutAndReportsTheSettingsInForce) {
  EXPECT_TRUE(same(CONFIG("gpu", cap(4)), QueueSettings{false, 4, 0, 0}));
  EXPECT_TRUE(same(CONFIG("gpu", pause(true)), QueueSettings{true, 4, 0, 0}));
  // burst defaults to max(1, rate)
  EXPECT_TRUE(same(CONFIG("gpu", bucket(5)), QueueSettings{true, 4, 5, 5}));
  EXPECT_TRUE(same(CONFIG("gpu", bucket(0.5)), QueueSettings{true, 4, 0.5, 1}));
  EXPECT_TRUE(same(CONFIG("gpu", bucket(10, 3)), QueueSettings{true, 4, 10, 3}));
  EXPECT_TRUE(same(CONFIG("gpu", QueueSettingsChange{}), QueueSettings{true, 4, 10, 3}));
  // 0 removes a limit; a rate of 0 removes the bucket with its burst.
  EXPECT_TRUE(same(CONFIG("gpu", bucket(0)), QueueSettings{true, 4, 0, 0}));
  EXPECT_TRUE(same(CONFIG("gpu", cap(0)), QueueSettings{true, 0, 0, 0}));
  auto stats = stat("gpu");
  ASSERT_TRUE(stats);
  EXPECT_TRUE(same(stats->settings, QueueSettings{true, 0, 0, 0}));
}

TEST_P(StoreConformance, AConfiguredQueueExistsBeforeItsFirstPutAndGoesWithClear) {
  EXPECT_FALSE(stat("fresh"));
  CONFIG("fresh", cap(2));
  auto stats = stat("fresh");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->length, 0u);
  EXPECT_EQ(stats->total_put, 0u);
  EXPECT_EQ(stats->settings.max_leased, 2u);
  auto page = list(std::nullopt, 100);
  EXPECT_NE(std::find(page.queues.begin(), page.queues.end(), "fresh"), page.queues.end());
  // Even settings that are all "no limit" make the queue exist.
  CONFIG("plain", QueueSettingsChange{});
  EXPECT_TRUE(stat("plain"));

  ASSERT_TRUE(put("fresh", task("a")));
  EXPECT_TRUE(clear("fresh"));
  EXPECT_FALSE(stat("fresh"));
  // The settings went with the queue: a new one has none.
  ASSERT_TRUE(put("fresh", task("b")));
  EXPECT_TRUE(same(stat("fresh")->settings, QueueSettings{}));
  EXPECT_EQ(take("fresh", 10, 1000).size(), 1u);
}

TEST_P(StoreConformance, APausedQueueLeasesNothingUntilResumed) {
  for (const char* id : {"a", "b", "c"}) ASSERT_TRUE(put("q", task(id)));
  CONFIG("q", pause(true));
  EXPECT_TRUE(take("q", 10, 1000).empty());
  EXPECT_TRUE(acquire("q", {"a"}, 1000).empty());
  EXPECT_TRUE(acquire("q", {"b"}, 0).empty());
  EXPECT_EQ(peek("q").size(), 3u);  // peek, put and stat work as usual
  ASSERT_TRUE(put("q", task("d")));
  auto gate = GATE("q");
  EXPECT_TRUE(gate.blocked);
  EXPECT_EQ(gate.retry_in_ms, 0);  // no timer: resuming is an event
  EXPECT_EQ(stat("q")->leased, 0u);

  events_.clear();
  CONFIG("q", pause(false));
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::find(p.begin(), p.end(), "q") != p.end();
  }));
  EXPECT_FALSE(GATE("q").blocked);
  EXPECT_EQ(take("q", 10, 1000).size(), 4u);
}

TEST_P(StoreConformance, MaxLeasedCapsTakeAndAcquireAndAReplyFreesRoom) {
  for (const char* id : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(put("q", task(id)));
  CONFIG("q", cap(2));
  auto first = take("q", 5, 10'000);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_TRUE(take("q", 5, 10'000).empty());
  EXPECT_TRUE(acquire("q", {"c", "d"}, 10'000).empty());
  auto gate = GATE("q");
  EXPECT_TRUE(gate.blocked);
  EXPECT_EQ(gate.retry_in_ms, 0);
  EXPECT_EQ(stat("q")->leased, 2u);

  // A reply frees one place, and says so to waiting takes.
  events_.clear();
  EXPECT_TRUE(reply("q", first[0].id));
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::find(p.begin(), p.end(), "q") != p.end();
  }));
  auto acquired = acquire("q", {"c", "d"}, 10'000);  // room for one: the first asked
  ASSERT_EQ(acquired.size(), 1u);
  EXPECT_EQ(acquired[0].id, "c");
  EXPECT_EQ(stat("q")->leased, 2u);

  // A removal frees room too.
  events_.clear();
  EXPECT_TRUE(remove("q", first[1].id));
  EXPECT_TRUE(eventually([&] {
    auto p = events_.pending();
    return std::find(p.begin(), p.end(), "q") != p.end();
  }));
  EXPECT_EQ(take("q", 5, 10'000).size(), 1u);
  EXPECT_EQ(stat("q")->leased, 2u);

  // Raising the cap lets more through at once.
  CONFIG("q", cap(3));
  EXPECT_EQ(take("q", 5, 10'000).size(), 1u);
  EXPECT_EQ(stat("q")->leased, 3u);
}

TEST_P(StoreConformance, MaxLeasedRoomComesBackWhenALeaseRunsOut) {
  if (no_manual_clock()) return;
  for (const char* id : {"a", "b"}) ASSERT_TRUE(put("q", task(id)));
  CONFIG("q", cap(1));
  ASSERT_EQ(take("q", 5, 1000).size(), 1u);
  EXPECT_TRUE(take("q", 5, 1000).empty());
  advance(1000);
  reap();
  // The expired lease's task is pending again; one of the two may be leased.
  EXPECT_EQ(take("q", 5, 1000).size(), 1u);
  EXPECT_EQ(stat("q")->leased, 1u);
}

TEST_P(StoreConformance, TheBucketLimitsLeasesAndStartsFull) {
  // 0.001 leases/s: no token comes back while the test runs, on any clock.
  for (const char* id : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(put("q", task(id)));
  CONFIG("q", bucket(0.001, 2));
  EXPECT_EQ(take("q", 5, 10'000).size(), 2u);  // the burst
  EXPECT_TRUE(take("q", 5, 10'000).empty());
  EXPECT_TRUE(acquire("q", {"c"}, 0).empty());
  auto gate = GATE("q");
  EXPECT_TRUE(gate.blocked);
  EXPECT_GT(gate.retry_in_ms, 900'000);    // one token per 1000 s
  EXPECT_LE(gate.retry_in_ms, 1'000'000);
  // Leases given back do not give tokens back; a new bucket starts full.
  CONFIG("q", bucket(0.001, 1));
  EXPECT_EQ(acquire("q", {"c", "d"}, 0).size(), 1u);
  EXPECT_TRUE(take("q", 5, 10'000).empty());
}

TEST_P(StoreConformance, TheBucketRefillsAtItsRateOnTheStoresClock) {
  if (GetParam().name.rfind("Redis", 0) == 0) {
    GTEST_SKIP() << "Redis's bucket runs on Redis's clock, which the test cannot move";
  }
  if (no_manual_clock()) return;
  // The id is appended rather than built with `"t" + std::to_string(i)`: at -O3 g++ 12
  // reports a false -Wrestrict on that operator+ (GCC bug 105329) and warnings are errors.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(put("q", task(std::string("t").append(std::to_string(i)))));
  CONFIG("q", bucket(10, 2));  // a token every 100 ms, at most 2 saved
  EXPECT_EQ(take("q", 10, 10'000).size(), 2u);
  EXPECT_EQ(GATE("q").retry_in_ms, 100);
  advance(99);
  EXPECT_TRUE(take("q", 10, 10'000).empty());
  EXPECT_EQ(GATE("q").retry_in_ms, 1);
  advance(1);
  EXPECT_EQ(take("q", 10, 10'000).size(), 1u);
  advance(1000);  // the bucket holds at most its burst
  EXPECT_EQ(take("q", 10, 10'000).size(), 2u);
  EXPECT_TRUE(take("q", 10, 10'000).empty());
}

TEST_P(StoreConformance, AllLimitsTogetherGiveTheSmallestAllowance) {
  // The id is appended rather than built with `"t" + std::to_string(i)`: at -O3 g++ 12
  // reports a false -Wrestrict on that operator+ (GCC bug 105329) and warnings are errors.
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(put("q", task(std::string("t").append(std::to_string(i)))));
  QueueSettingsChange both = cap(3);
  both.bucket = QueueSettingsChange::Bucket{0.001, 5};
  CONFIG("q", both);
  EXPECT_EQ(take("q", 10, 10'000).size(), 3u);  // max_leased is the smaller
  EXPECT_TRUE(take("q", 10, 10'000).empty());
  CONFIG("q", cap(0));
  EXPECT_EQ(take("q", 10, 10'000).size(), 2u);  // then the bucket's 2 left
  EXPECT_TRUE(take("q", 10, 10'000).empty());
}

}  // namespace tc::test
