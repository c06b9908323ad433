#include "http/latency_metrics.hpp"

#include <algorithm>
#include <span>

#include "core/histogram.hpp"
#include "http/queue_metrics.hpp"

namespace tc {
namespace {

// kBoundsMs in seconds, as written in `le` labels.
constexpr std::array<std::string_view, LatencyMetrics::kBoundsMs.size()> kBoundLabels = {
    "0.001", "0.002", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
    "1",     "2.5",   "5",     "10",   "30",    "60",   "120", "300",  "600"};

}  // namespace

void LatencyMetrics::Durations::observe(std::int64_t ms) noexcept {
  ms = std::max<std::int64_t>(ms, 0);
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), ms) - kBoundsMs.begin());
  ++buckets[bucket];
  ++count;
  sum_ms += ms;
}

void LatencyMetrics::set_queue_limit(std::size_t queues) {
  std::lock_guard lock(mutex_);
  queues_.set_limit(queues);
}

void LatencyMetrics::observe_leased(std::string_view queue,
                                    const std::vector<AcquiredTask>& tasks) {
  if (tasks.empty()) return;
  std::lock_guard lock(mutex_);
  Queue* q = queues_.find_or_add(queue);
  for (const AcquiredTask& task : tasks) {
    all_.delay.observe(task.queue_delay_ms);
    if (q) q->delay.observe(task.queue_delay_ms);
  }
}

void LatencyMetrics::observe_replied(std::string_view queue,
                                     const std::vector<ReplyOutcome>& outcomes) {
  if (std::none_of(outcomes.begin(), outcomes.end(),
                   [](const ReplyOutcome& o) { return o.service_ms.has_value(); }))
    return;
  std::lock_guard lock(mutex_);
  Queue* q = queues_.find_or_add(queue);
  for (const ReplyOutcome& o : outcomes) {
    if (!o.service_ms) continue;
    all_.service.observe(*o.service_ms);
    if (q) q->service.observe(*o.service_ms);
  }
}

void LatencyMetrics::observe_replied(std::string_view queue, const ReplyOutcome& outcome) {
  if (!outcome.service_ms) return;
  std::lock_guard lock(mutex_);
  all_.service.observe(*outcome.service_ms);
  if (Queue* q = queues_.find_or_add(queue)) q->service.observe(*outcome.service_ms);
}

void LatencyMetrics::forget(std::string_view queue) {
  std::lock_guard lock(mutex_);
  queues_.forget(queue);
}

void LatencyMetrics::render_family(std::string& out, std::string_view name, std::string_view help,
                                   std::string_view all_name, std::string_view all_help,
                                   Durations Queue::*which) const {
  auto header = [&out](std::string_view family, std::string_view text) {
    out.append("# HELP ").append(family).push_back(' ');
    out.append(text).push_back('\n');
    out.append("# TYPE ").append(family).append(" histogram\n");
  };
  bool any = std::any_of(queues_.begin(), queues_.end(),
                         [&](const auto& entry) { return (entry.second.*which).count > 0; });
  if (any) {
    header(name, help);
    std::string labels;
    for (const auto& [queue, durations] : queues_) {
      const Durations& d = durations.*which;
      if (d.count == 0) continue;
      labels.assign("queue=\"");
      append_label_value(labels, queue);
      labels.push_back('"');
      append_histogram(out, name, labels, kBoundLabels, d.buckets,
                       static_cast<double>(d.sum_ms) / 1000);
    }
  }
  header(all_name, all_help);
  const Durations& all = all_.*which;
  append_histogram(out, all_name, {}, kBoundLabels, all.buckets,
                   static_cast<double>(all.sum_ms) / 1000);
}

void LatencyMetrics::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  render_family(out, "taskcenter_queue_delay_seconds",
                "Seconds a task waited, visible, before the lease this instance handed out "
                "(acquire or take), by queue (at most --metrics-queue-histograms queues).",
                "taskcenter_all_queues_delay_seconds",
                "Seconds a task waited, visible, before the lease this instance handed out "
                "(acquire or take), over all queues.",
                &Queue::delay);
  render_family(out, "taskcenter_queue_service_seconds",
                "Seconds from a task's lease to the reply this instance accepted, by queue "
                "(at most --metrics-queue-histograms queues).",
                "taskcenter_all_queues_service_seconds",
                "Seconds from a task's lease to the reply this instance accepted, over all "
                "queues.",
                &Queue::service);
}

LatencyMetrics& latency_metrics() noexcept {
  static LatencyMetrics metrics;
  return metrics;
}

}  // namespace tc
