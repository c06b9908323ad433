// RedisStore against real redis-server processes: the store conformance suite, plus
// what only a shared, networked store has to do (events between instances, Redis
// going away and coming back, Redis Cluster).
#include <utility>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

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
