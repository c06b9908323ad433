// LatencyMetrics: the queue delay and service time histograms of /metrics, rendered per
// queue in seconds with cumulative buckets, forgotten with their queue, per-queue series
// for at most the queue limit's queues and every observation in the all-queues families.
#include "http/latency_metrics.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tc {
namespace {

AcquiredTask waited(std::int64_t ms) {
  AcquiredTask t;
  t.queue_delay_ms = ms;
  return t;
}

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(LatencyMetrics, RendersBothFamiliesPerQueueInSeconds) {
  LatencyMetrics metrics;
  std::string empty;
  metrics.render(empty);
  // No queue had a lease: no per-queue family, the all-queues ones at zero.
  EXPECT_EQ(empty.find("taskcenter_queue_"), std::string::npos) << empty;
  EXPECT_TRUE(has_line(empty, "taskcenter_all_queues_delay_seconds_count 0")) << empty;
  EXPECT_TRUE(has_line(empty, "taskcenter_all_queues_service_seconds_count 0")) << empty;

  metrics.observe_leased("q", {waited(0), waited(1), waited(2), waited(600'000), waited(600'001)});
  metrics.observe_replied(
      "q", std::vector<ReplyOutcome>{{true, 1500}, {true, std::nullopt}, {false, std::nullopt}});
  std::string text;
  metrics.render(text);
  EXPECT_TRUE(has_line(text, "# TYPE taskcenter_queue_delay_seconds histogram")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE taskcenter_queue_service_seconds histogram")) << text;
  // Bounds are upper bounds (le): 0 and 1 ms in the first bucket, 2 ms in the second.
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_bucket{queue="q",le="0.001"} 2)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_bucket{queue="q",le="0.002"} 3)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_bucket{queue="q",le="600"} 4)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_bucket{queue="q",le="+Inf"} 5)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_count{queue="q"} 5)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_sum{queue="q"} 1200.004)")) << text;
  // Only the reply that completed a leased task has a service time.
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_service_seconds_bucket{queue="q",le="1"} 0)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_service_seconds_bucket{queue="q",le="2.5"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_service_seconds_count{queue="q"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_service_seconds_sum{queue="q"} 1.5)"));
}

TEST(LatencyMetrics, AFamilyAppearsWithItsFirstObservationAndGoesWithTheQueue) {
  LatencyMetrics metrics;
  metrics.observe_leased("a", {waited(5)});
  metrics.observe_leased("b \"quoted\"", {waited(5)});
  metrics.observe_replied("b \"quoted\"", ReplyOutcome{true, 7});
  std::string text;
  metrics.render(text);
  EXPECT_NE(text.find(R"(taskcenter_queue_delay_seconds_count{queue="a"} 1)"), std::string::npos);
  EXPECT_NE(text.find(R"(taskcenter_queue_service_seconds_count{queue="b \"quoted\""} 1)"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find(R"(taskcenter_queue_service_seconds_count{queue="a"})"), std::string::npos);

  metrics.forget("b \"quoted\"");
  text.clear();
  metrics.render(text);
  EXPECT_EQ(text.find("quoted"), std::string::npos);
  EXPECT_EQ(text.find("taskcenter_queue_service_seconds"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(queue="a")"), std::string::npos);
}

TEST(LatencyMetrics, AtMostTheLimitsQueuesHaveSeriesAndTheTotalsHaveEverything) {
  LatencyMetrics metrics;
  metrics.set_queue_limit(2);
  for (const char* queue : {"a", "b", "c", "d"}) {
    metrics.observe_leased(queue, {waited(3), waited(30)});
    metrics.observe_replied(queue, ReplyOutcome{true, 1500});
  }
  metrics.observe_leased("c", {waited(3)});  // c is over the limit: only the total moves
  std::string text;
  metrics.render(text);
  // The first two queues observed, for both families.
  for (const char* family : {"taskcenter_queue_delay_seconds", "taskcenter_queue_service_seconds"}) {
    EXPECT_NE(text.find(std::string(family) + R"(_count{queue="a"})"), std::string::npos);
    EXPECT_NE(text.find(std::string(family) + R"(_count{queue="b"})"), std::string::npos);
    EXPECT_EQ(text.find(std::string(family) + R"(_count{queue="c"})"), std::string::npos);
    EXPECT_EQ(text.find(std::string(family) + R"(_count{queue="d"})"), std::string::npos);
  }
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_count{queue="a"} 2)")) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_delay_seconds_count 9")) << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_all_queues_delay_seconds_bucket{le="0.005"} 5)"));
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_delay_seconds_sum 0.135")) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_service_seconds_count 4")) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_service_seconds_sum 6")) << text;

  // A cleared queue frees its place: the next new queue gets it; the totals keep all.
  metrics.forget("a");
  metrics.observe_leased("e", {waited(1)});
  metrics.observe_leased("c", {waited(1)});
  text.clear();
  metrics.render(text);
  EXPECT_EQ(text.find(R"(queue="a")"), std::string::npos);
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_count{queue="e"} 1)")) << text;
  EXPECT_EQ(text.find(R"(queue="c")"), std::string::npos);
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_delay_seconds_count 11")) << text;
}

// The queue observed last is found without the map: forgetting it, or another queue in
// between, must not let an observation land in a series that is gone.
TEST(LatencyMetrics, TheQueueObservedLastStartsAgainFromNothingOnceForgotten) {
  LatencyMetrics metrics;
  metrics.set_queue_limit(1);
  metrics.observe_leased("a", {waited(5)});
  metrics.observe_leased("a", {waited(5)});
  metrics.forget("a");
  metrics.observe_replied("a", ReplyOutcome{true, 7});
  std::string text;
  metrics.render(text);
  EXPECT_EQ(text.find("taskcenter_queue_delay_seconds"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_service_seconds_count{queue="a"} 1)")) << text;
  metrics.observe_leased("b", {waited(5)});  // over the limit: only the totals
  metrics.observe_leased("a", {waited(5)});
  text.clear();
  metrics.render(text);
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_delay_seconds_count{queue="a"} 1)")) << text;
  EXPECT_EQ(text.find(R"(queue="b")"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_delay_seconds_count 4")) << text;
}

TEST(LatencyMetrics, ALimitOfZeroLeavesOnlyTheTotals) {
  LatencyMetrics metrics;
  metrics.set_queue_limit(0);
  metrics.observe_leased("a", {waited(3)});
  metrics.observe_replied("a", std::vector<ReplyOutcome>{{true, 4}, {true, std::nullopt}});
  std::string text;
  metrics.render(text);
  EXPECT_EQ(text.find("taskcenter_queue_"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_delay_seconds_count 1")) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_service_seconds_count 1")) << text;
}

}  // namespace
}  // namespace tc
