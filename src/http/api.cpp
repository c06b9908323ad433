#include "http/api.hpp"

#include <array>
#include <chrono>

#include "core/build_info.hpp"
#include "core/ops_metrics.hpp"
#include "http/batch_metrics.hpp"
#include "http/latency_metrics.hpp"
#include "http/handlers.hpp"
#include "http/metrics.hpp"
#include "http/pages.hpp"
#include "http/process_metrics.hpp"
#include "http/queue_metrics.hpp"
#include "http/responses.hpp"
#include "http/stream_metrics.hpp"

namespace tc {
namespace {

struct Route {
  std::string_view path;
  std::string_view method;
  Endpoint endpoint;
};

// Every route in one place. Paths are exact and case-sensitive; the query string is
// ignored for routing.
constexpr std::array<Route, 30> kRoutes = {{
    {"/task/put", "POST", Endpoint::put},
    {"/task/peek", "POST", Endpoint::peek},
    {"/task/acquire", "POST", Endpoint::acquire},
    {"/task/reply", "POST", Endpoint::reply},
    {"/task/call", "POST", Endpoint::call},
    {"/task/take", "POST", Endpoint::take},
    {"/task/put_batch", "POST", Endpoint::put_batch},
    {"/task/touch", "POST", Endpoint::touch},
    {"/task/remove", "POST", Endpoint::remove},
    {"/task/clear_queue", "POST", Endpoint::clear_queue},
    {"/task/list_queue", "POST", Endpoint::list_queue},
    {"/task/stat_queue", "POST", Endpoint::stat_queue},
    {"/task/summary", "POST", Endpoint::summary},
    {"/task/reply_batch", "POST", Endpoint::reply_batch},
    {"/healthz", "GET", Endpoint::healthz},
    {"/readyz", "GET", Endpoint::readyz},
    {"/version", "GET", Endpoint::version},
    {"/buildtime", "GET", Endpoint::buildtime},
    {"/metrics", "GET", Endpoint::metrics},
    {"/openapi.json", "GET", Endpoint::openapi},
    {"/docs", "GET", Endpoint::docs},
    {"/", "GET", Endpoint::dashboard},
    {"/task/config_queue", "POST", Endpoint::config_queue},
    {"/task/fail", "POST", Endpoint::fail},
    {"/task/release", "POST", Endpoint::release},
    {"/task/redrive", "POST", Endpoint::redrive},
    {"/task/get", "POST", Endpoint::get},
    {"/task/list_tasks", "POST", Endpoint::list_tasks},
    {"/task/progress", "POST", Endpoint::progress},
    {"/task/watch", "POST", Endpoint::watch},
}};

// The /task/* endpoints: those of version 1 come before healthz, those added since after
// dashboard (the GET pages sit between them).
bool is_task_endpoint(Endpoint endpoint) {
  return static_cast<int>(endpoint) < static_cast<int>(Endpoint::healthz);
}

std::string_view path_of(std::string_view target) {
  const auto query = target.find('?');
  return query == std::string_view::npos ? target : target.substr(0, query);
}

HttpResponse json_response(Answer&& answer) {
  HttpResponse response;
  response.status = errc_http_status(answer.code);
  response.body = std::move(answer.body);
  if (answer.stream) {
    response.stream = std::move(answer.stream);
    response.content_type = answer.content_type;
  }
  return response;
}

// Server-sent events when the client asks for them (Accept: text/event-stream), else
// NDJSON.
stream_lines::Format stream_format_of(std::string_view accept) {
  return accept.find("text/event-stream") != std::string_view::npos
             ? stream_lines::Format::sse
             : stream_lines::Format::ndjson;
}

// Observes the request's duration under its endpoint when the coroutine ends, whichever
// co_return ends it.
struct DurationTimer {
  ApiMetrics& metrics;
  Endpoint endpoint = Endpoint::unknown;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  ~DurationTimer() {
    metrics.observe_duration(
        endpoint, static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count()));
  }
};

// Per-queue series stop here: a scrape bigger than this is a mistake, not a dashboard.
constexpr std::uint32_t kMaxQueuesInMetrics = 100'000;

HttpResponse page(std::string_view content_type, std::string_view body) {
  HttpResponse response;
  response.content_type = content_type;  // callers pass literals
  response.body.assign(body);
  return response;
}

}  // namespace

Api::Api(TaskService& service, ApiOptions options)
    : service_(service),
      access_(options.access ? std::move(options.access)
                             : AccessControl::open(std::move(options.token), "").value()),
      call_data_(options.call_data),
      metrics_(std::make_shared<ApiMetrics>()) {}

