#include "store/redis/redis_store.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/this_coro.hpp>
#include <map>
#include <mutex>
#include <future>
#include <thread>
#include <cstdio>
#include <random>
#include <stdexcept>

extern const std::string_view tc_embedded_lib_lua;
extern const std::string_view tc_embedded_put_lua;
extern const std::string_view tc_embedded_peek_lua;
extern const std::string_view tc_embedded_acquire_lua;
extern const std::string_view tc_embedded_take_lua;
extern const std::string_view tc_embedded_reply_lua;
extern const std::string_view tc_embedded_call_begin_lua;
extern const std::string_view tc_embedded_touch_lua;
extern const std::string_view tc_embedded_remove_lua;
extern const std::string_view tc_embedded_clear_queue_lua;
extern const std::string_view tc_embedded_stat_queue_lua;
extern const std::string_view tc_embedded_reap_lua;

namespace tc {
namespace {

using redis::Reply;
using redis::args_of;

redis::RedisUrl parse_url_or_throw(const std::string& text) {
  auto url = redis::parse_redis_url(text);
  if (!url) throw std::invalid_argument("malformed Redis URL: " + text);
  return *url;
}

std::string make_source(std::string_view op) {
  std::string s(tc_embedded_lib_lua);
  s += '\n';
  s += op;
  return s;
}

std::string random_id() {
  std::random_device rd;
  std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Fixed-width cursor key used by the scripts ("%015d-%010d"): lexical = cursor order.
std::string ckey(std::uint64_t ms, std::uint64_t seq) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%015llu-%010llu", static_cast<unsigned long long>(ms),
                static_cast<unsigned long long>(seq));
  return buf;
}

std::optional<Cursor> parse_ckey(std::string_view key) {
  if (key.size() != 26 || key[15] != '-') return std::nullopt;
  Cursor c;
  for (char ch : key.substr(0, 15)) c.ms = c.ms * 10 + static_cast<std::uint64_t>(ch - '0');
  for (char ch : key.substr(16)) c.seq = c.seq * 10 + static_cast<std::uint64_t>(ch - '0');
  return c;
}

void append_task(std::vector<std::string>& args, NewTask& task) {
  args.push_back(std::move(task.id));
  args.push_back(std::move(task.info));
  args.push_back(std::move(task.content));
  args.push_back(std::to_string(task.config.cache_result_ms));
  args.push_back(task.config.forward_result_to.value_or(""));
  args.push_back(std::to_string(task.config.max_attempts));
  args.push_back(task.config.dead_letter_to.value_or(""));
  args.push_back(std::to_string(task.config.delay_ms));
}

ApiError unavailable(std::string why) {
  return make_error(Errc::unavailable, "the Redis store is unavailable: " + why);
}

std::int64_t as_int(const Reply& r) {
  if (r.type == Reply::Type::integer) return r.integer;
  if (r.type == Reply::Type::string) return std::strtoll(r.str.c_str(), nullptr, 10);
  return 0;
}

std::vector<AcquiredTask> parse_acquired(Reply& r) {
  std::vector<AcquiredTask> out;
  for (std::size_t i = 0; i + 3 < r.elements.size(); i += 4) {
    AcquiredTask t;
    t.id = std::move(r.elements[i].str);
    t.info = std::move(r.elements[i + 1].str);
    t.content = std::move(r.elements[i + 2].str);
    t.attempt = static_cast<std::uint32_t>(as_int(r.elements[i + 3]));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

struct RedisStore::Scripts {
  redis::Script put{make_source(tc_embedded_put_lua)};
  redis::Script peek{make_source(tc_embedded_peek_lua)};
  redis::Script acquire{make_source(tc_embedded_acquire_lua)};
  redis::Script take{make_source(tc_embedded_take_lua)};
  redis::Script reply{make_source(tc_embedded_reply_lua)};
  redis::Script call_begin{make_source(tc_embedded_call_begin_lua)};
  redis::Script touch{make_source(tc_embedded_touch_lua)};
  redis::Script remove{make_source(tc_embedded_remove_lua)};
  redis::Script clear_queue{make_source(tc_embedded_clear_queue_lua)};
  redis::Script stat_queue{make_source(tc_embedded_stat_queue_lua)};
  redis::Script reap{make_source(tc_embedded_reap_lua)};
};

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

RedisStore::RedisStore(std::unique_ptr<OwnedIo> io, const Clock& clock, RedisStoreOptions options)
    : RedisStore(io->io.get_executor(), clock, std::move(options)) {
  owned_io_ = std::move(io);
}

RedisStore::RedisStore(const boost::asio::any_io_executor& executor, const Clock& clock,
                       RedisStoreOptions options)
    : executor_(executor),
      clock_(clock),
      options_(std::move(options)),
      origin_(random_id()),
      channel_(options_.prefix + ":events"),
      registry_key_(options_.prefix + ":queues"),
      client_(executor, parse_url_or_throw(options_.url), options_.connections_per_node,
              std::chrono::milliseconds(options_.command_timeout_ms)),
      scripts_(std::make_unique<Scripts>()),
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

std::string RedisStore::base_key(std::string_view queue) const {
  std::string key;
  key.reserve(options_.prefix.size() + queue.size() + 4);
  key += options_.prefix;
  key += ":{";
  key += queue;
  key += "}:";
  return key;
}

void RedisStore::on_message(std::string_view payload) {
  auto message = redis::parse_event_message(payload);
  if (!message || message->origin == origin_) return;  // our own: dispatched already
  dispatch(*message);
}

void RedisStore::dispatch(const redis::EventMessage& message) {
  StoreEvents* events = events_.load();
  if (events == nullptr) return;
  for (const auto& ev : message.events) {
    switch (ev.kind) {
      case redis::StoreEvent::Kind::pending:
        events->on_pending(ev.queue);
        break;
      case redis::StoreEvent::Kind::finished: {
        TaskResult result{ev.info, ev.content};
        events->on_finished(ev.queue, ev.id, &result);
        break;
      }
      case redis::StoreEvent::Kind::removed:
        events->on_finished(ev.queue, ev.id, nullptr);
        break;
    }
  }
}

Awaitable<Result<Reply>> RedisStore::run(redis::Script& script, const std::string& queue,
                                    std::vector<std::string> args) {
  // ARGV in RESP: the common four (lib.lua), then the operation's own.
  std::size_t bytes = 96 + queue.size() + origin_.size() + channel_.size();
  for (const auto& a : args) bytes += redis::RespWriter::arg_size(a.size());
  std::string argv;
  argv.reserve(bytes);
  redis::RespWriter::arg(argv, queue);
  redis::RespWriter::arg(argv, static_cast<std::int64_t>(clock_.now_ms()));
  redis::RespWriter::arg(argv, origin_);
  redis::RespWriter::arg(argv, channel_);
  for (const auto& a : args) redis::RespWriter::arg(argv, a);
  const std::size_t argc = 4 + args.size();
  args = {};  // the task's bytes are in `argv` now; free them before waiting
  redis::Client& client = client_for(co_await boost::asio::this_coro::executor);
  Reply r = co_await client.eval(script, base_key(queue), argc, std::move(argv));
  if (r.is_io_error()) co_return unavailable(r.str);
  if (r.is_error()) co_return unavailable("Redis answered: " + r.str);
  if (!r.is_array() || r.elements.size() < 2) co_return unavailable("unexpected script reply");
  if (!r.elements[1].str.empty()) {
    if (auto message = redis::parse_event_message(r.elements[1].str)) dispatch(*message);
  }
  for (std::size_t i = 2; i < r.elements.size(); ++i) {
    co_await deliver_outbox(queue, r.elements[i].str);
  }
  co_return std::move(r.elements[0]);
}

// Forwards and dead letters live in the source queue's outbox (same slot, written by
// the same atomic script) until this put into the target queue (another slot) is
// done; only then is the item removed. A crash in between leaves the item for the
// next reap, and the put is idempotent (same id), so nothing is lost or doubled.
Awaitable<void> RedisStore::deliver_outbox(const std::string& source_queue, const std::string& item) {
  auto parsed = redis::parse_outbox_item(item);
  if (parsed) {
    NewTask task;
    task.id = std::move(parsed->id);
    task.info = std::move(parsed->info);
    task.content = std::move(parsed->content);
    std::vector<std::string> args = args_of("1");
    append_task(args, task);
    auto r = co_await run(scripts_->put, parsed->target, std::move(args));
    if (!r.ok()) co_return;  // stays in the outbox for the reaper
    if (r->is_array() && !r->elements.empty() && as_int(r->elements[0]) == 1) {
      co_await register_queue(parsed->target);
    }
  }
  std::string outbox = base_key(source_queue) + "outbox";
  redis::Client& client = client_for(co_await boost::asio::this_coro::executor);
  (void)co_await client.command(outbox, args_of("LREM", outbox, "1", item));
}

// The queue registry (list_queue, the reaper's work list) is one sorted set in its own
// slot, so it is written by a second command after the put that created the queue.
Awaitable<void> RedisStore::register_queue(const std::string& queue) {
  redis::Client& client = client_for(co_await boost::asio::this_coro::executor);
  (void)co_await client.command(registry_key_, args_of("ZADD", registry_key_, "0", queue));
}

Awaitable<Result<bool>> RedisStore::put(std::string queue, NewTask task) {
  std::vector<std::string> args = args_of("1");
  append_task(args, task);
  auto r = co_await run(scripts_->put, queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != 2) co_return unavailable("unexpected put reply");
  if (as_int(r->elements[0]) == 1) co_await register_queue(queue);
  co_return as_int(r->elements[1]) == 1;
}

Awaitable<Result<std::vector<bool>>> RedisStore::put_batch(std::string queue,
                                                      std::vector<NewTask> tasks) {
  std::vector<std::string> args = args_of(std::to_string(tasks.size()));
  args.reserve(1 + tasks.size() * 8);
  for (auto& t : tasks) append_task(args, t);
  auto r = co_await run(scripts_->put, queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != tasks.size() + 1) {
    co_return unavailable("unexpected put reply");
  }
  if (as_int(r->elements[0]) == 1) co_await register_queue(queue);
  std::vector<bool> out;
  out.reserve(tasks.size());
  for (std::size_t i = 1; i < r->elements.size(); ++i) out.push_back(as_int(r->elements[i]) == 1);
  co_return out;
}

Awaitable<Result<std::vector<PeekedTask>>> RedisStore::peek(std::string queue,
                                                       std::optional<Cursor> after,
                                                       std::uint32_t size) {
  std::string start;
  if (after) {
    constexpr std::uint64_t kMaxMs = 999'999'999'999'999ULL;
    constexpr std::uint64_t kMaxSeq = 9'999'999'999ULL;
    if (after->ms > kMaxMs || (after->ms == kMaxMs && after->seq >= kMaxSeq)) {
      co_return std::vector<PeekedTask>{};  // past any cursor we can hand out
    }
    start = after->seq >= kMaxSeq ? ckey(after->ms + 1, 0) : ckey(after->ms, after->seq + 1);
  }
  auto r = co_await run(scripts_->peek, queue, args_of(std::move(start), std::to_string(size)));
  if (!r.ok()) co_return std::move(r).error();
  std::vector<PeekedTask> out;
  for (std::size_t i = 0; i + 2 < r->elements.size(); i += 3) {
    auto cursor = parse_ckey(r->elements[i + 2].str);
    if (!cursor) co_return unavailable("malformed cursor in Redis");
    out.push_back(PeekedTask{std::move(r->elements[i].str), std::move(r->elements[i + 1].str),
                             *cursor});
  }
  co_return out;
}

Awaitable<Result<std::vector<AcquiredTask>>> RedisStore::acquire(std::string queue,
                                                            std::vector<std::string> ids,
                                                            std::int64_t lease_ms) {
  std::vector<std::string> args;
  args.reserve(ids.size() + 1);
  args.push_back(std::to_string(lease_ms));
  for (auto& id : ids) args.push_back(std::move(id));
  auto r = co_await run(scripts_->acquire, queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  co_return parse_acquired(*r);
}

Awaitable<Result<std::vector<AcquiredTask>>> RedisStore::take(std::string queue, std::uint32_t size,
                                                         std::int64_t lease_ms) {
  auto r = co_await run(scripts_->take, queue, args_of(std::to_string(lease_ms), std::to_string(size)));
  if (!r.ok()) co_return std::move(r).error();
  co_return parse_acquired(*r);
}

Awaitable<Result<bool>> RedisStore::reply(std::string queue, std::string id, TaskResult result) {
  auto r = co_await run(scripts_->reply, queue,
                        args_of(std::move(id), std::move(result.info), std::move(result.content)));
  if (!r.ok()) co_return std::move(r).error();
  co_return as_int(*r) == 1;
}

Awaitable<Result<CallBegin>> RedisStore::call_begin(std::string queue, NewTask task,
                                               bool put_if_absent) {
  std::vector<std::string> args = args_of(put_if_absent ? "1" : "0");
  append_task(args, task);
  auto r = co_await run(scripts_->call_begin, queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != 4) co_return unavailable("unexpected call reply");
  CallBegin out;
  const std::string& kind = r->elements[0].str;
  if (kind == "cached") {
    out.cached = TaskResult{std::move(r->elements[1].str), std::move(r->elements[2].str)};
    out.exists = true;
  } else if (kind == "exists") {
    out.exists = true;
  } else if (kind == "created") {
    out.created = true;
    out.exists = true;
    if (as_int(r->elements[3]) == 1) co_await register_queue(queue);
  }
  co_return out;
}

Awaitable<Result<bool>> RedisStore::touch(std::string queue, std::string id, std::int64_t lease_ms) {
  auto r = co_await run(scripts_->touch, queue, args_of(std::move(id), std::to_string(lease_ms)));
  if (!r.ok()) co_return std::move(r).error();
  co_return as_int(*r) == 1;
}

Awaitable<Result<bool>> RedisStore::remove(std::string queue, std::string id) {
  auto r = co_await run(scripts_->remove, queue, args_of(std::move(id)));
  if (!r.ok()) co_return std::move(r).error();
  co_return as_int(*r) == 1;
}

Awaitable<Result<bool>> RedisStore::clear_queue(std::string queue, std::uint32_t max_steps) {
  auto r = co_await run(scripts_->clear_queue, queue, args_of(std::to_string(max_steps)));
  if (!r.ok()) co_return std::move(r).error();
  if (as_int(*r) != 1) co_return false;
  Reply z = co_await client_.command(registry_key_, args_of("ZREM", registry_key_, queue));
  if (z.is_io_error()) co_return unavailable(z.str);
  co_return true;
}

Awaitable<Result<QueuePage>> RedisStore::list_queues(std::optional<std::string> cursor,
                                                std::uint32_t size) {
  std::string start = cursor ? "(" + *cursor : "-";
  Reply r = co_await client_.command(
      registry_key_,
      args_of("ZRANGEBYLEX", registry_key_, start, "+", "LIMIT", "0", std::to_string(size + 1ULL)));
  if (r.is_io_error()) co_return unavailable(r.str);
  if (!r.is_array()) co_return unavailable("Redis answered: " + r.str);
  QueuePage page;
  for (auto& e : r.elements) page.queues.push_back(std::move(e.str));
  if (page.queues.size() > size) {
    page.queues.resize(size);
    if (!page.queues.empty()) page.next_cursor = page.queues.back();
  }
  co_return page;
}

Awaitable<Result<std::optional<QueueStats>>> RedisStore::stat_queue(std::string queue) {
  auto r = co_await run(scripts_->stat_queue, queue, args_of());
  if (!r.ok()) co_return std::move(r).error();
  if (r->is_nil()) co_return std::optional<QueueStats>{};
  if (!r->is_array() || r->elements.size() != 12) co_return unavailable("unexpected stat reply");
  auto& e = r->elements;
  QueueStats s;
  s.length = static_cast<std::uint64_t>(as_int(e[0]));
  s.delayed = static_cast<std::uint64_t>(as_int(e[1]));
  s.leased = static_cast<std::uint64_t>(as_int(e[2]));
  s.done = static_cast<std::uint64_t>(as_int(e[3]));
  s.oldest_cursor = parse_ckey(e[4].str);
  s.newest_cursor = parse_ckey(e[5].str);
  s.total_put = static_cast<std::uint64_t>(as_int(e[6]));
  s.total_acquired = static_cast<std::uint64_t>(as_int(e[7]));
  s.total_replied = static_cast<std::uint64_t>(as_int(e[8]));
  s.total_redelivered = static_cast<std::uint64_t>(as_int(e[9]));
  s.total_dead = static_cast<std::uint64_t>(as_int(e[10]));
  s.total_removed = static_cast<std::uint64_t>(as_int(e[11]));
  co_return std::optional<QueueStats>(s);
}

Awaitable<Result<std::uint64_t>> RedisStore::reap() {
  std::uint64_t applied = 0;
  std::optional<std::string> cursor;
  do {
    auto page = co_await list_queues(cursor, 1000);
    if (!page.ok()) co_return std::move(page).error();
    for (auto& queue : page->queues) {
      // Loop while a full batch came due, so a burst of expiries is drained now.
      for (;;) {
        auto r = co_await run(scripts_->reap, queue, args_of(std::to_string(options_.reap_limit)));
        if (!r.ok()) co_return std::move(r).error();
        const auto n = static_cast<std::uint64_t>(as_int(*r));
        applied += n;
        if (n < options_.reap_limit) break;
      }
    }
    cursor = page->next_cursor;
  } while (cursor);
  co_return applied;
}

Awaitable<bool> RedisStore::ready() {
  Reply r = co_await client_.command("", args_of("PING"));
  co_return r.type == Reply::Type::status && r.str == "PONG";
}

}  // namespace tc
