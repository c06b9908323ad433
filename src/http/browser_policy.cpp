#include "http/browser_policy.hpp"

#include <algorithm>

namespace tc {
namespace {

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == ':' || c == '[' || c == ']';
}

// "example.com:80" for http -> "example.com"; lower-cased. Empty if malformed.
std::string normalize_authority(std::string_view authority, bool https) {
  std::string out;
  out.reserve(authority.size());
  for (char c : authority) {
    c = lower_ascii(c);
    if (!host_char(c)) return {};
    out.push_back(c);
  }
  if (out.empty() || out.front() == ':') return {};
  const std::string_view default_port = https ? ":443" : ":80";
  // Only a port after the host (not a colon inside an IPv6 literal) is dropped.
  if (out.size() > default_port.size() && out.ends_with(default_port) &&
      (out.front() != '[' || out[out.size() - default_port.size() - 1] == ']')) {
    // A copy of the prefix, not out.resize(): g++ 12 at -O3 warns falsely (-Wrestrict)
    // about the inlined resize.
    return std::string(std::string_view(out).substr(0, out.size() - default_port.size()));
  }
  return out;
}

}  // namespace

bool is_json_media_type(std::string_view content_type) noexcept {
  if (content_type == "application/json") return true;  // what nearly every client sends
  const auto semicolon = content_type.find(';');
  return iequal(trim(content_type.substr(0, semicolon)), "application/json");
}

std::string normalize_origin(std::string_view origin) {
  bool https;
  if (origin.size() > 8 && iequal(origin.substr(0, 8), "https://")) {
    https = true;
    origin.remove_prefix(8);
  } else if (origin.size() > 7 && iequal(origin.substr(0, 7), "http://")) {
    https = false;
    origin.remove_prefix(7);
  } else {
    return {};
  }
  std::string authority = normalize_authority(origin, https);
  if (authority.empty()) return {};
  return (https ? "https://" : "http://") + authority;
}

BrowserPolicy::BrowserPolicy(std::vector<std::string> allowed_origins, bool tls)
    : allowed_(std::move(allowed_origins)), tls_(tls) {}

bool BrowserPolicy::same_origin(std::string_view origin, std::string_view host) const {
  const std::string own_authority = normalize_authority(trim(host), tls_);
  if (own_authority.empty()) return false;
  const std::string normalized = normalize_origin(origin);
  const std::string_view scheme = tls_ ? "https://" : "http://";
  return normalized.size() == scheme.size() + own_authority.size() &&
         normalized.starts_with(scheme) && normalized.ends_with(own_authority);
}

bool BrowserPolicy::listed(std::string_view origin) const {
  if (allowed_.empty()) return false;
  const std::string normalized = normalize_origin(origin);
  return !normalized.empty() &&
         std::find(allowed_.begin(), allowed_.end(), normalized) != allowed_.end();
}

OriginVerdict BrowserPolicy::check(std::string_view origin, std::string_view sec_fetch_site,
                                   std::string_view host) const {
  if (!origin.empty() && listed(origin)) return OriginVerdict::allowed;
  // A browser that says another site made the request is believed, whatever Origin says.
  if (iequal(trim(sec_fetch_site), "cross-site")) return OriginVerdict::cross_site;
  // Browsers send Origin on every POST; without one this is a client such as curl.
  if (origin.empty() || same_origin(origin, host)) return OriginVerdict::allowed;
  return OriginVerdict::cross_origin;
}

BrowserDecision BrowserPolicy::decide(const BrowserRequest& request,
                                      std::string& extra_headers) const {
  if (!request.path.starts_with("/task/")) return {};
  auto refuse = [](int status, std::string message) {
    return BrowserDecision{BrowserDecision::Kind::refuse, status, std::move(message)};
  };
  auto not_allowed = [&] {
    return refuse(403, "origin " + std::string(request.origin) +
                           " may not call this server (allow it with --cors-origin)");
  };
  if (request.method == "OPTIONS" && !request.origin.empty()) {
    if (!listed(request.origin) && !same_origin(request.origin, request.host)) return not_allowed();
    append_preflight_headers(extra_headers, request.origin);
    return BrowserDecision{BrowserDecision::Kind::preflight, 204, {}};
  }
  switch (check(request.origin, request.sec_fetch_site, request.host)) {
    case OriginVerdict::allowed:
      break;
    case OriginVerdict::cross_origin:
      return not_allowed();
    case OriginVerdict::cross_site:
      return refuse(403,
                    "the browser says another site made this request (Sec-Fetch-Site: "
                    "cross-site); allow that site's origin with --cors-origin");
  }
  if (!request.origin.empty() && listed(request.origin))
    append_cors_headers(extra_headers, request.origin);
  if (request.method == "POST" && !is_json_media_type(request.content_type))
    return refuse(415, request.content_type.empty()
                           ? "a /task/ request needs the header Content-Type: application/json"
                           : "a /task/ request needs Content-Type: application/json, not " +
                                 std::string(request.content_type));
  return {};
}

void BrowserPolicy::append_cors_headers(std::string& out, std::string_view origin) const {
  out += "Access-Control-Allow-Origin: ";
  out += origin;
  out += "\r\nVary: Origin\r\n";
}

void BrowserPolicy::append_preflight_headers(std::string& out, std::string_view origin) const {
  append_cors_headers(out, origin);
  out += "Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"
         "Access-Control-Allow-Headers: Authorization, Content-Type\r\n"
         "Access-Control-Max-Age: ";
  out += std::to_string(kPreflightMaxAgeSeconds);
  out += "\r\n";
}

}  // namespace tc
