#include "http/batch_metrics.hpp"

#include <algorithm>

#include "core/histogram.hpp"
#include "http/queue_metrics.hpp"

namespace tc {
namespace {

// kBounds as written in `le` labels.
constexpr std::array<std::string_view, BatchMetrics::kBounds.size()> kBoundLabels = {
    "1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "1000"};

}  // namespace

void BatchMetrics::set_queue_limit(std::size_t queues) {
  std::lock_guard lock(mutex_);
  queues_.set_limit(queues);
}

void BatchMetrics::observe_take(std::string_view queue, std::size_t tasks) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), tasks) - kBounds.begin());
  std::lock_guard lock(mutex_);
  all_.observe(bucket, tasks);
  // Over the bound the queue has no series of its own: the total has it.
  if (Sizes* sizes = queues_.find_or_add(queue)) sizes->observe(bucket, tasks);
}

void BatchMetrics::forget(std::string_view queue) {
  std::lock_guard lock(mutex_);
  queues_.forget(queue);
}

void BatchMetrics::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (!queues_.empty()) {
    out.append(
        "# HELP taskcenter_queue_take_batch_size Tasks per non-empty take answered by this "
        "instance, by queue (at most --metrics-queue-histograms queues).\n"
        "# TYPE taskcenter_queue_take_batch_size histogram\n");
    std::string labels;
    for (const auto& [queue, sizes] : queues_) {
      labels.assign("queue=\"");
      append_label_value(labels, queue);
      labels.push_back('"');
      append_histogram(out, "taskcenter_queue_take_batch_size", labels, kBoundLabels,
                       sizes.buckets, static_cast<double>(sizes.sum));
    }
  }
  out.append(
      "# HELP taskcenter_all_queues_take_batch_size Tasks per non-empty take answered by "
      "this instance, over all queues.\n"
      "# TYPE taskcenter_all_queues_take_batch_size histogram\n");
  append_histogram(out, "taskcenter_all_queues_take_batch_size", {}, kBoundLabels, all_.buckets,
                   static_cast<double>(all_.sum));
}

BatchMetrics& batch_metrics() noexcept {
  static BatchMetrics metrics;
  return metrics;
}

}  // namespace tc
