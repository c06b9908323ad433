// RedisStore against real redis-server processes: the store conformance suite, plus
// what only a shared, networked store has to do (events between instances, Redis
// going away and coming back, Redis Cluster).
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <thread>

#include "../redis/redis_process.hpp"
#include "store/redis/redis_store.hpp"
#include "store_conformance.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

// Runs a store with one redis-server of its own; the server dies with the factory.
class RedisFactory final : public StoreFactory {
 public:
  std::string unavailable_reason() override {
    return RedisProcess::available() ? "" : "redis-server not found";
  }
  std::unique_ptr<Store> make(const Clock& clock, boost::asio::io_context& io) override {
    server_ = std::make_unique<RedisProcess>();
    RedisStoreOptions options;
    options.url = server_->url();
    auto store = std::make_unique<RedisStore>(io.get_executor(), clock, options);
    run_sync(io, store->start());
    return store;
  }

 private:
  std::unique_ptr<RedisProcess> server_;
};

// The same suite on a 3-master Redis Cluster: every queue lands on some node, forwards
// and dead letters cross slots, the registry lives in yet another slot.
class RedisClusterFactory final : public StoreFactory {
 public:
  std::string unavailable_reason() override {
    return RedisCluster::available() ? "" : "redis-server / redis-cli not found";
  }
  std::unique_ptr<Store> make(const Clock& clock, boost::asio::io_context& io) override {
    // Building a cluster takes seconds: the tests share one and start from empty nodes.
    static RedisCluster cluster(3);
    for (std::size_t i = 0; i < cluster.size(); ++i) {
      if (redis_inline(cluster.node(i).port(), "FLUSHALL").rfind("+OK", 0) != 0) {
        throw std::runtime_error("FLUSHALL failed");
      }
    }
    RedisStoreOptions options;
    options.url = cluster.url();
    auto store = std::make_unique<RedisStore>(io.get_executor(), clock, options);
    run_sync(io, store->start());
    if (!store->cluster_mode()) throw std::runtime_error("cluster mode not detected");
    return store;
  }
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Redis, StoreConformance,
                         ::testing::Values(StoreBackend{"Redis",
                                                        [] {
                                                          return std::unique_ptr<StoreFactory>(
                                                              new RedisFactory);
                                                        }},
                                           StoreBackend{"RedisCluster",
                                                        [] {
                                                          return std::unique_ptr<StoreFactory>(
                                                              new RedisClusterFactory);
                                                        }}),
                         StoreBackendName{});

}  // namespace tc::test

