// taskcenter::Consumer against a real server: accept filtering, batches, errors with and
// without replies, heartbeats, graceful stop (stop() and SIGTERM), and the example
// consumer program.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "server_process.hpp"
#include "taskcenter/taskcenter.hpp"

namespace {

using namespace std::chrono_literals;
using taskcenter::Client;
using taskcenter::Reply;
using taskcenter::Task;

class ConsumerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new tctest::ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  std::string queue() const {
    return std::string("cppc-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  taskcenter::ConsumerOptions options() const {
    taskcenter::ConsumerOptions o;
    o.queue = queue();
    o.poll_timeout = 0.2s;  // stop() is noticed within one poll
    return o;
  }
  // Waits until `done` holds (checked every 10 ms, at most 20 s).
  static bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 2000; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  static tctest::ServerProcess* server_;
  Client tc{server_->url()};
};
tctest::ServerProcess* ConsumerTest::server_ = nullptr;

// A consumer built from lambdas, so each test states only what it changes.
class LambdaConsumer : public taskcenter::Consumer {
 public:
  using Consumer::Consumer;
  std::function<bool(const Task&)> on_accept;
  std::function<Reply(const Task&)> on_process;
  std::function<std::vector<Reply>(const std::vector<Task>&)> on_batch;

  bool accept(const Task& task) override { return on_accept ? on_accept(task) : Consumer::accept(task); }
  Reply process(const Task& task) override { return on_process ? on_process(task) : Consumer::process(task); }
  std::vector<Reply> process_batch(const std::vector<Task>& tasks) override {
    return on_batch ? on_batch(tasks) : Consumer::process_batch(tasks);
  }
};

TEST_F(ConsumerTest, ProcessesTasksAndAnswersCalls) {
  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.workers = 3;
    return o;
  }());
  consumer.on_process = [](const Task& task) { return Reply{task.info, "echo:" + task.content}; };
  std::thread runner([&] { consumer.run(); });

  taskcenter::CallOptions call;
  call.timeout = 10s;
  for (int i = 0; i < 20; ++i) {
    auto result = tc.call(queue(), tctest::numbered("c", i), std::to_string(i), "x", call);
    EXPECT_EQ(result.info, std::to_string(i));
    EXPECT_EQ(result.content, "echo:x");
  }
  consumer.stop();
  runner.join();
  auto stats = consumer.stats();
  EXPECT_EQ(stats.processed, 20u);
  EXPECT_EQ(stats.replied, 20u);
  EXPECT_EQ(stats.failed, 0u);
}

TEST_F(ConsumerTest, AcceptFilterLeavesOtherTasksPending) {
  for (int i = 0; i < 10; ++i) {
    tc.put(queue(), tctest::numbered("t", i), i % 2 == 0 ? R"({"kind":"mine"})" : R"({"kind":"other"})");
  }
  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.workers = 2;
    o.batch_size = 4;
    return o;
  }());
  consumer.on_accept = [](const Task& task) {
    EXPECT_TRUE(task.content.empty());  // accept sees peeked tasks, without content
    return task.info.find("mine") != std::string::npos;
  };
  std::mutex mutex;
  std::set<std::string> processed;
  consumer.on_process = [&](const Task& task) {
    std::lock_guard lock(mutex);
    processed.insert(task.id);
    return Reply{};
  };
  std::thread runner([&] { consumer.run(); });
  ASSERT_TRUE(eventually([&] { return consumer.stats().replied == 5; }));
  consumer.stop();
  runner.join();

  EXPECT_EQ(processed, (std::set<std::string>{"t0", "t2", "t4", "t6", "t8"}));
  EXPECT_EQ(consumer.stats().rejected, 5u);
  EXPECT_EQ(tc.stat_queue(queue())->length, 5u);  // the others are still there for someone else
}

TEST_F(ConsumerTest, BatchesReachProcessBatchTogether) {
  std::vector<taskcenter::NewTask> tasks(32);
  for (int i = 0; i < 32; ++i) tasks[i].id = tctest::numbered("b", i);
  ASSERT_EQ(tc.put_batch(queue(), tasks), std::vector<bool>(32, true));

  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.batch_size = 8;
    o.batch_window = 50ms;
    return o;
  }());
  std::mutex mutex;
  std::vector<std::size_t> sizes;
  consumer.on_batch = [&](const std::vector<Task>& batch) {
    std::lock_guard lock(mutex);
    sizes.push_back(batch.size());
    std::vector<Reply> replies;
    for (const auto& task : batch) replies.push_back(Reply{"\"" + task.id + "\"", {}});
    return replies;
  };
  std::thread runner([&] { consumer.run(); });
  ASSERT_TRUE(eventually([&] { return consumer.stats().replied == 32; }));
  consumer.stop();
  runner.join();

  std::size_t total = 0;
  for (auto size : sizes) {
    EXPECT_LE(size, 8u);
    total += size;
  }
  EXPECT_EQ(total, 32u);
  EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), 8u);  // all 32 were waiting: full batches
  EXPECT_EQ(tc.result(queue(), "b17")->info, "\"b17\"");
}

