// RedisStore: the Store on Redis or Redis Cluster, shared by any number of taskcenter
// instances. One Lua script per operation (scripts/*.lua, one round trip each), keys
// of a queue under one hash tag derived from its name (one slot per script, keys.hpp),
// wake-ups between instances on one pub/sub channel. Key schema and trade-offs:
// docs/redis.md.
//
// The class is defined over several files of this directory, one concept each:
// redis_store.cpp (the Store operations and running a script), redis_outbox.cpp
// (forwards and dead letters), redis_registry.cpp (the queue registry, list_queue, the
// reaper), redis_store_clients.cpp (construction, the per-thread clients, stopping).
#pragma once

#include <utility>

#include <atomic>
#include <string_view>
#include <vector>
#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "store/redis/client.hpp"
#include "store/redis/messages.hpp"
#include "store/redis/scripts.hpp"
#include "store/store.hpp"

namespace tc {

struct RedisStoreOptions {
  std::string url = "redis://127.0.0.1:6379/0";
  std::string prefix = "tc";             // key prefix; must not contain '{' or '}'
  // Pipelined connections per Redis node of the store's own client; with launch(), each
  // calling io_context (server thread) also gets one per node of its own.
  std::size_t connections_per_node = 2;
  std::uint32_t reap_limit = 1000;       // due items applied per queue per reap call
  // A connection with replies outstanding and no progress for this long is dropped and
  // its commands answer `unavailable` (a hung or SIGSTOPped Redis must not hang requests).
  std::int64_t command_timeout_ms = 5000;
  // Each acknowledged write waits for this many replicas (WAIT after its script, on the
  // same connection); 0 = not waited for. Past wait_timeout_ms: `unavailable`, "not
  // replicated" (the write is on the master and may be lost in a failover).
  std::uint32_t wait_replicas = 0;
  std::int64_t wait_timeout_ms = 1000;
  // The reaper (docs/redis.md, "The reaper"): each pass reaps the queues the due index
  // names as due, claiming each for due_claim_ms; one instance per sweep_interval_ms
  // (a SET NX PX token) reaps every queue of the registry, for hints that were lost.
  std::int64_t sweep_interval_ms = 300'000;
  std::int64_t due_claim_ms = 10'000;
  std::uint32_t due_batch = 1000;  // queues claimed per index call
  // FCALL of a Function library or EVALSHA (docs/redis.md, "How the scripts run").
  redis::ScriptMode script_mode = redis::ScriptMode::automatic;
};

class RedisStore final : public Store {
 public:
  // Throws std::invalid_argument for a malformed URL or prefix. Connects lazily: call
  // start() (it never fails; while Redis is down operations answer `unavailable`).
  RedisStore(const boost::asio::any_io_executor& executor, const Clock& clock,
             RedisStoreOptions options);
  // For the server: a store with its own I/O thread (Redis traffic never waits behind
  // HTTP work), started and connected (or trying to) when this returns.
  static std::unique_ptr<RedisStore> launch(const Clock& clock, RedisStoreOptions options);
  ~RedisStore() override;
  RedisStore(const RedisStore&) = delete;
  RedisStore& operator=(const RedisStore&) = delete;

  // Connects, detects Redis Cluster, subscribes to the event channel.
  Awaitable<void> start();
  // Closes every connection; outstanding operations fail with `unavailable`. Call it
  // after serving stopped and before the executors of callers are destroyed (with
  // launch(): returns once those completions have been handed to their executors; the
  // callers' executors must no longer run, as their connections are closed from here).
  void stop();
  void close() override { stop(); }

  void set_events(StoreEvents* events) override { events_.store(events); }
  Awaitable<Result<bool>> put(std::string queue, NewTask task) override;
  Awaitable<Result<std::vector<bool>>> put_batch(std::string queue,
                                            std::vector<NewTask> tasks) override;
  Awaitable<Result<std::vector<PeekedTask>>> peek(std::string queue, std::optional<Cursor> after,
                                             std::uint32_t size) override;
  Awaitable<Result<std::vector<AcquiredTask>>> acquire(std::string queue, std::vector<std::string> ids,
                                                  std::int64_t lease_ms) override;
  Awaitable<Result<std::vector<AcquiredTask>>> take(std::string queue, std::uint32_t size,
                                               std::int64_t lease_ms) override;
  Awaitable<Result<ReplyOutcome>> reply_timed(std::string queue, std::string id,
                                              TaskResult result) override;
  Awaitable<Result<CallBegin>> call_begin(std::string queue, NewTask task,
                                     bool put_if_absent) override;
  Awaitable<Result<bool>> touch(std::string queue, std::string id, std::int64_t lease_ms) override;
  Awaitable<Result<bool>> remove(std::string queue, std::string id) override;
  Awaitable<Result<bool>> clear_queue(std::string queue, std::uint32_t max_steps) override;
  Awaitable<Result<QueuePage>> list_queues(std::optional<std::string> cursor,
                                      std::uint32_t size) override;
  Awaitable<Result<std::optional<QueueStats>>> stat_queue(std::string queue) override;
  Awaitable<Result<std::uint64_t>> reap() override;
  Awaitable<bool> ready() override;
  // redis_store_batches.cpp
  Awaitable<Result<std::vector<ReplyOutcome>>> reply_batch_timed(
      std::string queue, std::vector<TaskReply> replies) override;

