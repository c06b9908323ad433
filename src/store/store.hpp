// The narrow interface between the rules (TaskService) and where tasks live.
// Two implementations: MemoryStore (embedded, + append-only log) and RedisStore
// (many instances, Redis Cluster). Both pass tests/unit/store_conformance_test.cpp.
//
// Every operation is atomic: in MemoryStore under one lock, in RedisStore one Lua
// script (one round trip). Operations that depend on time (leases, delays, result
// TTLs) read the store's Clock; `reap()` applies what has come due in every queue.
// Every operation first applies what is due too: in MemoryStore everything due in
// every queue; in RedisStore only the due items of the queue it works on, at most 1000
// of each kind (leases, delays, results) per call. So on Redis a request can observe a
// lease, delay or result TTL that has run out when more than that came due at once
// (the next calls and the reaper catch up), and dead letters bound for another queue
// arrive when their source queue is next applied or at the reaper's next pass.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.hpp"
#include "core/errors.hpp"
#include "core/task.hpp"
#include "core/task_event.hpp"
#include "core/task_view.hpp"

namespace tc {

// Told by the store when something a waiter may care about happened. May be called
// from any thread (RedisStore: the pub/sub connection's thread), possibly while the
// store holds its own lock: implementations must be quick and must not call the store.
class StoreEvents {
 public:
  virtual ~StoreEvents() = default;
  // Tasks may have become visible in `queue` (put, redelivery, a delay ran out).
  virtual void on_pending(std::string_view queue) = 0;
  // Task (queue, id) finished: `result` is its reply, or nullptr if it was removed
  // (remove, clear_queue, dead-lettered, dropped). `incarnation` tells which task of
  // that id it was (as CallBegin::incarnation); "" when the store cannot tell (a Redis
  // task record written before incarnations existed): then it may be any.
  virtual void on_finished(std::string_view queue, std::string_view id,
                           std::string_view incarnation, const TaskResult* result) = 0;
  // Events may have been lost (a Redis subscriber was disconnected and is back): every
  // waiter should look at the store again. Called on any thread.
  virtual void on_events_lost() = 0;
  // Task (queue, id) expired: its deadline passed before any consumer leased it. A call
  // waiting on it answers 0008. By default told as a removal (result nullptr).
  virtual void on_expired(std::string_view queue, std::string_view id,
                          std::string_view incarnation) {
    on_finished(queue, id, incarnation, nullptr);
  }
  // Task (queue, id) of `incarnation` recorded progress event `event` (its seq is one more
  // than the last one told, unless events were lost: a watcher that sees a gap reads the
  // store). Carries the event so a stream pays no round trip per event.
  virtual void on_progress(std::string_view queue, std::string_view id,
                           std::string_view incarnation, const TaskEvent& event) {
    (void)queue, (void)id, (void)incarnation, (void)event;
  }
};

struct CallBegin {
  std::optional<TaskResult> cached;  // the task is done: here is its result
  bool created = false;              // this call put the task
  bool exists = false;               // the task exists (pending/leased/done) after the call
  // Which incarnation of (queue, id) exists (or was created): a tag unique per (queue,
  // id) over time, carried by the task's on_finished event. "" when absent, or when the
  // store cannot tell (an old Redis record).
  std::string incarnation;
};

class Store {
 public:
  virtual ~Store() = default;

  // Whom to tell about wake-ups. Set once before serving; nullptr to stop.
  virtual void set_events(StoreEvents* events) = 0;

  // Put if no task with this id exists in any state. true = created.
  virtual Awaitable<Result<bool>> put(std::string queue, NewTask task) = 0;
  // Each element as put(); one atomic step per batch.
  virtual Awaitable<Result<std::vector<bool>>> put_batch(std::string queue,
                                                    std::vector<NewTask> tasks) = 0;

  // Up to `size` visible pending tasks with cursor > after (from the start if nullopt).
  virtual Awaitable<Result<std::vector<PeekedTask>>> peek(std::string queue,
                                                     std::optional<Cursor> after,
                                                     std::uint32_t size) = 0;

  // Acquires each listed id that is pending and visible, in the order asked.
  // lease_ms > 0: leased until now + lease_ms; 0: deleted on acquire.
  virtual Awaitable<Result<std::vector<AcquiredTask>>> acquire(std::string queue,
                                                          std::vector<std::string> ids,
                                                          std::int64_t lease_ms) = 0;
  // Acquires up to `size` of the oldest visible pending tasks (peek + acquire atomically).
  virtual Awaitable<Result<std::vector<AcquiredTask>>> take(std::string queue, std::uint32_t size,
                                                       std::int64_t lease_ms) = 0;

