// Pure parts of the client, without a server: base64, URLs, the JSON writer, the HTTP
// response reader and the envelope decoder.
#include <gtest/gtest.h>

#include "base64.hpp"
#include "http_response.hpp"
#include "json_codec.hpp"
#include "json_writer.hpp"
#include "taskcenter/errors.hpp"
#include "url.hpp"

namespace {

using namespace taskcenter;
using namespace taskcenter::detail;

TEST(Base64, RoundTripsEveryLengthAndByte) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    EXPECT_EQ(base64_decode(base64_encode(bytes)), bytes) << "length " << i;
    bytes.push_back(static_cast<char>(i * 37 % 256));
  }
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("f"), "Zg==");
}

TEST(Base64, RejectsInvalidText) {
  EXPECT_FALSE(base64_decode("Zm9"));       // not a multiple of 4
  EXPECT_FALSE(base64_decode("Zm9v!A=="));  // outside the alphabet
  EXPECT_FALSE(base64_decode("Z==v"));      // data after padding
  EXPECT_FALSE(base64_decode("Zg==Zg=="));  // padding in the middle
  EXPECT_EQ(base64_decode(""), "");
}

TEST(Url, ParsesHostPortAndPrefix) {
  auto u = parse_url("http://example.com:8080/api/");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->host, "example.com");
  EXPECT_EQ(u->port, "8080");
  EXPECT_EQ(u->host_header, "example.com:8080");
  EXPECT_EQ(u->path_prefix, "/api");
  auto v6 = parse_url("http://[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9000");
  EXPECT_EQ(parse_url("http://h")->port, "80");
  EXPECT_FALSE(parse_url("https://h"));
  EXPECT_FALSE(parse_url("http://h:x1"));
  EXPECT_FALSE(parse_url("http://"));
}

TEST(JsonWriter, EscapesAndSplicesRawJson) {
  JsonWriter w;
  w.begin_object().key("q").string("a\"b\\c\n\x01").key("info").raw(R"({"x":[1,2]})").key("none").raw("");
  w.key("list").begin_array().number(std::uint64_t{1}).number(0.5).boolean(false).null().end_array();
  w.key("c").base64("hi").end_object();
  EXPECT_EQ(w.str(), R"({"q":"a\"b\\c\n\u0001","info":{"x":[1,2]},"none":null,"list":[1,0.5,false,null],"c":"aGk="})");
}

ResponseReader::Status feed_bytewise(ResponseReader& r, std::string_view text) {
  ResponseReader::Status s = ResponseReader::Status::need_more;
  for (char c : text) s = r.feed(std::string_view(&c, 1));
  return s;
}

TEST(ResponseReader, ContentLengthBodyInOneOrManyPieces) {
  std::string text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello";
  ResponseReader whole;
  ASSERT_EQ(whole.feed(text), ResponseReader::Status::done);
  EXPECT_EQ(whole.http_status(), 200);
  EXPECT_EQ(whole.body(), "hello");
  EXPECT_TRUE(whole.keep_alive());
  EXPECT_EQ(whole.content_type(), "application/json");

  ResponseReader pieces;
  ASSERT_EQ(feed_bytewise(pieces, text), ResponseReader::Status::done);
  EXPECT_EQ(pieces.body(), "hello");
}

TEST(ResponseReader, ChunkedBodyWithExtensionsAndTrailers) {
  std::string text =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
  ResponseReader r;
  ASSERT_EQ(feed_bytewise(r, text), ResponseReader::Status::done);
  EXPECT_EQ(r.body(), "hello world");
  EXPECT_TRUE(r.keep_alive());
}

