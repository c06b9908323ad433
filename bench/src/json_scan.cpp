#include "json_scan.hpp"

#include <charconv>

namespace bench {
namespace {

// Position just after `"key"` + optional spaces + ':' + optional spaces, or npos.
std::size_t find_value(std::string_view body, std::string_view quoted_key, std::size_t from) {
  for (;;) {
    std::size_t at = body.find(quoted_key, from);
    if (at == std::string_view::npos) return at;
    std::size_t p = at + quoted_key.size();
    while (p < body.size() && body[p] == ' ') ++p;
    if (p < body.size() && body[p] == ':') {
      ++p;
      while (p < body.size() && body[p] == ' ') ++p;
      return p;
    }
    from = at + 1;
  }
}

std::string_view string_at(std::string_view body, std::size_t p) {
  if (p >= body.size() || body[p] != '"') return {};
  std::size_t end = body.find('"', p + 1);
  if (end == std::string_view::npos) return {};
  return body.substr(p + 1, end - p - 1);
}

}  // namespace

void scan_tasks(std::string_view body, std::vector<ScannedTask>& out) {
  out.clear();
  std::size_t data = find_value(body, "\"data\"", 0);
  if (data == std::string_view::npos || data >= body.size() || body[data] != '[') return;
  std::size_t p = data;
  while ((p = find_value(body, "\"id\"", p)) != std::string_view::npos) {
    std::string_view id = string_at(body, p);
    if (id.data() == nullptr) break;
    out.push_back(ScannedTask{id, 0});
    p += id.size() + 2;
  }
  std::size_t i = 0;
  p = data;
  while (i < out.size() && (p = find_value(body, "\"t\"", p)) != std::string_view::npos) {
    std::uint64_t t = 0;
    auto [end, ec] = std::from_chars(body.data() + p, body.data() + body.size(), t);
    if (ec == std::errc()) out[i].t = t;
    ++i;
    p = std::size_t(end - body.data());
  }
}

std::string_view last_cursor(std::string_view body) {
  std::string_view found;
  std::size_t p = 0;
  while ((p = find_value(body, "\"cursor\"", p)) != std::string_view::npos) {
    std::string_view value = string_at(body, p);
    if (value.data() != nullptr) found = value;
    ++p;
  }
  return found;
}

void append_number(std::string& out, std::uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  (void)ec;
  out.append(digits, end);
}

}  // namespace bench
