// A Redis reply as a plain value, copied out of hiredis's redisReply so nothing outside
// src/store/redis/ (and nothing after the hiredis callback returns) sees hiredis types.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tc::redis {

struct Reply {
  enum class Type {
    io_error,  // no reply: not connected, connection lost, or timed out
    nil,
    status,
    error,
    integer,
    string,
    array,
  };
  Type type = Type::nil;
  std::int64_t integer = 0;
  std::string str;  // status / error / string text; io_error: why
  std::vector<Reply> elements;

  bool is_io_error() const noexcept { return type == Type::io_error; }
  bool is_error() const noexcept { return type == Type::error; }
  bool is_nil() const noexcept { return type == Type::nil; }
  bool is_array() const noexcept { return type == Type::array; }
  // Error reply whose first word is `prefix` (e.g. "MOVED", "NOSCRIPT").
  bool error_starts_with(std::string_view prefix) const noexcept {
    return type == Type::error && std::string_view(str).substr(0, prefix.size()) == prefix &&
           (str.size() == prefix.size() || str[prefix.size()] == ' ');
  }

  static Reply io_failure(std::string why) {
    Reply r;
    r.type = Type::io_error;
    r.str = std::move(why);
    return r;
  }
};

}  // namespace tc::redis