TEST(ResponseReader, ConnectionCloseAndHttp10) {
  ResponseReader close;
  ASSERT_EQ(close.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"), ResponseReader::Status::done);
  EXPECT_FALSE(close.keep_alive());

  ResponseReader old;
  ASSERT_EQ(old.feed("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"), ResponseReader::Status::done);
  EXPECT_FALSE(old.keep_alive());
}

TEST(ResponseReader, BodyUntilCloseAndInterimResponses) {
  ResponseReader r;
  EXPECT_EQ(r.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\nno such"), ResponseReader::Status::need_more);
  ASSERT_EQ(r.finish(), ResponseReader::Status::done);
  EXPECT_EQ(r.http_status(), 404);
  EXPECT_EQ(r.body(), "no such");
  EXPECT_FALSE(r.keep_alive());
}

TEST(ResponseReader, ErrorsAndTruncation) {
  ResponseReader garbage;
  EXPECT_EQ(garbage.feed("SSH-2.0-OpenSSH\r\n\r\n"), ResponseReader::Status::error);

  ResponseReader truncated;
  EXPECT_EQ(truncated.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"), ResponseReader::Status::need_more);
  EXPECT_EQ(truncated.finish(), ResponseReader::Status::error);
  EXPECT_TRUE(truncated.started());

  ResponseReader nothing;
  EXPECT_EQ(nothing.finish(), ResponseReader::Status::error);
  EXPECT_FALSE(nothing.started());

  ResponseReader bad_chunk;
  EXPECT_EQ(bad_chunk.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), ResponseReader::Status::error);
}

TEST(ResponseReader, PipelinedResponsesLeaveTheNextOneAsLeftover) {
  std::string two = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nAHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB";
  ResponseReader first;
  ASSERT_EQ(first.feed(two), ResponseReader::Status::done);
  EXPECT_EQ(first.body(), "A");
  EXPECT_TRUE(first.keep_alive_header());
  ResponseReader second;
  ASSERT_EQ(second.feed(first.leftover()), ResponseReader::Status::done);
  EXPECT_EQ(second.body(), "B");
  EXPECT_TRUE(second.leftover().empty());
}

TEST(ResponseReader, BytesAfterTheResponseForbidReuse) {
  ResponseReader r;
  ASSERT_EQ(r.feed("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nxEXTRA"), ResponseReader::Status::done);
  EXPECT_EQ(r.body(), "x");
  EXPECT_FALSE(r.keep_alive());
}

TEST(Envelope, DataAndCursorAreExactRawJson) {
  Envelope e(HttpResult{200, R"({"err_code":"0000","data":[{"id":"a","info":{"n": 1.50, "s":"\u00e9"},"cursor":"1-0"}], "cursor" : "1-0" })"});
  auto tasks = decode_tasks(e.data(), "q");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].id, "a");
  EXPECT_EQ(tasks[0].queue, "q");
  EXPECT_EQ(tasks[0].info, R"({"n": 1.50, "s":"\u00e9"})");  // byte for byte, not re-serialized
  EXPECT_EQ(tasks[0].cursor, "1-0");
  EXPECT_EQ(decode_optional_string(e.cursor()), "1-0");
}

TEST(Envelope, ScalarInfoAndContent) {
  Envelope e(HttpResult{200, R"({"data":[{"id":"b","info":42,"content":"aGk="},{"id":"c","content":""}],"err_code":"0000"})"});
  auto tasks = decode_tasks(e.data(), "q");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].info, "42");
  EXPECT_EQ(tasks[0].content, "hi");
  EXPECT_EQ(tasks[1].info, "null");
}

TEST(Envelope, TasksCarryPriorityBatchKeyAndCost) {
  Envelope e(HttpResult{200, R"({"err_code":"0000","data":[{"id":"a","info":null,"content":"","attempt":1,"priority":-3,"batch_key":"gpu","cost":2.5},{"id":"b","info":null,"content":"","attempt":1,"priority":0,"batch_key":null,"cost":1}]})"});
  auto tasks = decode_tasks(e.data(), "q");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].priority, -3);
  EXPECT_EQ(tasks[0].batch_key, std::optional<std::string>("gpu"));
  EXPECT_EQ(tasks[0].cost, 2.5);
  EXPECT_FALSE(tasks[1].batch_key);
  EXPECT_EQ(tasks[1].cost, 1);
}

