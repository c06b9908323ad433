// Decoding of the server's JSON envelope and of each endpoint's `data` (simdjson
// On-Demand). `info` values are returned as the exact bytes the server sent, so a
// producer's JSON reaches the consumer unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http_connection.hpp"
#include "taskcenter/types.hpp"

namespace taskcenter::detail {

// A successful envelope. Holds the body (with the padding simdjson needs) and where
// `data` and `cursor` are in it.
class Envelope {
 public:
  // Throws the typed error of a non-"0000" err_code, ProtocolError for a body that is
  // not the envelope.
  explicit Envelope(HttpResult response);

  std::string_view data() const { return slice(data_); }      // raw JSON; "null" if absent
  std::string_view cursor() const { return slice(cursor_); }  // raw JSON; "null" if absent

 private:
  struct Span {
    std::size_t pos = 0;
    std::size_t len = 0;
  };
  std::string_view slice(Span s) const { return s.len == 0 ? std::string_view("null") : std::string_view(body_).substr(s.pos, s.len); }

  std::string body_;
  Span data_;
  Span cursor_;
};

// Decoders of `data` (and `cursor`) shapes; they throw ProtocolError on a surprise.
bool decode_bool(std::string_view raw);
std::vector<bool> decode_bool_list(std::string_view raw);
std::vector<Task> decode_tasks(std::string_view raw, std::string_view queue);
std::optional<CallResult> decode_call_result(std::string_view raw);
std::vector<std::string> decode_string_list(std::string_view raw);
std::optional<std::string> decode_optional_string(std::string_view raw);
std::optional<QueueStat> decode_stat(std::string_view raw);
QueueSettings decode_settings(std::string_view raw);
// One line of a streamed answer: a progress event (true, `event` filled), or the result
// line (false: decode it as an Envelope).
bool decode_stream_line(std::string line, ProgressEvent& event);

}  // namespace taskcenter::detail
