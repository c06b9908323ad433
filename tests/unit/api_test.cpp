// tc::Api end to end in-process: HttpRequest -> routing, auth, parsing -> TaskService over a
// real MemoryStore -> HttpResponse, on an io_context (no sockets). Asserts the envelope of
// docs/protocol.md byte for byte where it is fixed, and by parsing where it is not.
#include "http/api.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

#include "core/base64.hpp"
#include "core/build_info.hpp"
#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc {
namespace {

namespace asio = boost::asio;

class ApiTest : public ::testing::Test {
 protected:
  ManualClock clock;
  MemoryStore store{clock};
  TaskService service{store, ServiceOptions{300'000, 5}};
  Api api{service, ApiOptions{}};
  asio::io_context io;

  HttpResponse request(Api& target, std::string_view method, std::string_view path,
                       std::string_view body = {}, std::string_view auth = {}) {
    return test::run_sync(io, target.handle(HttpRequest{method, path, body, auth}));
  }
  HttpResponse post(std::string_view path, std::string_view body) {
    return request(api, "POST", path, body);
  }
  HttpResponse get(std::string_view path) { return request(api, "GET", path); }

  // Starts a request without finishing it (for long-polls); its response lands in `out`.
  void start(std::string path, std::string body, std::optional<HttpResponse>& out) {
    asio::co_spawn(
        io,
        [this, path = std::move(path), body = std::move(body), &out]() -> asio::awaitable<void> {
          out = co_await api.handle(HttpRequest{"POST", path, body, {}});
        },
        [](std::exception_ptr e) {
          if (e) std::rethrow_exception(e);
        });
    io.restart();
    io.poll();
  }
};

// Parses a response body; fails the test if it is not valid JSON.
simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& body) {
  simdjson::dom::element root;
  EXPECT_EQ(parser.parse(body).get(root), simdjson::SUCCESS) << body;
  return root;
}

void expect_error(const HttpResponse& r, int status, std::string_view code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  simdjson::dom::parser parser;
  auto root = parse(parser, r.body);
  EXPECT_EQ(std::string_view(root["err_code"]), code) << r.body;
  EXPECT_TRUE(root["data"].is_null()) << r.body;
  std::string_view message;
  ASSERT_EQ(root["message"].get(message), simdjson::SUCCESS) << r.body;
  EXPECT_FALSE(message.empty());
}

TEST_F(ApiTest, PutIsIdempotentByIdAndPeekEchoesInfoByteForByte) {
  const std::string body = R"({"queue":"q","id":"t1","info": {"a": 1.50, "s":"\u00e9\n"} })";
  auto first = post("/task/put", body);
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.body, R"({"err_code":"0000","data":true})");
  EXPECT_EQ(post("/task/put", body).body, R"({"err_code":"0000","data":false})");

  auto peeked = post("/task/peek", R"({"queue":"q"})");
  EXPECT_EQ(peeked.status, 200);
  const auto at = peeked.body.find(R"("info":{"a": 1.50, "s":"\u00e9\n"},"cursor":")");
  EXPECT_NE(at, std::string::npos) << peeked.body;
  simdjson::dom::parser parser;
  auto root = parse(parser, peeked.body);
  EXPECT_EQ(std::string_view(root["err_code"]), "0000");
  EXPECT_EQ(std::string_view(root["data"].at(0)["id"]), "t1");
  EXPECT_EQ(std::string_view(root["data"].at(0)["cursor"]), std::string_view(root["cursor"]));
}

TEST_F(ApiTest, PeekWithNothingReturnsTheGivenCursor) {
  EXPECT_EQ(post("/task/peek", R"({"queue":"empty"})").body,
            R"({"err_code":"0000","data":[],"cursor":null})");
  EXPECT_EQ(post("/task/peek", R"({"queue":"empty","cursor":"5-1"})").body,
            R"({"err_code":"0000","data":[],"cursor":"5-1"})");
}

TEST_F(ApiTest, AcquireReplyAndCallRoundTripContentAndInfo) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  const std::string content = base64_encode(bytes);
  post("/task/put", R"({"queue":"q","id":"t","info":[1, "x"],"content":")" + content + "\"}");

  auto acquired = post("/task/acquire", R"({"queue":"q","ids":["t","missing"],"promise_reply_time":30})");
  EXPECT_EQ(acquired.body, R"({"err_code":"0000","data":[{"id":"t","info":[1, "x"],"content":")" +
                               content + R"(","attempt":1,"priority":0,"batch_key":null,"cost":1}]})");
  // Acquired once only.
  EXPECT_EQ(post("/task/acquire", R"({"queue":"q","ids":["t"],"promise_reply_time":30})").body,
            R"({"err_code":"0000","data":[]})");

  EXPECT_EQ(post("/task/reply", R"({"queue":"q","id":"t","info":{"r" :true},"content":"YmFy"})").body,
            R"({"err_code":"0000","data":true})");
  EXPECT_EQ(post("/task/reply", R"({"queue":"q","id":"t"})").body,
            R"({"err_code":"0000","data":false})");
  // The cached result answers a call at once, even with timeout 0.
  EXPECT_EQ(post("/task/call", R"({"queue":"q","id":"t","timeout":0})").body,
            R"({"err_code":"0000","data":[{"id":"t","result_info":{"r" :true},"result_content":"YmFy"}]})");
}

