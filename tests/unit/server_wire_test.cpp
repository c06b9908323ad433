// The transport's response head and request fields (src/http/server_wire.hpp): the head
// is written in one pass and must match, byte for byte, the head written piece by piece.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/server_wire.hpp"

namespace tc {
namespace {

// The head as it was written before, one append per piece: the reference for format_head.
std::string head_by_appends(const HttpResponse& response, unsigned version, bool keep_alive,
                            std::string_view extra_headers) {
  std::string head = version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
  head += std::to_string(response.status);
  head += ' ';
  head += wire::http::obsolete_reason(
      wire::http::int_to_status(static_cast<unsigned>(response.status)));
  head += "\r\nServer: taskcenter\r\n";
  if (!response.content_type.empty()) {
    head += "Content-Type: ";
    head += response.content_type;
    head += "\r\n";
  }
  head += extra_headers;
  if (response.status != 204) {
    head += "Content-Length: ";
    head += std::to_string(response.body.size());
    head += "\r\n";
  }
  if (version == 10 && keep_alive) head += "Connection: keep-alive\r\n";
  if (version != 10 && !keep_alive) head += "Connection: close\r\n";
  head += "\r\n";
  return head;
}

TEST(ServerWire, HeadOfTheCommonAnswer) {
  HttpResponse response;
  response.body = R"({"code":"0000","message":"","data":true})";
  std::string head = "left over from the previous response";
  wire::format_head(head, response, 11, true);
  EXPECT_EQ(head,
            "HTTP/1.1 200 OK\r\nServer: taskcenter\r\nContent-Type: application/json\r\n"
            "Content-Length: 40\r\n\r\n");
}

TEST(ServerWire, HeadMatchesThePieceByPieceHeadInEveryShape) {
  const std::string long_extra =
      "Access-Control-Allow-Origin: https://dashboard.example.org\r\nVary: Origin\r\n" +
      std::string(3000, 'x') + "\r\n";
  for (int status : {200, 204, 400, 401, 403, 404, 405, 413, 415, 431, 500, 503, 599})
    for (unsigned version : {10u, 11u})
      for (bool keep_alive : {false, true})
        for (std::string_view content_type :
             {std::string_view("application/json"), std::string_view(),
              std::string_view("text/plain; version=0.0.4; charset=utf-8")})
          for (std::string_view extra :
               {std::string_view(), std::string_view("Vary: Origin\r\n"),
                std::string_view(long_extra)})
            for (std::size_t body_size : {0u, 7u, 123456u}) {
              HttpResponse response;
              response.status = status;
              response.content_type = content_type;
              response.body.assign(body_size, 'b');
              std::string head(17, '?');
              wire::format_head(head, response, version, keep_alive, extra);
              EXPECT_EQ(head, head_by_appends(response, version, keep_alive, extra))
                  << status << " HTTP/1." << (version == 10 ? 0 : 1) << " keep_alive "
                  << keep_alive << " content type '" << content_type << "' extra "
                  << extra.size() << " body " << body_size;
            }
}

// Parses one whole request into `out`; true when the parser finished it.
bool parse(std::string_view wire_text, wire::ParsedRequest& out) {
  out.clear();
  wire::RequestParser parser(out);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(wire_text.data(), wire_text.size()), ec);
  return !ec && parser.is_done();
}

TEST(ServerWire, ContentTypeJsonIsAFlagAndAnyOtherValueIsKept) {
  wire::ParsedRequest request;
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                    "Content-Length: 2\r\n\r\n{}",
                    request));
  EXPECT_TRUE(request.content_type_json);
  EXPECT_EQ(request.content_type, "");
  EXPECT_EQ(request.body, "{}");
  for (std::string_view other : {"application/jsonx", "application/jso", "Application/json",
                                 "application/json; charset=utf-8", "text/plain"}) {
    const std::string text = "POST /task/put HTTP/1.1\r\nContent-Type: " + std::string(other) +
                             "\r\nContent-Length: 0\r\n\r\n";
    ASSERT_TRUE(parse(text, request)) << other;
    EXPECT_FALSE(request.content_type_json) << other;
    EXPECT_EQ(request.content_type, other);
  }
}

