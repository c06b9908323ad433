// taskcenter::Consumer: subclass it, implement process() (or process_batch() for
// GPU-style batches), optionally accept() to filter, then run():
//
//   struct Echo : taskcenter::Consumer {
//     using Consumer::Consumer;
//     Reply process(const Task& task) override { return {R"({"ok":true})", task.content}; }
//   };
//   Echo(client, {.queue = "q", .workers = 4}).run();  // until stop(), SIGTERM or SIGINT
//
// Each worker thread fetches up to batch_size tasks, processes them, and replies to each.
// A task whose processing throws is not replied (its lease expires and the server
// redelivers it) unless reply_on_error is set. A graceful stop finishes and replies what
// the workers hold and takes nothing new.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "taskcenter/client.hpp"

namespace taskcenter {

struct Reply {
  std::string info = "null";  // raw JSON
  std::string content;        // bytes
  // true: send nothing for this task (what process_batch returns for a task it could not
  // handle: the default reports it with fail, so it is retried after its retry delay).
  bool skip = false;

  static Reply none() { return Reply{"null", {}, true}; }
};

// How a worker gets tasks.
enum class FetchMode {
  automatic,     // take while accept() is not overridden, else peek + accept + acquire
  take,          // one round trip; accept() is never called
  peek_acquire,  // peek, filter with accept(), acquire the accepted ones
};

struct ConsumerOptions {
  std::string queue;
  int workers = 1;                  // threads, each with its own fetch/process/reply loop
  std::size_t batch_size = 1;       // tasks per fetch, handed to process_batch together
  Seconds batch_window{0};          // after the first task, wait this long to fill the batch
  Seconds promise_reply_time{30};   // lease per fetch; heartbeats extend it
  Seconds poll_timeout{2};          // long-poll wait; also bounds how long stop() takes to be seen
  // Touch held tasks every heartbeat_interval so long jobs keep their lease.
  // 0 = promise_reply_time / 3; negative = no heartbeat.
  Seconds heartbeat_interval{0};
  bool reply_on_error = false;      // reply error_reply() when processing throws
  bool handle_signals = true;       // run() stops on SIGTERM / SIGINT
  FetchMode fetch = FetchMode::automatic;
  Seconds error_backoff{0.5};       // pause after the server could not be reached
  // How take forms batches (TakeOptions): cost bound, one key, or one key per batch.
  std::optional<double> max_cost;
  std::optional<std::string> batch_key;
  bool group_by_key = false;
};

struct ConsumerStats {
  std::uint64_t fetched = 0;     // tasks acquired
  std::uint64_t processed = 0;   // tasks that got a reply to send (incl. error replies)
  std::uint64_t failed = 0;      // tasks whose processing threw
  std::uint64_t replied = 0;     // replies the server accepted (true)
  std::uint64_t stale_replies = 0;  // replies answered false (lease lost, task removed)
  std::uint64_t batches = 0;     // non-empty fetches
  std::uint64_t rejected = 0;    // peeked tasks accept() declined
  std::uint64_t errors = 0;      // failed requests (server unreachable, ...)
};

class Consumer {
 public:
  // `client` must outlive the consumer; it is shared by all workers (it is thread-safe).
  Consumer(Client& client, ConsumerOptions options);
  // Convenience: the consumer owns a client for `url`.
  Consumer(const std::string& url, ConsumerOptions options);
  virtual ~Consumer();
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // Filter of peek_acquire mode: false leaves the task to other consumers. Called on
  // tasks without content. The default accepts everything (and lets automatic mode use
  // take). Called concurrently from workers.
  virtual bool accept(const Task& task);
  // Processes one task. Called concurrently from workers. The default throws: override
  // this or process_batch.
  virtual Reply process(const Task& task);
  // Processes a fetched batch; returns one Reply per task, in order (Reply::none() or a
  // missing entry: no reply for that task). If it throws, no task of the batch is replied
  // (or each gets error_reply() with reply_on_error). The default calls process() on
  // each task; a task whose process() throws is reported with fail (info
  // {"error": "<what()>"}, kept as its last_error) and gets Reply::none() (or
  // error_reply() with reply_on_error), and the others are still replied. Once the
  // consumer is stopping, the tasks not started yet are released (pending again at once,
  // their attempt not counted). A task whose touch answered false (its lease is gone) is
  // not started, and not replied.
  virtual std::vector<Reply> process_batch(const std::vector<Task>& tasks);
  // The reply sent for a task whose processing threw, when reply_on_error is set.
  // Default: info {"error": "<what()>"}, empty content.
  virtual Reply error_reply(const Task& task, std::exception_ptr error);

  // Blocks until stop(), SIGTERM or SIGINT (with handle_signals), then finishes and
  // replies the tasks in hand and returns. Rethrows nothing from workers: failures are
  // counted in stats(). Can be called again after it returned.
  void run();
  // Asks run() to return. Thread-safe; not async-signal-safe (use signals for that).
  // Called before run() starts, it makes that run() return at once.
  void stop();
  bool stopping() const;

  ConsumerStats stats() const;
  const ConsumerOptions& options() const { return options_; }
  Client& client() { return *client_; }

  // Inside process(): reports progress of the task being processed (an event callers
  // streaming it see as it comes; get shows `info`, JSON text, as its "progress"), and
  // renews its lease as the heartbeat's touch does. Inside a process_batch() override,
  // name the task (a batch of one has a current task too). false: the lease is gone
  // (nothing recorded; the task will not be replied, process() may stop early). Throws
  // std::logic_error outside process() without a task.
  bool progress(std::string_view info = "null", std::string_view content = {});
  bool progress(const Task& task, std::string_view info = "null", std::string_view content = {});

 private:
  struct Held;
  Consumer(std::unique_ptr<Client> owned, Client* shared, ConsumerOptions options);
  void worker_loop();
  std::vector<Task> fetch();
  std::vector<Task> fetch_by_peek();
  void handle(std::vector<Task>& tasks);
  void heartbeat_loop();
  std::vector<std::optional<Reply>> process_guarded(const std::vector<Task>& tasks);
  Reply safe_error_reply(const Task& task, std::exception_ptr error);
  // fail(task, {"error": what()}); a failure to reach the server is counted in errors
  // (the lease then runs out, which is a failed attempt too).
  void report_failure(const Task& task, std::exception_ptr error);
  void release_quietly(const Task& task);
  // Whether the heartbeat learnt that the lease of held task `id` is gone.
  bool lease_lost(const std::string& id) const;

  std::unique_ptr<Client> owned_client_;
  Client* client_;
  ConsumerOptions options_;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> default_accept_seen_{false};

  // Cursor of peek_acquire mode, shared by the workers; the mutex also serializes
  // peeks so that workers do not fetch the same window and race for it.
  std::mutex peek_mutex_;
  std::optional<std::string> cursor_;

  std::unique_ptr<Held> held_;  // tasks in hand, for heartbeats

  mutable std::mutex stats_mutex_;
  ConsumerStats stats_;
};

}  // namespace taskcenter
