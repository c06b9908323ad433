// TaskService: the rules of the HTTP contract (docs/protocol.md) that are not a single
// atomic store step — long-poll waiting, batch windows, call waiting and coalescing,
// wake-ups across threads, the reaper, graceful shutdown. Handlers call it; it calls the Store.
// Arguments arrive validated (the HTTP layer's parsers check types and ranges).
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/client_watch.hpp"
#include "core/errors.hpp"
#include "core/task.hpp"
#include "store/store.hpp"

namespace tc {

class WaiterRegistry;
struct Waiter;  // service/waiter_registry.hpp
class TaskEventStream;  // service/event_stream.hpp

struct ServiceOptions {
  std::int64_t max_wait_ms = 300'000;   // cap on any long-poll timeout / batch window
  std::int64_t reap_interval_ms = 50;   // how often the reaper applies due leases/delays/TTLs
};

struct PeekArgs {
  std::string queue;
  std::optional<Cursor> cursor;
  std::uint32_t size = 1;
  std::int64_t timeout_ms = 0;
  std::int64_t batch_window_ms = 0;
};

struct PeekOutcome {
  std::vector<PeekedTask> tasks;
  std::optional<Cursor> cursor;  // of the last task, or the cursor given
};

struct TakeArgs {
  std::string queue;
  std::uint32_t size = 1;
  std::int64_t timeout_ms = 0;
  std::int64_t lease_ms = 0;
  std::int64_t batch_window_ms = 0;
  TakeOptions options;  // max_cost, batch_key, group_by_key
};

struct CallArgs {
  std::string queue;
  NewTask task;
  std::int64_t timeout_ms = 0;
  bool stream = false;  // "stream": true: answered by call_stream
};

struct WatchArgs {
  std::string queue;
  std::string id;
  std::uint64_t after = 0;
  std::int64_t timeout_ms = 0;
};

class TaskService {
 public:
  TaskService(Store& store, ServiceOptions options);
  ~TaskService();
  TaskService(const TaskService&) = delete;
  TaskService& operator=(const TaskService&) = delete;

  // By reference: not a coroutine, it hands both straight to the store's put (one move of
  // the task per put, not two).
  Awaitable<Result<bool>> put(std::string&& queue, NewTask&& task);
  Awaitable<Result<std::vector<bool>>> put_batch(std::string queue, std::vector<NewTask> tasks);
  // peek, take and call wait; `client` (optional) ends a wait whose client has gone.
  Awaitable<Result<PeekOutcome>> peek(PeekArgs args, ClientWatch* client = nullptr);
  Awaitable<Result<std::vector<AcquiredTask>>> acquire(std::string queue, std::vector<std::string> ids,
                                                  std::int64_t lease_ms);
  Awaitable<Result<std::vector<AcquiredTask>>> take(TakeArgs args, ClientWatch* client = nullptr);
  // Whether the reply completed the task, with its service time (Store::reply_timed).
  Awaitable<Result<ReplyOutcome>> reply(std::string queue, std::string id, TaskResult result);
  // Each as reply(), one store step for the batch.
  Awaitable<Result<std::vector<ReplyOutcome>>> reply_batch(std::string queue,
                                                           std::vector<TaskReply> replies);
  // ok(result): the task's reply. ok(nullopt): timeout == 0 and no result yet.
  // Errors: call_timeout (0001), removed (0006), unavailable (0005).
  Awaitable<Result<std::optional<TaskResult>>> call(CallArgs args, ClientWatch* client = nullptr);
  // call with "stream": true: as call, but the answer is a stream of the task's events
  // and then its result (service/event_stream.hpp). timeout 0 never puts, and ends at
  // once (with the result, or data null). Errors: those found before streaming begins.
  Awaitable<Result<std::unique_ptr<TaskEventStream>>> call_stream(CallArgs args,
                                                                  ClientWatch* client = nullptr);
  // watch: the stream of an existing task's events after `after`, then its result.
  // nullptr: no such task.
  Awaitable<Result<std::unique_ptr<TaskEventStream>>> watch(WatchArgs args,
                                                            ClientWatch* client = nullptr);
  Awaitable<Result<bool>> touch(std::string queue, std::string id, std::int64_t lease_ms);
  Awaitable<Result<bool>> remove(std::string queue, std::string id);
  Awaitable<Result<bool>> clear_queue(std::string queue, std::uint32_t max_steps);
  Awaitable<Result<QueuePage>> list_queues(std::optional<std::string> cursor, std::uint32_t size);
  Awaitable<Result<std::optional<QueueStats>>> stat_queue(std::string queue);
  Awaitable<bool> ready();
  // Up to `size` queues' stats after the queue named `after`, waiting consumers filled
  // in (for /metrics).
  Awaitable<Result<std::vector<NamedQueueStats>>> stat_queues(std::optional<std::string> after,
                                                              std::uint32_t size);

