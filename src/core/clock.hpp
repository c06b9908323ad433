// Wall-clock milliseconds, injectable so tests can move time without sleeping.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tc {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch (cursors use the same unit as Redis stream ids).
  virtual std::int64_t now_ms() const noexcept = 0;
};

class SystemClock final : public Clock {
 public:
  std::int64_t now_ms() const noexcept override {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  }
};

// Test clock: starts at a fixed instant and moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  std::int64_t now_ms() const noexcept override { return now_.load(); }
  void advance(std::int64_t ms) noexcept { now_ += ms; }
  void set(std::int64_t ms) noexcept { now_ = ms; }

 private:
  std::atomic<std::int64_t> now_;
};

}  // namespace tc