TEST_F(ConsumerTest, ProcessBatchMaySkipSomeTasks) {
  tc.put(queue(), "keep");
  tc.put(queue(), "skip");
  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.batch_size = 2;
    return o;
  }());
  consumer.on_batch = [&](const std::vector<Task>& batch) {
    std::vector<Reply> replies;
    for (const auto& task : batch) replies.push_back(task.id == "skip" ? Reply::none() : Reply{"1", {}});
    return replies;
  };
  std::thread runner([&] { consumer.run(); });
  ASSERT_TRUE(eventually([&] { return consumer.stats().fetched == 2; }));
  consumer.stop();
  runner.join();
  EXPECT_TRUE(tc.result(queue(), "keep"));
  EXPECT_FALSE(tc.result(queue(), "skip"));
}

TEST_F(ConsumerTest, AnExceptionMeansNoReplyAndTheTaskComesBack) {
  tc.put(queue(), "flaky", "null", "payload");
  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.promise_reply_time = 0.3s;  // short lease: redelivery comes quickly
    return o;
  }());
  std::atomic<int> attempts{0};
  consumer.on_process = [&](const Task& task) -> Reply {
    if (++attempts == 1) throw std::runtime_error("GPU fell over");
    return Reply{"\"second time lucky\"", task.content};
  };
  std::thread runner([&] { consumer.run(); });
  ASSERT_TRUE(eventually([&] { return consumer.stats().replied == 1; }));
  consumer.stop();
  runner.join();
  EXPECT_EQ(attempts.load(), 2);
  EXPECT_EQ(consumer.stats().failed, 1u);
  auto result = tc.result(queue(), "flaky");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->info, "\"second time lucky\"");
  EXPECT_EQ(result->content, "payload");
}

TEST_F(ConsumerTest, ReplyOnErrorSendsTheErrorToTheCaller) {
  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.reply_on_error = true;
    return o;
  }());
  consumer.on_process = [](const Task&) -> Reply { throw std::runtime_error("bad \"input\""); };
  std::thread runner([&] { consumer.run(); });
  taskcenter::CallOptions call;
  call.timeout = 10s;
  auto result = tc.call(queue(), "doomed", "null", "", call);
  consumer.stop();
  runner.join();
  EXPECT_EQ(result.info, R"({"error":"bad \"input\""})");
}

TEST_F(ConsumerTest, HeartbeatKeepsTheLeaseOfALongTask) {
  tc.put(queue(), "long");
  LambdaConsumer consumer(tc, [&] {
    auto o = options();
    o.promise_reply_time = 0.5s;
    o.heartbeat_interval = 0.1s;
    return o;
  }());
  std::atomic<long> pending_during_work{-1};
  consumer.on_process = [&](const Task&) {
    std::this_thread::sleep_for(1500ms);  // three leases long
    Client observer(server_->url());
    pending_during_work = static_cast<long>(observer.stat_queue(queue())->length);
    return Reply{};
  };
  std::thread runner([&] { consumer.run(); });
  ASSERT_TRUE(eventually([&] { return consumer.stats().replied == 1; }));
  consumer.stop();
  runner.join();
  EXPECT_EQ(pending_during_work.load(), 0);  // never went back to pending
  EXPECT_EQ(consumer.stats().fetched, 1u);
}

TEST_F(ConsumerTest, StopFinishesWhatItHoldsAndTakesNothingNew) {
  for (int i = 0; i < 3; ++i) tc.put(queue(), tctest::numbered("s", i));
  LambdaConsumer consumer(tc, options());
  consumer.on_process = [&](const Task&) {
    consumer.stop();  // asked to stop while holding a task
    std::this_thread::sleep_for(100ms);
    return Reply{"\"done\"", {}};
  };
  consumer.run();  // returns on its own
  EXPECT_EQ(consumer.stats().replied, 1u);
  EXPECT_EQ(tc.result(queue(), "s0")->info, "\"done\"");
  EXPECT_EQ(tc.stat_queue(queue())->length, 2u);
}

