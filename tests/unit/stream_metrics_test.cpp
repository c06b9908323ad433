// StreamMetrics: the open-streams gauge and the ended counter of /metrics, every series
// written from the start.
#include "http/stream_metrics.hpp"

#include <gtest/gtest.h>

#include <string>

namespace tc {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}

TEST(StreamMetrics, CountsOpenStreamsByKindAndHowTheyEnded) {
  StreamMetrics metrics;
  std::string text;
  metrics.render(text);
  EXPECT_TRUE(has_line(text, "# TYPE taskcenter_streams gauge")) << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams{kind="call"} 0)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams{kind="watch"} 0)"));
  EXPECT_TRUE(has_line(text, "# TYPE taskcenter_streams_ended_total counter"));
  for (const char* kind : {"call", "watch"})
    for (const char* reason : {"result", "shutdown", "cut_off", "disconnect"})
      EXPECT_TRUE(has_line(text, std::string("taskcenter_streams_ended_total{kind=\"") + kind +
                                     "\",reason=\"" + reason + "\"} 0"))
          << kind << " " << reason;

  metrics.opened(StreamKind::call);
  metrics.opened(StreamKind::watch);
  metrics.opened(StreamKind::watch);
  metrics.closed(StreamKind::watch, StreamEndReason::cut_off);
  text.clear();
  metrics.render(text);
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams{kind="call"} 1)")) << text;
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams{kind="watch"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams_ended_total{kind="watch",reason="cut_off"} 1)"));

  metrics.closed(StreamKind::call, StreamEndReason::disconnect);
  metrics.closed(StreamKind::watch, StreamEndReason::shutdown);
  text.clear();
  metrics.render(text);
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams{kind="call"} 0)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams{kind="watch"} 0)"));
  EXPECT_TRUE(
      has_line(text, R"(taskcenter_streams_ended_total{kind="call",reason="disconnect"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams_ended_total{kind="watch",reason="shutdown"} 1)"));
  EXPECT_TRUE(has_line(text, R"(taskcenter_streams_ended_total{kind="call",reason="result"} 0)"));
}

}  // namespace
}  // namespace tc
