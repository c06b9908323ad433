// taskcenter::Client against a real server: every method, the typed errors, and the
// connection pool under threads and across a server restart.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server_process.hpp"
#include "taskcenter/client.hpp"

namespace {

using namespace std::chrono_literals;
using taskcenter::Client;
using taskcenter::Seconds;
using tctest::numbered;

class ClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new tctest::ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  // A queue name no other test uses, so tests share one server safely.
  std::string queue() const {
    return std::string("cpp-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }

  static tctest::ServerProcess* server_;
  Client tc{server_->url()};
};
tctest::ServerProcess* ClientTest::server_ = nullptr;

std::string all_bytes() {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  return bytes;
}

taskcenter::TakeOptions take_options(std::size_t size, Seconds timeout, Seconds promise) {
  taskcenter::TakeOptions o;
  o.size = size;
  o.timeout = timeout;
  o.promise_reply_time = promise;
  return o;
}

TEST_F(ClientTest, HealthReadinessAndVersion) {
  EXPECT_TRUE(tc.healthz());
  EXPECT_TRUE(tc.readyz());
  EXPECT_FALSE(tc.version().empty());
}

TEST_F(ClientTest, PutIsIdempotentAndKeepsInfoAndContentExact) {
  std::string info = R"({"a": [1, 2.50, "é"], "b": null})";
  EXPECT_TRUE(tc.put(queue(), "t1", info, all_bytes()));
  EXPECT_FALSE(tc.put(queue(), "t1", "1", "other"));
  auto tasks = tc.acquire(queue(), {"t1"}, 30s);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].id, "t1");
  EXPECT_EQ(tasks[0].info, info);
  EXPECT_EQ(tasks[0].content, all_bytes());
  EXPECT_EQ(tasks[0].queue, queue());
}

TEST_F(ClientTest, PutBatchReportsEachTask) {
  ASSERT_TRUE(tc.put(queue(), "dup"));
  std::vector<taskcenter::NewTask> batch(3);
  batch[0].id = "a";
  batch[1].id = "dup";
  batch[2].id = "b";
  batch[2].info = R"({"k":"v"})";
  batch[2].content = "bytes";
  EXPECT_EQ(tc.put_batch(queue(), batch), (std::vector<bool>{true, false, true}));
  auto stat = tc.stat_queue(queue());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->length, 3u);
}

TEST_F(ClientTest, PeekPagesWithCursorsWithoutContent) {
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(tc.put(queue(), numbered("p", i), std::to_string(i), "c"));
  taskcenter::PeekOptions options;
  options.size = 3;
  auto first = tc.peek(queue(), options);
  ASSERT_EQ(first.tasks.size(), 3u);
  EXPECT_EQ(first.tasks[0].id, "p0");
  EXPECT_EQ(first.tasks[2].info, "2");
  EXPECT_TRUE(first.tasks[0].content.empty());
  EXPECT_FALSE(first.tasks[0].cursor.empty());
  ASSERT_TRUE(first.cursor);
  EXPECT_EQ(*first.cursor, first.tasks[2].cursor);

  options.cursor = first.cursor;
  auto second = tc.peek(queue(), options);
  ASSERT_EQ(second.tasks.size(), 2u);
  EXPECT_EQ(second.tasks[0].id, "p3");

  options.cursor = second.cursor;
  auto none = tc.peek(queue(), options);
  EXPECT_TRUE(none.tasks.empty());
  EXPECT_EQ(none.cursor, second.cursor);  // "the cursor given" when nothing is new
}

TEST_F(ClientTest, PeekLongPollWakesOnPut) {
  std::thread producer([&] {
    std::this_thread::sleep_for(100ms);
    Client other(server_->url());
    other.put(queue(), "late");
  });
  taskcenter::PeekOptions options;
  options.timeout = 10s;
  auto result = tc.peek(queue(), options);
  producer.join();
  ASSERT_EQ(result.tasks.size(), 1u);
  EXPECT_EQ(result.tasks[0].id, "late");
}

