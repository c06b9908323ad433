// The in-memory representation of one task and one queue of MemoryState.
//
// Memory per task matters (millions of small tasks), so a task is one allocation: the
// ordering hook lives inside the node (Boost.Intrusive), and the routing options that
// most tasks do not use live behind a pointer that is null when unused.
#pragma once

#include <boost/intrusive/set.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/cursor.hpp"
#include "core/task.hpp"

namespace tc::memory {

enum class TaskState : std::uint8_t {
  delayed,  // pending but invisible until `deadline`
  pending,  // visible, ordered by `cursor`
  leased,   // acquired; redelivered (or dead-lettered) at `deadline`
  done,     // replied; `info`/`content` hold the result, forgotten at `deadline`
};

// Where a task's reply or its corpse goes; allocated only when one of them is set.
struct TaskRoutes {
  std::optional<std::string> forward_result_to;
  std::optional<std::string> dead_letter_to;
};

struct Queue;

using OrderHook =
    boost::intrusive::set_member_hook<boost::intrusive::optimize_size<true>>;

struct TaskNode {
  // A task is in exactly one ordered structure at a time: its queue's pending set
  // (state pending, keyed by cursor) or the store's deadline set (every other state,
  // keyed by deadline). So one hook serves both and costs 24 bytes, no allocation.
  OrderHook order_hook;
  std::string id;
  std::string info;     // done: the result's info
  std::string content;  // done: the result's content
  Cursor cursor;               // meaningful while pending
  std::int64_t deadline = 0;   // meaningful while delayed, leased or done
  std::int64_t cache_result_ms = 0;
  Queue* queue = nullptr;
  std::unique_ptr<TaskRoutes> routes;
  std::uint32_t attempts = 0;  // deliveries so far
  std::uint32_t max_attempts = 0;
  TaskState state = TaskState::pending;
};

struct CursorOf {
  using type = Cursor;
  const Cursor& operator()(const TaskNode& node) const noexcept { return node.cursor; }
};
struct DeadlineOf {
  using type = std::int64_t;
  const std::int64_t& operator()(const TaskNode& node) const noexcept { return node.deadline; }
};

using HookOption = boost::intrusive::member_hook<TaskNode, OrderHook, &TaskNode::order_hook>;

// Visible pending tasks of one queue in cursor order (cursors are unique per queue).
using PendingSet =
    boost::intrusive::set<TaskNode, HookOption, boost::intrusive::key_of_value<CursorOf>,
                          boost::intrusive::constant_time_size<true>>;
// Every delayed, leased and done task of the store, soonest deadline first; equal
// deadlines keep insertion order.
using DeadlineSet =
    boost::intrusive::multiset<TaskNode, HookOption, boost::intrusive::key_of_value<DeadlineOf>,
                               boost::intrusive::constant_time_size<false>>;

// Id index of a queue: holds every task of the queue in any state, looked up by id.
struct IdHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view id) const noexcept {
    return std::hash<std::string_view>{}(id);
  }
  std::size_t operator()(const TaskNode* node) const noexcept { return (*this)(node->id); }
};
struct IdEqual {
  using is_transparent = void;
  static std::string_view key(std::string_view id) noexcept { return id; }
  static std::string_view key(const TaskNode* node) noexcept { return node->id; }
  template <class A, class B>
  bool operator()(const A& a, const B& b) const noexcept {
    return key(a) == key(b);
  }
};
using IdIndex = std::unordered_set<TaskNode*, IdHash, IdEqual>;

struct Queue {
  std::string_view name;  // the key of MemoryState's queue map (stable)
  IdIndex tasks;          // owns the nodes (deleted by MemoryState)
  PendingSet pending;
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
};

}  // namespace tc::memory