  // Changes a queue's settings (pause, max_leased, rate/burst); the settings in force.
  Awaitable<Result<QueueSettings>> config_queue(std::string queue, QueueSettingsChange change);

  // fail / release (docs/protocol.md): pass-throughs to the store; the store's events
  // wake whoever waits on what they change.
  Awaitable<Result<bool>> fail(std::string queue, std::string id, TaskResult error);
  Awaitable<Result<bool>> release(std::string queue, std::string id, std::int64_t delay_ms);
  Awaitable<Result<std::uint32_t>> redrive(std::string queue, std::vector<std::string> ids,
                                           std::uint32_t size);

  // /task/get and /task/list_tasks: straight to the store.
  Awaitable<Result<std::optional<TaskView>>> get(std::string queue, std::string id,
                                                 bool with_content);
  Awaitable<Result<TaskPage>> list_tasks(std::string queue, std::optional<TaskViewState> state,
                                         std::optional<TaskListCursor> after, std::uint32_t size);
  // /task/progress: the event's seq, nullopt when the task is not leased (the store
  // tells on_progress, which wakes the streams of the task).
  Awaitable<Result<std::optional<std::uint64_t>>> progress(std::string queue, std::string id,
                                                           TaskResult event,
                                                           std::optional<std::int64_t> lease_ms);

  // Runs the reaper on `executor` until shutdown().
  void start(const boost::asio::any_io_executor& executor);
  // Wakes every waiter (they answer with what they have), refuses new waits, stops
  // the reaper. Thread-safe; idempotent.
  void shutdown();
  bool stopping() const noexcept { return stopping_.load(); }

  // Long-polls currently waiting (peek/take/call), for /metrics.
  std::uint64_t waiting() const noexcept;

 private:
  Awaitable<void> reaper_loop();
  // A take got nothing and will wait until `deadline`: until when, at the latest, before
  // it looks again. The queue's bucket announces no token: blocked by it, the take looks
  // again when the next token comes. Anything else that unblocks a take (a put, resume,
  // room freed) is an event that ends the wait earlier.
  Awaitable<std::chrono::steady_clock::time_point> next_look(
      const std::string& queue, std::chrono::steady_clock::time_point deadline);
  // One turn of a take's batch_window (batch_window > 0), a coroutine of its own so the
  // frame of every other take stays under 1 KiB: a larger frame is allocated past Asio's
  // frame cache and glibc's tcache (about 500 instructions more per take).
  struct WindowStep {
    std::optional<Result<std::vector<AcquiredTask>>> answer;  // set: the take's answer
    bool look_again = false;  // else: look again at once (true) or wait for the queue
  };
  Awaitable<WindowStep> take_in_window(const TakeArgs& args, Waiter& waiter,
                                       ClientWatch* client, std::int64_t window_ms,
                                       std::chrono::steady_clock::time_point deadline);
  // How many tasks the take could lease now (up to its size): for its batch_window.
  Awaitable<Result<std::size_t>> count_fitting(const TakeArgs& args);

  Store& store_;
  ServiceOptions options_;
  std::unique_ptr<WaiterRegistry> waiters_;
  std::atomic<bool> stopping_{false};
};

}  // namespace tc