TEST_F(ClientTest, AcquireGivesEachTaskOnce) {
  tc.put(queue(), "x");
  tc.put(queue(), "y");
  auto got = tc.acquire(queue(), {"x", "missing", "y"}, 30s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].id, "x");
  EXPECT_EQ(got[1].id, "y");
  EXPECT_TRUE(tc.acquire(queue(), {"x", "y"}, 30s).empty());
}

TEST_F(ClientTest, ReplyCompletesOnceAndCallReadsTheCachedResult) {
  tc.put(queue(), "r");
  ASSERT_EQ(tc.acquire(queue(), {"r"}, 30s).size(), 1u);
  EXPECT_FALSE(tc.result(queue(), "r"));
  EXPECT_TRUE(tc.reply(queue(), "r", R"({"ok":true})", all_bytes()));
  EXPECT_FALSE(tc.reply(queue(), "r", "2"));  // first reply wins
  auto result = tc.result(queue(), "r");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->info, R"({"ok":true})");
  EXPECT_EQ(result->content, all_bytes());
  EXPECT_EQ(result->id, "r");
  EXPECT_FALSE(tc.reply(queue(), "never-put"));
}

TEST_F(ClientTest, ReplyManyPipelinesInOrder) {
  constexpr int kTasks = 300;  // more than one pipeline's worth
  std::vector<taskcenter::NewTask> tasks(kTasks);
  for (int i = 0; i < kTasks; ++i) tasks[i].id = numbered("m", i);
  ASSERT_EQ(tc.put_batch(queue(), tasks), std::vector<bool>(kTasks, true));
  std::vector<taskcenter::TaskReply> replies;
  for (int i = 0; i < kTasks; ++i) replies.push_back({numbered("m", i), std::to_string(i), std::string(i, 'r')});
  replies.push_back({"unknown", "null", ""});
  auto accepted = tc.reply_many(queue(), replies);
  std::vector<bool> expected(kTasks, true);
  expected.push_back(false);
  EXPECT_EQ(accepted, expected);
  auto result = tc.result(queue(), "m299");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->info, "299");
  EXPECT_EQ(result->content, std::string(299, 'r'));
  EXPECT_TRUE(tc.put(queue(), "after-pipeline"));  // the connection is still usable
  EXPECT_THROW(tc.reply_many("", {{"x", "null", ""}}), taskcenter::BadRequest);
}

TEST_F(ClientTest, ReplyBatchSendsOneRequestPerThousandRepliesInOrder) {
  constexpr int kTasks = 1200;  // two requests
  std::vector<taskcenter::NewTask> tasks(600);
  for (int part = 0; part < 2; ++part) {
    for (int i = 0; i < 600; ++i) tasks[i].id = numbered("b", part * 600 + i);
    ASSERT_EQ(tc.put_batch(queue(), tasks), std::vector<bool>(600, true));
  }
  std::vector<taskcenter::TaskReply> replies;
  for (int i = 0; i < kTasks; ++i) replies.push_back({numbered("b", i), std::to_string(i), "r"});
  replies.push_back({numbered("b", 0), "\"again\"", ""});  // repeated: the first wins
  auto accepted = tc.reply_batch(queue(), replies);
  std::vector<bool> expected(kTasks, true);
  expected.push_back(false);
  EXPECT_EQ(accepted, expected);
  auto result = tc.result(queue(), numbered("b", 1199));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->info, "1199");
  EXPECT_EQ(tc.result(queue(), numbered("b", 0))->info, "0");
  EXPECT_THROW(tc.reply_batch("", {{"x", "null", ""}}), taskcenter::BadRequest);
}

TEST_F(ClientTest, CallWaitsForAConsumersReply) {
  std::thread consumer([&] {
    Client worker(server_->url());
    auto tasks = worker.take(queue(), take_options(1, 10s, 30s));
    ASSERT_EQ(tasks.size(), 1u);
    worker.reply(queue(), tasks[0].id, tasks[0].info, "re:" + tasks[0].content);
  });
  taskcenter::CallOptions options;
  options.timeout = 10s;
  auto result = tc.call(queue(), "c1", "[7]", "ping", options);
  consumer.join();
  EXPECT_EQ(result.info, "[7]");
  EXPECT_EQ(result.content, "re:ping");
}

