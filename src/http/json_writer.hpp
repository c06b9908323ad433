// A small JSON writer for the response path: appends to a caller-owned std::string
// (reserve it once), never allocates on its own, and writes `info` (already valid JSON
// text) through untouched so it round-trips byte for byte.
//
// Commas and nesting are the caller's business: responses have a fixed shape, and
// the handlers write them in straight-line code, which is faster and just as clear.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tc::json {

// Appends `text` as a JSON string literal: quotes, `"` and `\` escaped, every control
// character (< 0x20) as \u00XX, valid UTF-8 kept as is. Bytes that are not valid UTF-8
// become U+FFFD, so the output is always valid JSON whatever it is given.
void append_string(std::string& out, std::string_view text);

// Appends already-valid JSON text unchanged (the raw `info` of a task).
inline void append_raw(std::string& out, std::string_view json_text) { out.append(json_text); }

void append_uint(std::string& out, std::uint64_t value);
void append_int(std::string& out, std::int64_t value);
inline void append_bool(std::string& out, bool value) { out.append(value ? "true" : "false"); }
inline void append_null(std::string& out) { out.append("null"); }

// Appends `"key":` (key must not need escaping: it is one of ours).
inline void append_key(std::string& out, std::string_view key) {
  out.push_back('"');
  out.append(key);
  out.append("\":");
}

}  // namespace tc::json
