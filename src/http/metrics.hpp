// Request counters for GET /metrics (Prometheus text format 0.0.4): one relaxed atomic per
// (endpoint, err_code), so counting costs one uncontended-ish add on the hot path.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/histogram.hpp"

namespace tc {

enum class Endpoint : std::uint8_t {
  put, put_batch, peek, acquire, take, reply, call, touch, remove, clear_queue, list_queue,
  stat_queue,
  // Version 2 /task/* endpoints follow stat_queue (api.cpp's is_task_endpoint).
  summary, reply_batch, config_queue, fail, release, redrive, get, list_tasks, progress, watch,
  healthz, readyz, version, buildtime, metrics, openapi, docs, dashboard,
  unknown,  // 404 / 405
  count_
};

// The endpoint's label value, e.g. "put", "healthz".
std::string_view endpoint_name(Endpoint endpoint) noexcept;

class ApiMetrics {
 public:
  void count(Endpoint endpoint, Errc code) noexcept {
    counters_[index(endpoint, code)].fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t value(Endpoint endpoint, Errc code) const noexcept {
    return counters_[index(endpoint, code)].load(std::memory_order_relaxed);
  }
  // How long the Api took to answer (routing to response; long-polls include their wait).
  void observe_duration(Endpoint endpoint, std::uint64_t micros) noexcept {
    durations_[static_cast<std::size_t>(endpoint)].observe_us(micros);
  }
  // Appends the exposition text: request counters and durations, long-polls waiting,
  // build info.
  void render(std::string& out, std::uint64_t waiting) const;

 private:
  static constexpr std::size_t kCodes = static_cast<std::size_t>(Errc::expired) + 1;
  static constexpr std::size_t index(Endpoint endpoint, Errc code) noexcept {
    return static_cast<std::size_t>(endpoint) * kCodes + static_cast<std::size_t>(code);
  }
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Endpoint::count_) * kCodes>
      counters_{};
  std::array<Histogram, static_cast<std::size_t>(Endpoint::count_)> durations_{};
};

}  // namespace tc
