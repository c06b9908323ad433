// BatchMetrics: the take batch-size histograms of /metrics, per queue for at most the
// queue limit's queues (the first with a batch, while they live) and over all queues.
#include "http/batch_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tc {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(BatchMetrics, RendersCumulativeBucketsPerQueueAndTheTotal) {
  BatchMetrics metrics;
  std::string empty;
  metrics.render(empty);
  EXPECT_EQ(empty.find("taskcenter_queue_take_batch_size"), std::string::npos) << empty;
  EXPECT_TRUE(has_line(empty, "taskcenter_all_queues_take_batch_size_count 0")) << empty;

  metrics.observe_take("q", 1);
  metrics.observe_take("q", 5);
  metrics.observe_take("q \"x\"", 1000);
  metrics.observe_take("q \"x\"", 1001);
  std::string text;
  metrics.render(text);
  EXPECT_TRUE(has_line(text, "# TYPE taskcenter_queue_take_batch_size histogram")) << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_bucket{queue="q",le="1"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_bucket{queue="q",le="4"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_bucket{queue="q",le="8"} 2)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_bucket{queue="q",le="+Inf"} 2)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_sum{queue="q"} 6)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_count{queue="q"} 2)"));
  EXPECT_TRUE(
      has_line(text, R"(taskcenter_queue_take_batch_size_bucket{queue="q \"x\"",le="1000"} 1)"))
      << text;
  EXPECT_TRUE(has_line(text, "# TYPE taskcenter_all_queues_take_batch_size histogram"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_all_queues_take_batch_size_bucket{le="1"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_all_queues_take_batch_size_bucket{le="+Inf"} 4)"));
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_sum 2007")) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_count 4"));
}

// The queue observed last is found without the map: forgetting it must not let a batch
// land in a series that is gone.
TEST(BatchMetrics, TheQueueObservedLastStartsAgainFromNothingOnceForgotten) {
  BatchMetrics metrics;
  metrics.set_queue_limit(1);
  metrics.observe_take("a", 2);
  metrics.observe_take("a", 2);
  metrics.forget("a");
  metrics.observe_take("a", 5);
  metrics.observe_take("b", 1);  // over the limit: only the total
  metrics.observe_take("a", 5);
  std::string text;
  metrics.render(text);
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_count{queue="a"} 2)")) << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_sum{queue="a"} 10)")) << text;
  EXPECT_EQ(text.find(R"(queue="b")"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_count 5")) << text;
}

TEST(BatchMetrics, AtMostTheLimitsQueuesHaveSeriesUntilOneIsForgotten) {
  BatchMetrics metrics;
  metrics.set_queue_limit(2);
  for (const char* queue : {"a", "b", "c"}) metrics.observe_take(queue, 2);
  std::string text;
  metrics.render(text);
  EXPECT_NE(text.find(R"(_count{queue="a"} 1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(_count{queue="b"} 1)"), std::string::npos);
  EXPECT_EQ(text.find(R"(queue="c")"), std::string::npos);
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_count 3")) << text;

  metrics.forget("a");
  metrics.observe_take("c", 3);
  text.clear();
  metrics.render(text);
  EXPECT_EQ(text.find(R"(queue="a")"), std::string::npos);
  EXPECT_TRUE(has_line(text, R"(taskcenter_queue_take_batch_size_sum{queue="c"} 3)")) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_count 4"));
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_sum 9"));

  metrics.set_queue_limit(0);  // those that have series keep them; no new ones
  metrics.observe_take("d", 1);
  metrics.forget("b");
  metrics.forget("c");
  metrics.observe_take("e", 1);
  text.clear();
  metrics.render(text);
  EXPECT_EQ(text.find("taskcenter_queue_take_batch_size"), std::string::npos) << text;
  EXPECT_TRUE(has_line(text, "taskcenter_all_queues_take_batch_size_count 6"));
}

}  // namespace
}  // namespace tc
