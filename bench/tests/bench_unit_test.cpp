// Unit tests of the load generator's pure parts: the HTTP/1.1 writer and parser, the
// histogram's quantiles, the JSON scanning of take/peek answers and the chunked decoder.
#include <gtest/gtest.h>

#include "chunked.hpp"
#include "histogram.hpp"
#include "http_wire.hpp"
#include "json_scan.hpp"

namespace bench {
namespace {

TEST(HttpWire, WritesRequestWithContentLength) {
  std::string out;
  write_request(out, "POST", "/task/put", "h:1", "{}");
  EXPECT_EQ(out, "POST /task/put HTTP/1.1\r\nHost: h:1\r\nContent-Type: application/json\r\n"
                 "Content-Length: 2\r\n\r\n{}");
}

TEST(HttpWire, ParsesResponseHeadAndWaitsForMore) {
  MessageHead head;
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nContent-Len", head), Parse::need_more);
  std::string_view full = "HTTP/1.1 404 Not Found\r\ncontent-length:  5\r\nConnection: close\r\n\r\nhello";
  ASSERT_EQ(parse_response_head(full, head), Parse::done);
  EXPECT_EQ(head.status, 404);
  EXPECT_EQ(head.content_length, 5u);
  EXPECT_TRUE(head.close);
  EXPECT_EQ(head.total(), full.size());
}

TEST(HttpWire, RejectsChunkedAndGarbage) {
  MessageHead head;
  EXPECT_EQ(parse_response_head("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", head), Parse::error);
  EXPECT_EQ(parse_response_head("garbage\r\n\r\n", head), Parse::error);
  EXPECT_EQ(parse_request_head("GET / HTTP/1.1\r\nHost: x\r\n\r\n", head), Parse::done);
  EXPECT_EQ(head.content_length, 0u);
}

TEST(Chunked, DecodesWhateverTheSplitAndStopsAtTheLastChunk) {
  const std::string wire = "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\n\r\n";
  for (std::size_t step = 1; step <= wire.size(); ++step) {
    ChunkedDecoder decoder;
    std::string out;
    ChunkedDecoder::State state = ChunkedDecoder::State::more;
    for (std::size_t at = 0; at < wire.size(); at += step) {
      state = decoder.feed(std::string_view(wire).substr(at, step), out);
      ASSERT_NE(state, ChunkedDecoder::State::error) << "step " << step;
    }
    EXPECT_EQ(state, ChunkedDecoder::State::ended) << "step " << step;
    EXPECT_EQ(out, "hello 0123456789") << "step " << step;
  }
}

TEST(Chunked, RejectsABadSizeOrAMissingCrlf) {
  std::string out;
  EXPECT_EQ(ChunkedDecoder().feed("zz\r\n", out), ChunkedDecoder::State::error);
  EXPECT_EQ(ChunkedDecoder().feed("\r\n", out), ChunkedDecoder::State::error);
  EXPECT_EQ(ChunkedDecoder().feed("2\r\nabXY", out), ChunkedDecoder::State::error);
}

TEST(Histogram, QuantilesWithinBucketPrecision) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 us .. 100 ms
  EXPECT_EQ(h.count(), 100000u);
  auto near = [](std::uint64_t got, double want) { return std::abs(double(got) - want) <= want / 60; };
  EXPECT_TRUE(near(h.quantile(0.5), 50e6)) << h.quantile(0.5);
  EXPECT_TRUE(near(h.quantile(0.99), 99e6)) << h.quantile(0.99);
  EXPECT_TRUE(near(h.quantile(0.999), 99.9e6)) << h.quantile(0.999);
  EXPECT_EQ(h.max(), 100000u * 1000);
}

TEST(Histogram, IndexIsMonotonicAndBoundsContainValue) {
  int last = -1;
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 129ull, 1000ull, 123456789ull, ~0ull}) {
    int i = Histogram::index_of(v);
    EXPECT_GE(i, last);  // 128 and 129 share a bucket of width 2
    EXPECT_LT(i, Histogram::kBuckets);
    EXPECT_LE(Histogram::lower_bound(i), v);
    EXPECT_GE(Histogram::lower_bound(i) + (Histogram::width(i) - 1), v);
    last = i;
  }
}

TEST(JsonScan, PairsIdsWithStampsInAnyKeyOrder) {
  std::vector<ScannedTask> tasks;
  scan_tasks(R"({"err_code":"0000","data":[{"info":{"t":5},"id":"a-1","content":""},)"
             R"({"id": "a-2", "info": {"t": 7}}]})", tasks);
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].id, "a-1");
  EXPECT_EQ(tasks[0].t, 5u);
  EXPECT_EQ(tasks[1].id, "a-2");
  EXPECT_EQ(tasks[1].t, 7u);
  scan_tasks(R"({"err_code":"0000","data":[]})", tasks);
  EXPECT_TRUE(tasks.empty());
}

TEST(JsonScan, LastCursor) {
  EXPECT_EQ(last_cursor(R"({"data":[{"id":"x","cursor":"1-1"},{"id":"y","cursor":"1-2"}],"cursor":"1-2"})"), "1-2");
  EXPECT_EQ(last_cursor(R"({"cursor":"5-0","data":[]})"), "5-0");
  EXPECT_EQ(last_cursor(R"({"data":[]})"), "");
}

}  // namespace
}  // namespace bench
