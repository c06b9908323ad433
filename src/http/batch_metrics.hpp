// Per-queue histogram of the batch sizes `take` handed out (GET /metrics), so an operator
// can tune `size` and `batch_window` from data. Kept by each instance for the takes it
// answered (Prometheus sums instances); process-wide like ops_metrics().
//
// Bounded like LatencyMetrics: at most set_queue_limit() queues have series of their own (the
// first ones with a batch, for as long as they live); every batch also lands in
// taskcenter_all_queues_take_batch_size, so the totals are right whatever the bound.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "http/bounded_queue_series.hpp"

namespace tc {

class BatchMetrics {
 public:
  // The default of --metrics-queue-histograms.
  static constexpr std::size_t kDefaultQueueLimit = 100;

  // At most `queues` queues get per-queue series from now on (0: only the all-queues
  // family). Queues that already have series keep them.
  void set_queue_limit(std::size_t queues);
  // A take on `queue` answered `tasks` tasks (> 0; an empty take is no batch).
  void observe_take(std::string_view queue, std::size_t tasks);
  // The queue was cleared: its series go away with it (and free its place under the
  // bound); the all-queues family keeps what it added.
  void forget(std::string_view queue);
  // Appends the family taskcenter_queue_take_batch_size (HELP, TYPE, one histogram per
  // queue with series; nothing while no queue has one), then
  // taskcenter_all_queues_take_batch_size (always written).
  void render(std::string& out) const;

  // Upper bounds of the buckets (le); the last bucket is +Inf.
  static constexpr std::array<std::uint32_t, 11> kBounds = {1,  2,   4,   8,   16,  32,
                                                           64, 128, 256, 512, 1000};

 private:
  struct Sizes {
    std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // not cumulative
    std::uint64_t sum = 0;
    void observe(std::size_t bucket, std::size_t tasks) noexcept {
      ++buckets[bucket];
      sum += tasks;
    }
  };
  mutable std::mutex mutex_;
  BoundedQueueSeries<Sizes> queues_{kDefaultQueueLimit};
  Sizes all_;  // every batch, of every queue
};

BatchMetrics& batch_metrics() noexcept;

}  // namespace tc
