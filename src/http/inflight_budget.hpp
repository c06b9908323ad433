// The total of request bodies the server holds in memory at once (--max-inflight-bytes).
// A request reserves its announced Content-Length (or, chunked, what has arrived) before
// its body is read and gives it back once its handler is done, so a crowd of clients
// that announce big bodies and stall cannot make the process hold more than the budget.
#pragma once

#include <atomic>
#include <cstdint>

namespace tc {

class InflightBudget {
 public:
  // limit 0: no budget (every reservation succeeds; the total is still tracked).
  explicit InflightBudget(std::uint64_t limit) : limit_(limit) {}

  // Takes `bytes` if they fit. A body larger than the whole budget fits only while
  // nothing else is reserved, so a budget below --max-body still lets it through alone.
  bool try_reserve(std::uint64_t bytes) noexcept {
    std::uint64_t used = used_.load(std::memory_order_relaxed);
    for (;;) {
      if (limit_ != 0 && used != 0 && used + bytes > limit_) return false;
      if (used_.compare_exchange_weak(used, used + bytes, std::memory_order_relaxed)) return true;
    }
  }
  void release(std::uint64_t bytes) noexcept { used_.fetch_sub(bytes, std::memory_order_relaxed); }

  std::uint64_t used() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::uint64_t limit() const noexcept { return limit_; }

 private:
  const std::uint64_t limit_;
  std::atomic<std::uint64_t> used_{0};
};

// One request's share of the budget; gives it back when released or destroyed (a
// session that ends in the middle of a body).
class BudgetHold {
 public:
  explicit BudgetHold(InflightBudget& budget) : budget_(budget) {}
  ~BudgetHold() { release(); }
  BudgetHold(const BudgetHold&) = delete;
  BudgetHold& operator=(const BudgetHold&) = delete;

  // Reserves `bytes` more; false (and nothing taken) when they do not fit.
  bool add(std::uint64_t bytes) noexcept {
    if (bytes == 0) return true;
    if (!budget_.try_reserve(bytes)) return false;
    held_ += bytes;
    return true;
  }
  void release() noexcept {
    if (held_ == 0) return;
    budget_.release(held_);
    held_ = 0;
  }
  std::uint64_t held() const noexcept { return held_; }

 private:
  InflightBudget& budget_;
  std::uint64_t held_ = 0;
};

}  // namespace tc
