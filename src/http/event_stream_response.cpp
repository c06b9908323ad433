#include "http/event_stream_response.hpp"

#include "http/responses.hpp"

namespace tc {

Awaitable<ResponseStream::Next> EventStreamResponse::next(std::string& out) {
  StreamStep step = co_await stream_->next();
  if (step.kind == StreamStep::Kind::cut_off) co_return Next::cut_off;
  for (const auto& event : step.events) stream_lines::append_progress(out, format_, event);
  if (step.kind == StreamStep::Kind::events) co_return Next::more;
  const StreamEnd& end = step.end;
  stream_lines::append_result(out, format_,
                              end.code == Errc::ok
                                  ? responses::call_result(stream_->id(), end.result, shape_)
                                  : responses::error(end.code, end.message));
  co_return Next::end;
}

}  // namespace tc
