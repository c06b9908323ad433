// MemoryStore: the embedded, single-node Store. All state lives in a MemoryState behind
// one mutex; each operation runs to completion under the lock. Time comes from the
// injected Clock, so tests move it by hand.
//
// Persistence (optional, MemoryStore::open): every mutation is encoded as a log record
// and appended BEFORE it is applied, under the same lock, so that a failed write leaves
// the state untouched and the request fails with Errc::unavailable. With fsync=always
// the coroutine then waits (suspended, lock released) for the group fsync covering
// its record before answering.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "core/adaptive_mutex.hpp"

#include "core/clock.hpp"
#include "store/log/persistence.hpp"
#include "store/memory/memory_state.hpp"
#include "store/store.hpp"

namespace tc {

class MemoryStore final : public Store {
 public:
  // Memory only: nothing survives the process.
  explicit MemoryStore(const Clock& clock);
  // Persistent: locks and replays `options.dir`, then logs every mutation there.
  // Errors: the directory is unusable or in use, or the log is corrupt (the message
  // names the file and offset). `report` receives what the replay did (warnings to print).
  static Result<std::unique_ptr<MemoryStore>> open(const Clock& clock, log::PersistOptions options,
                                                   log::ReplayReport* report = nullptr);
  ~MemoryStore() override;

  void set_events(StoreEvents* events) override;

  Awaitable<Result<bool>> put(std::string queue, NewTask task) override;
  Awaitable<Result<std::vector<bool>>> put_batch(std::string queue,
                                            std::vector<NewTask> tasks) override;
  Awaitable<Result<std::vector<PeekedTask>>> peek(std::string queue, std::optional<Cursor> after,
                                             std::uint32_t size) override;
  Awaitable<Result<std::vector<AcquiredTask>>> acquire(std::string queue, std::vector<std::string> ids,
                                                  std::int64_t lease_ms) override;
  Awaitable<Result<std::vector<AcquiredTask>>> take(std::string queue, std::uint32_t size,
                                               std::int64_t lease_ms) override;
  Awaitable<Result<bool>> reply(std::string queue, std::string id, TaskResult result) override;
  Awaitable<Result<CallBegin>> call_begin(std::string queue, NewTask task,
                                     bool put_if_absent) override;
  Awaitable<Result<bool>> touch(std::string queue, std::string id, std::int64_t lease_ms) override;
  Awaitable<Result<bool>> remove(std::string queue, std::string id) override;
  Awaitable<Result<bool>> clear_queue(std::string queue, std::uint32_t max_steps) override;
  Awaitable<Result<QueuePage>> list_queues(std::optional<std::string> cursor,
                                      std::uint32_t size) override;
  Awaitable<Result<std::optional<QueueStats>>> stat_queue(std::string queue) override;
  Awaitable<Result<std::optional<TaskView>>> get(std::string queue, std::string id,
                                                 bool with_content) override;
  Awaitable<Result<TaskPage>> list_tasks(std::string queue, std::optional<TaskViewState> state,
                                         std::optional<TaskListCursor> after,
                                         std::uint32_t size) override;
  Awaitable<Result<std::uint64_t>> reap() override;
  Awaitable<bool> ready() override;
  // One lock hold per 1000 queues, so a scrape of many queues never stalls requests long.
  Awaitable<Result<std::vector<NamedQueueStats>>> stat_queues(std::optional<std::string> after,
                                                              std::uint32_t size) override;
  Awaitable<Result<std::vector<bool>>> reply_batch(std::string queue,
                                              std::vector<TaskReply> replies) override;

  Awaitable<Result<QueueSettings>> config_queue(std::string queue,
                                                QueueSettingsChange change) override;
  Awaitable<Result<LeaseGate>> lease_gate(std::string queue) override;

  Awaitable<Result<bool>> fail(std::string queue, std::string id, TaskResult error) override;
  Awaitable<Result<bool>> release(std::string queue, std::string id,
                                  std::int64_t delay_ms) override;
  Awaitable<Result<std::uint32_t>> redrive(std::string queue, std::vector<std::string> ids,
                                           std::uint32_t size) override;

  Awaitable<Result<std::vector<AcquiredTask>>> take_with(std::string queue, std::uint32_t size,
                                                         std::int64_t lease_ms,
                                                         TakeOptions options) override;
  Awaitable<Result<std::uint32_t>> count_fitting(std::string queue, std::uint32_t size,
                                                 TakeOptions options) override;

  Awaitable<Result<std::optional<std::uint64_t>>> progress(
      std::string queue, std::string id, TaskResult event,
      std::optional<std::int64_t> lease_ms) override;
  Awaitable<Result<TaskEvents>> events(std::string queue, std::string id,
                                       std::uint64_t after) override;

  // Tasks held in any state, across queues (for tests and metrics).
  std::size_t task_count() const;
  // The log, or null when memory only (for metrics and tests).
  log::Persistence* persistence() noexcept { return persist_.get(); }
  // Snapshots the state and drops the log before it, waiting for the result.
  Result<void> compact();

 private:
  // The time every step under the lock uses: the clock, never going backwards, so that
  // deadlines and cursors stay ordered if the wall clock steps back. Caller holds mutex_.
  std::int64_t now_locked();
  // Logs the record `encode` appends to a buffer, when there is a log and the request
  // changes something (`changes()`, judged before applying) or applies something due.
  // Records of requests that change nothing would only grow the log. Caller holds
  // mutex_. Returns the durability ticket (0 when nothing was logged).
  template <class Changes, class Encode>
  Result<std::uint64_t> log_locked(std::int64_t now, Changes&& changes, Encode&& encode);
  // A mutation's answer and the durability ticket of its log record (0: nothing logged).
  template <class T>
  struct Logged {
    T value;
    std::uint64_t ticket;
  };
  // The locked half of every mutation: log the record `encode(buffer, now)` writes (see
  // log_locked; an error changes nothing), then `apply(now)` it and maybe start a
  // compaction. The lambdas run under mutex_ only.
  template <class Changes, class Encode, class Apply>
  auto mutate(Changes&& changes, Encode&& encode, Apply&& apply)
      -> Result<Logged<decltype(apply(std::int64_t{}))>>;
  // The other half, lock released: each mutation ends with
  //   if (!needs_sync(logged)) co_return value_of(std::move(logged));
  //   co_return co_await value_when_durable(std::move(logged));
  // so only the policy `always` pays a second coroutine frame (beside an fsync), not every
  // put: it waits for the fsync covering the record, then answers the value.
  template <class T>
  bool needs_sync(const Result<Logged<T>>& logged) const noexcept {
    return logged && logged->ticket && persist_->waits_for_sync();
  }
  template <class T>
  static Result<T> value_of(Result<Logged<T>>&& logged) {
    if (!logged) return std::move(logged).error();
    return std::move(logged->value);
  }
  template <class T>
  Awaitable<Result<T>> value_when_durable(Result<Logged<T>> logged) {
    if (auto synced = co_await persist_->durable(logged->ticket); !synced)
      co_return std::move(synced).error();
    co_return value_of(std::move(logged));
  }
  // For reads: applies what has come due, logged as a tick. If the log cannot be
  // written, the read sees the state as it was (nothing is applied unlogged).
  void apply_due_locked(std::int64_t now);
  // After a logged mutation: start a compaction if the log has grown enough.
  void after_mutation_locked();

  const Clock& clock_;
  mutable AdaptiveMutex mutex_;
  memory::MemoryState state_;
  std::int64_t last_now_ = 0;
  std::unique_ptr<log::Persistence> persist_;
};

}  // namespace tc
