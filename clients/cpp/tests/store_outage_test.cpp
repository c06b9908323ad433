// The server's store going away (Redis backend, redis-server killed and restarted):
// requests fail with Unavailable, readyz turns false, and a running Consumer rides
// the outage out and goes on once the store is back.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <thread>

#include "server_process.hpp"
#include "taskcenter/taskcenter.hpp"

namespace {

using namespace std::chrono_literals;

std::string find_redis_server() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    std::string path = std::string(dir) + "/redis-server";
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

// redis-server without persistence on `port`.
std::unique_ptr<tctest::ChildProcess> start_redis(const std::string& binary, int port) {
  auto redis = std::make_unique<tctest::ChildProcess>(std::vector<std::string>{
      binary, "--port", std::to_string(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"});
  if (!eventually([&] { return port_open(port); })) return nullptr;
  return redis;
}

class EchoConsumer : public taskcenter::Consumer {
 public:
  using Consumer::Consumer;
  taskcenter::Reply process(const taskcenter::Task& task) override { return {task.info, task.content}; }
};

TEST(StoreOutage, UnavailableThenBackAndTheConsumerRidesItOut) {
  std::string redis_binary = find_redis_server();
  if (redis_binary.empty()) GTEST_SKIP() << "redis-server not installed";
  int redis_port = free_port();
  auto redis = start_redis(redis_binary, redis_port);
  ASSERT_TRUE(redis) << "redis-server did not start";
  tctest::ServerProcess server({"--redis", "redis://127.0.0.1:" + std::to_string(redis_port) + "/0"});

  taskcenter::Client tc(server.url());
  taskcenter::ConsumerOptions options;
  options.queue = "outage";
  options.poll_timeout = 0.2s;
  options.error_backoff = 0.05s;
  EchoConsumer consumer(tc, options);
  std::thread runner([&] { consumer.run(); });

  taskcenter::CallOptions call;
  call.timeout = 10s;
  EXPECT_EQ(tc.call("outage", "before", "1", "a", call).content, "a");
  EXPECT_TRUE(tc.readyz());

  redis->signal(SIGKILL);
  redis->wait(10);
  EXPECT_THROW(tc.put("outage", "during"), taskcenter::Unavailable);
  try {
    tc.put("outage", "during");
  } catch (const taskcenter::Unavailable& e) {
    EXPECT_EQ(e.http_status(), 503);
    EXPECT_FALSE(e.message().empty());
  }
  EXPECT_FALSE(tc.readyz());
  EXPECT_TRUE(tc.healthz());  // the process is alive, only its store is gone
  EXPECT_TRUE(eventually([&] { return consumer.stats().errors > 0; }));  // the consumer saw it, and waits

  redis = start_redis(redis_binary, redis_port);
  ASSERT_TRUE(redis) << "redis-server did not restart";
  ASSERT_TRUE(eventually([&] { return tc.readyz(); }));
  EXPECT_EQ(tc.call("outage", "after", "2", "b", call).content, "b");  // the same consumer answers

  consumer.stop();
  runner.join();
  EXPECT_GE(consumer.stats().replied, 2u);
}

}  // namespace