// A server started with --call-data object answers the result object itself (the running
// original service's shape); call() and result() read it as they read the default list.
TEST(ClientCallData, ReadsTheObjectShape) {
  tctest::ServerProcess server({"--call-data", "object"});
  Client tc{server.url()};
  EXPECT_FALSE(tc.result("q", "a"));
  ASSERT_TRUE(tc.put("q", "a"));
  ASSERT_EQ(tc.take("q", take_options(1, 0s, 30s)).size(), 1u);
  ASSERT_TRUE(tc.reply("q", "a", R"({"ok":1})", "out"));
  auto cached = tc.result("q", "a");
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->info, R"({"ok":1})");
  EXPECT_EQ(cached->content, "out");
  taskcenter::CallOptions options;
  options.timeout = 5s;
  auto called = tc.call("q", "a", "null", "", options);
  EXPECT_EQ(called.id, "a");
  EXPECT_EQ(called.content, "out");
}

TEST_F(ClientTest, CallTimesOutAndKeepsTheTask) {
  taskcenter::CallOptions options;
  options.timeout = 0.2s;
  EXPECT_THROW(tc.call(queue(), "slow", "null", "", options), taskcenter::CallTimeout);
  auto stat = tc.stat_queue(queue());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->length, 1u);  // still queued: a later call picks up the result
}

TEST_F(ClientTest, CallReportsRemoval) {
  std::thread remover([&] {
    Client other(server_->url());
    for (int i = 0; i < 500 && !other.remove(queue(), "doomed"); ++i) std::this_thread::sleep_for(10ms);
  });
  taskcenter::CallOptions options;
  options.timeout = 10s;
  EXPECT_THROW(tc.call(queue(), "doomed", "null", "", options), taskcenter::TaskRemoved);
  remover.join();
}

TEST_F(ClientTest, TakeWithoutPromiseDeletesTheTask) {
  tc.put(queue(), "once", "1", "c");
  auto tasks = tc.take(queue(), take_options(10, 0s, 0s));
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].content, "c");
  EXPECT_FALSE(tc.reply(queue(), "once"));  // nothing left to reply to
  EXPECT_TRUE(tc.put(queue(), "once"));     // and the id is free again
}

TEST_F(ClientTest, ExpiredLeaseIsRedeliveredAndTouchExtendsIt) {
  tc.put(queue(), "lease", "null", "data");
  auto first = tc.take(queue(), take_options(1, 0s, 0.3s));
  ASSERT_EQ(first.size(), 1u);
  // Nobody replies: the task comes back with a new delivery.
  auto again = tc.take(queue(), take_options(1, 10s, 30s));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, "lease");
  EXPECT_EQ(again[0].content, "data");
  if (first[0].attempt != 0) {
    EXPECT_GT(again[0].attempt, first[0].attempt);
  }

  EXPECT_TRUE(tc.touch(queue(), "lease", 30s));
  EXPECT_TRUE(tc.reply(queue(), "lease"));
  EXPECT_FALSE(tc.touch(queue(), "lease", 30s));  // done: nothing to extend
  EXPECT_FALSE(tc.touch(queue(), "never", 30s));
}

TEST_F(ClientTest, ForwardResultToAnotherQueue) {
  taskcenter::TaskConfig config;
  config.forward_result_to = queue() + "-results";
  ASSERT_TRUE(tc.put(queue(), "fw", R"({"q":1})", "in", config));
  ASSERT_EQ(tc.take(queue(), take_options(1, 0s, 30s)).size(), 1u);
  ASSERT_TRUE(tc.reply(queue(), "fw", R"({"answer":42})", "out"));
  auto results = tc.take(queue() + "-results", take_options(1, 5s, 0s));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].id, "fw");
  EXPECT_EQ(results[0].info, R"({"answer":42})");
  EXPECT_EQ(results[0].content, "out");
}

