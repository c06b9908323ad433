// The lines of a streamed answer (docs/protocol.md, "Progress and streamed results"):
// pure formatting, no I/O. NDJSON writes one JSON object per line; server-sent events
// write the same object as `data:` under `event: progress|result` (and `id: seq` for a
// progress event, so a browser's EventSource resumes with Last-Event-ID semantics).
#pragma once

#include <string>
#include <string_view>

#include "core/task_event.hpp"

namespace tc::stream_lines {

enum class Format { ndjson, sse };

// The Content-Type of a stream in `format` (a string literal).
std::string_view content_type(Format format) noexcept;

// Appends {"event":"progress","seq":n,"info":<raw>,"content":"<base64>"} as one line.
void append_progress(std::string& out, Format format, const TaskEvent& event);

// Appends the result line: `envelope` is the answer call would give
// ({"err_code":...,"data":...[,"message":...]}), written with "event":"result" first.
void append_result(std::string& out, Format format, std::string_view envelope);

}  // namespace tc::stream_lines