HttpResponse Api::error_response(Errc code, std::string_view message) {
  return json_response(error_answer(code, message));
}

HttpResponse Api::transport_error(Errc code, std::string_view message) {
  metrics_->count(Endpoint::unknown, code);
  return error_response(code, message);
}

Awaitable<HttpResponse> Api::handle(HttpRequest request) {
  DurationTimer timer{*metrics_};
  const std::string_view path = path_of(request.target);
  const Route* route = nullptr;
  bool path_known = false;
  for (const auto& candidate : kRoutes) {
    if (candidate.path != path) continue;
    path_known = true;
    // HEAD is GET without the body (the transport drops it): monitors and load
    // balancers probe /healthz that way.
    if (candidate.method == request.method ||
        (request.method == "HEAD" && candidate.method == "GET"))
      route = &candidate;
    break;
  }
  if (route == nullptr) {
    const Errc code = path_known ? Errc::method_not_allowed : Errc::not_found;
    metrics_->count(Endpoint::unknown, code);
    std::string message;
    if (path_known) {
      message = "method " + std::string(request.method) + " is not allowed on " +
                std::string(path) + "; " +
                (path.starts_with("/task/") ? "use POST with a JSON body." : "use GET.");
    } else {
      message = "there is no endpoint at this path; see GET /openapi.json for the list.";
    }
    co_return error_response(code, message);
  }

  const Endpoint endpoint = route->endpoint;
  timer.endpoint = endpoint;
  if (is_task_endpoint(endpoint)) {
    // Held for the whole request: a reload meanwhile does not free these grants.
    std::shared_ptr<const Grants> scope;
    if (access_->enabled()) {
      scope = access_->authenticate(request.authorization);
      if (!scope) {
        metrics_->count(endpoint, Errc::unauthorized);
        co_return error_response(
            Errc::unauthorized,
            "this server requires the header \"Authorization: Bearer <token>\" with a known token.");
      }
    }
    Answer answer = co_await handle_task(endpoint, service_, request.body, request.client,
                                         scope.get(), call_data_,
                                         stream_format_of(request.accept));
    metrics_->count(endpoint, answer.code);
    co_return json_response(std::move(answer));
  }

  if (endpoint == Endpoint::readyz) {
    const bool ready = co_await service_.ready();
    metrics_->count(endpoint, ready ? Errc::ok : Errc::unavailable);
    if (ready) co_return json_response(Answer{Errc::ok, responses::text("ready")});
    co_return error_response(Errc::unavailable,
                             "the store is not reachable; requests that need it answer 0005 "
                             "until it is back.");
  }
  metrics_->count(endpoint, Errc::ok);
  switch (endpoint) {
    case Endpoint::healthz:
      co_return json_response(Answer{Errc::ok, responses::text("ok")});
    case Endpoint::version:
      co_return json_response(Answer{Errc::ok, responses::text(TC_VERSION)});
    case Endpoint::buildtime:
      co_return json_response(Answer{Errc::ok, responses::text(build_time())});
    case Endpoint::metrics: {
      HttpResponse response;
      response.content_type = "text/plain; version=0.0.4; charset=utf-8";
      response.body.reserve(4096);
      metrics_->render(response.body, service_.waiting());
      ops_metrics().render(response.body);
      if (extra_metrics_) extra_metrics_(response.body);
      append_process_metrics(response.body);
      const bool ready = co_await service_.ready();
      response.body.append(
          "# HELP taskcenter_store_ready 1 when the store can serve requests (as /readyz).\n"
          "# TYPE taskcenter_store_ready gauge\ntaskcenter_store_ready ");
      response.body.append(ready ? "1\n" : "0\n");
      // A store that cannot list its queues leaves the per-queue families out.
      auto queues = co_await service_.stat_queues(std::nullopt, kMaxQueuesInMetrics);
      if (queues) {
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        append_queue_metrics(response.body, *queues, static_cast<std::uint64_t>(now_ms));
      }
      batch_metrics().render(response.body);
      latency_metrics().render(response.body);
      stream_metrics().render(response.body);
      co_return response;
    }
    case Endpoint::openapi:
      co_return page("application/json", pages::openapi_json());
    case Endpoint::docs:
      co_return page("text/html; charset=utf-8", pages::docs_html());
    case Endpoint::dashboard:
      co_return page("text/html; charset=utf-8", pages::dashboard_html());
    default:
      break;
  }
  co_return error_response(Errc::not_found, "there is no endpoint at this path.");
}

}  // namespace tc