  // Queue settings (redis_store_settings.cpp).
  Awaitable<Result<QueueSettings>> config_queue(std::string queue,
                                                QueueSettingsChange change) override;
  Awaitable<Result<LeaseGate>> lease_gate(std::string queue) override;

  Awaitable<Result<bool>> fail(std::string queue, std::string id, TaskResult error) override;
  Awaitable<Result<bool>> release(std::string queue, std::string id,
                                  std::int64_t delay_ms) override;
  Awaitable<Result<std::uint32_t>> redrive(std::string queue, std::vector<std::string> ids,
                                           std::uint32_t size) override;
  Awaitable<Result<std::optional<TaskView>>> get(std::string queue, std::string id,
                                                 bool with_content) override;
  Awaitable<Result<TaskPage>> list_tasks(std::string queue, std::optional<TaskViewState> state,
                                         std::optional<TaskListCursor> after,
                                         std::uint32_t size) override;

  // Keyed takes (redis_store_keys.cpp).
  Awaitable<Result<std::vector<AcquiredTask>>> take_with(std::string queue, std::uint32_t size,
                                                         std::int64_t lease_ms,
                                                         TakeOptions options) override;
  Awaitable<Result<std::uint32_t>> count_fitting(std::string queue, std::uint32_t size,
                                                 TakeOptions options) override;

  // Progress events (redis_store_events.cpp: progress.lua, events.lua).
  Awaitable<Result<std::optional<std::uint64_t>>> progress(
      std::string queue, std::string id, TaskResult event,
      std::optional<std::int64_t> lease_ms) override;
  Awaitable<Result<TaskEvents>> events(std::string queue, std::string id,
                                       std::uint64_t after) override;

  bool cluster_mode() const noexcept { return client_.cluster_mode(); }

  // The per-io_context clients of launch() (redis_store.cpp); named here only so the
  // service that watches each io_context's end can refer to them.
  struct LocalClients;
  const std::string& instance_id() const noexcept { return origin_; }

 private:
  struct OwnedIo;
  RedisStore(std::unique_ptr<OwnedIo> io, const Clock& clock, RedisStoreOptions options);

  // Runs `script` (operation `op`, for errors) on `queue`'s slot with the common ARGV;
  // dispatches its events and delivers its outbox items, or, given `outbox`, appends
  // them there for the caller to deliver; answers the script's own reply.
  Awaitable<Result<redis::Reply>> run(redis::Script& script, std::string_view op,
                                      const std::string& queue, std::vector<std::string> args,
                                      std::vector<std::string>* outbox = nullptr,
                                      std::string* due_hint = nullptr);
  // The reaper (redis_registry.cpp): every queue of the registry, or those the due index
  // names as due; reap_queue() reaps one and answers its due hint (ms).
  Awaitable<Result<std::uint64_t>> reap_all();
  Awaitable<Result<std::uint64_t>> reap_due();
  Awaitable<Result<std::string>> reap_queue(
      const std::string& queue, std::uint64_t& applied,
      std::vector<std::pair<std::string, std::string>>& outbox);
  // Records `due` (ms) as a hint of queue's next deadline in the due index (only lowers).
  Awaitable<void> note_due(redis::Client& client, std::vector<std::string> queue_due_pairs);
  // Puts an outbox item of `source_queue` into its target queue, then drops it from
  // the outbox (kept there for the reaper if the put fails).
  Awaitable<void> deliver_outbox(const std::string& source_queue, const std::string& item);
  // Delivers (source queue, item) pairs in the order docs/protocol.md gives dead
  // letters of one pass: due time, source queue name, the source's schedule order.
  Awaitable<void> deliver_in_order(std::vector<std::pair<std::string, std::string>> items);
  Awaitable<void> register_queue(const std::string& queue);
  void dispatch(const redis::EventMessage& message);
  void on_message(std::string_view payload);
  std::string base_key(std::string_view queue) const;
  // The client for a command issued on `caller`: with launch(), one of its own per
  // calling io_context (each server thread), created there on first use, so a command
  // and its reply never cross threads; else (and after stop()) client_.
  redis::Client& client_for(const boost::asio::any_io_executor& caller);

  std::unique_ptr<OwnedIo> owned_io_;  // first: outlives every member using its executor
  boost::asio::any_io_executor executor_;
  const Clock& clock_;
  RedisStoreOptions options_;
  std::string origin_;
  std::string channel_;
  std::string registry_key_;
  std::string due_key_;  // routing key of the due index's slot; the index is due_key_ + "index"
  std::atomic<std::int64_t> next_sweep_try_ms_{0};
  // Set when the due index could not be reached (a hint or a claim answered `unavailable`:
  // its node down, a failover): the next pass reaps every queue, as hints may be lost.
  std::atomic<bool> index_unreachable_{false};
  redis::Client client_;
  std::shared_ptr<redis::Connection> subscriber_;
  std::unique_ptr<redis::StoreScripts> scripts_;
  std::shared_ptr<LocalClients> local_;  // launch() only; shared with the io_contexts' watches
  std::atomic<bool> stopped_{false};
  const std::uint64_t serial_;  // tells stores apart in the per-thread cache
  std::atomic<StoreEvents*> events_{nullptr};
  std::atomic<std::uint64_t> subscriptions_{0};
};

}  // namespace tc
