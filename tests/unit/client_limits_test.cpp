// ClientLimits (--max-connections-per-client) and LogThrottle (rate-limited log lines).
#include "http/client_limits.hpp"
#include "http/transport_metrics.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

ClientAddress address(unsigned char last) {
  ClientAddress a{};
  a[10] = a[11] = 0xff;  // ::ffff:127.0.0.x
  a[12] = 127;
  a[15] = last;
  return a;
}

TEST(ClientLimits, CountsEachAddressOnItsOwn) {
  ClientLimits limits(2);
  EXPECT_TRUE(limits.try_admit(address(1)));
  EXPECT_TRUE(limits.try_admit(address(1)));
  EXPECT_FALSE(limits.try_admit(address(1)));
  EXPECT_TRUE(limits.try_admit(address(2)));
  EXPECT_EQ(limits.open(address(1)), 2u);
  limits.leave(address(1));
  EXPECT_TRUE(limits.try_admit(address(1)));
  limits.leave(address(1));
  limits.leave(address(1));
  limits.leave(address(2));
  EXPECT_EQ(limits.open(address(1)), 0u);
  EXPECT_EQ(limits.open(address(2)), 0u);
  limits.leave(address(3));  // never admitted: ignored
  EXPECT_EQ(limits.open(address(3)), 0u);
}

TEST(ClientLimits, ZeroMeansNoLimit) {
  ClientLimits limits(0);
  for (int i = 0; i < 10'000; ++i) EXPECT_TRUE(limits.try_admit(address(1)));
  EXPECT_EQ(limits.open(address(1)), 0u);  // not even tracked
}

TEST(LogThrottle, OneLinePerIntervalWithTheCountOfTheSilencedOnes) {
  using namespace std::chrono_literals;
  LogThrottle throttle(10s);
  const auto t0 = std::chrono::steady_clock::time_point{} + 1h;
  EXPECT_EQ(throttle.admit(t0), 1u);
  EXPECT_EQ(throttle.admit(t0 + 1s), 0u);
  EXPECT_EQ(throttle.admit(t0 + 9s), 0u);
  EXPECT_EQ(throttle.admit(t0 + 10s), 3u);
  EXPECT_EQ(throttle.admit(t0 + 30s), 1u);
}

TEST(TransportMetrics, RendersEverySeries) {
  TransportMetrics metrics;
  metrics.count_refusal(ConnectionRefusal::per_client);
  metrics.idle_closed = 4;
  std::string out;
  metrics.render(out, 7, 100, 200);
  EXPECT_NE(out.find("taskcenter_connections 7\n"), std::string::npos);
  EXPECT_NE(out.find("taskcenter_connections_refused_total{reason=\"per_client\"} 1\n"),
            std::string::npos);
  EXPECT_NE(out.find("taskcenter_connections_refused_total{reason=\"max_connections\"} 0\n"),
            std::string::npos);
  EXPECT_NE(out.find("taskcenter_idle_connections_closed_total 4\n"), std::string::npos);
  EXPECT_NE(out.find("taskcenter_inflight_body_bytes 100\n"), std::string::npos);
  EXPECT_NE(out.find("taskcenter_inflight_body_limit_bytes 200\n"), std::string::npos);
}

}  // namespace
}  // namespace tc
