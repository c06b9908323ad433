// A queue's settings (POST /task/config_queue): pause, a cap on leased tasks and a token
// bucket over leases. Shared by the service, both stores and the HTTP layer.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>

namespace tc {

// The settings in force. 0 means "no limit" for max_leased and rate.
struct QueueSettings {
  bool paused = false;
  std::uint32_t max_leased = 0;  // at most this many tasks of the queue leased at once
  double rate = 0;               // leases per second (token bucket), may be fractional
  double burst = 0;              // bucket size; 0 = the default, max(1, rate)
  // The bucket size in force: the given burst, else max(1, rate); 0 without a rate.
  double effective_burst() const noexcept {
    if (rate <= 0) return 0;
    return burst > 0 ? burst : std::max(1.0, rate);
  }
  bool limited() const noexcept { return paused || max_leased > 0 || rate > 0; }
};

// A config_queue request: a field left out keeps its value. `rate` and `burst` form one
// setting (the bucket): giving `rate` sets `burst` too (to its default when absent), and a
// new bucket starts full.
struct QueueSettingsChange {
  std::optional<bool> paused;
  std::optional<std::uint32_t> max_leased;
  struct Bucket {
    double rate = 0;   // 0 removes the bucket
    double burst = 0;  // 0 = max(1, rate)
  };
  std::optional<Bucket> bucket;
};

// Why a take/acquire may lease nothing now, for a take that waits (TaskService).
struct LeaseGate {
  bool blocked = false;         // paused, max_leased reached, or the bucket is empty
  std::int64_t retry_in_ms = 0;  // > 0: the bucket's next token comes in this many ms
};

// The token bucket as a GCRA ("theoretical arrival time"): one number of state, `tat`
// (ms), the time at which the bucket would be full again. Both engines use exactly these
// formulas (the Redis scripts in Lua, on Redis's clock), so they count alike.
namespace bucket {

inline double interval_ms(double rate) noexcept { return 1000.0 / rate; }

// Tokens available at `now`: floor(burst - (tat - now) / interval), at least 0.
inline std::uint32_t available(double rate, double burst, double tat, double now) noexcept {
  const double t = interval_ms(rate);
  const double base = std::max(tat, now);
  const double tokens = (now - base) / t + burst;
  if (tokens < 1) return 0;
  // A tiny epsilon: (a - b) / t can come out a hair below an exact whole number.
  const double whole = tokens + 1e-9;
  return whole >= 4294967295.0 ? UINT32_MAX : static_cast<std::uint32_t>(whole);
}

// The bucket after `n` tokens were spent at `now`.
inline double spend(double rate, double tat, double now, std::uint32_t n) noexcept {
  return std::max(tat, now) + interval_ms(rate) * n;
}

// Milliseconds from `now` until one token is available (0 if one is).
inline std::int64_t wait_ms(double rate, double burst, double tat, double now) noexcept {
  if (available(rate, burst, tat, now) > 0) return 0;
  const double t = interval_ms(rate);
  const double at = std::max(tat, now) + t - burst * t;  // when tokens reach 1
  const double in = at - now;
  return in < 1 ? 1 : static_cast<std::int64_t>(in + 0.999999);
}

}  // namespace bucket
}  // namespace tc
