#include "http/queue_metrics.hpp"

#include <charconv>
#include <string_view>

namespace tc {
namespace {

struct QueueFamily {
  std::string_view name;
  std::string_view type;  // gauge | counter
  std::string_view help;
  std::uint64_t (*value)(const QueueStats&, std::uint64_t now_ms);
  bool skip_zero;  // counters: absent reads as 0, and keeps the page short
};

std::uint64_t oldest_age_ms(const QueueStats& s, std::uint64_t now_ms) {
  if (s.length == 0 || !s.oldest_cursor) return 0;
  return now_ms > s.oldest_cursor->ms ? now_ms - s.oldest_cursor->ms : 0;
}

constexpr QueueFamily kFamilies[] = {
    {"taskcenter_queue_pending", "gauge", "Pending tasks visible to peek and take.",
     [](const QueueStats& s, std::uint64_t) { return s.length; }, false},
    {"taskcenter_queue_delayed", "gauge", "Pending tasks waiting out a delay.",
     [](const QueueStats& s, std::uint64_t) { return s.delayed; }, false},
    {"taskcenter_queue_leased", "gauge", "Tasks leased to a consumer, waiting for its reply.",
     [](const QueueStats& s, std::uint64_t) { return s.leased; }, false},
    {"taskcenter_queue_done", "gauge", "Replied tasks whose result is still cached.",
     [](const QueueStats& s, std::uint64_t) { return s.done; }, false},
    {"taskcenter_queue_waiting_consumers", "gauge",
     "Long-polls (peek, take, call) waiting on the queue on this instance.",
     [](const QueueStats& s, std::uint64_t) { return s.waiting; }, false},
    {"taskcenter_queue_put_total", "counter", "Tasks created in the queue.",
     [](const QueueStats& s, std::uint64_t) { return s.total_put; }, true},
    {"taskcenter_queue_leased_total", "counter", "Tasks acquired (acquire or take).",
     [](const QueueStats& s, std::uint64_t) { return s.total_acquired; }, true},
    {"taskcenter_queue_replied_total", "counter", "Tasks completed by a reply.",
     [](const QueueStats& s, std::uint64_t) { return s.total_replied; }, true},
    {"taskcenter_queue_redelivered_total", "counter",
     "Leases that ran out, the task pending again.",
     [](const QueueStats& s, std::uint64_t) { return s.total_redelivered; }, true},
    {"taskcenter_queue_dead_lettered_total", "counter",
     "Tasks whose attempts were used up (dead-lettered or dropped).",
     [](const QueueStats& s, std::uint64_t) { return s.total_dead; }, true},
    {"taskcenter_queue_removed_total", "counter", "Tasks removed by remove.",
     [](const QueueStats& s, std::uint64_t) { return s.total_removed; }, true},
    {"taskcenter_queue_failed_total", "counter", "Attempts reported failed by fail.",
     [](const QueueStats& s, std::uint64_t) { return s.total_failed; }, true},
    {"taskcenter_queue_released_total", "counter", "Leases given back untried by release.",
     [](const QueueStats& s, std::uint64_t) { return s.total_released; }, true},
    {"taskcenter_queue_expired_total", "counter",
     "Tasks whose deadline passed before any consumer leased them.",
     [](const QueueStats& s, std::uint64_t) { return s.total_expired; }, true},
};

void append_uint(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

}  // namespace

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    if (c == '\\')
      out.append("\\\\");
    else if (c == '"')
      out.append("\\\"");
    else if (c == '\n')
      out.append("\\n");
    else
      out.push_back(c);
  }
}

void append_queue_metrics(std::string& out, const std::vector<NamedQueueStats>& queues,
                          std::uint64_t now_ms) {
  // About 13 lines of ~30 bytes plus the name per queue: one allocation, not a dozen.
  std::size_t estimate = 0;
  for (const auto& q : queues) estimate += 13 * (q.queue.size() + 48);
  out.reserve(out.size() + estimate);
  // Labels once per queue, reused by every family.
  std::vector<std::string> labels;
  labels.reserve(queues.size());
  for (const auto& q : queues) {
    std::string l = "{queue=\"";
    append_label_value(l, q.queue);
    l.append("\"} ");
    labels.push_back(std::move(l));
  }
  for (const auto& family : kFamilies) {
    out.append("# HELP ").append(family.name).append(" ").append(family.help);
    out.append("\n# TYPE ").append(family.name).append(" ").append(family.type).push_back('\n');
    for (std::size_t i = 0; i < queues.size(); ++i) {
      const std::uint64_t v = family.value(queues[i].stats, now_ms);
      if (v == 0 && family.skip_zero) continue;
      out.append(family.name).append(labels[i]);
      append_uint(out, v);
      out.push_back('\n');
    }
  }
  // Seconds with millisecond precision.
  constexpr std::string_view kAge = "taskcenter_queue_oldest_pending_age_seconds";
  out.append("# HELP ").append(kAge).append(
      " Age of the oldest visible pending task (since it got its cursor); 0 when none.\n");
  out.append("# TYPE ").append(kAge).append(" gauge\n");
  for (std::size_t i = 0; i < queues.size(); ++i) {
    const std::uint64_t ms = oldest_age_ms(queues[i].stats, now_ms);
    out.append(kAge).append(labels[i]);
    append_uint(out, ms / 1000);
    out.push_back('.');
    const auto frac = ms % 1000;
    out.push_back(static_cast<char>('0' + frac / 100));
    out.push_back(static_cast<char>('0' + frac / 10 % 10));
    out.push_back(static_cast<char>('0' + frac % 10));
    out.push_back('\n');
  }
}

}  // namespace tc
