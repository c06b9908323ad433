// RedisStore's lifecycle: construction, the per-thread clients of launch() (one per
// calling io_context, so a command and its reply never cross threads), start and stop.
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include "store/redis/redis_store.hpp"

#include <algorithm>

namespace tc {
namespace {

redis::RedisUrl parse_url_or_throw(const std::string& text) {
  auto url = redis::parse_redis_url(text);
  if (!url) throw std::invalid_argument("malformed Redis URL: " + text);
  return *url;
}

std::string random_id() {
  std::random_device rd;
  std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

// launch() mode: a Client per calling io_context. Shared so a connect still running on a
// server thread keeps its client alive if stop() drops it first.
struct RedisStore::LocalClients {
  std::mutex mutex;
  std::map<const void*, std::shared_ptr<redis::Client>> by_context;
  // Bumped whenever a client is dropped, so no thread's cached pointer outlives it.
  std::atomic<std::uint64_t> generation{1};

  // The io_context is being destroyed (or the store stops): close its client now, while
  // its timers and descriptors can still be cancelled, and forget it.
  void forget(const void* context) {
    std::shared_ptr<redis::Client> client;
    {
      std::lock_guard lock(mutex);
      auto it = by_context.find(context);
      if (it == by_context.end()) return;
      client = std::move(it->second);
      by_context.erase(it);
      generation.fetch_add(1);
    }
    client->close_now();
  }
};

namespace {

std::atomic<std::uint64_t> next_serial{1};

// The last client this thread used, so most commands skip the lock and the map.
struct LocalCache {
  std::uint64_t serial = 0;
  std::uint64_t generation = 0;
  const void* context = nullptr;
  redis::Client* client = nullptr;
};
thread_local LocalCache local_cache;

// A service in each calling io_context: when that io_context shuts down, the stores that
// made a client on it close and forget it, so a client never outlives its io_context
// (an io_context destroyed while its store lives on, then a new one at the same address,
// must not find the old client). Registered after the client's first timers, so it shuts
// down before the reactor and timer services do.
class ContextWatch final : public boost::asio::execution_context::service {
 public:
  static boost::asio::execution_context::id id;
  explicit ContextWatch(boost::asio::execution_context& context) : service(context) {}
  void watch(const std::shared_ptr<RedisStore::LocalClients>& clients) {
    std::lock_guard lock(mutex_);
    watched_.push_back(clients);
  }

 private:
  void shutdown() override {
    std::vector<std::weak_ptr<RedisStore::LocalClients>> watched;
    {
      std::lock_guard lock(mutex_);
      watched.swap(watched_);
    }
    for (auto& w : watched) {
      if (auto clients = w.lock()) clients->forget(&context());
    }
  }
  std::mutex mutex_;
  std::vector<std::weak_ptr<RedisStore::LocalClients>> watched_;
};
boost::asio::execution_context::id ContextWatch::id;

Awaitable<void> start_client(std::shared_ptr<redis::Client> client) { co_await client->start(); }

}  // namespace

struct RedisStore::OwnedIo {
  boost::asio::io_context io{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
};

std::unique_ptr<RedisStore> RedisStore::launch(const Clock& clock, RedisStoreOptions options) {
  auto owned = std::make_unique<OwnedIo>();
  auto* io = &owned->io;
  std::unique_ptr<RedisStore> store(new RedisStore(std::move(owned), clock, std::move(options)));
  store->local_ = std::make_shared<LocalClients>();
  store->owned_io_->thread = std::thread([io] { io->run(); });
  std::promise<void> started;
  auto done = started.get_future();
  boost::asio::co_spawn(*io, store->start(),
                        [&started](std::exception_ptr) { started.set_value(); });
  done.wait();
  return store;
}

namespace {
// A WAIT blocks its connection's replies for up to its timeout: the stalled-connection
// watchdog must allow that much and more, or a slow replica would drop the connection.
RedisStoreOptions with_room_for_wait(RedisStoreOptions options) {
  if (options.wait_replicas > 0) {
    options.command_timeout_ms =
        std::max(options.command_timeout_ms, options.wait_timeout_ms + 2000);
  }
  return options;
}
}  // namespace

RedisStore::RedisStore(std::unique_ptr<OwnedIo> io, const Clock& clock, RedisStoreOptions options)
    : RedisStore(io->io.get_executor(), clock, std::move(options)) {
  owned_io_ = std::move(io);
}

RedisStore::RedisStore(const boost::asio::any_io_executor& executor, const Clock& clock,
                       RedisStoreOptions options)
    : executor_(executor),
      clock_(clock),
      options_(with_room_for_wait(std::move(options))),
      origin_(random_id()),
      channel_(options_.prefix + ":events"),
      registry_key_(options_.prefix + ":queues"),
      due_key_(options_.prefix + ":{%due}:"),
      client_(executor, parse_url_or_throw(options_.url), options_.connections_per_node,
              std::chrono::milliseconds(options_.command_timeout_ms)),
      scripts_(std::make_unique<redis::StoreScripts>(options_.script_mode)),
      serial_(next_serial.fetch_add(1)) {
  if (options_.prefix.find_first_of("{}") != std::string::npos) {
    throw std::invalid_argument("the Redis key prefix must not contain '{' or '}'");
  }
  redis::ConnectionOptions sub;
  sub.password = client_.url().password;
  sub.subscribe_channel = channel_;
  sub.on_message = [this](std::string_view payload) { on_message(payload); };
  // Events published while the subscriber was away are lost (pub/sub keeps nothing):
  // after a re-subscribe, every waiter (long polls and calls) looks at the store again.
  sub.on_subscribed = [this] {
    if (subscriptions_++ == 0) return;
    if (StoreEvents* events = events_.load()) events->on_events_lost();
  };
  subscriber_ = redis::Connection::create(executor, client_.url().endpoint, std::move(sub));
}

RedisStore::~RedisStore() {
  stop();
  if (owned_io_) {
    owned_io_->work.reset();
    owned_io_->io.stop();
    if (owned_io_->thread.joinable()) owned_io_->thread.join();
  }
}

Awaitable<void> RedisStore::start() {
  subscriber_->start();
  co_await client_.start();
}

void RedisStore::stop() {
  stopped_ = true;
  subscriber_->stop();
  client_.stop();
  if (local_) {
    // The callers' io_contexts no longer run (the contract above): close their
    // connections from here and let go of the clients, whose timers belong to those
    // io_contexts (anything of theirs still queued there dies with the io_context).
    std::map<const void*, std::shared_ptr<redis::Client>> clients;
    {
      std::lock_guard lock(local_->mutex);
      clients.swap(local_->by_context);
      local_->generation.fetch_add(1);
    }
    for (auto& [_, client] : clients) client->close_now();
  }
  // With our own I/O thread: wait until the posted disconnects ran, so every outstanding
  // command has completed (with io_error) into its caller's executor while that executor
  // still exists. The server calls this after it stopped serving, before it is destroyed.
  if (owned_io_ && owned_io_->thread.joinable() &&
      owned_io_->thread.get_id() != std::this_thread::get_id() && !owned_io_->io.stopped()) {
    std::promise<void> drained;
    auto done = drained.get_future();
    boost::asio::post(owned_io_->io, [&drained] { drained.set_value(); });
    done.wait_for(std::chrono::seconds(5));
  }
}

redis::Client& RedisStore::client_for(const boost::asio::any_io_executor& caller) {
  if (!local_ || stopped_.load(std::memory_order_relaxed)) return client_;
  auto& context = boost::asio::query(caller, boost::asio::execution::context);
  if (&context == &owned_io_->io) return client_;
  const std::uint64_t generation = local_->generation.load();
  if (local_cache.serial == serial_ && local_cache.context == &context &&
      local_cache.generation == generation) {
    return *local_cache.client;
  }
  std::shared_ptr<redis::Client> client;
  bool created = false;
  {
    std::lock_guard lock(local_->mutex);
    auto& slot = local_->by_context[&context];
    if (!slot) {
      slot = std::make_shared<redis::Client>(caller, client_.url(), 1,
                                             std::chrono::milliseconds(options_.command_timeout_ms));
      created = true;
    }
    client = slot;
  }
  if (created) {
    boost::asio::use_service<ContextWatch>(context).watch(local_);
    // Connects in the background: commands sent meanwhile wait in hiredis's buffer
    // until the socket is up, and MOVED routes them while the slot map is unknown.
    boost::asio::co_spawn(caller, start_client(client), boost::asio::detached);
  }
  local_cache = LocalCache{serial_, generation, &context, client.get()};
  return *client;
}

}  // namespace tc
