// A Prometheus histogram with fixed bucket bounds: one relaxed atomic add per bucket
// hit, the sum kept in microseconds, so observing costs a few nanoseconds and no lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

namespace tc {

class Histogram {
 public:
  // Upper bounds in seconds, for request and wait durations (0.5 ms .. 60 s).
  static constexpr std::array<double, 14> kBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                     0.025,  0.05,  0.1,    0.25,  0.5,
                                                     1,      5,     15,     60};

  void observe_us(std::uint64_t micros) noexcept {
    const double seconds = static_cast<double>(micros) / 1e6;
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_us_.fetch_add(micros, std::memory_order_relaxed);
  }
  std::uint64_t count() const noexcept;

  // Appends the _bucket, _sum and _count lines of `name` (no HELP/TYPE). `labels` is
  // empty or `key="value",...` without braces.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets_{};  // last: +Inf
  std::atomic<std::uint64_t> sum_us_{0};
};

}  // namespace tc
