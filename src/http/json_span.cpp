#include "http/json_span.hpp"

#include <cstring>

namespace tc::json {

std::size_t skip_ws(std::string_view text, std::size_t pos) noexcept {
  while (pos < text.size() && is_ws(text[pos])) ++pos;
  return pos;
}

std::string_view trim(std::string_view text) noexcept {
  std::size_t begin = skip_ws(text, 0);
  std::size_t end = text.size();
  while (end > begin && is_ws(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::size_t skip_string(std::string_view text, std::size_t pos) noexcept {
  if (pos >= text.size() || text[pos] != '"') return npos;
  const std::size_t content = pos + 1;
  std::size_t search = content;
  // memchr finds candidate quotes fast (content strings can be megabytes of base64);
  // a quote is escaped iff an odd run of backslashes precedes it.
  while (search < text.size()) {
    const void* hit = std::memchr(text.data() + search, '"', text.size() - search);
    if (hit == nullptr) return npos;
    const std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(hit) - text.data());
    std::size_t backslashes = 0;
    while (quote - backslashes > content && text[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    search = quote + 1;
  }
  return npos;
}

std::size_t skip_value(std::string_view text, std::size_t pos) noexcept {
  if (pos >= text.size()) return npos;
  const char first = text[pos];
  if (first == '"') return skip_string(text, pos);
  if (first == '{' || first == '[') {
    std::size_t depth = 0;
    while (pos < text.size()) {
      const char c = text[pos];
      if (c == '"') {
        pos = skip_string(text, pos);
        if (pos == npos) return npos;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return pos + 1;
      }
      ++pos;
    }
    return npos;
  }
  // A scalar: number, true, false, null. It ends at a delimiter or the end of text.
  std::size_t end = pos;
  while (end < text.size()) {
    const char c = text[end];
    if (c == ',' || c == '}' || c == ']' || is_ws(c)) break;
    ++end;
  }
  return end == pos ? npos : end;
}

namespace {

// Walks an object's members, calling on_member(key, value) until it returns false.
template <class OnMember>
bool walk_object(std::string_view text, OnMember&& on_member) {
  std::size_t pos = skip_ws(text, 0);
  if (pos >= text.size() || text[pos] != '{') return false;
  pos = skip_ws(text, pos + 1);
  if (pos < text.size() && text[pos] == '}') return true;
  while (pos < text.size()) {
    const std::size_t key_end = skip_string(text, pos);
    if (key_end == npos) return false;
    const std::string_view key = text.substr(pos, key_end - pos);
    pos = skip_ws(text, key_end);
    if (pos >= text.size() || text[pos] != ':') return false;
    pos = skip_ws(text, pos + 1);
    const std::size_t value_end = skip_value(text, pos);
    if (value_end == npos) return false;
    if (!on_member(key, text.substr(pos, value_end - pos))) return true;
    pos = skip_ws(text, value_end);
    if (pos >= text.size()) return false;
    if (text[pos] == '}') return true;
    if (text[pos] != ',') return false;
    pos = skip_ws(text, pos + 1);
  }
  return false;
}

}  // namespace

bool object_members(std::string_view object_text, std::vector<RawMember>& out) {
  out.clear();
  return walk_object(object_text, [&](std::string_view key, std::string_view value) {
    out.push_back(RawMember{key, value});
    return true;
  });
}

std::optional<std::string_view> member_value(std::string_view object_text, std::size_t index) {
  std::optional<std::string_view> found;
  std::size_t i = 0;
  walk_object(object_text, [&](std::string_view, std::string_view value) {
    if (i++ == index) {
      found = value;
      return false;
    }
    return true;
  });
  return found;
}

bool array_elements(std::string_view array_text, std::vector<std::string_view>& out) {
  out.clear();
  const std::string_view text = array_text;
  std::size_t pos = skip_ws(text, 0);
  if (pos >= text.size() || text[pos] != '[') return false;
  pos = skip_ws(text, pos + 1);
  if (pos < text.size() && text[pos] == ']') return true;
  while (pos < text.size()) {
    const std::size_t end = skip_value(text, pos);
    if (end == npos) return false;
    out.push_back(text.substr(pos, end - pos));
    pos = skip_ws(text, end);
    if (pos >= text.size()) return false;
    if (text[pos] == ']') return true;
    if (text[pos] != ',') return false;
    pos = skip_ws(text, pos + 1);
  }
  return false;
}

}  // namespace tc::json
