// One keep-alive HTTP/1.1 client connection: writes a request in one syscall, reads the
// response into a reused buffer and exposes its body as a view (valid until the next
// request). Failures close the socket and return false; the caller reconnects.
#pragma once

#include "engine.hpp"
#include "http_wire.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace bench {

class HttpConnection {
 public:
  HttpConnection(asio::io_context& context, const Target& target, std::size_t buffer = 16 << 10);

  asio::awaitable<bool> connect();
  // Connects first when needed (after a failure or "Connection: close").
  asio::awaitable<bool> request(std::string_view method, std::string_view path,
                                std::string_view body);
  asio::awaitable<bool> post(std::string_view path, std::string_view body) {
    return request("POST", path, body);
  }

  int status() const { return head_.status; }
  std::string_view response_body() const;
  const std::string& last_error() const { return error_; }
  void close();

 private:
  bool fail(std::string what);

  tcp::socket socket_;
  const Target& target_;
  bool open_ = false;
  std::string out_;
  std::vector<char> in_;
  std::size_t in_len_ = 0;     // valid bytes in in_
  std::size_t consumed_ = 0;   // bytes of the previous response, dropped on the next request
  MessageHead head_;
  std::string error_;
};

// True when a JSON envelope says err_code "0000" (servers write it compactly).
bool is_ok_envelope(std::string_view body);

}  // namespace bench