TEST_F(ApiTest, CallWithTimeoutZeroAndNoResultAnswersNull) {
  EXPECT_EQ(post("/task/call", R"({"queue":"q","id":"new","timeout":0})").body,
            R"({"err_code":"0000","data":null})");
  // ... and puts nothing.
  EXPECT_EQ(post("/task/stat_queue", R"({"queue":"q"})").body, R"({"err_code":"0000","data":null})");
}

TEST_F(ApiTest, CallWaitsForTheReply) {
  std::optional<HttpResponse> call;
  start("/task/call", R"({"queue":"q","id":"c","info":{"n":1},"timeout":60})", call);
  ASSERT_FALSE(call);
  auto taken = post("/task/take", R"({"queue":"q","promise_reply_time":10})");
  EXPECT_NE(taken.body.find(R"("id":"c","info":{"n":1})"), std::string::npos) << taken.body;
  post("/task/reply", R"({"queue":"q","id":"c","info":"done"})");
  io.restart();
  io.run();
  ASSERT_TRUE(call);
  EXPECT_EQ(call->status, 200);
  EXPECT_EQ(call->body,
            R"({"err_code":"0000","data":[{"id":"c","result_info":"done","result_content":""}]})");
}

TEST_F(ApiTest, CallTimeoutIs0001AndRemovalIs0006) {
  auto timed_out = post("/task/call", R"({"queue":"q","id":"slow","timeout":0.02})");
  expect_error(timed_out, 200, "0001");

  std::optional<HttpResponse> call;
  start("/task/call", R"({"queue":"q","id":"gone","timeout":60})", call);
  EXPECT_EQ(post("/task/remove", R"({"queue":"q","id":"gone"})").body,
            R"({"err_code":"0000","data":true})");
  io.restart();
  io.run();
  ASSERT_TRUE(call);
  expect_error(*call, 200, "0006");
}

TEST_F(ApiTest, PutBatchTakeTouchAndClearQueue) {
  EXPECT_EQ(post("/task/put_batch", R"({"queue":"q","tasks":[{"id":"a"},{"id":"b","info":{"k": 2}},{"id":"a"}]})").body,
            R"({"err_code":"0000","data":[true,true,false]})");
  EXPECT_EQ(post("/task/take", R"({"queue":"q","size":5,"promise_reply_time":30})").body,
            R"({"err_code":"0000","data":[{"id":"a","info":null,"content":"","attempt":1,"priority":0,"batch_key":null,"cost":1},)"
            R"({"id":"b","info":{"k": 2},"content":"","attempt":1,"priority":0,"batch_key":null,"cost":1}]})");
  EXPECT_EQ(post("/task/touch", R"({"queue":"q","id":"a","promise_reply_time":60})").body,
            R"({"err_code":"0000","data":true})");
  EXPECT_EQ(post("/task/touch", R"({"queue":"q","id":"zzz","promise_reply_time":60})").body,
            R"({"err_code":"0000","data":false})");
  EXPECT_EQ(post("/task/clear_queue", R"({"queue":"q"})").body, R"({"err_code":"0000","data":true})");
  EXPECT_EQ(post("/task/stat_queue", R"({"queue":"q"})").body, R"({"err_code":"0000","data":null})");
}

TEST_F(ApiTest, StatQueueHasTheSeedFieldsAndMore) {
  post("/task/put", R"({"queue":"q","id":"a"})");
  post("/task/put", R"({"queue":"q","id":"b"})");
  auto stat = post("/task/stat_queue", R"({"queue":"q"})");
  simdjson::dom::parser parser;
  auto data = parse(parser, stat.body)["data"];
  EXPECT_EQ(std::uint64_t(data["length"]), 2u);
  EXPECT_TRUE(data["oldest_cursor"].is_string());
  EXPECT_TRUE(data["newest_cursor"].is_string());
  for (const char* field : {"delayed", "leased", "done", "total_put", "total_acquired",
                            "total_replied", "total_redelivered", "total_dead", "total_removed",
                            "waiting"})
    EXPECT_TRUE(data[field].is_uint64() || data[field].is_int64()) << field;
  EXPECT_EQ(std::uint64_t(data["total_put"]), 2u);
}

