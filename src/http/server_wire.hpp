// Server-private: the request parser and response head of the transport. Included by
// server.cpp only, so Beast stays in that one translation unit.
#pragma once

#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "http/api.hpp"

namespace tc::wire {

namespace beast = boost::beast;
namespace http = beast::http;

// The parts of a request the API needs, kept across requests of one connection so
// their strings keep their capacity: parsing allocates nothing in the steady state.
struct ParsedRequest {
  std::string method;
  std::string target;
  std::string body;
  std::string authorization;
  // For the browser rules (Origin, Content-Type); empty when absent.
  std::string origin;
  std::string sec_fetch_site;
  std::string host;              // kept only with an Origin: only the Origin rule reads it
  std::string content_type;      // empty when absent or exactly application/json
  std::string accept;            // empty when absent (chooses NDJSON or SSE for streams)
  bool content_type_json = false;  // Content-Type was exactly application/json
  http::verb verb = http::verb::unknown;
  unsigned version = 11;
  bool expect_continue = false;

  // What a client that is not a browser sends: no Origin, no Fetch metadata, and a POST
  // only as JSON. BrowserPolicy::decide refuses none of it, so it need not be asked.
  bool plain_client() const noexcept {
    return origin.empty() && sec_fetch_site.empty() &&
           (content_type_json || verb != http::verb::post);
  }

  void clear() {
    method.clear();
    target.clear();
    body.clear();
    authorization.clear();
    origin.clear();
    sec_fetch_site.clear();
    host.clear();
    content_type.clear();
    accept.clear();
    content_type_json = false;
    verb = http::verb::unknown;
    version = 11;
    expect_continue = false;
  }
  // A connection that once sent a big body should not hold on to its buffer: idle
  // connections keep at most 64 KiB each, outside the budget for bodies in flight.
  void trim() {
    if (body.capacity() > (64u << 10)) std::string().swap(body);
  }
};

// Beast's parser without a message object: fields we do not need are not stored.
// Limits (header size, body size incl. chunked) and keep-alive rules stay Beast's.
class RequestParser final : public http::basic_parser<true> {
 public:
  explicit RequestParser(ParsedRequest& out) : out_(out) {}

  // basic_parser::put, knowing where its input is: a field value that points into it
  // stays valid until this call returns, so Host is copied only when the header turns
  // out to need it (an Origin), or when the header is not complete at the end of the call
  // (Beast consumes the fields it has parsed: a header longer than the first read).
  std::size_t put(boost::asio::const_buffer input, beast::error_code& ec) {
    input_ = {static_cast<const char*>(input.data()), input.size()};
    const std::size_t used = http::basic_parser<true>::put(input, ec);
    if (host_pending_) out_.host.assign(host_in_input_.data(), host_in_input_.size());
    host_pending_ = false;
    input_ = {};
    return used;
  }

 private:
  static constexpr std::string_view kJson = "application/json";

  void on_request_impl(http::verb method, beast::string_view method_str,
                       beast::string_view target, int version, beast::error_code&) override {
    out_.verb = method;
    out_.method.assign(method_str.data(), method_str.size());
    out_.target.assign(target.data(), target.size());
    out_.version = static_cast<unsigned>(version);
  }
  void on_response_impl(int, beast::string_view, int, beast::error_code&) override {}
  void on_field_impl(http::field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code&) override {
    switch (name) {
      case http::field::authorization:
        out_.authorization.assign(value.data(), value.size());
        break;
      case http::field::expect:
        out_.expect_continue = beast::iequals(value, "100-continue");
        break;
      case http::field::origin:
        out_.origin.assign(value.data(), value.size());
        break;
      case http::field::host:
        // A value Beast unfolded (obs-fold) lives in its own buffer only while the field
        // is handled: copied now. Any other is copied at the header's end if needed.
        host_pending_ = in_input(value);
        if (host_pending_)
          host_in_input_ = value;
        else
          out_.host.assign(value.data(), value.size());
        break;
      case http::field::accept:
        out_.accept.assign(value.data(), value.size());
        break;
      case http::field::content_type:
        // The common value is not copied: a flag says it was there. Compared as 16
        // bytes (no call), the length first.
        out_.content_type_json = value.size() == kJson.size() &&
                                 std::memcmp(value.data(), kJson.data(), kJson.size()) == 0;
        if (!out_.content_type_json) out_.content_type.assign(value.data(), value.size());
        break;
      case http::field::unknown:
        if (beast::iequals(name_string, "sec-fetch-site"))
          out_.sec_fetch_site.assign(value.data(), value.size());
        break;
      default:
        break;
    }
  }
  void on_header_impl(beast::error_code&) override {
    if (host_pending_ && !out_.origin.empty())
      out_.host.assign(host_in_input_.data(), host_in_input_.size());
    host_pending_ = false;
  }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                         beast::error_code&) override {
    // Reserve what is announced, but not more than a little: a client that announces
    // 16 MiB and sends nothing must not make us hold 16 MiB.
    if (length) out_.body.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(*length, 64 * 1024)));
  }
  std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body,
                                 beast::error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(beast::error_code&) override {}

  bool in_input(std::string_view value) const noexcept {
    const auto begin = reinterpret_cast<std::uintptr_t>(input_.data());
    const auto at = reinterpret_cast<std::uintptr_t>(value.data());
    return at >= begin && at + value.size() <= begin + input_.size();
  }

  ParsedRequest& out_;
  std::string_view input_;          // the buffer of the put() running now
  std::string_view host_in_input_;  // the last Host header's value, when in input_
  bool host_pending_ = false;       // host_in_input_ is the Host to keep
};

