#include "http/metrics.hpp"

#include "core/build_info.hpp"
#include "http/json_writer.hpp"

namespace tc {

std::string_view endpoint_name(Endpoint endpoint) noexcept {
  switch (endpoint) {
    case Endpoint::put: return "put";
    case Endpoint::put_batch: return "put_batch";
    case Endpoint::peek: return "peek";
    case Endpoint::acquire: return "acquire";
    case Endpoint::take: return "take";
    case Endpoint::reply: return "reply";
    case Endpoint::call: return "call";
    case Endpoint::touch: return "touch";
    case Endpoint::remove: return "remove";
    case Endpoint::clear_queue: return "clear_queue";
    case Endpoint::list_queue: return "list_queue";
    case Endpoint::stat_queue: return "stat_queue";
    case Endpoint::summary: return "summary";
    case Endpoint::reply_batch: return "reply_batch";
    case Endpoint::config_queue: return "config_queue";
    case Endpoint::healthz: return "healthz";
    case Endpoint::readyz: return "readyz";
    case Endpoint::version: return "version";
    case Endpoint::buildtime: return "buildtime";
    case Endpoint::metrics: return "metrics";
    case Endpoint::openapi: return "openapi";
    case Endpoint::docs: return "docs";
    case Endpoint::dashboard: return "dashboard";
    case Endpoint::fail: return "fail";
    case Endpoint::release: return "release";
    case Endpoint::redrive: return "redrive";
    case Endpoint::get: return "get";
    case Endpoint::list_tasks: return "list_tasks";
    case Endpoint::progress: return "progress";
    case Endpoint::watch: return "watch";
    case Endpoint::unknown:
    case Endpoint::count_: break;
  }
  return "unknown";
}

void ApiMetrics::render(std::string& out, std::uint64_t waiting) const {
  out.append(
      "# HELP taskcenter_requests_total HTTP requests answered, by endpoint, err_code and "
      "HTTP status.\n"
      "# TYPE taskcenter_requests_total counter\n");
  for (std::size_t e = 0; e < static_cast<std::size_t>(Endpoint::count_); ++e) {
    for (std::size_t c = 0; c < kCodes; ++c) {
      const auto endpoint = static_cast<Endpoint>(e);
      const auto code = static_cast<Errc>(c);
      const std::uint64_t n = value(endpoint, code);
      if (n == 0) continue;  // keep the page short: absent series read as 0
      out.append("taskcenter_requests_total{endpoint=\"");
      out.append(endpoint_name(endpoint));
      out.append("\",err_code=\"");
      out.append(errc_wire_code(code));
      out.append("\",status=\"");
      json::append_int(out, errc_http_status(code));
      out.append("\"} ");
      json::append_uint(out, n);
      out.push_back('\n');
    }
  }
  out.append(
      "# HELP taskcenter_request_duration_seconds Time to answer a request, by endpoint "
      "(long-polls include their wait).\n"
      "# TYPE taskcenter_request_duration_seconds histogram\n");
  for (std::size_t e = 0; e < durations_.size(); ++e) {
    if (durations_[e].count() == 0) continue;
    std::string labels = "endpoint=\"";
    labels.append(endpoint_name(static_cast<Endpoint>(e)));
    labels.push_back('"');
    durations_[e].render(out, "taskcenter_request_duration_seconds", labels);
  }
  out.append(
      "# HELP taskcenter_waiting Long-polls (peek, take, call) waiting now.\n"
      "# TYPE taskcenter_waiting gauge\n"
      "taskcenter_waiting ");
  json::append_uint(out, waiting);
  out.append(
      "\n# HELP taskcenter_build_info Version and build time of this binary.\n"
      "# TYPE taskcenter_build_info gauge\n"
      "taskcenter_build_info{version=\"" TC_VERSION "\",build_time=\"");
  out.append(build_time());
  out.append("\"} 1\n");
}

}  // namespace tc