TEST_F(ConsumerTest, StopWhileFilteringLeavesTheTaskForTheNextRun) {
  tc.put(queue(), "next-run", R"({"kind":"mine"})");
  LambdaConsumer consumer(tc, options());
  std::atomic<bool> stop_in_accept{true};
  consumer.on_accept = [&](const Task&) {
    if (stop_in_accept.exchange(false)) consumer.stop();
    return true;
  };
  consumer.on_process = [](const Task&) { return Reply{"\"second run\"", {}}; };
  consumer.run();  // stops before acquiring: the task stays pending
  EXPECT_EQ(consumer.stats().fetched, 0u);
  EXPECT_EQ(tc.stat_queue(queue())->length, 1u);

  std::thread runner([&] { consumer.run(); });  // the cursor was rewound: it sees the task again
  ASSERT_TRUE(eventually([&] { return consumer.stats().replied == 1; }));
  consumer.stop();
  runner.join();
  EXPECT_EQ(tc.result(queue(), "next-run")->info, "\"second run\"");
}

TEST_F(ConsumerTest, StopBeforeRunIsNotLost) {
  LambdaConsumer consumer(tc, options());
  consumer.stop();
  consumer.run();  // returns at once instead of waiting for a stop that already came
  EXPECT_EQ(consumer.stats().fetched, 0u);
}

TEST_F(ConsumerTest, SigtermStopsGracefully) {
  tc.put(queue(), "sig0");
  tc.put(queue(), "sig1");
  LambdaConsumer consumer(tc, options());
  consumer.on_process = [&](const Task&) {
    ::raise(SIGTERM);  // handled by run(): a stop request, not the end of the test process
    return Reply{"\"finished\"", {}};
  };
  consumer.run();
  EXPECT_EQ(consumer.stats().replied, 1u);
  EXPECT_EQ(tc.result(queue(), "sig0")->info, "\"finished\"");
  EXPECT_EQ(tc.stat_queue(queue())->length, 1u);
}

TEST_F(ConsumerTest, ExampleEchoConsumerProgram) {
  tctest::ChildProcess program({TC_ECHO_CONSUMER, "--url", server_->url(), "--queue", queue(), "--batch", "4",
                                "--pass-ms", "1"});
  taskcenter::CallOptions call;
  call.timeout = 20s;
  auto result = tc.call(queue(), "e1", R"({"n":1})", "hello", call);
  EXPECT_EQ(result.content, "hello");
  EXPECT_EQ(result.info, R"({"batch_size":1,"index":0,"request_info":{"n":1}})");
  program.signal(SIGTERM);
  int status = program.wait(20);
  ASSERT_NE(status, -1) << "echo_consumer did not stop on SIGTERM";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << program.output();
  EXPECT_NE(program.output().find("processed 1 tasks"), std::string::npos) << program.output();
}

TEST_F(ConsumerTest, TaskOfAKilledConsumerProcessIsRedelivered) {
  tc.put(queue(), "survivor", R"({"n":2})", "payload");
  // A consumer process that takes the task and is killed while "computing" it.
  tctest::ChildProcess doomed({TC_ECHO_CONSUMER, "--url", server_->url(), "--queue", queue(), "--pass-ms", "60000",
                               "--promise", "0.5"});
  ASSERT_TRUE(eventually([&] { return tc.stat_queue(queue())->counter("leased") == 1; }));
  doomed.signal(SIGKILL);
  ASSERT_NE(doomed.wait(10), -1);

  // Its lease runs out (no more heartbeats) and the task comes back for someone else.
  taskcenter::TakeOptions take;
  take.timeout = 10s;
  take.promise_reply_time = 30s;
  auto again = tc.take(queue(), take);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, "survivor");
  EXPECT_EQ(again[0].content, "payload");
  EXPECT_EQ(again[0].attempt, 2u);
}

TEST_F(ConsumerTest, ProgressInsideProcessReportsTheCurrentTask) {
  LambdaConsumer consumer(tc, options());
  std::mutex mutex;
  std::vector<bool> answers;
  consumer.on_process = [&](const Task& task) {
    for (int step = 0; step < 3; ++step) {
      bool leased = consumer.progress(R"({"step":)" + std::to_string(step) + "}", "part");
      std::lock_guard lock(mutex);
      answers.push_back(leased);
    }
    return Reply{R"("done")", task.content};
  };
  std::thread runner([&] { consumer.run(); });
  taskcenter::CallOptions call;
  call.timeout = 10s;
  call.config.cache_result_time = taskcenter::Seconds{60};
  EXPECT_EQ(tc.call(queue(), "a", "null", "", call).info, R"("done")");
  consumer.stop();
  runner.join();
  EXPECT_EQ(answers, (std::vector<bool>{true, true, true}));
  const std::string view = tc.post_raw("/task/get", R"({"queue":")" + queue() + R"(","id":"a"})");
  EXPECT_NE(view.find(R"("progress":{"step":2})"), std::string::npos) << view;
  EXPECT_THROW(consumer.progress("null"), std::logic_error);  // not inside process()
}

}  // namespace
