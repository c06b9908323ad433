// The seam between transport and API: the transport (server.cpp, the only Beast
// translation unit) turns bytes into an HttpRequest and an HttpResponse back into
// bytes; the Api routes a request to a handler and knows nothing of sockets.
#pragma once

#include <utility>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "auth/access_control.hpp"
#include "core/client_watch.hpp"
#include "http/call_data_shape.hpp"
#include "http/response_stream.hpp"

#include "service/task_service.hpp"
#include "store/store.hpp"

namespace tc {

class ApiMetrics;  // http/metrics.hpp

struct HttpRequest {
  std::string_view method;         // "GET", "POST", ...
  std::string_view target;         // path and query, e.g. "/task/put"
  std::string_view body;
  std::string_view authorization;  // the Authorization header, empty when absent
  ClientWatch* client = nullptr;   // tells a waiting request that its client has gone
  std::string_view accept = {};    // the Accept header, empty when absent
};

struct HttpResponse {
  int status = 200;
  // Always a string literal (static storage): a std::string of "application/json" (16
  // bytes, past the small-string buffer) cost two allocations per request.
  std::string_view content_type = "application/json";
  std::string body;
  // Set: the body is streamed (HTTP/1.1 chunked) from this source instead; `body` is
  // empty and content_type is the stream's.
  std::shared_ptr<ResponseStream> stream = nullptr;
};

struct ApiOptions {
  std::string token;  // admin bearer token (--token); used when `access` is null
  // The token table in force (--token and --token-file, reloadable); null: made from `token`.
  std::shared_ptr<AccessControl> access = nullptr;
  CallDataShape call_data = CallDataShape::list;  // --call-data list | object
};

class Api {
 public:
  Api(TaskService& service, ApiOptions options);
  // Never throws for bad input: every request gets a response (the envelope of docs/protocol.md).
  Awaitable<HttpResponse> handle(HttpRequest request);
  // A response for errors the transport detects itself (body too large, bad HTTP).
  static HttpResponse error_response(Errc code, std::string_view message);
  // The same, counted in /metrics (endpoint="unknown": the request was never routed).
  HttpResponse transport_error(Errc code, std::string_view message);
  // Appends families only the wiring knows (open connections, log bytes) to /metrics.
  // Set before serving.
  void set_extra_metrics(std::function<void(std::string&)> append) {
    extra_metrics_ = std::move(append);
  }

 private:
  TaskService& service_;
  std::shared_ptr<AccessControl> access_;
  CallDataShape call_data_;
  std::shared_ptr<ApiMetrics> metrics_;  // request counters for GET /metrics
  std::function<void(std::string&)> extra_metrics_;
};

}  // namespace tc
