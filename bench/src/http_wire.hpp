// The minimal HTTP/1.1 the load generator needs: write a request into a reused buffer, and
// find where a response (or, for the trivial responder, a request) ends using
// Content-Length. Pure functions of bytes, so they are unit-tested without sockets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

// Appends a complete request (head and body) to `out`.
void write_request(std::string& out, std::string_view method, std::string_view target,
                   std::string_view host, std::string_view body);

enum class Parse { need_more, done, error };

struct MessageHead {
  int status = 0;                 // responses only
  std::size_t head_size = 0;      // bytes up to and including the blank line
  std::size_t content_length = 0;
  bool close = false;             // "Connection: close"
  std::size_t total() const { return head_size + content_length; }
};

// Parses the status line and headers of a response at the start of `bytes`. A chunked or
// length-less response is an error: every server we measure sends Content-Length.
Parse parse_response_head(std::string_view bytes, MessageHead& head);

// Same for a request (request line instead of status line); bodies need Content-Length.
Parse parse_request_head(std::string_view bytes, MessageHead& head);

}  // namespace bench
