// BrowserPolicy: the Content-Type rule, origin normalization, and which requests a
// browser may make to /task/*.
#include "http/browser_policy.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(BrowserPolicy, JsonMediaTypeAllowsParametersAndAnyCase) {
  EXPECT_TRUE(is_json_media_type("application/json"));
  EXPECT_TRUE(is_json_media_type("application/json; charset=utf-8"));
  EXPECT_TRUE(is_json_media_type("Application/JSON"));
  EXPECT_TRUE(is_json_media_type(" application/json ;x=y"));
  EXPECT_FALSE(is_json_media_type(""));
  EXPECT_FALSE(is_json_media_type("text/plain"));
  EXPECT_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
  EXPECT_FALSE(is_json_media_type("multipart/form-data; boundary=x"));
  EXPECT_FALSE(is_json_media_type("application/jsonx"));
  EXPECT_FALSE(is_json_media_type("text/plain; application/json"));
}

TEST(BrowserPolicy, OriginsAreNormalized) {
  EXPECT_EQ(normalize_origin("HTTP://Example.COM:80"), "http://example.com");
  EXPECT_EQ(normalize_origin("https://example.com:443"), "https://example.com");
  EXPECT_EQ(normalize_origin("https://example.com:8443"), "https://example.com:8443");
  EXPECT_EQ(normalize_origin("http://[::1]:80"), "http://[::1]");
  EXPECT_EQ(normalize_origin("http://[::1]:8080"), "http://[::1]:8080");
  EXPECT_EQ(normalize_origin("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
  for (const char* bad : {"", "null", "example.com", "ftp://example.com", "http://",
                          "http://example.com/path", "http://user@example.com",
                          "http://exa mple.com", "https://:443"})
    EXPECT_EQ(normalize_origin(bad), "") << bad;
}

TEST(BrowserPolicy, RequestsWithoutOriginPassUnlessCrossSite) {
  BrowserPolicy policy({}, false);
  EXPECT_EQ(policy.check("", "", "127.0.0.1:8000"), OriginVerdict::allowed);
  EXPECT_EQ(policy.check("", "none", "127.0.0.1:8000"), OriginVerdict::allowed);
  EXPECT_EQ(policy.check("", "same-origin", ""), OriginVerdict::allowed);
  EXPECT_EQ(policy.check("", "cross-site", "127.0.0.1:8000"), OriginVerdict::cross_site);
  EXPECT_EQ(policy.check("", "Cross-Site", ""), OriginVerdict::cross_site);
}

TEST(BrowserPolicy, SameOriginFollowsTheHostHeaderAndTheScheme) {
  BrowserPolicy plain({}, false);
  EXPECT_EQ(plain.check("http://127.0.0.1:8000", "same-origin", "127.0.0.1:8000"),
            OriginVerdict::allowed);
  EXPECT_EQ(plain.check("http://Queue.example", "", "queue.example:80"), OriginVerdict::allowed);
  EXPECT_EQ(plain.check("https://127.0.0.1:8000", "", "127.0.0.1:8000"),
            OriginVerdict::cross_origin);
  EXPECT_EQ(plain.check("http://127.0.0.1:8001", "", "127.0.0.1:8000"),
            OriginVerdict::cross_origin);
  EXPECT_EQ(plain.check("http://127.0.0.1:8000", "", ""), OriginVerdict::cross_origin);
  EXPECT_EQ(plain.check("null", "", "127.0.0.1:8000"), OriginVerdict::cross_origin);
  // A page that lies in Origin but not in Fetch metadata is still refused.
  EXPECT_EQ(plain.check("http://127.0.0.1:8000", "cross-site", "127.0.0.1:8000"),
            OriginVerdict::cross_site);
  BrowserPolicy tls({}, true);
  EXPECT_EQ(tls.check("https://queue.example", "", "queue.example:443"), OriginVerdict::allowed);
  EXPECT_EQ(tls.check("http://queue.example", "", "queue.example"), OriginVerdict::cross_origin);
}

TEST(BrowserPolicy, ListedOriginsPassEvenCrossSite) {
  BrowserPolicy policy({normalize_origin("https://app.example.com")}, false);
  EXPECT_TRUE(policy.listed("https://APP.example.com:443"));
  EXPECT_FALSE(policy.listed("https://app.example.com.evil.example"));
  EXPECT_FALSE(policy.listed("http://app.example.com"));
  EXPECT_EQ(policy.check("https://app.example.com", "cross-site", "q:8000"), OriginVerdict::allowed);
  EXPECT_EQ(policy.check("https://evil.example", "cross-site", "q:8000"), OriginVerdict::cross_site);
  EXPECT_EQ(policy.check("https://evil.example", "", "q:8000"), OriginVerdict::cross_origin);
}

TEST(BrowserPolicy, CorsAndPreflightHeaders) {
  BrowserPolicy policy({"https://app.example.com"}, false);
  std::string out;
  policy.append_cors_headers(out, "https://app.example.com");
  EXPECT_EQ(out, "Access-Control-Allow-Origin: https://app.example.com\r\nVary: Origin\r\n");
  out.clear();
  policy.append_preflight_headers(out, "https://app.example.com");
  EXPECT_NE(out.find("Access-Control-Allow-Methods: POST"), std::string::npos);
  EXPECT_NE(out.find("Access-Control-Allow-Headers: Authorization, Content-Type\r\n"),
            std::string::npos);
  EXPECT_NE(out.find("Access-Control-Max-Age: 600\r\n"), std::string::npos);
  EXPECT_NE(out.find("Vary: Origin\r\n"), std::string::npos);
}

BrowserDecision decide(const BrowserPolicy& policy, BrowserRequest request,
                       std::string* extra = nullptr) {
  std::string headers;
  BrowserDecision d = policy.decide(request, headers);
  if (extra) *extra = headers;
  return d;
}

TEST(BrowserPolicy, DecideAppliesTheRulesToTaskPathsOnly) {
  BrowserPolicy policy({"https://app.example.com"}, false);
  using Kind = BrowserDecision::Kind;
  const std::string_view json = "application/json";
  // Clients and the dashboard.
  EXPECT_EQ(decide(policy, {"POST", "/task/put", "", "", "q:8000", json}).kind, Kind::pass);
  EXPECT_EQ(decide(policy, {"POST", "/task/put", "http://q:8000", "same-origin", "q:8000", json}).kind,
            Kind::pass);
  // Content-Type.
  auto d = decide(policy, {"POST", "/task/put", "", "", "q:8000", "text/plain"});
  EXPECT_EQ(d.kind, Kind::refuse);
  EXPECT_EQ(d.status, 415);
  EXPECT_NE(d.message.find("text/plain"), std::string::npos);
  EXPECT_EQ(decide(policy, {"POST", "/task/put", "", "", "q:8000", ""}).status, 415);
  EXPECT_EQ(decide(policy, {"GET", "/task/put", "", "", "q:8000", ""}).kind, Kind::pass);  // 405 later
  // Origin before Content-Type: the page of another site learns nothing more.
  d = decide(policy, {"POST", "/task/clear_queue", "http://evil.example", "cross-site", "q:8000",
                      "text/plain"});
  EXPECT_EQ(d.status, 403);
  EXPECT_EQ(decide(policy, {"POST", "/task/put", "", "cross-site", "q:8000", json}).status, 403);
  // Listed origin: passes, with CORS headers.
  std::string extra;
  d = decide(policy, {"POST", "/task/put", "https://app.example.com", "cross-site", "q:8000", json},
             &extra);
  EXPECT_EQ(d.kind, Kind::pass);
  EXPECT_NE(extra.find("Access-Control-Allow-Origin: https://app.example.com\r\n"),
            std::string::npos);
  // Preflight.
  d = decide(policy, {"OPTIONS", "/task/put", "https://app.example.com", "cross-site", "q:8000", ""},
             &extra);
  EXPECT_EQ(d.kind, Kind::preflight);
  EXPECT_EQ(d.status, 204);
  EXPECT_NE(extra.find("Access-Control-Max-Age"), std::string::npos);
  EXPECT_EQ(decide(policy, {"OPTIONS", "/task/put", "https://evil.example", "", "q:8000", ""}).status,
            403);
  EXPECT_EQ(decide(policy, {"OPTIONS", "/task/put", "", "", "q:8000", ""}).kind, Kind::pass);
  // Pages and probes are not /task/*.
  EXPECT_EQ(decide(policy, {"GET", "/healthz", "http://evil.example", "cross-site", "q", ""}).kind,
            Kind::pass);
  EXPECT_EQ(decide(policy, {"POST", "/", "http://evil.example", "", "q", "text/plain"}).kind,
            Kind::pass);
}

}  // namespace
}  // namespace tc
