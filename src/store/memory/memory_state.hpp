// The state machine behind MemoryStore: every task and queue of the embedded store.
//
// Deterministic and clock-free on purpose: each mutation is one method whose inputs are
// plain data, including `now` (milliseconds). Calling the same mutations with the same
// inputs on an empty state rebuilds the same state (same cursors, deadlines, counters),
// which is what the append-only log records and replays. Every mutation first applies
// what has come due at `now` (leases, delays, result TTLs), so replaying a mutation also
// replays the expiries that preceded it.
//
// Not thread-safe: MemoryStore serialises calls under one mutex. Time-driven work never
// scans tasks: due items sit in one deadline-ordered set, so finding "nothing is due"
// is a look at its first element.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.hpp"
#include "core/task_view.hpp"
#include "store/memory/images.hpp"
#include "store/memory/queue.hpp"
#include "store/memory/task_node.hpp"
#include "store/store.hpp"

namespace tc::memory {

class MemoryState {
 public:
  MemoryState();
  ~MemoryState();
  MemoryState(const MemoryState&) = delete;
  MemoryState& operator=(const MemoryState&) = delete;

  // Receives wake-ups and completions; called synchronously from the mutations.
  void set_events(StoreEvents* events) noexcept { events_ = events; }

  // --- mutations (each applies what is due at `now` first) ---

  // Redelivers / dead-letters expired leases, shows delayed tasks whose time came,
  // forgets results whose cache time passed. Returns how many items it applied.
  std::uint64_t apply_due(std::int64_t now);
  // Creates the task unless its id exists in the queue in any state.
  bool put(std::int64_t now, std::string_view queue, NewTask&& task);
  std::vector<bool> put_batch(std::int64_t now, std::string_view queue,
                              std::vector<NewTask>&& tasks);
  // Acquires each listed id that is visible and pending, in the order given.
  std::vector<AcquiredTask> acquire(std::int64_t now, std::string_view queue,
                                    const std::vector<std::string>& ids, std::int64_t lease_ms);
  // Acquires up to `size` visible pending tasks: highest priority first, then cursor
  // order (docs/protocol.md, "Orders").
  std::vector<AcquiredTask> take(std::int64_t now, std::string_view queue, std::uint32_t size,
                                 std::int64_t lease_ms);
  // Completes a pending, delayed or leased task; false if absent or already done.
  bool reply(std::int64_t now, std::string_view queue, std::string_view id,
             TaskResult&& result);
  CallBegin call_begin(std::int64_t now, std::string_view queue, NewTask&& task,
                       bool put_if_absent);
  // Moves a lease's end to now + lease_ms; false unless the task is leased.
  bool touch(std::int64_t now, std::string_view queue, std::string_view id,
             std::int64_t lease_ms);
  bool remove(std::int64_t now, std::string_view queue, std::string_view id);
  // Forgets every task of the queue and the queue itself (its counters too).
  void clear_queue(std::int64_t now, std::string_view queue);
  // Changes the queue's settings (creating the queue if it does not exist) and returns
  // the settings in force. A new bucket starts full. (state_settings.cpp)
  QueueSettings config_queue(std::int64_t now, std::string_view queue,
                             const QueueSettingsChange& change);

  // --- failures (state_failures.cpp) ---

  // The leased task's attempt failed: `error` becomes its last_error, and it is
  // redelivered after its retry delay or, out of attempts, dead-lettered / dropped.
  // false (nothing changed) unless the task is leased.
  bool fail(std::int64_t now, std::string_view queue, std::string_view id, TaskResult&& error);
  // The leased task goes back untried: pending again after `delay_ms`, its attempt not
  // counted. false (nothing changed) unless the task is leased.
  bool release(std::int64_t now, std::string_view queue, std::string_view id,
               std::int64_t delay_ms);
  // Moves dead-lettered tasks of `queue` (pending copies that have a source_queue) back
  // to their source queue as new pending tasks: the listed `ids`, or when `ids` is empty
  // those among the first `size` pending tasks in cursor order. One whose id exists in
  // the source queue is left where it is. Returns how many moved.
  std::uint32_t redrive(std::int64_t now, std::string_view queue,
                        const std::vector<std::string>& ids, std::uint32_t size);

  // --- reads (no side effects: apply_due(now) first to see the present) ---

