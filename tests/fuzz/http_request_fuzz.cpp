// Fuzz target for the transport's HTTP request parser (src/http/server_wire.hpp, Beast's
// basic_parser with our callbacks and the server's limits). The input is what a client
// sends on one keep-alive connection; it is parsed request after request, as the server
// does, twice: all bytes at once, and in small pieces (as a slow client sends them).
// Invariants: no crash or out-of-bounds read; both ways give the same requests and the
// same final error (see agrees_with); no body above the body limit, no header above the header
// limit. Seeds: tests/fuzz/corpus/http_request/.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/server_wire.hpp"

namespace {

constexpr std::uint32_t kHeaderLimit = 16 * 1024;  // the server's (src/http/server.cpp)
constexpr std::uint64_t kBodyLimit = 64 * 1024;    // smaller than --max-body, reached often

struct Parsed {
  std::vector<std::string> requests;  // method, target, body, authorization, keep-alive
  std::string error;                  // the error that ended the connection, if any

  // Beast checks the request line's characters as they arrive only in the first put of a
  // request; later puts wait for the end of the header first. So bytes that end inside a
  // bad request line may be refused at once, or wait for more: either is fine, as long as
  // the requests completed are the same and two errors agree.
  bool agrees_with(const Parsed& other) const {
    return requests == other.requests &&
           (error == other.error || error.empty() || other.error.empty());
  }
};

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant broken: %s\ninput (%zu bytes, hex):", what, input.size());
  for (unsigned char c : input) std::fprintf(stderr, " %02x", c);
  std::fprintf(stderr, "\n");
  std::abort();
}

Parsed parse_connection(std::string_view input, std::size_t piece) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  Parsed result;
  tc::wire::ParsedRequest request;
  auto parser = std::make_unique<tc::wire::RequestParser>(request);
  auto fresh = [&] {
    request.clear();
    parser = std::make_unique<tc::wire::RequestParser>(request);
    parser->eager(true);
    parser->header_limit(kHeaderLimit);
    parser->body_limit(kBodyLimit);
  };
  fresh();
  std::string pending;  // received, not yet consumed (the server's flat_buffer)
  std::size_t sent = 0;
  for (;;) {
    const bool at_end = sent == input.size();
    if (!at_end) {
      const std::size_t n = std::min(piece, input.size() - sent);
      pending.append(input.substr(sent, n));
      sent += n;
    }
    // Consume what the parser can from the pending bytes.
    for (;;) {
      beast::error_code ec;
      std::size_t used = 0;
      if (!pending.empty()) {
        used = parser->put(boost::asio::buffer(pending.data(), pending.size()), ec);
        pending.erase(0, used);
      } else if (at_end && parser->is_header_done() && !parser->is_done()) {
        parser->put_eof(ec);  // a body that runs to the end of the connection
      } else if (at_end && !parser->is_done()) {
        return result;  // the connection ended between (or inside) requests
      } else if (!parser->is_done()) {
        break;
      }
      if (ec == http::error::need_more) {
        if (at_end && pending.empty()) return result;
        if (at_end && used == 0) return result;  // nothing more will come
        break;
      }
      if (ec) {
        result.error = ec.message();
        return result;
      }
      if (parser->is_done()) {
        if (request.body.size() > kBodyLimit) fail("body above the limit", input);
        result.requests.push_back(request.method + ' ' + request.target + '\n' + request.body +
                                  '\n' + request.authorization + '\n' +
                                  (parser->keep_alive() ? "keep-alive" : "close"));
        if (!parser->keep_alive()) return result;
        fresh();
        continue;
      }
      if (used == 0) break;
    }
    if (at_end) return result;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const Parsed whole = parse_connection(input, input.size() + 1);
  const std::size_t piece = 1 + (size ? data[0] % 13 : 0);
  const Parsed pieces = parse_connection(input, piece);
  if (!whole.agrees_with(pieces)) {
    std::fprintf(stderr, "whole: %zu requests, error '%s'; in pieces of %zu: %zu, error '%s'\n",
                 whole.requests.size(), whole.error.c_str(), piece, pieces.requests.size(),
                 pieces.error.c_str());
    fail("parsing in pieces differs from parsing at once", input);
  }
  return 0;
}