  // Completes a pending or leased task. completed = this reply completed it (first
  // wins), with the service time when the task was leased. Caches the result for the
  // task's cache_result_ms, forwards it when configured, and reports on_finished.
  virtual Awaitable<Result<ReplyOutcome>> reply_timed(std::string queue, std::string id,
                                                      TaskResult result) = 0;
  // reply_timed() without the service time: true = this reply completed the task.
  Awaitable<Result<bool>> reply(std::string queue, std::string id, TaskResult result) {
    auto outcome = co_await reply_timed(std::move(queue), std::move(id), std::move(result));
    if (!outcome) co_return std::move(outcome).error();
    co_return outcome->completed;
  }

  // For call: if (queue, id) is done, its cached result; else, when put_if_absent,
  // puts `task` unless it exists. One atomic step.
  virtual Awaitable<Result<CallBegin>> call_begin(std::string queue, NewTask task,
                                             bool put_if_absent) = 0;

  // Extends a lease to now + lease_ms. true if the task is still leased.
  virtual Awaitable<Result<bool>> touch(std::string queue, std::string id, std::int64_t lease_ms) = 0;

  // Removes the task in any state. true if one was removed.
  virtual Awaitable<Result<bool>> remove(std::string queue, std::string id) = 0;

  // Removes every task and the queue. May stop after `max_steps` units of work and
  // answer false ("call again"); 0 = no bound.
  virtual Awaitable<Result<bool>> clear_queue(std::string queue, std::uint32_t max_steps) = 0;

  // Queue names in a stable order, paged by an opaque cursor.
  virtual Awaitable<Result<QueuePage>> list_queues(std::optional<std::string> cursor,
                                              std::uint32_t size) = 0;

  // nullopt for an unknown queue.
  virtual Awaitable<Result<std::optional<QueueStats>>> stat_queue(std::string queue) = 0;

  // Applies what has come due: expired leases (redelivery / dead letter), delays that
  // ran out, results whose cache time passed. Returns how many items it applied.
  // Safe to run concurrently from several instances.
  virtual Awaitable<Result<std::uint64_t>> reap() = 0;

  // Whether the store can serve requests now (for /readyz).
  virtual Awaitable<bool> ready() = 0;

  // Up to `size` queues' stats in list_queues order, after the queue named `after`
  // (from the first when nullopt), for /metrics. This default costs one list_queues and
  // a stat_queue per queue; a store with a cheaper way overrides it. A queue cleared
  // between the two steps is left out.
  virtual Awaitable<Result<std::vector<NamedQueueStats>>> stat_queues(
      std::optional<std::string> after, std::uint32_t size) {
    std::vector<NamedQueueStats> out;
    std::optional<std::string> cursor = std::move(after);
    while (out.size() < size) {
      auto page = co_await list_queues(cursor, size - static_cast<std::uint32_t>(out.size()));
      if (!page) co_return std::move(page).error();
      for (auto& name : page->queues) {
        auto stats = co_await stat_queue(name);
        if (!stats) co_return std::move(stats).error();
        if (*stats) out.push_back(NamedQueueStats{std::move(name), std::move(**stats)});
      }
      if (!page->next_cursor || page->queues.empty()) break;
      cursor = std::move(page->next_cursor);
    }
    co_return out;
  }
  // Releases what the store holds open (RedisStore: its connections; outstanding
  // operations then fail with `unavailable`). Call it after serving stopped, while the
  // executors of its callers still exist. Nothing to release by default (MemoryStore).
  virtual void close() {}

  // Each element as reply_timed() (the first reply of an id wins: a repeated id answers
  // not completed), in the order given; one atomic step for the whole batch.
  virtual Awaitable<Result<std::vector<ReplyOutcome>>> reply_batch_timed(
      std::string queue, std::vector<TaskReply> replies) = 0;
  // reply_batch_timed() without the service times.
  Awaitable<Result<std::vector<bool>>> reply_batch(std::string queue,
                                                   std::vector<TaskReply> replies) {
    auto outcomes = co_await reply_batch_timed(std::move(queue), std::move(replies));
    if (!outcomes) co_return std::move(outcomes).error();
    std::vector<bool> completed;
    completed.reserve(outcomes->size());
    for (const ReplyOutcome& o : *outcomes) completed.push_back(o.completed);
    co_return completed;
  }
  // --- queue settings (config_queue) ---

  // Changes the queue's settings (creating the queue when it does not exist: it is then
  // listed and has zero counts) and answers the settings in force. One atomic step.
  // A store without settings refuses.
  virtual Awaitable<Result<QueueSettings>> config_queue(std::string queue,
                                                        QueueSettingsChange change) {
    (void)queue;
    (void)change;
    co_return make_error(Errc::internal, "this store has no queue settings");
  }
  // For a take that got nothing and will wait: whether the queue's settings stop it
  // from leasing now, and when the bucket's next token comes (then no event announces
  // it: the waiter sets a timer). Unblocking by other means (resume, room freed by a
  // reply, fail, remove or lease expiry) is announced by on_pending. Default: nothing
  // blocks.
  virtual Awaitable<Result<LeaseGate>> lease_gate(std::string queue) {
    (void)queue;
    co_return LeaseGate{};
  }

