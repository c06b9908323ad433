// Who is waiting for what, across io_context threads. A long-poll (peek/take) waits
// on a queue; a call waits on one task. Store events signal them: the flag is set
// under the registry lock and the waiter's timer is cancelled on its own executor
// (steady_timer is not thread-safe), so a signal can never be lost between a
// waiter's last look at the store and its wait. The cancels bound for one executor
// travel together: one posted handler wakes every waiter signalled on that executor
// since the last one ran (a reply_batch of 64 answers is a post per thread, not 64).
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/task.hpp"
#include "core/task_event.hpp"
#include "store/store.hpp"

namespace tc {

struct Waiter;

// The cancels bound for one executor. Signals append under the queue's mutex (taken
// inside the registry's); the one that finds the queue empty posts the handler that
// runs them all (WaiterRegistry::run_wakes). Weak references: a waiter is destroyed
// only by its own coroutine, on its own thread; one gone by then needs no wake-up.
struct WakeQueue {
  explicit WakeQueue(boost::asio::any_io_executor on) : executor(std::move(on)) {}
  boost::asio::any_io_executor executor;
  std::mutex mutex;
  std::vector<std::weak_ptr<Waiter>> pending;  // guarded by `mutex`
  std::vector<std::weak_ptr<Waiter>> spare;    // guarded by `mutex`: capacity kept for reuse
};

struct Waiter {
  explicit Waiter(const boost::asio::any_io_executor& executor) : timer(executor) {}
  boost::asio::steady_timer timer;
  // Guarded by the registry's mutex.
  bool signalled = false;
  // Where this waiter's cancels are queued: the registry's queue for its executor.
  std::shared_ptr<WakeQueue> wake_queue;
  // Call waiters: the outcomes (reply, or nullptr result = removed) reported for the
  // task's id, each with the incarnation it was of. Until the call knows which
  // incarnation it waits on (expect()), every one is kept; after, only one that fits.
  struct Reported {
    std::string incarnation;
    std::shared_ptr<const TaskResult> result;
    bool expired = false;  // with a null result: the task expired (on_expired)
  };
  std::vector<Reported> reported;
  std::optional<std::string> expected;  // set by expect()
  // Stream waiters (watch_task_events): the progress events reported for the task's id
  // (those of the expected incarnation, once expect() said which), at most
  // kEventsBuffered; more set `events_overflowed` (the stream reads the store instead).
  // `newest_seq` is the highest seq reported, kept or not.
  static constexpr std::size_t kEventsBuffered = 64;
  bool wants_events = false;
  std::vector<TaskEvent> events;
  bool events_overflowed = false;
  std::uint64_t newest_seq = 0;
};

class WaiterRegistry final : public StoreEvents {
 public:
  using WaiterList = std::list<std::shared_ptr<Waiter>>;

  // Keeps a waiter registered for as long as it lives.
  class Registration {
   public:
    Registration(WaiterRegistry& registry, std::string key, bool on_task,
                 const boost::asio::any_io_executor& executor, bool wants_events = false);
    ~Registration();
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Waiter& waiter() { return *waiter_; }

   private:
    WaiterRegistry& registry_;
    // The map entry's own key: the entry lives while this waiter is in its list.
    const std::string* key_;
    bool on_task_;
    std::shared_ptr<Waiter> waiter_;
    WaiterList::iterator position_;
  };

  Registration watch_queue(std::string_view queue, const boost::asio::any_io_executor& executor);
  Registration watch_task(std::string_view queue, std::string_view id,
                          const boost::asio::any_io_executor& executor);
  // As watch_task, and the waiter also collects the task's progress events (a stream).
  Registration watch_task_events(std::string_view queue, std::string_view id,
                                 const boost::asio::any_io_executor& executor);

  // A stream waiter's collected events, moved out under the lock (oldest first), with
  // whether some were dropped since the last take, and the newest seq reported so far.
  struct TakenEvents {
    std::vector<TaskEvent> events;
    bool overflowed = false;
    std::uint64_t newest_seq = 0;
  };
  TakenEvents take_events(Waiter& waiter);

  // Waits until the waiter is signalled (true) or the deadline passes (false).
  // Consumes the signal. Returns at once once the registry is closed.
  Awaitable<bool> wait(Waiter& waiter, std::chrono::steady_clock::time_point deadline);

