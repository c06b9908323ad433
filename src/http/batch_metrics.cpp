#include "http/batch_metrics.hpp"

#include <algorithm>

#include "http/queue_metrics.hpp"

namespace tc {

void BatchMetrics::observe_take(std::string_view queue, std::size_t tasks) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), tasks) - kBounds.begin());
  std::lock_guard lock(mutex_);
  auto it = queues_.find(queue);
  if (it == queues_.end()) it = queues_.emplace(std::string(queue), Sizes{}).first;
  ++it->second.buckets[bucket];
  ++it->second.count;
  it->second.sum += tasks;
}

void BatchMetrics::forget(std::string_view queue) {
  std::lock_guard lock(mutex_);
  if (auto it = queues_.find(queue); it != queues_.end()) queues_.erase(it);
}

void BatchMetrics::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  if (queues_.empty()) return;
  out.append(
      "# HELP taskcenter_queue_take_batch_size Tasks per non-empty take answered by this "
      "instance, by queue.\n"
      "# TYPE taskcenter_queue_take_batch_size histogram\n");
  for (const auto& [queue, sizes] : queues_) {
    auto series = [&](std::string_view suffix) {
      out.append("taskcenter_queue_take_batch_size").append(suffix).append("{queue=\"");
      append_label_value(out, queue);
      out.push_back('"');
    };
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i <= kBounds.size(); ++i) {
      cumulative += sizes.buckets[i];
      series("_bucket");
      out.append(",le=\"");
      out.append(i < kBounds.size() ? std::to_string(kBounds[i]) : "+Inf");
      out.append("\"} ").append(std::to_string(cumulative)).push_back('\n');
    }
    series("_sum");
    out.append("} ").append(std::to_string(sizes.sum)).push_back('\n');
    series("_count");
    out.append("} ").append(std::to_string(sizes.count)).push_back('\n');
  }
}

BatchMetrics& batch_metrics() noexcept {
  static BatchMetrics metrics;
  return metrics;
}

}  // namespace tc
