// Scoped tokens through tc::Api in-process: 0009/403 outside a token's scope (and nothing
// changed), 0004/401 for unknown tokens, list_queue filtered, config targets checked.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "http/api.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc {
namespace {

namespace asio = boost::asio;

constexpr std::string_view kTokens =
    "prod produce jobs.*\n"
    "cons consume jobs.a\n"
    "cons produce results\n"
    "watch read jobs.a\n";

class ApiScopeTest : public ::testing::Test {
 protected:
  ApiScopeTest() {
    {
      std::ofstream out(dir.path() + "/tokens");
      out << kTokens;
    }
    api.emplace(service,
                ApiOptions{"", AccessControl::open("root", dir.path() + "/tokens").value()});
  }

  HttpResponse post(std::string_view token, std::string_view path, std::string_view body) {
    const std::string auth = token.empty() ? "" : "Bearer " + std::string(token);
    return test::run_sync(io, api->handle(HttpRequest{"POST", path, body, auth}));
  }
  std::string code_of(const HttpResponse& r) {
    const auto at = r.body.find("\"err_code\":\"");
    return at == std::string::npos ? "" : r.body.substr(at + 12, 4);
  }
  void expect(std::string_view token, std::string_view path, std::string_view body, int status,
              std::string_view code) {
    const auto r = post(token, path, body);
    EXPECT_EQ(r.status, status) << token << " " << path << " " << body << " -> " << r.body;
    EXPECT_EQ(code_of(r), code) << token << " " << path << " " << body << " -> " << r.body;
  }

  test::TempDir dir;
  ManualClock clock;
  MemoryStore store{clock};
  TaskService service{store, ServiceOptions{300'000, 5}};
  std::optional<Api> api;
  asio::io_context io;
};

TEST_F(ApiScopeTest, EachRoleOnItsQueues) {
  expect("prod", "/task/put", R"({"queue":"jobs.a","id":"1"})", 200, "0000");
  expect("prod", "/task/put", R"({"queue":"other","id":"1"})", 403, "0009");
  expect("prod", "/task/take", R"({"queue":"jobs.a","promise_reply_time":5})", 403, "0009");
  expect("prod", "/task/clear_queue", R"({"queue":"jobs.a"})", 403, "0009");
  expect("cons", "/task/put", R"({"queue":"jobs.a","id":"2"})", 403, "0009");
  expect("cons", "/task/peek", R"({"queue":"jobs.b"})", 403, "0009");
  expect("cons", "/task/acquire", R"({"queue":"jobs.a","ids":["1"],"promise_reply_time":5})", 200,
         "0000");
  expect("cons", "/task/reply", R"({"queue":"jobs.a","id":"1"})", 200, "0000");
  expect("cons", "/task/put", R"({"queue":"results","id":"1"})", 200, "0000");
  expect("watch", "/task/stat_queue", R"({"queue":"jobs.a"})", 200, "0000");
  expect("watch", "/task/stat_queue", R"({"queue":"results"})", 403, "0009");
  expect("watch", "/task/remove", R"({"queue":"jobs.a","id":"1"})", 403, "0009");
  expect("prod", "/task/remove", R"({"queue":"jobs.a","id":"1"})", 200, "0000");
  expect("root", "/task/clear_queue", R"({"queue":"jobs.a"})", 200, "0000");
  expect("", "/task/stat_queue", R"({"queue":"jobs.a"})", 401, "0004");
  expect("nobody", "/task/stat_queue", R"({"queue":"jobs.a"})", 401, "0004");
  // A refused request changed nothing.
  expect("prod", "/task/put", R"({"queue":"jobs.z","id":"1"})", 200, "0000");
  expect("cons", "/task/remove", R"({"queue":"jobs.z","id":"1"})", 403, "0009");
  EXPECT_EQ(post("root", "/task/stat_queue", R"({"queue":"jobs.z"})").body.find("\"length\":1") !=
                std::string::npos,
            true);
}

TEST_F(ApiScopeTest, TheCheckUsesTheNameTheParserRead) {
  // An escaped key and a duplicate key: the scope check sees what the operation sees.
  expect("prod", "/task/put", R"({"\u0071ueue":"other","id":"1"})", 403, "0009");
  expect("prod", "/task/put", R"({"queue":"other","queue":"jobs.a","id":"1"})", 403, "0009");
  expect("prod", "/task/put", R"({"queue":"jobs.a","queue":"other","id":"1"})", 200, "0000");
  // A malformed body is 0002 whatever the scope (parsing comes first).
  expect("watch", "/task/put", R"({"queue":)", 400, "0002");
}

TEST_F(ApiScopeTest, ConfigTargetsNeedProduceRights) {
  expect("prod", "/task/put",
         R"({"queue":"jobs.a","id":"f","config":{"forward_result_to":"other"}})", 403, "0009");
  expect("prod", "/task/put", R"({"queue":"jobs.a","id":"d","config":{"dead_letter_to":"other"}})",
         403, "0009");
  expect("prod", "/task/put",
         R"({"queue":"jobs.a","id":"f","config":{"forward_result_to":"jobs.r"}})", 200, "0000");
  expect("prod", "/task/put_batch",
         R"({"queue":"jobs.a","tasks":[{"id":"b1"},{"id":"b2","config":{"dead_letter_to":"x"}}]})",
         403, "0009");
  expect("prod", "/task/call",
         R"({"queue":"jobs.a","id":"c","timeout":0,"config":{"forward_result_to":"x"}})", 403,
         "0009");
  // The refused batch put none of its tasks.
  expect("root", "/task/remove", R"({"queue":"jobs.a","id":"b1"})", 200, "0000");
  EXPECT_NE(post("root", "/task/remove", R"({"queue":"jobs.a","id":"b1"})").body.find("false"),
            std::string::npos);
}

TEST_F(ApiScopeTest, ListQueueShowsOnlyReadableQueues) {
  for (const char* q : {"jobs.a", "jobs.b", "results", "secret"})
    expect("root", "/task/put", std::string(R"({"queue":")") + q + R"(","id":"1"})", 200, "0000");
  EXPECT_EQ(post("root", "/task/list_queue", "{}").body,
            R"({"err_code":"0000","data":["jobs.a","jobs.b","results","secret"],"cursor":null})");
  EXPECT_EQ(post("prod", "/task/list_queue", "{}").body,
            R"({"err_code":"0000","data":["jobs.a","jobs.b"],"cursor":null})");
  EXPECT_EQ(post("cons", "/task/list_queue", "{}").body,
            R"({"err_code":"0000","data":["jobs.a","results"],"cursor":null})");
  EXPECT_EQ(post("watch", "/task/list_queue", "{}").body,
            R"({"err_code":"0000","data":["jobs.a"],"cursor":null})");
}

TEST_F(ApiScopeTest, OperationalEndpointsNeedNoToken) {
  for (const char* open : {"/healthz", "/readyz", "/version", "/buildtime", "/metrics", "/",
                           "/docs", "/openapi.json"}) {
    const auto r = test::run_sync(io, api->handle(HttpRequest{"GET", open, {}, {}}));
    EXPECT_EQ(r.status, 200) << open;
  }
  expect("prod", "/task/put", R"({"queue":"other","id":"1"})", 403, "0009");
  const auto metrics = test::run_sync(io, api->handle(HttpRequest{"GET", "/metrics", {}, {}}));
  EXPECT_NE(metrics.body.find(
                R"(taskcenter_requests_total{endpoint="put",err_code="0009",status="403"} 1)"),
            std::string::npos)
      << metrics.body;
}

}  // namespace
}  // namespace tc
