// taskcenter::Client: a synchronous client for every endpoint of the taskcenter HTTP API.
//
//   taskcenter::Client tc("http://127.0.0.1:8000");
//   tc.put("q", "id1", R"({"a":1})", "bytes");
//   auto r = tc.call("q", "id2", "null", "bytes", {.timeout = 10s});  // throws CallTimeout
//
// Thread-safe: one Client may be shared by any number of threads; it keeps a small pool
// of keep-alive connections. Errors are exceptions from errors.hpp.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "taskcenter/errors.hpp"
#include "taskcenter/types.hpp"

namespace taskcenter {

struct ClientOptions {
  std::string url = "http://127.0.0.1:8000";  // http://host:port, optionally with a path prefix
  std::string token;                           // bearer token; empty: no Authorization header
  Seconds connect_timeout{5};
  // Budget for one request's I/O. Long polls (peek/take/call with a timeout) get their
  // own wait added on top, so this only has to cover the network and the server's work.
  Seconds timeout{30};
  std::size_t max_idle_connections = 8;  // kept open for reuse; more are opened when needed
};

struct PeekOptions {
  std::optional<std::string> cursor;  // start after this cursor; nullopt: from the start
  std::size_t size = 1;
  Seconds timeout{0};       // > 0: wait this long for a first task
  Seconds batch_window{0};  // after the first task, wait this long for `size`
};

struct TakeOptions {
  std::size_t size = 1;
  Seconds timeout{0};
  Seconds promise_reply_time{30};  // 0: no reply expected, tasks are deleted on take
  Seconds batch_window{0};
  std::optional<double> max_cost;         // bound on the batch's total task cost (>= 1 task)
  std::optional<std::string> batch_key;   // only tasks with this batch_key
  bool group_by_key = false;              // every task shares the first one's batch_key
};

struct CallOptions {
  Seconds timeout{30};  // how long to wait for the reply
  TaskConfig config;    // used when the call creates the task
};

class Client {
 public:
  explicit Client(std::string url);
  explicit Client(ClientOptions options);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const ClientOptions& options() const;

  // Creates a task. true: created; false: a task with that id already exists.
  bool put(std::string_view queue, std::string_view id, std::string_view info = "null",
           std::string_view content = {}, const TaskConfig& config = {});
  bool put(std::string_view queue, const NewTask& task);
  // One round trip for many tasks; one bool per task, in order.
  std::vector<bool> put_batch(std::string_view queue, const std::vector<NewTask>& tasks);

  // Pending tasks after options.cursor, without content. Never changes state.
  PeekResult peek(std::string_view queue, const PeekOptions& options = {});
  // Leases the given ids; returns the subset this request got, with content.
  std::vector<Task> acquire(std::string_view queue, const std::vector<std::string>& ids,
                            Seconds promise_reply_time = Seconds{30});
  // peek + acquire in one round trip.
  std::vector<Task> take(std::string_view queue, const TakeOptions& options = {});
  // Completes a task. true: this reply completed it; false: unknown or already done.
  bool reply(std::string_view queue, std::string_view id, std::string_view info = "null",
             std::string_view content = {});
  // Many replies of one queue in about one round trip (HTTP/1.1 pipelining on one
  // connection); one bool per reply, in order. Throws the first error after all were sent.
  std::vector<bool> reply_many(std::string_view queue, const std::vector<TaskReply>& replies);
  // Extends a lease. true: still leased by someone and extended.
  bool touch(std::string_view queue, std::string_view id, Seconds promise_reply_time);

