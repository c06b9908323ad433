// Streamed answers (call with "stream": true, /task/watch) in GET /metrics: how many are
// open now, by kind, and how each one ended (docs/operations.md, "Streams").
// Process-wide like ops_metrics(): a stream is made in a handler and ended by the
// transport, and neither has the Api at hand. A few relaxed atomic adds per stream.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "service/event_stream.hpp"

namespace tc {

// The label `kind` of the stream families.
enum class StreamKind : std::uint8_t { call, watch };
inline constexpr std::size_t kStreamKinds = 2;

class StreamMetrics {
 public:
  void opened(StreamKind kind) noexcept {
    open_[index(kind)].fetch_add(1, std::memory_order_relaxed);
  }
  // Once per opened stream.
  void closed(StreamKind kind, StreamEndReason reason) noexcept {
    open_[index(kind)].fetch_sub(1, std::memory_order_relaxed);
    ended_[index(kind)][static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  // Appends taskcenter_streams{kind} (gauge) and taskcenter_streams_ended_total{kind,reason}
  // (counter), every series always written (a fixed, small set).
  void render(std::string& out) const;

 private:
  static std::size_t index(StreamKind kind) noexcept { return static_cast<std::size_t>(kind); }
  std::array<std::atomic<std::int64_t>, kStreamKinds> open_{};
  std::array<std::array<std::atomic<std::uint64_t>, kStreamEndReasons>, kStreamKinds> ended_{};
};

StreamMetrics& stream_metrics() noexcept;

}  // namespace tc