  // A call waiter waits on this incarnation of its task (CallBegin::incarnation): from
  // now on only outcomes of it count (and those of unknown incarnation, ""); those of
  // others, reported before or after, are ignored. "" accepts every outcome.
  void expect(Waiter& waiter, std::string incarnation);

  // Call-waiter outcome, read under the lock: the first reported one that fits what
  // expect() said.
  struct TaskOutcome {
    std::shared_ptr<const TaskResult> result;
    bool removed = false;
    bool expired = false;  // removed because its deadline passed before a lease
  };
  TaskOutcome outcome(Waiter& waiter);

  // Wakes everyone and makes every later wait return at once.
  void close();
  bool closed() const noexcept { return closed_.load(); }

  std::uint64_t waiting() const noexcept { return waiting_.load(std::memory_order_relaxed); }
  std::uint64_t waiting_on_queue(std::string_view queue);

  // StoreEvents
  void on_pending(std::string_view queue) override;
  void on_finished(std::string_view queue, std::string_view id, std::string_view incarnation,
                   const TaskResult* result) override;
  // Wakes every waiter, queue and call alike; each then looks at the store.
  void on_events_lost() override;
  // A removal (as on_finished with no result) that the call answers as 0008.
  void on_expired(std::string_view queue, std::string_view id,
                  std::string_view incarnation) override;
  // Hands the event to the task's stream waiters (bounded each) and wakes them.
  void on_progress(std::string_view queue, std::string_view id, std::string_view incarnation,
                   const TaskEvent& event) override;

 private:
  // on_finished / on_expired: records the outcome for the task's call waiters.
  void report(std::string_view queue, std::string_view id, std::string_view incarnation,
              const TaskResult* result, bool expired);
  // by_task_ is keyed by task_key(queue, id), and looked up by (queue, id) without
  // building that string: an event costs no allocation to find its waiters. The hash
  // of a key is that of its (queue, id) parts (see pair_hash).
  struct TaskKeyView {
    std::string_view queue;
    std::string_view id;
  };
  struct KeyHash {
    using is_transparent = void;
    // Not noexcept on purpose: libstdc++ then keeps each node's hash (it does for a hash
    // that may throw), so lookups and rehashes compare stored hashes instead of hashing
    // every key they pass again.
    std::size_t operator()(std::string_view key) const;
    std::size_t operator()(TaskKeyView key) const noexcept;
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const noexcept { return a == b; }
    bool operator()(std::string_view key, TaskKeyView view) const noexcept;
    bool operator()(TaskKeyView view, std::string_view key) const noexcept {
      return (*this)(key, view);
    }
  };
  using Map = std::unordered_map<std::string, WaiterList, KeyHash, KeyEqual>;

  static std::string task_key(std::string_view queue, std::string_view id);
  // Marks the waiter signalled and queues its cancel (see WakeQueue). Caller holds mutex_.
  static void signal_locked(const std::shared_ptr<Waiter>& waiter);
  // Runs on the queue's executor: cancels the timers of every waiter queued so far.
  static void run_wakes(WakeQueue& queue);
  // The wake queue of `executor`, made on first use. Caller holds mutex_.
  std::shared_ptr<WakeQueue> wake_queue_for(const boost::asio::any_io_executor& executor);
  static bool fits(const Waiter& waiter, std::string_view incarnation);
  // Signals every registered waiter, queue and call alike. Caller holds mutex_.
  void signal_all_locked();

  std::mutex mutex_;
  Map by_queue_;
  Map by_task_;
  // One per executor that has had a waiter (the server's I/O threads: a handful), so a
  // linear search by executor is cheap.
  std::vector<std::shared_ptr<WakeQueue>> wake_queues_;
  std::atomic<bool> closed_{false};
  std::atomic<std::uint64_t> waiting_{0};
  // Registered waiters per map. The events look at these before taking mutex_: with
  // nobody waiting (every put without a taker waiting, every reply without a call) an
  // event costs one load instead of a lock, a key and a hash lookup. No wake-up can be
  // missed: a waiter registers (here, under mutex_) before it looks at the store, and a
  // store reports only after its change is made, so a waiter the check does not see
  // looked at the store after the change and found it.
  std::atomic<std::uint64_t> waiting_on_queues_{0};
  std::atomic<std::uint64_t> waiting_on_tasks_{0};
};

}  // namespace tc