  // Whether apply_due(now) would change anything.
  bool has_due(std::int64_t now) const noexcept;
  // State of task (queue, id), nullopt if there is none: lets the log skip records of
  // requests that change nothing (a lost acquire race, a second reply).
  std::optional<TaskState> task_state(std::string_view queue, std::string_view id) const;
  bool has_queue(std::string_view queue) const { return find_queue(queue) != nullptr; }
  bool has_visible(std::string_view queue) const;
  std::vector<PeekedTask> peek(std::string_view queue, std::optional<Cursor> after,
                               std::uint32_t size) const;
  QueuePage list_queues(const std::optional<std::string>& after, std::uint32_t size) const;
  std::optional<QueueStats> stat_queue(std::string_view queue) const;
  // Whether a take/acquire on `queue` could lease anything at `now` by the queue's
  // settings, and when the bucket's next token comes (state_settings.cpp).
  LeaseGate lease_gate(std::string_view queue, std::int64_t now) const;
  // /task/get and /task/list_tasks (state_views.cpp): what a client sees of tasks at `now`.
  std::optional<TaskView> get(std::int64_t now, std::string_view queue, std::string_view id,
                              bool with_content) const;
  // Up to `size` tasks after `after` (from the start when nullopt), only those in `state`
  // when given; O(size + log n).
  TaskPage list_tasks(std::int64_t now, std::string_view queue,
                      std::optional<TaskViewState> state,
                      const std::optional<TaskListCursor>& after, std::uint32_t size) const;

  std::size_t queue_count() const noexcept { return queues_.size(); }
  std::size_t task_count() const noexcept { return task_count_; }
  // Approximate bytes of live data: ids, info, content and a fixed cost per task.
  std::uint64_t live_bytes() const noexcept { return live_bytes_; }

  // --- snapshots (compaction of the log) ---

  // Calls `on_queue` for every queue (name order), then `on_task` for every task: the
  // pending ones per queue in cursor order, then the others in deadline order. The
  // image passed to `on_task` is reused between calls. Restoring the images in this
  // order into an empty state rebuilds this state exactly.
  void export_images(const std::function<void(const QueueImage&)>& on_queue,
                     const std::function<void(const TaskImage&)>& on_task) const;
  void restore_queue(QueueImage&& image);
  // False (and nothing changed) if the image does not fit: unknown queue or state,
  // duplicate id, or a pending cursor not above the queue's previous ones.
  bool restore_task(TaskImage&& image);

  // --- batches (state_batches.cpp) ---

  // Each reply as reply() in the order given, due items applied once; a repeated id
  // finds its task done (or gone) and answers false.
  std::vector<bool> reply_batch(std::int64_t now, std::string_view queue,
                                std::vector<TaskReply>&& replies);

  // --- keyed takes (state_keys.cpp) ---

  // take() with options: max_cost, batch_key, group_by_key (docs/protocol.md). Costs
  // the tasks it returns, except a group_by_key take whose first task has no key: it
  // steps over the keyed tasks ahead of the key-less ones in take order.
  std::vector<AcquiredTask> take_with(std::int64_t now, std::string_view queue,
                                      std::uint32_t size, std::int64_t lease_ms,
                                      const TakeOptions& options);
  // How many tasks take_with would lease now, ignoring the queue's settings (a read:
  // apply_due(now) first to see the present).
  std::uint32_t count_fitting(std::string_view queue, std::uint32_t size,
                              const TakeOptions& options) const;

  // --- progress events (state_events.cpp) ---

  // The leased task reports progress: appends `event` to its events (dropping the
  // oldest beyond kTaskEventsKept / kTaskEventBytesKept), tells on_progress, and with
  // lease_ms extends the lease as touch() does. The event's seq; nullopt (nothing
  // changed) unless the task is leased.
  std::optional<std::uint64_t> progress(std::int64_t now, std::string_view queue,
                                        std::string_view id, TaskResult&& event,
                                        std::optional<std::int64_t> lease_ms);
  // The kept events of the task with seq > after, and its result when done (a read).
  TaskEvents events(std::string_view queue, std::string_view id, std::uint64_t after) const;

 private:
  Queue* find_queue(std::string_view name) const;
  Queue& queue_for(std::string_view name);
  static TaskNode* find_task(const Queue& queue, std::string_view id);

