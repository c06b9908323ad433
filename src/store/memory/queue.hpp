// One queue of MemoryState: its tasks (by id, and the visible ones in cursor order) and
// its counters.
#pragma once

#include <array>
#include <cassert>
#include <cstdint>
#include <functional>
#include <map>
#include <string_view>

#include "core/cursor.hpp"
#include "core/queue_settings.hpp"
#include "store/memory/id_index.hpp"
#include "store/memory/task_node.hpp"

namespace tc::memory {

struct CursorOfExtras {
  using type = Cursor;
  const Cursor& operator()(const TaskExtras& extras) const noexcept { return extras.node->cursor; }
};

// The pending tasks of one priority (other than 0) of one queue, in cursor order.
using PrioritySet = boost::intrusive::set<
    TaskExtras, boost::intrusive::member_hook<TaskExtras, OrderHook, &TaskExtras::priority_hook>,
    boost::intrusive::key_of_value<CursorOfExtras>, boost::intrusive::constant_time_size<false>>;

// Take order among the pending tasks of one batch_key: highest priority first, then
// cursor order (state_keys.cpp).
struct KeyTakeOrder {
  bool operator()(const TaskExtras& a, const TaskExtras& b) const noexcept {
    if (a.priority != b.priority) return a.priority > b.priority;
    return a.node->cursor < b.node->cursor;
  }
};
using KeySet = boost::intrusive::set<
    TaskExtras, boost::intrusive::member_hook<TaskExtras, OrderHook, &TaskExtras::key_hook>,
    boost::intrusive::compare<KeyTakeOrder>, boost::intrusive::constant_time_size<false>>;

struct Queue {
  std::string_view name;  // the key of MemoryState's queue map (stable)
  IdIndex tasks;          // every task of the queue in any state; owns the nodes
                          // (destroyed by MemoryState)
  PendingSet pending;     // every pending task, any priority: what peek walks
  // The pending tasks whose priority is not 0, by priority, highest first; also in
  // `pending`. No entry for an empty set, so empty() means "take in cursor order".
  std::map<std::int32_t, PrioritySet, std::greater<>> by_priority;
  std::uint64_t prioritized = 0;  // tasks in by_priority's sets (their sizes are not kept)
  // The delayed, leased and done tasks, one set per state (by_state_of), for list_tasks.
  // Apart rather than one set by (state, id): a compare is then only an id compare, and
  // a lease or a reply walks the set of its state alone.
  std::array<StateIndex, 3> by_state;
  Cursor last_cursor;     // the last cursor handed out in this queue
  std::uint64_t delayed = 0;
  std::uint64_t leased = 0;
  std::uint64_t done = 0;
  std::uint64_t total_put = 0;
  std::uint64_t total_acquired = 0;
  std::uint64_t total_replied = 0;
  std::uint64_t total_redelivered = 0;
  std::uint64_t total_dead = 0;
  std::uint64_t total_removed = 0;
  // config_queue (state_settings.cpp): the settings, and the token bucket's state (the
  // GCRA's theoretical arrival time, ms; <= now means full).
  QueueSettings settings;
  double bucket_tat = 0;
  std::uint64_t total_failed = 0;    // attempts a consumer reported failed (fail)
  std::uint64_t total_released = 0;  // leases given back untried (release)
  // The pending tasks that have a batch_key, by key (also in `pending`); no entry for
  // an empty set. Queues without keyed tasks keep this empty and pay nothing.
  std::map<std::string, KeySet, std::less<>> by_key;
  std::uint64_t keyed = 0;  // tasks in by_key's sets
  std::uint64_t total_expired = 0;   // tasks whose deadline passed unleased (state_expiry.cpp)
};

// The set of Queue::by_state that holds the queue's tasks in `state` (not pending).
inline StateIndex& by_state_of(Queue& queue, TaskState state) noexcept {
  assert(state != TaskState::pending);
  switch (state) {
    case TaskState::delayed: return queue.by_state[0];
    case TaskState::leased: return queue.by_state[1];
    default: return queue.by_state[2];
  }
}
inline const StateIndex& by_state_of(const Queue& queue, TaskState state) noexcept {
  return by_state_of(const_cast<Queue&>(queue), state);
}

inline bool DeadlineOrder::operator()(const TaskNode& a, const TaskNode& b) const noexcept {
  if (a.deadline != b.deadline) return a.deadline < b.deadline;
  return a.queue != b.queue && a.queue->name < b.queue->name;
}

// The order in which tasks expire (docs/scheduling.md, "Deadlines"): soonest expires_at
// first; for equal ones, by queue name (as DeadlineOrder); within a queue the delayed
// tasks first, in the order they were delayed (the multiset keeps insertion order among
// equals), then the pending ones in cursor order. The key reads the node's state and
// cursor: a task is unlinked before either changes (detach) and linked again after.
struct ExpiryOrder {
  bool operator()(const TaskExtras& a, const TaskExtras& b) const noexcept {
    if (a.expires_at != b.expires_at) return a.expires_at < b.expires_at;
    const TaskNode& x = *a.node;
    const TaskNode& y = *b.node;
    if (x.queue != y.queue) return x.queue->name < y.queue->name;
    const bool xp = x.state == TaskState::pending, yp = y.state == TaskState::pending;
    if (xp != yp) return !xp;
    return xp && x.cursor < y.cursor;
  }
};

// Every pending or delayed task that has a deadline, in ExpiryOrder. Tasks without one
// are never in it.
using ExpirySet = boost::intrusive::multiset<
    TaskExtras, boost::intrusive::member_hook<TaskExtras, OrderHook, &TaskExtras::expiry_hook>,
    boost::intrusive::compare<ExpiryOrder>, boost::intrusive::constant_time_size<false>>;

}  // namespace tc::memory