  // Put-and-wait. Throws CallTimeout (the task stays queued; calling again with the same
  // id picks up the result) or TaskRemoved.
  CallResult call(std::string_view queue, std::string_view id, std::string_view info = "null",
                  std::string_view content = {}, const CallOptions& options = {});
  // call with "stream": true: as call(), and `on_event` runs for each progress event as
  // it arrives (those already recorded first), before the result is returned. Throws
  // as call() does; TransportError when the stream broke off before its result (a
  // reader that falls too far behind is cut off): resume with watch() after the last seq.
  using EventCallback = std::function<void(const ProgressEvent&)>;
  CallResult call_stream(std::string_view queue, std::string_view id, const EventCallback& on_event,
                         std::string_view info = "null", std::string_view content = {},
                         const CallOptions& options = {});
  // Follows an existing task: `on_event` for each event with seq > after, then its result.
  // nullopt: no such task. Throws CallTimeout at the timeout, like call_stream otherwise.
  std::optional<CallResult> watch(std::string_view queue, std::string_view id,
                                  const EventCallback& on_event, std::uint64_t after = 0,
                                  Seconds timeout = Seconds{30});
  // The cached result of (queue, id) if it is done, else nullopt. Never creates a task.
  std::optional<CallResult> result(std::string_view queue, std::string_view id);

  // Removes a task in any state. true: something was removed.
  bool remove(std::string_view queue, std::string_view id);
  // Removes the queue and all its tasks, repeating the request until the server is done.
  void clear_queue(std::string_view queue);
  // One bounded step of clear_queue; true when the queue is gone.
  bool clear_queue_step(std::string_view queue, std::optional<std::uint64_t> iter_num,
                        std::optional<std::uint64_t> step_size);
  QueuePage list_queue(const std::optional<std::string>& cursor = std::nullopt, std::size_t size = 100);
  // Every queue name (follows list_queue's pages).
  std::vector<std::string> list_all_queues();
  // nullopt for an unknown queue.
  std::optional<QueueStat> stat_queue(std::string_view queue);

  // GET /healthz, /readyz: true on HTTP 200. Never throw: an unreachable server is "false".
  bool healthz();
  bool readyz();
  // GET /version: the server's version string. Throws like any request.
  std::string version();

  // POST /task/config_queue: changes the queue's settings (pause, max_leased, rate and
  // burst; creates the queue if needed) and returns those in force.
  QueueSettings config_queue(std::string_view queue, const QueueSettingsUpdate& update);

  // Escape hatch for endpoints this class does not wrap: POSTs `json_body` to `path` and
  // returns the raw `data` JSON of a successful envelope (errors are thrown as usual).
  std::string post_raw(std::string_view path, std::string_view json_body, Seconds extra_wait = Seconds{0});

  // Many replies of one queue with /task/reply_batch: one request per 1000 replies, one
  // store step each; one bool per reply, in order, each as reply() answers it.
  std::vector<bool> reply_batch(std::string_view queue, const std::vector<TaskReply>& replies);

  // The attempt on a leased task failed: `info`/`content` are kept as its last_error, and
  // it is redelivered after its retry delay or dead-lettered when out of attempts.
  // true: it was leased.
  bool fail(std::string_view queue, std::string_view id, std::string_view info = "null",
            std::string_view content = {});
  // Gives a leased task back untried: pending again after `delay`, the attempt not
  // counted against max_attempts. true: it was leased.
  bool release(std::string_view queue, std::string_view id, Seconds delay = Seconds{0});
  // Moves dead-lettered tasks of `queue` back to their source queue: the given ids, or
  // (ids empty) those among the first `size` pending tasks. Returns how many moved.
  std::uint64_t redrive(std::string_view queue, const std::vector<std::string>& ids = {},
                        std::size_t size = 100);

  // POST /task/progress: reports progress of a task whose lease this consumer holds (an
  // event callers streaming the task see; get shows its info as "progress"). `info` is
  // JSON text. With promise_reply_time the lease is extended as touch() does. true: the
  // task is leased and the event recorded; false: it is not (lease lost, removed, done).
  bool progress(std::string_view queue, std::string_view id, std::string_view info = "null",
                std::string_view content = {},
                std::optional<Seconds> promise_reply_time = std::nullopt);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace taskcenter
