// What the transport refuses and reclaims, for GET /metrics (the server appends these
// series to the API's page) and for rate-limited log lines.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace tc {

enum class ConnectionRefusal : std::uint8_t {
  max_connections,  // --max-connections reached and no idle connection to close
  per_client,       // --max-connections-per-client reached for the address
  count_
};

struct TransportMetrics {
  std::atomic<std::uint64_t> refused[static_cast<std::size_t>(ConnectionRefusal::count_)]{};
  std::atomic<std::uint64_t> idle_closed{0};     // idle keep-alive closed to admit a new one
  std::atomic<std::uint64_t> accept_errors{0};   // accept() failed (EMFILE, ...)
  std::atomic<std::uint64_t> budget_refused{0};  // 503: --max-inflight-bytes exhausted

  void count_refusal(ConnectionRefusal reason) noexcept {
    refused[static_cast<std::size_t>(reason)].fetch_add(1, std::memory_order_relaxed);
  }
  // Appends the exposition text of these series and of the two gauges given.
  void render(std::string& out, std::uint64_t open_connections, std::uint64_t inflight_bytes,
              std::uint64_t inflight_limit) const;
};

// At most one line per `interval` for a repeated event; the next line says how many
// were not logged. Thread-safe.
class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::steady_clock::duration interval) : interval_(interval) {}
  // Returns the number of events since the last logged one (this one included) when
  // this one should be logged, 0 when it should be suppressed.
  std::uint64_t admit(std::chrono::steady_clock::time_point now) {
    std::lock_guard lock(mutex_);
    ++pending_;
    if (logged_once_ && now - last_ < interval_) return 0;
    logged_once_ = true;
    last_ = now;
    const std::uint64_t n = pending_;
    pending_ = 0;
    return n;
  }

 private:
  const std::chrono::steady_clock::duration interval_;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t pending_ = 0;
  bool logged_once_ = false;
};

}  // namespace tc
