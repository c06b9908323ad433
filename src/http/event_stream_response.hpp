// A TaskEventStream (service) as a ResponseStream (transport): each step's events become
// NDJSON lines or server-sent events, the end becomes the result line (the envelope call
// would answer, with "event":"result").
#pragma once

#include <memory>

#include "http/call_data_shape.hpp"
#include "http/response_stream.hpp"
#include "http/stream_lines.hpp"
#include "service/event_stream.hpp"

namespace tc {

class EventStreamResponse final : public ResponseStream {
 public:
  EventStreamResponse(std::unique_ptr<TaskEventStream> stream, stream_lines::Format format,
                      CallDataShape shape)
      : stream_(std::move(stream)), format_(format), shape_(shape) {}
  Awaitable<Next> next(std::string& out) override;

 private:
  std::unique_ptr<TaskEventStream> stream_;
  stream_lines::Format format_;
  CallDataShape shape_;
};

}  // namespace tc
