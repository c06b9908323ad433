// A TaskEventStream (service) as a ResponseStream (transport): each step's events become
// NDJSON lines or server-sent events, the end becomes the result line (the envelope call
// would answer, with "event":"result"). Counted in stream_metrics() from its making to
// its end (the session drops it once the stream is over, however it ended).
#pragma once

#include <memory>

#include "http/call_data_shape.hpp"
#include "http/response_stream.hpp"
#include "http/stream_metrics.hpp"
#include "http/stream_lines.hpp"
#include "service/event_stream.hpp"

namespace tc {

class EventStreamResponse final : public ResponseStream {
 public:
  EventStreamResponse(std::unique_ptr<TaskEventStream> stream, StreamKind kind,
                      stream_lines::Format format, CallDataShape shape)
      : stream_(std::move(stream)), kind_(kind), format_(format), shape_(shape) {
    stream_metrics().opened(kind_);
  }
  EventStreamResponse(const EventStreamResponse&) = delete;
  EventStreamResponse& operator=(const EventStreamResponse&) = delete;
  // Not ended by next() (an end or cut_off): the transport stopped writing, the client
  // having gone.
  ~EventStreamResponse() override {
    stream_metrics().closed(kind_, stream_->ending().value_or(StreamEndReason::disconnect));
  }
  Awaitable<Next> next(std::string& out) override;

 private:
  std::unique_ptr<TaskEventStream> stream_;
  StreamKind kind_;
  stream_lines::Format format_;
  CallDataShape shape_;
};

}  // namespace tc