inline void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

// The response head, written by hand: cheaper than Beast's serializer and all we need.
// Replaces `head` with the status line (without its CRLF), which both heads below begin with.
inline void start_head(std::string& head, const HttpResponse& response, unsigned version) {
  head.clear();
  head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  append_number(head, static_cast<std::uint64_t>(response.status));
  head += ' ';
  auto reason = http::obsolete_reason(http::int_to_status(static_cast<unsigned>(response.status)));
  head.append(reason.data(), reason.size());
}

// extra_headers: whole header lines ("Name: value\r\n"), e.g. CORS answers.
// Every piece is measured first and copied once into a head sized for all of them: a
// dozen appends, each with its own length check and call, cost about 1,000 instructions
// per response, more than the rest of the write.
inline void format_head(std::string& head, const HttpResponse& response, unsigned version,
                        bool keep_alive, std::string_view extra_headers = {}) {
  using namespace std::string_view_literals;
  char status_digits[24];
  const auto status_end =
      std::to_chars(status_digits, status_digits + sizeof status_digits,
                    static_cast<std::uint64_t>(response.status)).ptr;
  const auto reason =
      http::obsolete_reason(http::int_to_status(static_cast<unsigned>(response.status)));
  // 204 (a preflight's answer) carries no body and, per RFC 9110, no Content-Length.
  const bool has_length = response.status != 204;
  char length_digits[24];
  const auto length_end =
      has_length
          ? std::to_chars(length_digits, length_digits + sizeof length_digits,
                          static_cast<std::uint64_t>(response.body.size())).ptr
          : length_digits;
  const std::string_view connection = version == 10 ? (keep_alive ? "Connection: keep-alive\r\n"sv : ""sv)
                                                    : (keep_alive ? ""sv : "Connection: close\r\n"sv);
  constexpr auto kVersion10 = "HTTP/1.0 "sv, kVersion11 = "HTTP/1.1 "sv;
  constexpr auto kServer = "\r\nServer: taskcenter\r\n"sv;
  constexpr auto kContentType = "Content-Type: "sv, kContentLength = "Content-Length: "sv;
  constexpr auto kLineEnd = "\r\n"sv;
  const std::string_view content_type = response.content_type;
  const std::size_t status_size = static_cast<std::size_t>(status_end - status_digits);
  const std::size_t length_size = static_cast<std::size_t>(length_end - length_digits);
  const std::size_t size =
      kVersion11.size() + status_size + 1 + reason.size() + kServer.size() +
      (content_type.empty() ? 0 : kContentType.size() + content_type.size() + kLineEnd.size()) +
      extra_headers.size() +
      (has_length ? kContentLength.size() + length_size + kLineEnd.size() : 0) +
      connection.size() + kLineEnd.size();
  head.clear();
  head.resize(size);
  char* out = head.data();
  const auto put = [&out](const char* data, std::size_t n) {
    std::memcpy(out, data, n);
    out += n;
  };
  put(version == 10 ? kVersion10.data() : kVersion11.data(), kVersion11.size());
  put(status_digits, status_size);
  *out++ = ' ';
  put(reason.data(), reason.size());
  put(kServer.data(), kServer.size());
  if (!content_type.empty()) {
    put(kContentType.data(), kContentType.size());
    put(content_type.data(), content_type.size());
    put(kLineEnd.data(), kLineEnd.size());
  }
  if (!extra_headers.empty()) put(extra_headers.data(), extra_headers.size());
  if (has_length) {
    put(kContentLength.data(), kContentLength.size());
    put(length_digits, length_size);
    put(kLineEnd.data(), kLineEnd.size());
  }
  if (!connection.empty()) put(connection.data(), connection.size());
  put(kLineEnd.data(), kLineEnd.size());
}

// The head of a streamed response: HTTP/1.1 chunked; HTTP/1.0 has no chunks, so there
// the body runs to the connection's close (docs/protocol.md). Proxies are asked not to
// buffer or cache it.
inline void format_stream_head(std::string& head, const HttpResponse& response,
                               unsigned version, bool keep_alive,
                               std::string_view extra_headers = {}) {
  start_head(head, response, version);
  head += "\r\nServer: taskcenter\r\nContent-Type: ";
  head += response.content_type;
  head += "\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
  head += extra_headers;
  if (version != 10) head += "Transfer-Encoding: chunked\r\n";
  if (version == 10 || !keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
}

// One chunk of a chunked body around `piece` (nothing for an empty piece: an empty
// chunk would end the body); `last` adds the terminating chunk.
inline void frame_chunk(std::string& out, std::string_view piece, bool last) {
  out.clear();
  if (!piece.empty()) {
    char digits[20];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, piece.size(), 16);
    out.append(digits, end);
    out += "\r\n";
    out.append(piece);
    out += "\r\n";
  }
  if (last) out += "0\r\n\r\n";
}

}  // namespace tc::wire
