// A Prometheus histogram with fixed bucket bounds: a few relaxed atomic adds per
// observation and no lock. The counts are spread over a few cache-line-aligned shards,
// one per thread in turn, so two I/O threads observing the same endpoint do not bounce
// one cache line between their cores on every request.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tc {

// Appends the _bucket, _sum and _count lines of histogram `name` (no HELP/TYPE): one
// bucket per `le` label and +Inf; `counts` are per bucket, not cumulative (one more than
// `le`, the last is +Inf's). `labels` is empty or `key="value",...` without braces.
void append_histogram(std::string& out, std::string_view name, std::string_view labels,
                      std::span<const std::string_view> le,
                      std::span<const std::uint64_t> counts, double sum);

class Histogram {
 public:
  // Upper bounds in seconds, for request and wait durations (0.5 ms .. 60 s).
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 15, 60};

  void observe_us(std::uint64_t micros) noexcept {
    const double seconds = static_cast<double>(micros) / 1e6;
    std::size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    Shard& shard = shards_[shard_index()];
    shard.buckets[i].fetch_add(1, std::memory_order_relaxed);
    shard.sum_us.fetch_add(micros, std::memory_order_relaxed);
  }
  std::uint64_t count() const noexcept;

  // Appends the _bucket, _sum and _count lines of `name` (no HELP/TYPE). `labels` is
  // empty or `key="value",...` without braces.
  void render(std::string& out, std::string_view name, std::string_view labels) const;

 private:
  static constexpr std::size_t kShards = 4;
  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> buckets{};  // last: +Inf
    std::atomic<std::uint64_t> sum_us{0};
  };
  // Each thread takes the next shard the first time it observes anything.
  static std::size_t shard_index() noexcept;

  std::array<Shard, kShards> shards_{};
};

}  // namespace tc
