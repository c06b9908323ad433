// Per-queue histograms of queue delay (how long a task waited, visible, before a consumer
// leased it) and service time (how long the consumer held the lease before its reply), in
// GET /metrics, so an operator can tune `size` and `batch_window` from data. The store
// reports both times from its own clock readings (docs/operations.md, "Per queue"), so they are
// right when put, take and reply ran on different instances; each instance observes what it served
// (Prometheus sums instances). Process-wide like batch_metrics().
//
// Bounded (docs/operations.md, "Per queue"): at most set_queue_limit() queues have series of
// their own, the first ones observed, for as long as they live (until clear_queue
// forgets them); every observation also lands in the all-queues families
// taskcenter_all_queues_delay_seconds / taskcenter_all_queues_service_seconds, so the
// totals are right whatever the bound.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.hpp"
#include "http/bounded_queue_series.hpp"

namespace tc {

class LatencyMetrics {
 public:
  // The default of --metrics-queue-histograms.
  static constexpr std::size_t kDefaultQueueLimit = 100;

  // At most `queues` queues get per-queue series from now on (0: only the all-queues
  // families). Queues that already have series keep them.
  void set_queue_limit(std::size_t queues);
  // The tasks one acquire or take on `queue` leased: their queue delays.
  void observe_leased(std::string_view queue, const std::vector<AcquiredTask>& tasks);
  // The replies one reply or reply_batch on `queue` made: the service times of those that
  // completed a leased task.
  void observe_replied(std::string_view queue, const std::vector<ReplyOutcome>& outcomes);
  void observe_replied(std::string_view queue, const ReplyOutcome& outcome);
  // The queue was cleared: its series go away with it (and free its place under the
  // bound); the all-queues families keep what it added.
  void forget(std::string_view queue);
  // Appends the families taskcenter_queue_delay_seconds and
  // taskcenter_queue_service_seconds (HELP, TYPE, one histogram per queue with series
  // that had an observation; a family is left out while no queue has one), each followed
  // by its all-queues family (always written).
  void render(std::string& out) const;

  // Upper bounds of the buckets in ms (le, in seconds: 0.001 .. 600); the last is +Inf.
  static constexpr std::array<std::int64_t, 18> kBoundsMs = {
      1,    2,    5,    10,    25,    50,    100,    250,    500,
      1000, 2500, 5000, 10000, 30000, 60000, 120000, 300000, 600000};

 private:
  struct Durations {
    std::array<std::uint64_t, kBoundsMs.size() + 1> buckets{};  // not cumulative
    std::uint64_t count = 0;
    std::int64_t sum_ms = 0;
    void observe(std::int64_t ms) noexcept;
  };
  struct Queue {
    Durations delay;
    Durations service;
  };
  void render_family(std::string& out, std::string_view name, std::string_view help,
                     std::string_view all_name, std::string_view all_help,
                     Durations Queue::*which) const;

  mutable std::mutex mutex_;
  BoundedQueueSeries<Queue> queues_{kDefaultQueueLimit};
  Queue all_;  // every observation, of every queue
};

LatencyMetrics& latency_metrics() noexcept;

}  // namespace tc
