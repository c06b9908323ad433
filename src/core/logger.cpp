#include "core/logger.hpp"

#include <unistd.h>

#include <charconv>
#include <ctime>

namespace tc::logging {
namespace {

std::atomic<Level> g_min_level{Level::info};
std::atomic<Format> g_format{Format::text};
std::mutex g_write_mutex;

std::int64_t steady_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void append_int(std::string& out, std::int64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

// In text, values with spaces, quotes or '=' are quoted so a line splits unambiguously.
void append_text_value(std::string& out, std::string_view value) {
  bool plain = !value.empty();
  for (char c : value)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) plain = false;
  if (plain) {
    out.append(value);
    return;
  }
  out.push_back('"');
  append_json_escaped(out, value);
  out.push_back('"');
}

void append_field(std::string& out, Format format, const Field& field) {
  if (format == Format::json) {
    out.append(",\"");
    append_json_escaped(out, field.key);
    out.append("\":");
    if (field.is_number) {
      append_int(out, field.number);
    } else {
      out.push_back('"');
      append_json_escaped(out, field.text);
      out.push_back('"');
    }
  } else {
    out.push_back(' ');
    out.append(field.key);
    out.push_back('=');
    if (field.is_number)
      append_int(out, field.number);
    else
      append_text_value(out, field.text);
  }
}

void write_line(Level level, std::string_view message, std::initializer_list<Field> fields,
                const Field* extra) {
  if (!enabled(level)) return;
  const Format format = g_format.load(std::memory_order_relaxed);
  std::string line;
  line.reserve(96 + message.size());
  if (format == Format::json) {
    line.append("{\"time\":\"");
    append_rfc3339_ms(line, std::chrono::system_clock::now());
    line.append("\",\"level\":\"");
    line.append(level_name(level));
    line.append("\",\"msg\":\"");
    append_json_escaped(line, message);
    line.push_back('"');
  } else {
    append_rfc3339_ms(line, std::chrono::system_clock::now());
    line.push_back(' ');
    line.append(level_name(level));
    if (level_name(level).size() < 5) line.append(5 - level_name(level).size(), ' ');
    line.push_back(' ');
    line.append(message);
  }
  for (const Field& field : fields) append_field(line, format, field);
  if (extra) append_field(line, format, *extra);
  if (format == Format::json) line.push_back('}');
  line.push_back('\n');
  std::lock_guard lock(g_write_mutex);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n <= 0) break;  // nowhere to log to: nothing better to do
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

std::string_view level_name(Level level) noexcept {
  switch (level) {
    case Level::debug:
      return "debug";
    case Level::info:
      return "info";
    case Level::warn:
      return "warn";
    case Level::error:
      return "error";
  }
  return "info";
}

bool parse_level(std::string_view name, Level& out) noexcept {
  for (Level l : {Level::debug, Level::info, Level::warn, Level::error}) {
    if (level_name(l) == name) {
      out = l;
      return true;
    }
  }
  return false;
}

bool parse_format(std::string_view name, Format& out) noexcept {
  if (name == "text")
    out = Format::text;
  else if (name == "json")
    out = Format::json;
  else
    return false;
  return true;
}

void configure(Level min_level, Format format) noexcept {
  g_min_level.store(min_level);
  g_format.store(format);
}

bool enabled(Level level) noexcept {
  return static_cast<int>(level) >= static_cast<int>(g_min_level.load(std::memory_order_relaxed));
}

Format format() noexcept { return g_format.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message, std::initializer_list<Field> fields) {
  write_line(level, message, fields, nullptr);
}

void append_rfc3339_ms(std::string& out, std::chrono::system_clock::time_point when) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(when.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  out.append(buf, n);
  const int millis = static_cast<int>(ms % 1000);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + millis / 100));
  out.push_back(static_cast<char>('0' + millis / 10 % 10));
  out.push_back(static_cast<char>('0' + millis % 10));
  out.push_back('Z');
}

void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else if (byte < 0x20) {
      out.append("\\u00");
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    } else {
      out.push_back(c);
    }
  }
}

bool RateLimit::admit(std::uint64_t& suppressed) noexcept {
  const std::int64_t now = steady_ms();
  std::int64_t next = next_ms_.load(std::memory_order_relaxed);
  if (now >= next && next_ms_.compare_exchange_strong(next, now + interval_ms_)) {
    suppressed = held_back_.exchange(0);
    return true;
  }
  held_back_.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void write_limited(RateLimit& limit, Level level, std::string_view message,
                   std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  std::uint64_t suppressed = 0;
  if (!limit.admit(suppressed)) return;
  if (suppressed == 0) {
    write_line(level, message, fields, nullptr);
  } else {
    const Field extra("suppressed", suppressed);
    write_line(level, message, fields, &extra);
  }
}

}  // namespace tc::logging