TEST(ServerWire, BrowserHeadersAreKeptWhicheverOrderTheyCome) {
  wire::ParsedRequest request;
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nOrigin: http://x.test\r\n"
                    "Sec-Fetch-Site: cross-site\r\nContent-Length: 0\r\n\r\n",
                    request));
  EXPECT_EQ(request.host, "127.0.0.1:8000");
  EXPECT_EQ(request.origin, "http://x.test");
  EXPECT_EQ(request.sec_fetch_site, "cross-site");
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nOrigin: http://y.test\r\nContent-Length: 0\r\n"
                    "Host: example.org\r\n\r\n",
                    request));
  EXPECT_EQ(request.host, "example.org");
  EXPECT_EQ(request.origin, "http://y.test");
  EXPECT_EQ(request.sec_fetch_site, "");
  EXPECT_FALSE(request.plain_client());
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nHost: example.org\r\nContent-Type: "
                    "application/json\r\nContent-Length: 0\r\n\r\n",
                    request));
  EXPECT_TRUE(request.plain_client());
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nHost: example.org\r\nContent-Length: 0\r\n\r\n",
                    request));
  EXPECT_FALSE(request.plain_client());  // a POST that is not JSON: the rules answer 415
  ASSERT_TRUE(parse("GET /healthz HTTP/1.1\r\nHost: example.org\r\n\r\n", request));
  EXPECT_TRUE(request.plain_client());
}

// Host is kept only for the Origin rule, and then as the parser saw it: the last one,
// an unfolded (obs-fold) value as Beast unfolded it, a header that came in pieces whole.
TEST(ServerWire, HostIsTheLastHostHeaderWhenThereIsAnOrigin) {
  wire::ParsedRequest request;
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nHost: first.test\r\nOrigin: http://o.test\r\n"
                    "Host: second.test\r\nContent-Length: 0\r\n\r\n",
                    request));
  EXPECT_EQ(request.host, "second.test");
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nOrigin: http://o.test\r\nHost: first.test\r\n"
                    "Host: folded\r\n .test\r\nContent-Length: 0\r\n\r\n",
                    request));
  EXPECT_EQ(request.host, "folded .test");
  ASSERT_TRUE(parse("POST /task/put HTTP/1.1\r\nHost: folded\r\n .test\r\n"
                    "Host: last.test\r\nOrigin: http://o.test\r\nContent-Length: 0\r\n\r\n",
                    request));
  EXPECT_EQ(request.host, "last.test");

  // In pieces, as the network delivers it. A first piece with the whole request line is
  // parsed at once field by field, and Beast consumes the fields it has parsed (a
  // browser's header is longer than the server's first read of 512 bytes); a first piece
  // without it makes the parser wait for the whole header.
  const std::string_view text =
      "POST /task/put HTTP/1.1\r\nHost: pieces.test:8000\r\nUser-Agent: a browser\r\n"
      "Origin: http://o.test\r\nContent-Length: 2\r\n\r\n{}";
  for (std::size_t piece : {1u, 3u, 17u, 52u, 60u, 67u, 80u}) {
    request.clear();
    wire::RequestParser parser(request);
    parser.eager(true);
    std::string pending;
    for (std::size_t at = 0; at < text.size() && !parser.is_done(); at += piece) {
      pending.append(text.substr(at, piece));
      boost::beast::error_code ec;
      pending.erase(0, parser.put(boost::asio::buffer(pending.data(), pending.size()), ec));
      // What was consumed is gone, as flat_buffer may move or overwrite it.
      pending.shrink_to_fit();
      ASSERT_TRUE(!ec || ec == wire::http::error::need_more) << ec.message();
    }
    ASSERT_TRUE(parser.is_done()) << piece;
    EXPECT_EQ(request.host, "pieces.test:8000") << piece;
    EXPECT_EQ(request.origin, "http://o.test") << piece;
    EXPECT_EQ(request.body, "{}") << piece;
  }
}

}  // namespace
}  // namespace tc
