// Writes Redis commands in RESP ("*<n>\r\n" then "$<len>\r\n<bytes>\r\n" per argument)
// straight into one string, which hiredis then sends as it is
// (redisAsyncFormattedCommand): no vector of argument strings, no per-argument
// allocation, no second formatting pass inside hiredis.
#pragma once

#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tc::redis {

// One formatted command, shared so a redirect or a NOSCRIPT retry resends it uncopied.
using Resp = std::shared_ptr<const std::string>;

class RespWriter {
 public:
  // Appends "*<argc>\r\n": the caller then appends exactly `argc` arguments.
  static void header(std::string& out, std::size_t argc) {
    out += '*';
    append_uint(out, argc);
    out += "\r\n";
  }
  static void arg(std::string& out, std::string_view value) {
    out += '$';
    append_uint(out, value.size());
    out += "\r\n";
    out.append(value.data(), value.size());
    out += "\r\n";
  }
  static void arg(std::string& out, std::int64_t value) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    arg(out, std::string_view(buf, static_cast<std::size_t>(end - buf)));
  }
  // Bytes an argument of `size` bytes takes, to reserve the buffer once.
  static std::size_t arg_size(std::size_t size) { return size + 16; }

  static std::string command(const std::vector<std::string>& args) {
    std::size_t total = 16;
    for (const auto& a : args) total += arg_size(a.size());
    std::string out;
    out.reserve(total);
    header(out, args.size());
    for (const auto& a : args) arg(out, a);
    return out;
  }

 private:
  static void append_uint(std::string& out, std::size_t v) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
    out.append(buf, static_cast<std::size_t>(end - buf));
  }
};

}  // namespace tc::redis
