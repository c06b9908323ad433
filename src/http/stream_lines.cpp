#include "http/stream_lines.hpp"

#include "core/base64.hpp"
#include "http/json_writer.hpp"

namespace tc::stream_lines {
namespace {

// JSON text on one line: a raw `info` may carry newlines between its tokens (never inside
// a string, where JSON forbids them), and a newline would end an NDJSON line or an SSE
// data field early. As whitespace, a space means the same.
void append_one_line(std::string& out, std::string_view json_text) {
  const std::size_t start = out.size();
  out.append(json_text);
  for (std::size_t i = start; i < out.size(); ++i)
    if (out[i] == '\n' || out[i] == '\r') out[i] = ' ';
}

}  // namespace

std::string_view content_type(Format format) noexcept {
  return format == Format::sse ? std::string_view("text/event-stream")
                               : std::string_view("application/x-ndjson");
}

void append_progress(std::string& out, Format format, const TaskEvent& event) {
  if (format == Format::sse) {
    out.append("event: progress\nid: ");
    json::append_uint(out, event.seq);
    out.append("\ndata: ");
  }
  out.append(R"({"event":"progress","seq":)");
  json::append_uint(out, event.seq);
  out.append(R"(,"info":)");
  append_one_line(out, event.info);
  out.append(R"(,"content":")");
  base64_encode_append(out, event.content);
  out.append("\"}");
  out.append(format == Format::sse ? "\n\n" : "\n");
}

void append_result(std::string& out, Format format, std::string_view envelope) {
  if (format == Format::sse) out.append("event: result\ndata: ");
  out.append(R"({"event":"result")");
  // envelope is "{...}": its members follow ours.
  if (envelope.size() > 2) out.push_back(',');
  append_one_line(out, envelope.substr(1));
  out.append(format == Format::sse ? "\n\n" : "\n");
}

}  // namespace tc::stream_lines