TEST_F(ClientTest, ConfigDelayAndDeadLetter) {
  taskcenter::TaskConfig config;
  config.max_attempts = 1;
  config.dead_letter_to = queue() + "-dead";
  config.cache_result_time = 0s;
  ASSERT_TRUE(tc.put(queue(), "doomed", R"({"try":1})", "body", config));
  ASSERT_EQ(tc.take(queue(), take_options(1, 0s, 0.2s)).size(), 1u);
  // Its only attempt expires unreplied: it moves to the dead-letter queue.
  auto dead = tc.take(queue() + "-dead", take_options(1, 10s, 0s));
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].id, "doomed");
  EXPECT_EQ(dead[0].content, "body");

  taskcenter::TaskConfig later;
  later.delay = 0.3s;
  ASSERT_TRUE(tc.put(queue(), "later", "null", "", later));
  EXPECT_TRUE(tc.take(queue(), take_options(1, 0s, 30s)).empty());  // not visible yet
  auto visible = tc.take(queue(), take_options(1, 10s, 30s));      // visible after the delay
  ASSERT_EQ(visible.size(), 1u);
  EXPECT_EQ(visible[0].id, "later");
}

TEST_F(ClientTest, Version2ConfigIsSentAndObeyed) {
  taskcenter::TaskConfig low;
  low.priority = -5;
  low.cost = 2.5;
  low.batch_key = "model-a";
  low.deadline = 60s;
  ASSERT_TRUE(tc.put(queue(), "low", "null", "", low));
  ASSERT_TRUE(tc.put(queue(), "mid"));
  taskcenter::TaskConfig high;
  high.priority = 7;
  high.retry_delay = 1s;
  ASSERT_TRUE(tc.put(queue(), "high", "null", "", high));
  taskcenter::TaskConfig bad;
  bad.priority = 1001;
  EXPECT_THROW(tc.put(queue(), "bad", "null", "", bad), taskcenter::BadRequest);
  auto taken = tc.take(queue(), take_options(10, 0s, 30s));
  ASSERT_EQ(taken.size(), 3u);
  EXPECT_EQ(taken[0].id, "high");
  EXPECT_EQ(taken[1].id, "mid");
  EXPECT_EQ(taken[2].id, "low");
}

TEST_F(ClientTest, RemoveStatListAndClear) {
  tc.put(queue(), "a");
  tc.put(queue(), "b");
  EXPECT_TRUE(tc.remove(queue(), "a"));
  EXPECT_FALSE(tc.remove(queue(), "a"));
  auto stat = tc.stat_queue(queue());
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->length, 1u);
  EXPECT_TRUE(stat->oldest_cursor);
  EXPECT_FALSE(stat->json.empty());

  auto queues = tc.list_all_queues();
  EXPECT_NE(std::find(queues.begin(), queues.end(), queue()), queues.end());
  auto page = tc.list_queue(std::nullopt, 1);
  EXPECT_EQ(page.queues.size(), 1u);

  tc.clear_queue(queue());
  EXPECT_FALSE(tc.stat_queue(queue()));
  queues = tc.list_all_queues();
  EXPECT_EQ(std::find(queues.begin(), queues.end(), queue()), queues.end());
  EXPECT_FALSE(tc.stat_queue("cpp-never-existed"));
}

TEST_F(ClientTest, ConfigQueueSetsAndReportsSettings) {
  taskcenter::QueueSettingsUpdate update;
  update.max_leased = 1;
  update.rate = 0.5;
  auto settings = tc.config_queue(queue(), update);
  EXPECT_FALSE(settings.paused);
  EXPECT_EQ(settings.max_leased, 1u);
  EXPECT_EQ(settings.rate, 0.5);
  EXPECT_EQ(settings.burst, 1.0);  // max(1, rate)
  taskcenter::QueueSettingsUpdate pause;
  pause.paused = true;
  EXPECT_TRUE(tc.config_queue(queue(), pause).paused);
  tc.put(queue(), "a");
  EXPECT_TRUE(tc.take(queue()).empty());  // paused
  auto stat = tc.stat_queue(queue());
  ASSERT_TRUE(stat && stat->settings);
  EXPECT_TRUE(stat->settings->paused);
  EXPECT_EQ(stat->settings->max_leased, 1u);
  taskcenter::QueueSettingsUpdate burst_alone;
  burst_alone.burst = 3;
  EXPECT_THROW(tc.config_queue(queue(), burst_alone), taskcenter::BadRequest);
}

