#include "core/ops_metrics.hpp"

#include <charconv>

namespace tc {
namespace {

void append_counter(std::string& out, std::string_view name, std::string_view help,
                    std::uint64_t value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
  out.append(name).append(" counter\n").append(name).push_back(' ');
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end).push_back('\n');
}

void append_histogram(std::string& out, std::string_view name, std::string_view help,
                      const Histogram& h) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
  out.append(name).append(" histogram\n");
  h.render(out, name, {});
}

}  // namespace

std::string_view store_error_kind_name(StoreErrorKind kind) noexcept {
  switch (kind) {
    case StoreErrorKind::write:
      return "write";
    case StoreErrorKind::fsync:
      return "fsync";
    case StoreErrorKind::compaction:
      return "compaction";
    case StoreErrorKind::reap:
      return "reap";
    case StoreErrorKind::redis:
      return "redis";
    case StoreErrorKind::count_:
      break;
  }
  return "unknown";
}

OpsMetrics& ops_metrics() noexcept {
  static OpsMetrics metrics;
  return metrics;
}

void OpsMetrics::render(std::string& out) const {
  out.append(
      "# HELP taskcenter_store_errors_total Store failures, by kind (write, fsync, compaction, "
      "reap, redis).\n"
      "# TYPE taskcenter_store_errors_total counter\n");
  for (std::size_t k = 0; k < store_errors.size(); ++k) {
    out.append("taskcenter_store_errors_total{kind=\"");
    out.append(store_error_kind_name(static_cast<StoreErrorKind>(k)));
    out.append("\"} ");
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits,
                                   store_errors[k].load(std::memory_order_relaxed));
    out.append(digits, end).push_back('\n');
  }
  append_histogram(out, "taskcenter_log_fsync_duration_seconds",
                   "Time each fsync of the embedded store's log took.", fsync_seconds);
  append_histogram(out, "taskcenter_log_compaction_duration_seconds",
                   "Time each successful log compaction took (its count: compactions done).",
                   compaction_seconds);
  append_counter(out, "taskcenter_redis_reconnects_total",
                 "Times the connection to Redis was lost and established again.",
                 redis_reconnects.load(std::memory_order_relaxed));
  append_histogram(out, "taskcenter_call_wait_duration_seconds",
                   "Time each call waited for its result (answered, timed out or removed).",
                   call_wait_seconds);
  append_counter(out, "taskcenter_call_timeouts_total", "Calls answered 0001 (timed out).",
                 call_timeouts.load(std::memory_order_relaxed));
  append_counter(out, "taskcenter_slow_requests_total",
                 "Requests that took longer than --slow-request-ms (0: not counted).",
                 slow_requests.load(std::memory_order_relaxed));
}

}  // namespace tc