TEST_F(ApiTest, ListQueuePages) {
  for (const char* q : {"q1", "q2", "q3"})
    post("/task/put", std::string(R"({"queue":")") + q + R"(","id":"x"})");
  auto first = post("/task/list_queue", R"({"size":2})");
  simdjson::dom::parser parser;
  auto root = parse(parser, first.body);
  EXPECT_EQ(simdjson::dom::array(root["data"]).size(), 2u);
  std::string_view cursor;
  ASSERT_EQ(root["cursor"].get(cursor), simdjson::SUCCESS) << first.body;
  auto second = post("/task/list_queue", R"({"size":2,"cursor":")" + std::string(cursor) + "\"}");
  auto root2 = parse(parser, second.body);
  EXPECT_EQ(simdjson::dom::array(root2["data"]).size(), 1u) << second.body;
  EXPECT_TRUE(root2["cursor"].is_null()) << second.body;
}

TEST_F(ApiTest, BadRequestsAre400With0002AndChangeNothing) {
  expect_error(post("/task/put", ""), 400, "0002");
  expect_error(post("/task/put", "{"), 400, "0002");
  expect_error(post("/task/put", R"({"queue":"q"})"), 400, "0002");
  expect_error(post("/task/put", R"({"queue":"q","id":"t","content":"Zg"})"), 400, "0002");
  auto huge = post("/task/peek", R"({"queue":"q","timeout":1e400})");
  expect_error(huge, 400, "0002");
  EXPECT_NE(huge.body.find("timeout"), std::string::npos) << huge.body;
  EXPECT_EQ(post("/task/stat_queue", R"({"queue":"q"})").body, R"({"err_code":"0000","data":null})");
}

TEST_F(ApiTest, UnknownPathIs404AndWrongMethodIs405) {
  expect_error(get("/nope"), 404, "0007");
  expect_error(post("/task/nope", "{}"), 404, "0007");
  expect_error(post("/task/put/extra", "{}"), 404, "0007");
  expect_error(post("/task/PUT", "{}"), 404, "0007");
  expect_error(get("/task/put"), 405, "0007");
  expect_error(request(api, "DELETE", "/task/peek"), 405, "0007");
  expect_error(post("/healthz", "{}"), 405, "0007");
}

TEST_F(ApiTest, QueryStringIsIgnoredForRouting) {
  EXPECT_EQ(post("/task/put?trace=1", R"({"queue":"q","id":"t"})").body,
            R"({"err_code":"0000","data":true})");
  EXPECT_EQ(get("/healthz?probe=k8s").status, 200);
}

TEST_F(ApiTest, TokenGuardsTaskEndpointsOnly) {
  Api guarded{service, ApiOptions{"s3cret"}};
  const std::string body = R"({"queue":"q","id":"t"})";
  expect_error(request(guarded, "POST", "/task/put", body), 401, "0004");
  expect_error(request(guarded, "POST", "/task/put", body, "Bearer wrong"), 401, "0004");
  expect_error(request(guarded, "POST", "/task/put", body, "Bearer s3cre"), 401, "0004");
  expect_error(request(guarded, "POST", "/task/put", body, "Basic czNjcmV0"), 401, "0004");
  expect_error(request(guarded, "POST", "/task/put", body, "s3cret"), 401, "0004");
  EXPECT_EQ(post("/task/stat_queue", R"({"queue":"q"})").body, R"({"err_code":"0000","data":null})");
  EXPECT_EQ(request(guarded, "POST", "/task/put", body, "Bearer s3cret").body,
            R"({"err_code":"0000","data":true})");
  EXPECT_EQ(request(guarded, "POST", "/task/put", body, "bearer s3cret").body,
            R"({"err_code":"0000","data":false})");
  for (const char* open : {"/healthz", "/readyz", "/version", "/buildtime", "/metrics", "/", "/docs",
                           "/openapi.json"})
    EXPECT_EQ(request(guarded, "GET", open).status, 200) << open;
}

TEST_F(ApiTest, OperationalEndpoints) {
  EXPECT_EQ(get("/healthz").body, R"({"err_code":"0000","data":"ok"})");
  EXPECT_EQ(get("/readyz").body, R"({"err_code":"0000","data":"ready"})");
  EXPECT_EQ(get("/version").body, R"({"err_code":"0000","data":")" TC_VERSION R"("})");
  EXPECT_EQ(get("/buildtime").body, R"({"err_code":"0000","data":")" + std::string(build_time()) + R"("})");
  for (const char* page : {"/", "/docs"}) {
    auto r = get(page);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_NE(r.body.find("<html"), std::string::npos);
    EXPECT_EQ(r.body.find("http://cdn"), std::string::npos);
    EXPECT_EQ(r.body.find("https://"), std::string::npos) << page << " must work offline";
  }
}

