// LatencyMetrics: the queue delay and service time histograms of /metrics, rendered per
// queue in seconds with cumulative buckets, and forgotten with their queue.
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
  EXPECT_EQ(empty, "");  // no queue had a lease: no family at all

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

}  // namespace
}  // namespace tc