namespace tc::test {
namespace {

NewTask task_of(std::string id) {
  NewTask t;
  t.id = std::move(id);
  return t;
}

template <class T>
T must(Result<T> r) {
  if (!r) throw std::runtime_error(r.error().message);
  return std::move(r).value();
}

// Two instances (two RedisStores, as two taskcenter processes would have) on one Redis.
class RedisInstancesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisProcess::available()) GTEST_SKIP() << "redis-server not found";
    redis_ = std::make_unique<RedisProcess>();
    a_ = make();
    b_ = make();
    a_->set_events(&a_events_);
    b_->set_events(&b_events_);
  }
  void TearDown() override {
    if (a_) a_->set_events(nullptr);
    if (b_) b_->set_events(nullptr);
  }

  std::unique_ptr<RedisStore> make(std::int64_t command_timeout_ms = 5000) {
    RedisStoreOptions options;
    options.url = redis_->url();
    options.command_timeout_ms = command_timeout_ms;
    auto store = std::make_unique<RedisStore>(io_.get_executor(), clock_, options);
    run_sync(io_, store->start());
    return store;
  }

  template <class T>
  T run(boost::asio::awaitable<T> aw) {
    return run_sync(io_, std::move(aw));
  }

  // Runs the io_context until `condition` holds (or ~5 s pass).
  bool eventually(const std::function<bool()>& condition) {
    for (int i = 0; i < 5000; ++i) {
      io_.restart();
      io_.poll();
      if (condition()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return condition();
  }

  ManualClock clock_;
  boost::asio::io_context io_;
  std::unique_ptr<RedisProcess> redis_;
  std::unique_ptr<RedisStore> a_, b_;
  RecordingEvents a_events_, b_events_;
};

TEST_F(RedisInstancesTest, EventsOfOneInstanceReachTheOtherOnce) {
  // Wait for b's subscription: a put before it would be missed by design (pub/sub).
  ASSERT_TRUE(eventually([&] { return run(b_->ready()); }));
  ASSERT_TRUE(eventually([&] {
    b_events_.clear();
    must(run(a_->put("probe", task_of("p" + std::to_string(clock_.now_ms())))));
    clock_.advance(1);
    return eventually([&] { return !b_events_.pending().empty(); });
  }));
  b_events_.clear();
  a_events_.clear();
  EXPECT_TRUE(must(run(a_->put("q", NewTask{"t1", "1", "x", {}}))));
  ASSERT_TRUE(eventually([&] { return b_events_.pending() == std::vector<std::string>{"q"}; }));
  EXPECT_TRUE(must(run(a_->reply("q", "t1", TaskResult{R"({"ok":true})", "bytes"}))));
  ASSERT_TRUE(eventually([&] { return b_events_.finished().size() == 1; }));
  auto f = b_events_.finished()[0];
  EXPECT_EQ(f.queue, "q");
  EXPECT_EQ(f.id, "t1");
  ASSERT_TRUE(f.result);
  EXPECT_EQ(f.result->info, R"({"ok":true})");
  EXPECT_EQ(f.result->content, "bytes");
  EXPECT_TRUE(must(run(a_->put("q", task_of("t2")))));
  EXPECT_TRUE(must(run(b_->remove("q", "t2"))));
  ASSERT_TRUE(eventually([&] { return a_events_.finished().size() == 2; }));
  EXPECT_FALSE(a_events_.finished()[1].result);
  // The instance that ran a script is told once (directly), not again via pub/sub.
  io_.restart();
  io_.poll();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  io_.restart();
  io_.poll();
  EXPECT_EQ(a_events_.pending(), (std::vector<std::string>{"q", "q"}));  // its two puts
  EXPECT_EQ(a_events_.finished().size(), 2u);
}

// A script that fails (here: a queue's task hash damaged into a string) is 0010, an
// internal error that names the operation, never 0005: clients retry 0005 as an outage.
TEST_F(RedisInstancesTest, AFailingScriptIsAnInternalErrorNotAnOutage) {
  EXPECT_TRUE(must(run(a_->put("q", task_of("a")))));
  ASSERT_EQ(redis_inline(redis_->port(), "DEL tc:{q}:tasks"), ":1\r\n");
  ASSERT_EQ(redis_inline(redis_->port(), "SET tc:{q}:tasks damaged"), "+OK\r\n");
  auto put = run(a_->put("q", task_of("b")));
  ASSERT_FALSE(put.ok());
  EXPECT_EQ(put.error().code, Errc::internal);
  EXPECT_NE(put.error().message.find("put failed"), std::string::npos) << put.error().message;
  auto taken = run(b_->take("q", 1, 1000));
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, Errc::internal);
  EXPECT_TRUE(run(a_->ready()));  // Redis itself is fine
  EXPECT_TRUE(must(run(a_->put("other", task_of("a")))));
}

TEST_F(RedisInstancesTest, RedisDownMeansUnavailableThenServiceResumes) {
  EXPECT_TRUE(must(run(a_->put("q", task_of("before")))));
  redis_->kill();
  auto r = run(a_->put("q", task_of("during")));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  auto peeked = run(b_->peek("q", std::nullopt, 10));
  ASSERT_FALSE(peeked.ok());
  EXPECT_EQ(peeked.error().code, Errc::unavailable);
  EXPECT_FALSE(run(a_->ready()));
  redis_->start();  // same port, empty (no persistence in this test)
  ASSERT_TRUE(eventually([&] { return run(a_->ready()) && run(b_->ready()); }));
  ASSERT_TRUE(eventually([&] { return run(a_->put("q", task_of("after"))).ok(); }));
  // The subscriber came back too: b hears of a's puts again.
  ASSERT_TRUE(eventually([&] {
    b_events_.clear();
    must(run(a_->put("q2", task_of("t" + std::to_string(clock_.now_ms())))));
    clock_.advance(1);
    return eventually([&] { return !b_events_.pending().empty(); });
  }));
}

