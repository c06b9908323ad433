// The lines of a streamed answer: NDJSON and server-sent events (http/stream_lines.hpp).
#include "http/stream_lines.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

using stream_lines::Format;

TEST(StreamLines, ProgressIsOneJsonObjectOnOneLine) {
  std::string out;
  stream_lines::append_progress(out, Format::ndjson, TaskEvent{7, R"({"n": 1})", "hi"});
  EXPECT_EQ(out, R"({"event":"progress","seq":7,"info":{"n": 1},"content":"aGk="})"
                 "\n");
}

TEST(StreamLines, NewlinesBetweenTheTokensOfInfoBecomeSpaces) {
  std::string out;
  stream_lines::append_progress(out, Format::ndjson, TaskEvent{1, "{\n\"n\":\r\n1}", ""});
  EXPECT_EQ(out, "{\"event\":\"progress\",\"seq\":1,\"info\":{ \"n\":  1},\"content\":\"\"}\n");
}

TEST(StreamLines, ProgressAsAServerSentEventCarriesItsSeqAsId) {
  std::string out;
  stream_lines::append_progress(out, Format::sse, TaskEvent{3, "null", ""});
  EXPECT_EQ(out, "event: progress\nid: 3\ndata: "
                 R"({"event":"progress","seq":3,"info":null,"content":""})"
                 "\n\n");
}

TEST(StreamLines, TheResultLineIsTheEnvelopeWithEventFirst) {
  std::string out;
  stream_lines::append_result(out, Format::ndjson, R"({"err_code":"0000","data":null})");
  EXPECT_EQ(out, R"({"event":"result","err_code":"0000","data":null})"
                 "\n");
  out.clear();
  stream_lines::append_result(out, Format::sse,
                              R"({"err_code":"0001","data":null,"message":"m"})");
  EXPECT_EQ(out, "event: result\ndata: "
                 R"({"event":"result","err_code":"0001","data":null,"message":"m"})"
                 "\n\n");
}

TEST(StreamLines, ContentTypes) {
  EXPECT_EQ(stream_lines::content_type(Format::ndjson), "application/x-ndjson");
  EXPECT_EQ(stream_lines::content_type(Format::sse), "text/event-stream");
}

}  // namespace
}  // namespace tc
