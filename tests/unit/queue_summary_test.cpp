// The summary's pure parts: the search rule and the request parser. What it answers
// over a real store, paging and the scan bound are in tests/conformance/test_summary.py.
#include "service/queue_summary.hpp"

#include <gtest/gtest.h>

#include <string>

#include "http/requests.hpp"
#include "http/responses.hpp"

namespace tc {
namespace {

TEST(SummaryMatches, SubstringIgnoringAsciiCase) {
  EXPECT_TRUE(summary_matches("", "anything"));
  EXPECT_TRUE(summary_matches("", ""));
  EXPECT_TRUE(summary_matches("gpu", "jobs.GPU-1"));
  EXPECT_TRUE(summary_matches("JOBS", "jobs"));
  EXPECT_TRUE(summary_matches("s.g", "jobs.gpu"));
  EXPECT_FALSE(summary_matches("gpus", "jobs.gpu"));
  EXPECT_FALSE(summary_matches("x", ""));
  // Only ASCII letters fold: other bytes compare exactly.
  EXPECT_TRUE(summary_matches("é", "café"));
  EXPECT_FALSE(summary_matches("É", "café"));
}

TEST(ParseSummary, DefaultsAndFields) {
  auto r = parse_summary("{}");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->cursor);
  EXPECT_EQ(r->size, 100u);
  EXPECT_EQ(r->search, "");
  auto page = parse_summary(R"({"cursor":"b","size":7,"search":"img","zz":1})");
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->cursor, "b");
  EXPECT_EQ(page->size, 7u);
  EXPECT_EQ(page->search, "img");
  EXPECT_FALSE(parse_summary(R"({"cursor":"","search":null})")->cursor);
  EXPECT_TRUE(parse_summary("{\"search\":\"" + std::string(256, 's') + "\"}").ok());
}

TEST(ParseSummary, BadInputNamesTheField) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {R"({"search":5})", "search"},
      {"{\"search\":\"" + std::string(257, 's') + "\"}", "search"},
      {R"({"cursor":[]})", "cursor"},
      {"{\"cursor\":\"" + std::string(1025, 'c') + "\"}", "cursor"},
      {R"({"size":0})", "size"},
      {R"({"size":1001})", "size"},
  };
  for (const auto& [body, field] : cases) {
    auto r = parse_summary(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().code, Errc::bad_request) << body;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  }
}

TEST(SummaryPage, StatsAreStatQueuesObjectAndAgeHasMilliseconds) {
  QueueStats busy;
  busy.length = 2;
  busy.oldest_cursor = Cursor{10'000, 0};
  busy.newest_cursor = Cursor{10'500, 3};
  busy.total_put = 7;
  QueueStats idle;  // nothing pending: age 0 whatever the clock
  SummaryPage page{{{"busy", busy}, {"idle", idle}}, std::string("idle")};
  const std::string out = responses::summary_page(page, 12'345);
  const std::string busy_stats = responses::queue_stats(busy);
  const std::string head = R"({"err_code":"0000","data":)";
  EXPECT_EQ(out, head + R"([{"queue":"busy","oldest_pending_age":2.345,"stats":)" +
                     busy_stats.substr(head.size(), busy_stats.size() - head.size() - 1) +
                     R"(},{"queue":"idle","oldest_pending_age":0.000,"stats":)" +
                     responses::queue_stats(idle).substr(head.size(),
                                                         responses::queue_stats(idle).size() - head.size() - 1) +
                     R"(}],"cursor":"idle"})");
  EXPECT_EQ(responses::summary_page(SummaryPage{}, 0), head + R"([],"cursor":null})");
}

}  // namespace
}  // namespace tc