  // --- failures (docs/protocol.md, "When the consumer fails or gives a task back") ---
  // Defaults answer `internal` for stores that do not have them (test doubles).

  // The leased task's attempt failed: `error` is kept as its last_error; it is redelivered
  // after its retry delay, or dead-lettered / dropped when out of attempts (on_finished
  // then). true if the task was leased.
  virtual Awaitable<Result<bool>> fail(std::string queue, std::string id, TaskResult error) {
    (void)queue, (void)id, (void)error;
    co_return make_error(Errc::internal, "this store has no fail operation");
  }
  // The leased task goes back untried: pending again after `delay_ms` (0: at once), the
  // attempt it used not counted against max_attempts. true if the task was leased.
  virtual Awaitable<Result<bool>> release(std::string queue, std::string id,
                                          std::int64_t delay_ms) {
    (void)queue, (void)id, (void)delay_ms;
    co_return make_error(Errc::internal, "this store has no release operation");
  }
  // Moves dead-lettered tasks of `queue` back to their source queue as new pending tasks
  // (attempts reset): the listed `ids`, or when empty those among the first `size`
  // pending tasks in cursor order; one whose id exists in the source is left. Returns how
  // many moved.
  virtual Awaitable<Result<std::uint32_t>> redrive(std::string queue, std::vector<std::string> ids,
                                                   std::uint32_t size) {
    (void)queue, (void)ids, (void)size;
    co_return make_error(Errc::internal, "this store has no redrive operation");
  }

  // --- seeing tasks (both stores override these; the defaults serve test doubles) ---

  // What a client sees of task (queue, id) now; nullopt if there is none. O(1).
  // with_content: include the task's content (not for a done task: it has a result).
  virtual Awaitable<Result<std::optional<TaskView>>> get(std::string queue, std::string id,
                                                         bool with_content) {
    (void)queue, (void)id, (void)with_content;
    co_return make_error(Errc::internal, "this store cannot show tasks.");
  }
  // Up to `size` tasks of the queue after `after` (TaskListCursor's order), only those in
  // `state` when given, without content or result. O(size) per page.
  virtual Awaitable<Result<TaskPage>> list_tasks(std::string queue,
                                                 std::optional<TaskViewState> state,
                                                 std::optional<TaskListCursor> after,
                                                 std::uint32_t size) {
    (void)queue, (void)state, (void)after, (void)size;
    co_return make_error(Errc::internal, "this store cannot list tasks.");
  }

  // --- keyed takes (docs/protocol.md, "take, for batches a GPU wants") ---

  // take() choosing by `options` too: `max_cost`, `batch_key`, `group_by_key`. A plain
  // take without options by default; a store without keyed takes refuses the others.
  virtual Awaitable<Result<std::vector<AcquiredTask>>> take_with(std::string queue,
                                                                 std::uint32_t size,
                                                                 std::int64_t lease_ms,
                                                                 TakeOptions options) {
    if (!options.any()) co_return co_await take(std::move(queue), size, lease_ms);
    co_return make_error(Errc::internal, "this store has no keyed take");
  }
  // How many tasks take_with(queue, size, ..., options) would lease now, ignoring the
  // queue's settings; changes nothing but what is due. For batch_window: it waits for
  // tasks that fit. Default: what peek sees (right without options).
  virtual Awaitable<Result<std::uint32_t>> count_fitting(std::string queue, std::uint32_t size,
                                                         TakeOptions options) {
    if (options.any()) co_return make_error(Errc::internal, "this store has no keyed take");
    auto peeked = co_await peek(std::move(queue), std::nullopt, size);
    if (!peeked) co_return std::move(peeked).error();
    co_return static_cast<std::uint32_t>(peeked->size());
  }

  // --- progress and streamed results (docs/protocol.md, "Progress and streamed results") ---

  // The consumer holding the lease of (queue, id) reports progress: appends an event
  // (info, content) to the task's events, dropping the oldest beyond kTaskEventsKept or
  // kTaskEventBytesKept, tells on_progress, and with lease_ms extends the lease to now +
  // lease_ms as touch() does. The new event's seq; nullopt (nothing recorded) if the task
  // is not leased. One atomic step.
  virtual Awaitable<Result<std::optional<std::uint64_t>>> progress(
      std::string queue, std::string id, TaskResult event, std::optional<std::int64_t> lease_ms) {
    (void)queue, (void)id, (void)event, (void)lease_ms;
    co_return make_error(Errc::internal, "this store has no progress events");
  }
  // The kept events of (queue, id) with seq > after, and its result if it is done.
  // O(events answered).
  virtual Awaitable<Result<TaskEvents>> events(std::string queue, std::string id,
                                               std::uint64_t after) {
    (void)queue, (void)id, (void)after;
    co_return make_error(Errc::internal, "this store has no progress events");
  }
};

}  // namespace tc
