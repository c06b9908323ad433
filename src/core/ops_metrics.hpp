// Process-wide operational counters that deep layers bump where things happen (the
// log's fsync thread, the compaction thread, the reaper, the Redis connection, the
// acceptor) and GET /metrics renders. Process-wide, like a Prometheus client's default
// registry: threading a metrics object through every layer's constructor would touch
// every signature for a few relaxed atomic adds.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/histogram.hpp"

namespace tc {

// What failed in the store, the label of taskcenter_store_errors_total.
enum class StoreErrorKind : std::uint8_t {
  write,       // a log record could not be appended (disk full, I/O error)
  fsync,       // the log could not be synced to disk
  compaction,  // a background compaction failed (retried later)
  reap,        // a pass of the reaper (expired leases, delays, result TTLs) failed
  redis,       // a Redis request failed (connection lost, timeout)
  count_
};

std::string_view store_error_kind_name(StoreErrorKind kind) noexcept;

struct OpsMetrics {
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(StoreErrorKind::count_)>
      store_errors{};
  Histogram fsync_seconds;       // one observation per fsync of the log
  Histogram compaction_seconds;  // one per successful compaction
  std::atomic<std::uint64_t> redis_reconnects{0};
  Histogram call_wait_seconds;                        // how long each call waited for its result
  std::atomic<std::uint64_t> call_timeouts{0};
  std::atomic<std::uint64_t> slow_requests{0};  // over --slow-request-ms

  void count_store_error(StoreErrorKind kind) noexcept {
    store_errors[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  }
  // Appends every family above with HELP and TYPE.
  void render(std::string& out) const;
};

OpsMetrics& ops_metrics() noexcept;

}  // namespace tc
