#include "http_wire.hpp"

#include <charconv>

namespace bench {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Parses the header lines after the first line; fills content_length / close.
Parse parse_headers(std::string_view headers, MessageHead& head) {
  while (!headers.empty()) {
    std::size_t eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers.remove_prefix(eol == std::string_view::npos ? headers.size() : eol + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Parse::error;
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), head.content_length);
      if (ec != std::errc() || ptr != value.data() + value.size()) return Parse::error;
    } else if (iequals(name, "connection")) {
      head.close = iequals(value, "close");
    } else if (iequals(name, "transfer-encoding")) {
      return Parse::error;
    }
  }
  return Parse::done;
}

Parse parse_head(std::string_view bytes, MessageHead& head, bool response) {
  std::size_t end = bytes.find("\r\n\r\n");
  if (end == std::string_view::npos) return bytes.size() > (64u << 10) ? Parse::error : Parse::need_more;
  head = MessageHead{};
  head.head_size = end + 4;
  std::string_view all = bytes.substr(0, end + 2);  // keep the last header's CRLF
  std::size_t eol = all.find("\r\n");
  std::string_view first = all.substr(0, eol);
  if (response) {
    // "HTTP/1.1 200 OK"
    if (first.size() < 12 || first.substr(0, 5) != "HTTP/") return Parse::error;
    std::string_view code = first.substr(9, 3);
    auto [ptr, ec] = std::from_chars(code.data(), code.data() + 3, head.status);
    if (ec != std::errc() || ptr != code.data() + 3) return Parse::error;
  } else if (first.find(' ') == std::string_view::npos) {
    return Parse::error;
  }
  std::string_view headers = all.substr(eol + 2);
  if (!headers.empty() && headers.size() >= 2) headers.remove_suffix(2);
  return parse_headers(headers, head);
}

}  // namespace

void write_request(std::string& out, std::string_view method, std::string_view target,
                   std::string_view host, std::string_view body) {
  char length[24];
  auto [end, ec] = std::to_chars(length, length + sizeof length, body.size());
  (void)ec;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  out.append("\r\nContent-Type: application/json\r\nContent-Length: ");
  out.append(length, end).append("\r\n\r\n").append(body);
}

Parse parse_response_head(std::string_view bytes, MessageHead& head) {
  return parse_head(bytes, head, true);
}

Parse parse_request_head(std::string_view bytes, MessageHead& head) {
  return parse_head(bytes, head, false);
}

}  // namespace bench