TEST_F(ClientTest, BadRequestsCarryTheServersMessage) {
  try {
    tc.put("", "id");
    FAIL() << "empty queue accepted";
  } catch (const taskcenter::BadRequest& e) {
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_FALSE(e.message().empty());
  }
  EXPECT_THROW(tc.put(queue(), "id", "{not json"), taskcenter::BadRequest);
  EXPECT_THROW(tc.take(queue(), take_options(0, 0s, 30s)), taskcenter::BadRequest);
  EXPECT_THROW(tc.acquire(queue(), {}, 30s), taskcenter::BadRequest);
  EXPECT_THROW(tc.post_raw("/task/no-such-endpoint", "{}"), taskcenter::NotFound);
  // The connection survives errors.
  EXPECT_TRUE(tc.put(queue(), "after-errors"));
}

TEST_F(ClientTest, PostRawReturnsData) {
  EXPECT_EQ(tc.post_raw("/task/put", R"({"queue":")" + queue() + R"(","id":"raw"})"), "true");
}

TEST_F(ClientTest, ThreadsShareOneClient) {
  constexpr int kThreads = 8, kPerThread = 100;
  std::atomic<int> created{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (tc.put(queue(), std::to_string(t) + "-" + std::to_string(i), "null", std::string(100, 'x'))) ++created;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), kThreads * kPerThread);
  EXPECT_EQ(tc.stat_queue(queue())->length, static_cast<std::uint64_t>(kThreads * kPerThread));
}

TEST(ClientErrors, UnreachableServerIsATransportError) {
  tctest::ServerProcess server;
  std::string url = server.url();
  server.stop();
  taskcenter::ClientOptions options;
  options.url = url;
  options.connect_timeout = 2s;
  Client tc(options);
  EXPECT_FALSE(tc.healthz());
  EXPECT_THROW(tc.put("q", "id"), taskcenter::TransportError);
  EXPECT_THROW(Client("ftp://nowhere"), std::invalid_argument);
}

TEST(ClientErrors, TokenIsSentAndChecked) {
  tctest::ServerProcess server({"--token", "s3cret"});
  Client anonymous(server.url());
  EXPECT_THROW(anonymous.put("q", "id"), taskcenter::Unauthorized);
  taskcenter::ClientOptions options;
  options.url = server.url();
  options.token = "s3cret";
  Client authorized(options);
  EXPECT_TRUE(authorized.put("q", "id"));
}

