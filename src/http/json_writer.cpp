#include "http/json_writer.hpp"

#include <simdjson.h>

#include <charconv>

namespace tc::json {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// True for bytes that must be escaped in a JSON string (ASCII part only).
inline bool needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Escapes ASCII specials of a span known to be valid UTF-8.
void append_escaped_valid(std::string& out, std::string_view text) {
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needs_escape(c)) continue;
    out.append(text.data() + run_start, i - run_start);
    if (c == '"') {
      out.append("\\\"");
    } else if (c == '\\') {
      out.append("\\\\");
    } else {
      const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out.append(esc, 6);
    }
    run_start = i + 1;
  }
  out.append(text.data() + run_start, text.size() - run_start);
}

// Length of the valid UTF-8 sequence starting at text[i], or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  auto cont = [&](std::size_t k) {
    return i + k < text.size() && (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(text[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
  out.push_back('"');
  // Fast path for the common case (ids, queue names, messages): ASCII only, escaped in
  // one pass. At the first non-ASCII byte, validate the rest once (SIMD) and continue.
  std::size_t i = 0;
  std::size_t run_start = 0;
  for (; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) break;
    if (!needs_escape(c)) continue;
    out.append(text.data() + run_start, i - run_start);
    append_escaped_valid(out, text.substr(i, 1));
    run_start = i + 1;
  }
  out.append(text.data() + run_start, i - run_start);
  if (i < text.size()) {
    const std::string_view rest = text.substr(i);
    if (simdjson::validate_utf8(rest.data(), rest.size())) {
      append_escaped_valid(out, rest);
    } else {
      std::size_t k = 0;
      while (k < rest.size()) {
        const std::size_t len = utf8_sequence_length(rest, k);
        if (len == 0) {
          out.append("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
          ++k;
        } else {
          append_escaped_valid(out, rest.substr(k, len));
          k += len;
        }
      }
    }
  }
  out.push_back('"');
}

void append_uint(std::string& out, std::uint64_t value) {
  char buf[24];
  auto* end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

void append_int(std::string& out, std::int64_t value) {
  char buf[24];
  auto* end = std::to_chars(buf, buf + sizeof buf, value).ptr;
  out.append(buf, end);
}

}  // namespace tc::json
