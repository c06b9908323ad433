#include "http/stream_metrics.hpp"

#include <string_view>

#include "http/json_writer.hpp"

namespace tc {
namespace {

constexpr std::array<std::string_view, kStreamKinds> kKindNames = {"call", "watch"};
// In StreamEndReason's order.
constexpr std::array<std::string_view, kStreamEndReasons> kReasonNames = {
    "result", "shutdown", "cut_off", "disconnect"};

}  // namespace

void StreamMetrics::render(std::string& out) const {
  out.append(
      "# HELP taskcenter_streams Streamed answers open now, by kind (call: call with "
      "\"stream\": true; watch: /task/watch).\n"
      "# TYPE taskcenter_streams gauge\n");
  for (std::size_t k = 0; k < kStreamKinds; ++k) {
    out.append("taskcenter_streams{kind=\"").append(kKindNames[k]).append("\"} ");
    json::append_int(out, open_[k].load(std::memory_order_relaxed));
    out.push_back('\n');
  }
  out.append(
      "# HELP taskcenter_streams_ended_total Streamed answers ended, by kind and reason "
      "(result: its result line was written; shutdown: the final line at shutdown; "
      "cut_off: the reader fell too far behind; disconnect: the client went away first).\n"
      "# TYPE taskcenter_streams_ended_total counter\n");
  for (std::size_t k = 0; k < kStreamKinds; ++k) {
    for (std::size_t r = 0; r < kStreamEndReasons; ++r) {
      out.append("taskcenter_streams_ended_total{kind=\"").append(kKindNames[k]);
      out.append("\",reason=\"").append(kReasonNames[r]).append("\"} ");
      json::append_uint(out, ended_[k][r].load(std::memory_order_relaxed));
      out.push_back('\n');
    }
  }
}

StreamMetrics& stream_metrics() noexcept {
  static StreamMetrics metrics;
  return metrics;
}

}  // namespace tc
