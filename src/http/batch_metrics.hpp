// Per-queue histogram of the batch sizes `take` handed out (GET /metrics), so an operator
// can tune `size` and `batch_window` from data. Kept by each instance for the takes it
// answered (Prometheus sums instances); process-wide like ops_metrics().
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace tc {

class BatchMetrics {
 public:
  // A take on `queue` answered `tasks` tasks (> 0; an empty take is no batch).
  void observe_take(std::string_view queue, std::size_t tasks);
  // The queue was cleared: its series go away with it.
  void forget(std::string_view queue);
  // Appends the family taskcenter_queue_take_batch_size (HELP, TYPE, one histogram per
  // queue that had a batch); nothing while no queue had one.
  void render(std::string& out) const;

  // Upper bounds of the buckets (le); the last bucket is +Inf.
  static constexpr std::array<std::uint32_t, 11> kBounds = {1,  2,   4,   8,   16,  32,
                                                           64, 128, 256, 512, 1000};

 private:
  struct Sizes {
    std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // not cumulative
    std::uint64_t count = 0;
    std::uint64_t sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Sizes, std::less<>> queues_;
};

BatchMetrics& batch_metrics() noexcept;

}  // namespace tc
