#include "core/cursor.hpp"

#include <charconv>

namespace tc {

std::string Cursor::to_string() const {
  char buf[48];
  auto* end = std::to_chars(buf, buf + 20, ms).ptr;
  *end++ = '-';
  end = std::to_chars(end, buf + sizeof buf, seq).ptr;
  return std::string(buf, end);
}

namespace {
bool parse_u64(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

std::optional<Cursor> Cursor::parse(std::string_view text) noexcept {
  Cursor c;
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    if (!parse_u64(text, c.ms)) return std::nullopt;
    return c;
  }
  if (!parse_u64(text.substr(0, dash), c.ms) || !parse_u64(text.substr(dash + 1), c.seq))
    return std::nullopt;
  return c;
}

}  // namespace tc
