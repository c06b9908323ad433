#include "http/transport_metrics.hpp"

#include "http/json_writer.hpp"

namespace tc {

void TransportMetrics::render(std::string& out, std::uint64_t open_connections,
                              std::uint64_t inflight_bytes, std::uint64_t inflight_limit) const {
  auto load = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  out.append(
      "# HELP taskcenter_connections Open client connections.\n"
      "# TYPE taskcenter_connections gauge\n"
      "taskcenter_connections ");
  json::append_uint(out, open_connections);
  out.append(
      "\n# HELP taskcenter_connections_refused_total Connections closed at accept, by reason "
      "(max_connections: the limit was reached and no idle connection could be closed; "
      "per_client: the address has --max-connections-per-client open).\n"
      "# TYPE taskcenter_connections_refused_total counter\n"
      "taskcenter_connections_refused_total{reason=\"max_connections\"} ");
  json::append_uint(out, load(refused[static_cast<std::size_t>(ConnectionRefusal::max_connections)]));
  out.append("\ntaskcenter_connections_refused_total{reason=\"per_client\"} ");
  json::append_uint(out, load(refused[static_cast<std::size_t>(ConnectionRefusal::per_client)]));
  out.append(
      "\n# HELP taskcenter_idle_connections_closed_total Idle keep-alive connections closed "
      "to make room for new ones at the connection limit.\n"
      "# TYPE taskcenter_idle_connections_closed_total counter\n"
      "taskcenter_idle_connections_closed_total ");
  json::append_uint(out, load(idle_closed));
  out.append(
      "\n# HELP taskcenter_accept_errors_total accept() failures (out of file descriptors, ...).\n"
      "# TYPE taskcenter_accept_errors_total counter\n"
      "taskcenter_accept_errors_total ");
  json::append_uint(out, load(accept_errors));
  out.append(
      "\n# HELP taskcenter_inflight_body_bytes Request body bytes reserved now (--max-inflight-bytes).\n"
      "# TYPE taskcenter_inflight_body_bytes gauge\n"
      "taskcenter_inflight_body_bytes ");
  json::append_uint(out, inflight_bytes);
  out.append(
      "\n# HELP taskcenter_inflight_body_limit_bytes The budget for request bodies in flight "
      "(0: none).\n"
      "# TYPE taskcenter_inflight_body_limit_bytes gauge\n"
      "taskcenter_inflight_body_limit_bytes ");
  json::append_uint(out, inflight_limit);
  out.append(
      "\n# HELP taskcenter_inflight_budget_refused_total Requests answered 503 because the "
      "budget for request bodies in flight stayed full.\n"
      "# TYPE taskcenter_inflight_budget_refused_total counter\n"
      "taskcenter_inflight_budget_refused_total ");
  json::append_uint(out, load(budget_refused));
  out.push_back('\n');
}

}  // namespace tc