  // Creates a task in `queue` unless the id exists there. Returns the node or null.
  TaskNode* create(std::int64_t now, Queue& queue, std::string_view id, std::string_view info,
                   std::string_view content, TaskConfig&& config);
  TaskNode* create(std::int64_t now, Queue& queue, NewTask&& task) {
    return create(now, queue, task.id, task.info, task.content, std::move(task.config));
  }
  // Takes the node out of whichever ordered structure its state puts it in.
  void detach(TaskNode& node) noexcept;
  void make_visible(std::int64_t now, TaskNode& node);
  // Queue::by_priority upkeep (state_priority.cpp): a pending task with priority != 0 is
  // in its priority's set too; these do nothing for priority 0.
  void index_priority(TaskNode& node);
  static void unindex_priority(TaskNode& node) noexcept;
  static void clear_priorities(Queue& queue) noexcept;
  // Queue::by_key upkeep (state_keys.cpp): a pending task with a batch_key is in its
  // key's set too; these do nothing for a task without one.
  static void index_key(TaskNode& node);
  static void unindex_key(TaskNode& node) noexcept;
  static void clear_keys(Queue& queue) noexcept;
  // take() of a queue with pending tasks of a priority other than 0.
  void take_by_priority(std::int64_t now, Queue& queue, std::uint32_t size,
                        std::int64_t lease_ms, std::vector<AcquiredTask>& out);
  void schedule(TaskNode& node, TaskState state, std::int64_t deadline);
  // Drops a detached node from its queue's index and frees it.
  void destroy(TaskNode& node) noexcept;
  // Gives a detached node the result as its info and content: in place, or by putting
  // `moved` (TaskNode::remake of it with this result, made when it does not fit) in its
  // place. Returns the node that now holds the task.
  TaskNode& keep_result(TaskNode& node, const TaskResult& result, NodePtr moved) noexcept;
  // A detached leased task whose attempt failed at `failed_at` (its lease ran out, or
  // fail): redelivered after its retry delay, or dead-lettered / dropped when out of
  // attempts.
  void expire_lease(std::int64_t now, TaskNode& node, std::int64_t failed_at);
  // The detached task is deliverable again at failed_at + its retry delay: pending at
  // once when that is not after `now` (state_failures.cpp).
  void redeliver(std::int64_t now, TaskNode& node, std::int64_t failed_at);
  // Gives the dead-lettered `copy` of `corpse` (from queue `source`) what it carries:
  // source_queue, the attempts used there and the last_error (state_failures.cpp).
  static void mark_dead_letter(TaskNode& copy, TaskNode& corpse, std::string_view source);
  // The detached task leaves its queue for good (attempts used up, or expired) and is
  // destroyed; its dead_letter_to, when set, gets a dead-lettered copy: a fresh task (no
  // deadline, retries or forwarding) keeping id, info, content and the result cache
  // time, plus what mark_dead_letter gives it (state_failures.cpp).
  void leave_queue(std::int64_t now, TaskNode& node);
  AcquiredTask deliver(std::int64_t now, TaskNode& node, std::int64_t lease_ms);
  // Moves the leased task's lease end to now + lease_ms (touch, and progress with a
  // lease time).
  void extend_lease(std::int64_t now, TaskNode& node, std::int64_t lease_ms);

  // --- deadlines (state_expiry.cpp) ---

  // ExpirySet upkeep: a pending or delayed task with a deadline is in expiring_ too.
  // Both do nothing (one test) for a task without extras or without a deadline.
  void index_expiry(TaskNode& node);
  void unindex_expiry(TaskNode& node) noexcept {
    if (node.extras && node.extras->expiry_hook.is_linked())
      expiring_.erase(expiring_.iterator_to(*node.extras));
  }
  // Whether the task's deadline has passed at `now` (false without one).
  static bool deadline_passed(const TaskNode& node, std::int64_t now) noexcept {
    return node.extras && node.extras->expires_at != 0 && node.extras->expires_at <= now;
  }
  // The detached task's deadline passed before it was leased: it leaves its queue (into
  // its dead_letter_to, when set), total_expired grows, waiting calls are told.
  void expire(std::int64_t now, TaskNode& node);

  // How many tasks a take/acquire may lease from `queue` now: pause, max_leased and the
  // bucket (UINT32_MAX when none applies). O(1). (state_settings.cpp)
  static std::uint32_t lease_allowance(const Queue& queue, std::int64_t now) noexcept;
  // One lease was handed out: spends a token of the bucket, if there is one.
  static void spend_lease_token(Queue& queue, std::int64_t now) noexcept;

  static std::uint64_t bytes_of(const TaskNode& node) noexcept;
  void finished(const TaskNode& node, const TaskResult* result);
  void wake(Queue& queue);
  void flush_wakeups();

  std::map<std::string, std::unique_ptr<Queue>, std::less<>> queues_;
  DeadlineSet deadlines_;
  ExpirySet expiring_;  // pending / delayed tasks with a deadline (state_expiry.cpp)
  std::size_t task_count_ = 0;
  std::uint64_t live_bytes_ = 0;
  StoreEvents* events_ = nullptr;
  // The last incarnation number given to a task (create, restore_task).
  std::uint64_t last_incarnation_ = 0;
  // Queues that got visible tasks during the current mutation: told once at its end.
  std::vector<Queue*> woken_;
};

}  // namespace tc::memory
