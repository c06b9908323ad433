// The logger's line formats and rate limit, the access log line, and the metrics
// helpers (histogram, per-queue families), all without processes.
#include "core/logger.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "core/histogram.hpp"
#include "core/ops_metrics.hpp"
#include "http/queue_metrics.hpp"
#include "http/request_log.hpp"

namespace tc {
namespace {

using namespace std::chrono;

TEST(Logger, Rfc3339TimestampsAreUtcWithMilliseconds) {
  std::string out;
  logging::append_rfc3339_ms(out, system_clock::time_point(milliseconds(1'796'117'018'007)));
  EXPECT_EQ(out, "2026-12-01T09:23:38.007Z");
}

TEST(Logger, JsonEscapingCoversQuotesBackslashesAndControlBytes) {
  std::string out;
  logging::append_json_escaped(out, std::string_view("a\"b\\c\nd\x01", 8));
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001");
}

TEST(Logger, LevelsAndFormatsParseAsTheFlagsSpellThem) {
  logging::Level level{};
  EXPECT_TRUE(logging::parse_level("warn", level));
  EXPECT_EQ(level, logging::Level::warn);
  EXPECT_FALSE(logging::parse_level("WARNING", level));
  logging::Format format{};
  EXPECT_TRUE(logging::parse_format("json", format));
  EXPECT_EQ(format, logging::Format::json);
  EXPECT_FALSE(logging::parse_format("xml", format));
}

TEST(Logger, ARateLimitLetsOneThroughPerIntervalAndCountsTheRest) {
  logging::RateLimit limit(hours(1));
  std::uint64_t suppressed = 99;
  EXPECT_TRUE(limit.admit(suppressed));
  EXPECT_EQ(suppressed, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limit.admit(suppressed));
  logging::RateLimit immediate(milliseconds(0));
  EXPECT_TRUE(immediate.admit(suppressed));
  EXPECT_TRUE(immediate.admit(suppressed));
}

FinishedRequest sample() {
  FinishedRequest r;
  r.peer = "127.0.0.1:5000";
  r.method = "POST";
  r.target = "/task/put?token=secret";
  r.status = 200;
  r.response_body = R"({"err_code":"0000","data":true})";
  r.bytes = 122;
  r.duration = microseconds(1473);
  return r;
}

TEST(RequestLog, TextLineHasEveryFieldAndNeverTheQuery) {
  const auto line = RequestLog::format_line(sample(), logging::Format::text,
                                            system_clock::time_point(milliseconds(0)));
  EXPECT_EQ(line, "1970-01-01T00:00:00.000Z 127.0.0.1:5000 POST /task/put 200 0000 122 1.473ms");
}

TEST(RequestLog, JsonLineHasEveryField) {
  auto r = sample();
  r.response_body = "<html>";
  r.status = 404;
  const auto line =
      RequestLog::format_line(r, logging::Format::json, system_clock::time_point(milliseconds(0)));
  EXPECT_EQ(line,
            R"({"time":"1970-01-01T00:00:00.000Z","peer":"127.0.0.1:5000","method":"POST",)"
            R"("path":"/task/put","status":404,"err_code":null,"bytes":122,"duration_ms":1.473})");
}

TEST(RequestLog, ErrCodeIsReadOnlyFromTheEnvelopeStart) {
  EXPECT_EQ(RequestLog::err_code_of(R"({"err_code":"0002","message":"x"})"), "0002");
  EXPECT_EQ(RequestLog::err_code_of(R"({"data":{"err_code":"0000"}})"), "");
  EXPECT_EQ(RequestLog::err_code_of(R"({"err_code":"00)"), "");
  EXPECT_EQ(RequestLog::err_code_of(""), "");
}

TEST(RequestLog, SlowRequestsAreCountedExceptTheWaitingEndpoints) {
  auto log = RequestLog::open("", 5);
  ASSERT_TRUE(log);
  EXPECT_TRUE((*log)->active());
  auto& slow = ops_metrics().slow_requests;
  const auto before = slow.load();
  auto r = sample();
  r.duration = milliseconds(4);
  (*log)->finished(r);
  EXPECT_EQ(slow.load(), before);
  r.duration = milliseconds(5);
  (*log)->finished(r);
  EXPECT_EQ(slow.load(), before + 1);
  r.target = "/task/take";  // waits by request: never slow
  r.duration = seconds(30);
  (*log)->finished(r);
  EXPECT_EQ(slow.load(), before + 1);
  auto quiet = RequestLog::open("", 0);
  EXPECT_FALSE((*quiet)->active());
}

TEST(RequestLog, AnAccessLogThatCannotBeOpenedIsAnError) {
  auto log = RequestLog::open("/nonexistent-dir/access.log", 0);
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find("--access-log"), std::string::npos);
}

TEST(Histogram, RendersCumulativeBucketsSumAndCount) {
  Histogram h;
  h.observe_us(300);          // <= 0.0005
  h.observe_us(2'000'000);    // <= 5
  h.observe_us(100'000'000);  // +Inf
  std::string out;
  h.render(out, "x_seconds", "endpoint=\"put\"");
  EXPECT_NE(out.find("x_seconds_bucket{endpoint=\"put\",le=\"0.0005\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{endpoint=\"put\",le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{endpoint=\"put\",le=\"5\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_bucket{endpoint=\"put\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_sum{endpoint=\"put\"} 102.0003\n"), std::string::npos);
  EXPECT_NE(out.find("x_seconds_count{endpoint=\"put\"} 3\n"), std::string::npos);
  EXPECT_EQ(h.count(), 3u);
}

TEST(QueueMetrics, LabelValuesAreEscapedAndZeroCountersLeftOut) {
  NamedQueueStats q;
  q.queue = "a\"b\\c";
  q.stats.length = 2;
  q.stats.oldest_cursor = Cursor{10'000, 0};
  q.stats.total_put = 3;
  std::string out;
  append_queue_metrics(out, {q}, 12'345);
  EXPECT_NE(out.find("taskcenter_queue_pending{queue=\"a\\\"b\\\\c\"} 2\n"), std::string::npos);
  EXPECT_NE(out.find("taskcenter_queue_put_total{queue=\"a\\\"b\\\\c\"} 3\n"), std::string::npos);
  EXPECT_EQ(out.find("taskcenter_queue_replied_total{"), std::string::npos);
  EXPECT_NE(out.find("taskcenter_queue_oldest_pending_age_seconds{queue=\"a\\\"b\\\\c\"} 2.345\n"),
            std::string::npos);
}

}  // namespace
}  // namespace tc
