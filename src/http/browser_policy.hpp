// What a browser may do to /task/*: the Content-Type rule and the Origin rule that stop
// a page of another site from changing queues (a "simple" cross-site POST needs no
// preflight, so the server itself must refuse it), and the CORS answers for origins
// the operator allowed (--cors-origin). Pure: header values in, decision out.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tc {

// True when the media type is application/json, whatever its parameters
// ("application/json; charset=utf-8"); case-insensitive, as media types are.
bool is_json_media_type(std::string_view content_type) noexcept;

// "HTTP://Example.com:80" -> "http://example.com"; empty when `origin` is not
// scheme://host[:port] with scheme http or https (no path, no user info).
std::string normalize_origin(std::string_view origin);

enum class OriginVerdict {
  allowed,      // no Origin (curl, the clients), same origin, or a listed origin
  cross_origin, // an Origin that is neither the server's own nor listed
  cross_site,   // no Origin, but the browser says Sec-Fetch-Site: cross-site
};

// One request as the browser rules see it; empty views for absent headers.
struct BrowserRequest {
  std::string_view method;  // "POST", "OPTIONS", ...
  std::string_view path;    // without the query string
  std::string_view origin;
  std::string_view sec_fetch_site;
  std::string_view host;
  std::string_view content_type;
};

struct BrowserDecision {
  enum class Kind { pass, preflight, refuse };
  Kind kind = Kind::pass;
  int status = 0;       // refuse: 403 (origin) or 415 (Content-Type)
  std::string message;  // refuse: one sentence for the envelope
};

class BrowserPolicy {
 public:
  // allowed_origins: normalized (normalize_origin) values of --cors-origin.
  // tls: the listener speaks HTTPS, so the server's own origin is https://Host.
  BrowserPolicy(std::vector<std::string> allowed_origins, bool tls);

  // The rules for /task/* (other paths pass): a preflight from an allowed origin is
  // answered (204), a request another site's page made is refused (403), and a POST
  // must be declared JSON (415) -- a page may send a "simple" cross-site POST
  // (text/plain, no preflight) but never application/json without the server's
  // consent. CORS header lines for a listed origin are appended to extra_headers.
  BrowserDecision decide(const BrowserRequest& request, std::string& extra_headers) const;

  // origin / sec_fetch_site / host: the header values, empty when absent.
  OriginVerdict check(std::string_view origin, std::string_view sec_fetch_site,
                      std::string_view host) const;
  // Same origin: Origin equals scheme://Host for this server's scheme.
  bool same_origin(std::string_view origin, std::string_view host) const;
  bool listed(std::string_view origin) const;

  // Header lines ("Name: value\r\n") for the answer to a request from a listed origin.
  void append_cors_headers(std::string& out, std::string_view origin) const;
  // Header lines for the answer to a preflight (OPTIONS) from a listed origin.
  void append_preflight_headers(std::string& out, std::string_view origin) const;

  static constexpr int kPreflightMaxAgeSeconds = 600;

 private:
  std::vector<std::string> allowed_;
  bool tls_;
};

}  // namespace tc