TEST_F(RedisInstancesTest, AHungRedisMeansUnavailableAfterTheCommandTimeout) {
  auto quick = make(300);
  EXPECT_TRUE(must(run(quick->put("q", task_of("before")))));
  redis_->send_signal(SIGSTOP);
  auto r = run(quick->put("q", task_of("during")));
  redis_->send_signal(SIGCONT);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  ASSERT_TRUE(eventually([&] { return run(quick->put("q", task_of("after"))).ok(); }));
  // What the hung Redis had already received may have been applied: "during" either
  // exists or not, but nothing is half-written and the queue answers consistently.
  auto peeked = must(run(quick->peek("q", std::nullopt, 10)));
  EXPECT_GE(peeked.size(), 2u);
  EXPECT_EQ(peeked.front().id, "before");
}

TEST_F(RedisInstancesTest, AFlushedScriptCacheIsReloaded) {
  EXPECT_TRUE(must(run(a_->put("q", task_of("a")))));
  ASSERT_EQ(redis_inline(redis_->port(), "SCRIPT FLUSH").rfind("+OK", 0), 0u);
  EXPECT_TRUE(must(run(a_->put("q", task_of("b")))));  // NOSCRIPT -> SCRIPT LOAD -> retry
  EXPECT_EQ(must(run(b_->peek("q", std::nullopt, 10))).size(), 2u);
}

TEST_F(RedisInstancesTest, ADueLeaseIsRedeliveredOnceWhenInstancesReapTogether) {
  for (int i = 0; i < 50; ++i) must(run(a_->put("q", task_of("t" + std::to_string(i)))));
  ASSERT_EQ(must(run(a_->take("q", 50, 1000))).size(), 50u);
  clock_.advance(1000);
  auto ra = b_->reap();
  auto rb = a_->reap();
  std::uint64_t total = must(run(std::move(ra))) + must(run(std::move(rb)));
  EXPECT_EQ(total, 50u);
  auto stats = must(run(a_->stat_queue("q")));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->total_redelivered, 50u);
  EXPECT_EQ(stats->length, 50u);
}

}  // namespace
}  // namespace tc::test

namespace tc::test {
namespace {

// The server's way: the store runs its own I/O thread; callers are on other threads.
TEST(RedisLaunch, ServesCallersOnOtherThreadsAndStopsCleanly) {
  if (!RedisProcess::available()) GTEST_SKIP() << "redis-server not found";
  RedisProcess redis;
  SystemClock clock;
  RedisStoreOptions options;
  options.url = redis.url();
  auto store = RedisStore::launch(clock, options);
  boost::asio::io_context caller;  // stands in for one of the server's threads
  EXPECT_TRUE(run_sync(caller, store->ready()));
  auto put = run_sync(caller, store->put("q", task_of("a")));
  ASSERT_TRUE(put.ok());
  EXPECT_TRUE(*put);
  auto peeked = run_sync(caller, store->peek("q", std::nullopt, 10));
  ASSERT_TRUE(peeked.ok());
  EXPECT_EQ(peeked->size(), 1u);
  store->stop();
  auto after = run_sync(caller, store->put("q", task_of("b")));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, Errc::unavailable);
  store.reset();
}

TEST(RedisLaunch, RejectsAMalformedUrlOrPrefix) {
  SystemClock clock;
  RedisStoreOptions bad_url;
  bad_url.url = "redis://host:notaport";
  EXPECT_THROW(RedisStore::launch(clock, bad_url), std::invalid_argument);
  RedisStoreOptions bad_prefix;
  bad_prefix.prefix = "a{b";
  EXPECT_THROW(RedisStore::launch(clock, bad_prefix), std::invalid_argument);
}

}  // namespace
}  // namespace tc::test
