#include "store/redis/keys.hpp"

#include <cstdio>

namespace tc::redis {

std::string queue_key_base(std::string_view prefix, std::string_view queue) {
  std::string key;
  key.reserve(prefix.size() + queue.size() + 8);
  key += prefix;
  key += ":{";
  for (char c : queue) {
    if (c == '}') {
      key += "%7D";
    } else if (c == '%') {
      key += "%25";
    } else {
      key += c;
    }
  }
  key += "}:";
  return key;
}

std::string cursor_key(std::uint64_t ms, std::uint64_t seq) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%015llu-%010llu", static_cast<unsigned long long>(ms),
                static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<Cursor> parse_cursor_key(std::string_view key) noexcept {
  if (key.size() != 26 || key[15] != '-') return std::nullopt;
  Cursor c;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (i == 15) continue;
    const char ch = key[i];
    if (ch < '0' || ch > '9') return std::nullopt;
    std::uint64_t& part = i < 15 ? c.ms : c.seq;
    part = part * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return c;
}

}  // namespace tc::redis