TEST(ClientErrors, OversizedBodyIsPayloadTooLarge) {
  tctest::ServerProcess server({"--max-body", "4096"});
  Client tc(server.url());
  EXPECT_THROW(tc.put("q", "big", "null", std::string(100'000, 'z')), taskcenter::PayloadTooLarge);
  EXPECT_TRUE(tc.put("q", "small", "null", "z"));
}

TEST(ClientErrors, PooledConnectionsSurviveAServerRestart) {
  auto server = std::make_unique<tctest::ServerProcess>();
  int port = server->port();
  Client tc(server->url());
  ASSERT_TRUE(tc.put("q", "before"));  // leaves a kept-alive connection in the pool
  server.reset();
  server = std::make_unique<tctest::ServerProcess>(std::vector<std::string>{}, port);
  EXPECT_TRUE(tc.put("q", "after"));  // the stale connection is detected and replaced
}

TEST_F(ClientTest, FailReleaseAndRedrive) {
  taskcenter::TaskConfig config;
  config.max_attempts = 2;
  config.dead_letter_to = queue() + "-dead";
  ASSERT_TRUE(tc.put(queue(), "t", "null", "body", config));
  EXPECT_FALSE(tc.fail(queue(), "t"));  // pending, not leased
  ASSERT_EQ(tc.take(queue(), take_options(1, 0s, 30s)).size(), 1u);
  EXPECT_TRUE(tc.release(queue(), "t"));
  auto again = tc.take(queue(), take_options(1, 0s, 30s));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt, 1u);  // a release does not count
  EXPECT_TRUE(tc.fail(queue(), "t", R"({"error":"x"})", "trace"));
  ASSERT_EQ(tc.take(queue(), take_options(1, 0s, 30s)).size(), 1u);
  EXPECT_TRUE(tc.fail(queue(), "t"));  // the last attempt: dead-lettered
  ASSERT_EQ(tc.redrive(queue() + "-dead", {"t"}), 1u);
  EXPECT_EQ(tc.redrive(queue() + "-dead"), 0u);
  ASSERT_EQ(tc.take(queue(), take_options(1, 0s, 30s)).size(), 1u);
  EXPECT_TRUE(tc.release(queue(), "t", 30s));
  EXPECT_TRUE(tc.take(queue(), take_options(1, 0s, 30s)).empty());  // delayed
}

TEST_F(ClientTest, ProgressOfALeasedTask) {
  EXPECT_FALSE(tc.progress(queue(), "t", "1"));  // no such task
  ASSERT_TRUE(tc.put(queue(), "t"));
  EXPECT_FALSE(tc.progress(queue(), "t", "1"));  // pending, not leased
  ASSERT_EQ(tc.take(queue(), take_options(1, 0s, 5s)).size(), 1u);
  EXPECT_TRUE(tc.progress(queue(), "t", R"({"step":1})", std::string("b\0c", 3)));
  EXPECT_TRUE(tc.progress(queue(), "t", R"("two")", {}, Seconds{600}));
  const std::string view =
      tc.post_raw("/task/get", R"({"queue":")" + queue() + R"(","id":"t"})");
  EXPECT_NE(view.find(R"("progress":"two")"), std::string::npos) << view;
  const auto left = view.find(R"("lease_left":)");
  ASSERT_NE(left, std::string::npos) << view;
  EXPECT_GT(std::stod(view.substr(left + 13)), 500.0) << view;  // extended from 5 s
  ASSERT_TRUE(tc.reply(queue(), "t"));
  EXPECT_FALSE(tc.progress(queue(), "t", "3"));  // done
}

}  // namespace

namespace {

TEST(ClientStreams, CallStreamHandsEachEventToTheCallbackThenReturnsTheResult) {
  tctest::ServerProcess server;
  Client tc{server.url()};
  const std::string q = "cpp-streams";
  std::thread consumer([&] {
    Client worker(server.url());
    taskcenter::TakeOptions take;
    take.timeout = 10s;
    take.promise_reply_time = 30s;
    auto tasks = worker.take(q, take);
    ASSERT_EQ(tasks.size(), 1u);
    worker.progress(q, "s", R"({"token":"a"})", "x");
    worker.progress(q, "s", R"({"token":"b"})");
    worker.reply(q, "s", R"("ab")", "done");
  });
  std::vector<taskcenter::ProgressEvent> events;
  taskcenter::CallOptions options;
  options.timeout = 10s;
  auto result = tc.call_stream(
      q, "s", [&](const taskcenter::ProgressEvent& e) { events.push_back(e); }, "null", {}, options);
  consumer.join();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].seq, 1u);
  EXPECT_EQ(events[0].info, R"({"token":"a"})");
  EXPECT_EQ(events[0].content, "x");
  EXPECT_EQ(events[1].seq, 2u);
  EXPECT_EQ(result.info, R"("ab")");
  EXPECT_EQ(result.content, "done");

  // watch resumes after a seq; no such task is nullopt; the timeout throws CallTimeout.
  std::vector<std::uint64_t> seqs;
  auto watched = tc.watch(q, "s", [&](const taskcenter::ProgressEvent& e) { seqs.push_back(e.seq); }, 1, 5s);
  ASSERT_TRUE(watched);
  EXPECT_EQ(seqs, std::vector<std::uint64_t>{2});
  EXPECT_FALSE(tc.watch(q, "none", nullptr, 0, 1s));
  ASSERT_TRUE(tc.put(q, "p"));
  EXPECT_THROW(tc.watch(q, "p", nullptr, 0, Seconds{0.2}), taskcenter::CallTimeout);
}

}  // namespace
