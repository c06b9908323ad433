#include "url.hpp"

namespace taskcenter::detail {

std::optional<ServerUrl> parse_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  auto slash = url.find('/');
  std::string_view authority = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : url.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (authority.empty()) return std::nullopt;

  ServerUrl out;
  std::string_view port;
  if (authority.front() == '[') {  // [v6addr]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      port = after.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    for (char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    out.port = std::string(port);
  }
  out.host_header = std::string(authority);
  out.path_prefix = std::string(path);
  return out;
}

}  // namespace taskcenter::detail