TEST_F(ApiTest, OpenApiDocumentIsValidJsonAndListsEveryEndpoint) {
  auto r = get("/openapi.json");
  EXPECT_EQ(r.content_type, "application/json");
  simdjson::dom::parser parser;
  auto root = parse(parser, r.body);
  EXPECT_EQ(std::string_view(root["openapi"]).substr(0, 2), "3.");
  for (const char* path : {"/task/put", "/task/peek", "/task/acquire", "/task/reply", "/task/call",
                           "/task/remove", "/task/clear_queue", "/task/list_queue", "/task/stat_queue",
                           "/task/take", "/task/touch", "/task/put_batch", "/healthz", "/readyz",
                           "/version", "/buildtime", "/metrics"})
    EXPECT_FALSE(root["paths"][path].error()) << path;
}

TEST_F(ApiTest, MetricsCountRequestsByEndpointAndCode) {
  post("/task/put", R"({"queue":"q","id":"t"})");
  post("/task/put", R"({"queue":"q","id":"t"})");
  post("/task/put", "nope");
  get("/nope");
  auto r = get("/metrics");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type.rfind("text/plain", 0), 0u);
  const std::string& text = r.body;
  EXPECT_NE(text.find("# TYPE taskcenter_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find(R"(taskcenter_requests_total{endpoint="put",err_code="0000",status="200"} 2)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(taskcenter_requests_total{endpoint="put",err_code="0002",status="400"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find(R"(taskcenter_requests_total{endpoint="unknown",err_code="0007",status="404"} 1)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("taskcenter_waiting 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("taskcenter_build_info{version=\"" TC_VERSION "\""), std::string::npos);
}

// A store whose backend is down: every operation answers 0005.
class DownStore final : public Store {
 public:
  void set_events(StoreEvents*) override {}
  static ApiError down() { return make_error(Errc::unavailable, "the store is down."); }
  Awaitable<Result<bool>> put(std::string, NewTask) override { co_return down(); }
  Awaitable<Result<std::vector<bool>>> put_batch(std::string, std::vector<NewTask>) override {
    co_return down();
  }
  Awaitable<Result<std::vector<PeekedTask>>> peek(std::string, std::optional<Cursor>,
                                             std::uint32_t) override {
    co_return down();
  }
  Awaitable<Result<std::vector<AcquiredTask>>> acquire(std::string, std::vector<std::string>,
                                                  std::int64_t) override {
    co_return down();
  }
  Awaitable<Result<std::vector<AcquiredTask>>> take(std::string, std::uint32_t, std::int64_t) override {
    co_return down();
  }
  Awaitable<Result<ReplyOutcome>> reply_timed(std::string, std::string, TaskResult) override {
    co_return down();
  }
  Awaitable<Result<CallBegin>> call_begin(std::string, NewTask, bool) override { co_return down(); }
  Awaitable<Result<bool>> touch(std::string, std::string, std::int64_t) override { co_return down(); }
  Awaitable<Result<bool>> remove(std::string, std::string) override { co_return down(); }
  Awaitable<Result<bool>> clear_queue(std::string, std::uint32_t) override { co_return down(); }
  Awaitable<Result<QueuePage>> list_queues(std::optional<std::string>, std::uint32_t) override {
    co_return down();
  }
  Awaitable<Result<std::optional<QueueStats>>> stat_queue(std::string) override { co_return down(); }
  Awaitable<Result<std::uint64_t>> reap() override { co_return down(); }
  Awaitable<bool> ready() override { co_return false; }
  Awaitable<Result<std::vector<ReplyOutcome>>> reply_batch_timed(std::string,
                                                                std::vector<TaskReply>) override {
    co_return down();
  }
};

TEST_F(ApiTest, StoreDownIs503With0005AndReadyzSaysSo) {
  DownStore down;
  TaskService down_service{down, ServiceOptions{}};
  Api down_api{down_service, ApiOptions{}};
  expect_error(request(down_api, "GET", "/readyz"), 503, "0005");
  EXPECT_EQ(request(down_api, "GET", "/healthz").status, 200);  // alive, though not ready
  expect_error(request(down_api, "POST", "/task/put", R"({"queue":"q","id":"t"})"), 503, "0005");
  expect_error(request(down_api, "POST", "/task/call", R"({"queue":"q","id":"t","timeout":0})"), 503,
               "0005");
  // Bad input is still 0002: validation comes before the store.
  expect_error(request(down_api, "POST", "/task/put", R"({"queue":"q"})"), 400, "0002");
}

TEST_F(ApiTest, ErrorResponseForTheTransport) {
  auto r = Api::error_response(Errc::too_large, "the body is larger than 1024 bytes.");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body,
            R"({"err_code":"0003","data":null,"message":"the body is larger than 1024 bytes."})");
}

}  // namespace
}  // namespace tc
