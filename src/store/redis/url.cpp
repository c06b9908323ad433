#include "store/redis/url.hpp"

#include <charconv>

namespace tc::redis {
namespace {

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<RedisUrl> parse_redis_url(std::string_view text) {
  RedisUrl url;
  constexpr std::string_view scheme = "redis://";
  if (text.substr(0, scheme.size()) == scheme) text.remove_prefix(scheme.size());
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    std::string_view db = text.substr(slash + 1);
    text = text.substr(0, slash);
    if (!db.empty() && (!parse_int(db, url.db) || url.db < 0)) return std::nullopt;
  }
  if (auto at = text.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = text.substr(0, at);
    text = text.substr(at + 1);
    auto colon = userinfo.find(':');
    url.password = std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
  }
  std::string_view host = text;
  if (!host.empty() && host.front() == '[') {  // [ipv6]:port
    auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || !parse_int(rest.substr(1), url.endpoint.port)) return std::nullopt;
    }
  } else if (auto colon = host.rfind(':'); colon != std::string_view::npos) {
    if (!parse_int(host.substr(colon + 1), url.endpoint.port)) return std::nullopt;
    host = host.substr(0, colon);
  }
  if (url.endpoint.port <= 0 || url.endpoint.port > 65535) return std::nullopt;
  url.endpoint.host = host.empty() ? "127.0.0.1" : std::string(host);
  if (url.endpoint.host == "localhost") url.endpoint.host = "127.0.0.1";
  return url;
}

std::uint16_t crc16(std::string_view data) noexcept {
  std::uint16_t crc = 0;
  for (unsigned char byte : data) {
    crc ^= static_cast<std::uint16_t>(byte) << 8;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<std::uint16_t>(crc << 1);
    }
  }
  return crc;
}

int key_slot(std::string_view key) noexcept {
  auto open = key.find('{');
  if (open != std::string_view::npos) {
    auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close != open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return crc16(key) & 16383;
}

}  // namespace tc::redis
