// The process's one logger: a line per event on stderr, as text or JSON, with an RFC 3339
// UTC timestamp (milliseconds) and a level. Process-wide because every layer logs (the
// store's fsync thread as much as a session) and a line must never interleave with
// another: each line is written with one write(2) under a mutex.
//
//   text: 2026-12-01T09:10:56.123Z warn  store: the log cannot be written kind=fsync
//   json: {"time":"2026-12-01T09:10:56.123Z","level":"warn","msg":"...","kind":"fsync"}
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>

namespace tc::logging {

enum class Level : std::uint8_t { debug, info, warn, error };
enum class Format : std::uint8_t { text, json };

// Names as the flags spell them: "debug", "info", "warn", "error" / "text", "json".
std::string_view level_name(Level level) noexcept;
bool parse_level(std::string_view name, Level& out) noexcept;
bool parse_format(std::string_view name, Format& out) noexcept;

// Set once at start (main); the defaults are info and text.
void configure(Level min_level, Format format) noexcept;
bool enabled(Level level) noexcept;
Format format() noexcept;

// A key and a value of a log line. Numbers are written bare in JSON; strings quoted.
struct Field {
  Field(std::string_view k, std::string_view v) : key(k), text(v) {}
  Field(std::string_view k, const std::string& v) : key(k), text(v) {}
  Field(std::string_view k, const char* v) : key(k), text(v) {}
  Field(std::string_view k, std::int64_t v) : key(k), number(v), is_number(true) {}
  Field(std::string_view k, std::uint64_t v)
      : key(k), number(static_cast<std::int64_t>(v)), is_number(true) {}
  Field(std::string_view k, int v) : key(k), number(v), is_number(true) {}
  Field(std::string_view k, unsigned v) : key(k), number(v), is_number(true) {}
  std::string_view key;
  std::string_view text;
  std::int64_t number = 0;
  bool is_number = false;
};

// Writes one line when `level` is enabled.
void write(Level level, std::string_view message, std::initializer_list<Field> fields = {});

inline void debug(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::debug, m, f);
}
inline void info(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::info, m, f);
}
inline void warn(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::warn, m, f);
}
inline void error(std::string_view m, std::initializer_list<Field> f = {}) {
  write(Level::error, m, f);
}

// The timestamp format of every line: 2026-12-01T09:10:56.123Z.
void append_rfc3339_ms(std::string& out, std::chrono::system_clock::time_point when);
// Appends `text` as the inside of a JSON string (quotes, backslashes, control bytes escaped).
void append_json_escaped(std::string& out, std::string_view text);

// Lets a message through at most once per interval; counts what it held back, so the
// next line can say "N more like this were suppressed". Thread-safe and lock-free: for
// messages that may repeat thousands of times a second (a full disk under load).
class RateLimit {
 public:
  explicit RateLimit(std::chrono::milliseconds interval = std::chrono::seconds(10))
      : interval_ms_(interval.count()) {}
  // True when this occurrence should be logged; `suppressed` then receives how many
  // were held back since the last one that was.
  bool admit(std::uint64_t& suppressed) noexcept;

 private:
  std::int64_t interval_ms_;
  std::atomic<std::int64_t> next_ms_{0};
  std::atomic<std::uint64_t> held_back_{0};
};

// write() through a RateLimit, adding a "suppressed" field when occurrences were held back.
void write_limited(RateLimit& limit, Level level, std::string_view message,
                   std::initializer_list<Field> fields = {});

}  // namespace tc::logging
