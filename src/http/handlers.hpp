// The /task/* handlers: parse the body (requests.hpp), call the TaskService, encode the
// answer (responses.hpp). Plain functions of (service, body): no sockets, no routing.
#pragma once

#include <utility>

#include <memory>
#include <string>
#include <string_view>

#include "auth/scope.hpp"
#include "core/errors.hpp"
#include "http/call_data_shape.hpp"
#include "http/metrics.hpp"
#include "http/response_stream.hpp"
#include "http/stream_lines.hpp"
#include "service/task_service.hpp"
#include "store/store.hpp"

namespace tc {

// A handler's answer: the err_code (which decides the HTTP status) and the JSON body,
// or (call with "stream": true, watch) a stream of lines with its content type.
struct Answer {
  Errc code = Errc::ok;
  std::string body;
  std::shared_ptr<ResponseStream> stream = nullptr;
  std::string_view content_type = {};  // with `stream`: a string literal
};

Answer error_answer(Errc code, std::string_view message);

// Runs the /task/* handler of `endpoint` (one of put .. config_queue). `body` must stay
// valid until the returned awaitable completes. `client` (optional) ends the waits of
// peek, take and call when the client has gone. `scope` (null: auth is off) is what the
// request's token may do; outside it the answer is 0009, and list_queue lists only the
// queues it may read. `call_data` shapes a successful call's data. `stream_format`:
// how a streamed call or watch writes its lines (the request's Accept header decides).
Awaitable<Answer> handle_task(Endpoint endpoint, TaskService& service, std::string_view body,
                              ClientWatch* client = nullptr, const Grants* scope = nullptr,
                              CallDataShape call_data = CallDataShape::list,
                              stream_lines::Format stream_format = stream_lines::Format::ndjson);

}  // namespace tc