TEST(Envelope, ErrorCodesBecomeTypedExceptions) {
  auto envelope = [](int status, std::string body) { return Envelope(HttpResult{status, std::move(body)}); };
  EXPECT_THROW(envelope(200, R"({"err_code":"0001","data":null})"), CallTimeout);
  EXPECT_THROW(envelope(400, R"({"err_code":"0002","message":"queue: must be a string"})"), BadRequest);
  EXPECT_THROW(envelope(413, R"({"err_code":"0003","message":"too big"})"), PayloadTooLarge);
  EXPECT_THROW(envelope(401, R"({"err_code":"0004","message":"token"})"), Unauthorized);
  EXPECT_THROW(envelope(503, R"({"err_code":"0005","message":"redis down"})"), Unavailable);
  EXPECT_THROW(envelope(200, R"({"err_code":"0006","data":null})"), TaskRemoved);
  EXPECT_THROW(envelope(404, R"({"err_code":"0007","message":"no route"})"), NotFound);
  EXPECT_THROW(envelope(200, R"({"err_code":"0008","data":null,"message":"deadline"})"), TaskExpired);
  EXPECT_THROW(envelope(200, R"({"err_code":"0008","data":null})"), TaskRemoved);
  EXPECT_THROW(envelope(502, "<html>bad gateway</html>"), ProtocolError);
  EXPECT_THROW(envelope(200, R"({"err_code":"0099"})"), ProtocolError);
  try {
    envelope(400, R"({"err_code":"0002","message":"id: too long"})");
    FAIL();
  } catch (const BadRequest& e) {
    EXPECT_EQ(e.message(), "id: too long");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_EQ(e.code(), ErrorCode::bad_request);
    EXPECT_STREQ(e.what(), "0002: id: too long");
  }
}

TEST(Envelope, StatCallAndLists) {
  Envelope stat(HttpResult{200, R"({"err_code":"0000","data":{"length":3,"oldest_cursor":"1-0","newest_cursor":null,"leased":2,"name":"x"}})"});
  auto s = decode_stat(stat.data());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->length, 3u);
  EXPECT_EQ(s->oldest_cursor, "1-0");
  EXPECT_FALSE(s->newest_cursor);
  EXPECT_EQ(s->counter("leased"), 2);
  EXPECT_EQ(s->counter("missing", -1), -1);

  Envelope call(HttpResult{200, R"({"err_code":"0000","data":[{"id":"i","result_info":[1],"result_content":"eA=="}]})"});
  auto r = decode_call_result(call.data());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->info, "[1]");
  EXPECT_EQ(r->content, "x");
  // The object shape (a server started with --call-data object, the original service).
  Envelope object(HttpResult{200, R"({"err_code":"0000","data":{"id":"i","result_info":{"a":1},"result_content":"eQ=="}})"});
  auto o = decode_call_result(object.data());
  ASSERT_TRUE(o);
  EXPECT_EQ(o->id, "i");
  EXPECT_EQ(o->info, R"({"a":1})");
  EXPECT_EQ(o->content, "y");

  EXPECT_EQ(decode_bool_list(Envelope(HttpResult{200, R"({"err_code":"0000","data":[true,false]})"}).data()),
            (std::vector<bool>{true, false}));
  EXPECT_EQ(decode_string_list(Envelope(HttpResult{200, R"({"err_code":"0000","data":["a","b"]})"}).data()),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_THROW(decode_bool("1"), ProtocolError);
  std::string bad_content = R"([{"id":"a","content":"!!"}])";
  bad_content.reserve(bad_content.size() + 64);  // the decoders read padding past the end
  EXPECT_THROW(decode_tasks(bad_content, "q"), ProtocolError);
}

}  // namespace
