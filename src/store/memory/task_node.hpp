// The in-memory representation of one task of MemoryState.
//
// Memory per task matters (millions of small tasks), so a task is one allocation: the
// fixed fields, then the bytes of id, info and content (no std::string objects, no
// separate payload blocks). Both hooks live inside the node (Boost.Intrusive): the
// ordering hook and the id index's hook, so indexing a task allocates nothing. The
// routing options that most tasks do not use live behind a pointer that is null when
// unused.
#pragma once

#include <algorithm>
#include <boost/intrusive/set.hpp>
#include <boost/intrusive/unordered_set_hook.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/cursor.hpp"
#include "core/task_event.hpp"
#include "store/memory/id_order.hpp"

namespace tc::memory {

enum class TaskState : std::uint8_t {
  delayed,  // pending but invisible until `deadline`
  pending,  // visible, ordered by `cursor`
  leased,   // acquired; redelivered (or dead-lettered) at `deadline`
  done,     // replied; info() / content() hold the result, forgotten at `deadline`
};

class TaskNode;

using OrderHook =
    boost::intrusive::set_member_hook<boost::intrusive::optimize_size<true>>;

// A task's progress events (state_events.cpp): the newest kTaskEventsKept, at most
// kTaskEventBytesKept bytes of info + content, oldest first. Their seqs are consecutive
// (only the oldest are dropped), so `after` finds its place by subtraction.
struct TaskEventLog {
  std::deque<TaskEvent> kept;
  std::uint64_t last_seq = 0;  // the seq of the newest event given, kept or not
  std::size_t bytes = 0;       // info + content bytes of `kept`
};

// The options most tasks do not use: where a task's reply or its corpse goes, and the
// Version 2 config fields. Allocated only when one of them differs from its default.
struct TaskExtras {
  std::optional<std::string> forward_result_to;
  std::optional<std::string> dead_letter_to;
  std::optional<std::string> batch_key;
  double cost = 1;
  std::int64_t retry_delay_ms = 0;
  std::int64_t expires_at = 0;  // ms the task's deadline passes (config.deadline); 0: none
  std::int32_t priority = 0;
  // While the task is pending with a priority other than 0: its place in its queue's set
  // of that priority (Queue::by_priority, cursor order), and the node it belongs to (set
  // when it is linked). Priority-0 tasks, most of them, have no extras and pay nothing.
  OrderHook priority_hook;
  TaskNode* node = nullptr;
  // While the task is pending with a batch_key: its place in its queue's set of that
  // key (Queue::by_key, take order: priority desc, then cursor). state_keys.cpp.
  OrderHook key_hook;
  // While the task is pending or delayed with a deadline (expires_at != 0): its place in
  // the store's ExpirySet (state_expiry.cpp). `node` is set when it is linked.
  OrderHook expiry_hook;

  // The info/content of the last failed attempt (fail), kept for get and dead letters.
  std::optional<std::string> last_error_info;
  std::string last_error_content;
  // A dead-lettered copy: the queue it came from (redrive sends it back there).
  std::optional<std::string> source_queue;
  std::uint32_t source_attempts = 0;  // with source_queue: the attempts it used there
  // Its progress events, from the first one reported (a task that never reports
  // progress pays nothing more). Forgotten with the node.
  std::unique_ptr<TaskEventLog> events;

  bool all_default() const noexcept {
    return !forward_result_to && !dead_letter_to && !batch_key && cost == 1 &&
           retry_delay_ms == 0 && expires_at == 0 && priority == 0 && !last_error_info &&
           !source_queue && !events;
  }
};

struct Queue;

// Frees a node (TaskNode::destroy): for nodes not yet, or no longer, in any structure.
struct NodeDeleter {
  void operator()(TaskNode* node) const noexcept;
};
using NodePtr = std::unique_ptr<TaskNode, NodeDeleter>;

// One pointer: the hash is kept in TaskNode::id_hash (4 bytes) rather than in the hook
// (store_hash would take 8).
using IdHook = boost::intrusive::unordered_set_member_hook<>;

class TaskNode {
 public:
  static constexpr std::size_t kMaxIdSize = 0xffff;
  static constexpr std::int64_t kUnknownLeaseStart = INT64_MIN;

  // Allocates a node holding copies of the three byte strings; every other field has
  // its default value. Throws std::length_error for an id longer than kMaxIdSize or an
  // info or content of 4 GiB or more.
  static NodePtr make(std::string_view id, std::uint32_t id_hash, std::string_view info,
                      std::string_view content);
  // A copy of `from` (id, hash, queue, state, times, counters; no hooks, no extras) with
  // other info and content: a done task's node when its result does not fit the old one.
  static NodePtr remake(const TaskNode& from, std::string_view info, std::string_view content);
  // Frees a node that is in no structure (unlinked hooks).
  static void destroy(TaskNode* node) noexcept;

  std::string_view id() const noexcept { return {bytes(), id_size_}; }
  std::string_view info() const noexcept { return {bytes() + id_size_, info_size_}; }
  std::string_view content() const noexcept {
    return {bytes() + id_size_ + info_size_, content_size_};
  }
  std::uint32_t id_hash() const noexcept { return id_hash_; }
  // The allocation holds at least this many bytes after the node, so that IdOrder may
  // read a word from the start of any id (id_order.hpp). Only a task whose id, info and
  // content together are shorter pays for it (malloc's 16-byte steps: at most one).
  static constexpr std::size_t kMinPayload = 8;
  // Heap bytes of the allocation that holds this node (without malloc's own header).
  std::size_t allocation_size() const noexcept {
    return sizeof(TaskNode) +
           std::max<std::size_t>(std::size_t{id_size_} + info_size_ + content_size_, kMinPayload);
  }
  // Overwrites info and content in place; only if they fit: see fits().
  void replace_payload(std::string_view info, std::string_view content) noexcept;
  // Whether replace_payload() can take these without wasting much of the allocation.
  bool fits(std::string_view info, std::string_view content) const noexcept;

  // A task is in exactly one ordered structure at a time: its queue's pending set
  // (state pending, keyed by cursor) or the store's deadline set (every other state,
  // keyed by deadline). So one hook serves both and costs 24 bytes, no allocation.
  OrderHook order_hook;
  IdHook id_hook;  // in its queue's IdIndex in every state
  // In its queue's StateIndex of its state while delayed, leased or done (list_tasks
  // pages those states by id: an order that stays put while a task keeps its state).
  OrderHook state_hook;
  // The cursor of a task that is not pending means nothing, the deadline of a pending
  // one neither: they share their bytes. The member that is read is the one the
  // state says (make_visible writes the cursor, schedule the deadline). A lease's start
  // takes the cursor's other half, so a leased task pays no byte for it.
  union {
    Cursor cursor{};  // while pending
    struct {
      std::int64_t deadline;        // while delayed, leased or done
      // While leased: when the acquire or take ran (store clock); kUnknownLeaseStart
      // when restored from a snapshot that did not keep it.
      std::int64_t lease_start_ms;
    };
  };
  std::int64_t cache_result_ms = 0;
  Queue* queue = nullptr;
  std::unique_ptr<TaskExtras> extras;
  std::uint32_t attempts = 0;  // deliveries so far
  std::uint32_t max_attempts = 0;
  // Which incarnation of (queue, id) this is (MemoryState::create): a call accepts only
  // the outcome of the incarnation its call_begin saw. Never persisted: waiters do not
  // outlive the process, so numbering afresh on replay or restore is enough.
  std::uint64_t incarnation = 0;
  // When the put that created this task ran (store clock, ms): get's `age`.
  std::int64_t created_ms = 0;

 private:
  TaskNode() = default;
  ~TaskNode() = default;
  TaskNode(const TaskNode&) = delete;
  TaskNode& operator=(const TaskNode&) = delete;

  static TaskNode* allocate(std::size_t payload);
  // The payload follows the node in the same allocation.
  const char* bytes() const noexcept { return reinterpret_cast<const char*>(this + 1); }
  char* bytes() noexcept { return reinterpret_cast<char*>(this + 1); }

  std::uint32_t id_hash_ = 0;
  std::uint32_t info_size_ = 0;
  std::uint32_t content_size_ = 0;
  // Ids are at most 256 bytes (docs/protocol.md); 16 bits keep the node at 104 bytes.
  std::uint16_t id_size_ = 0;

 public:
  // Last, in the byte the 16-bit id size leaves before the node's 8-byte alignment.
  TaskState state = TaskState::pending;
};

inline void NodeDeleter::operator()(TaskNode* node) const noexcept { TaskNode::destroy(node); }

struct CursorOf {
  using type = Cursor;
  const Cursor& operator()(const TaskNode& node) const noexcept { return node.cursor; }
};

using HookOption = boost::intrusive::member_hook<TaskNode, OrderHook, &TaskNode::order_hook>;

// Visible pending tasks of one queue in cursor order (cursors are unique per queue).
using PendingSet =
    boost::intrusive::set<TaskNode, HookOption, boost::intrusive::key_of_value<CursorOf>,
                          boost::intrusive::constant_time_size<true>>;
// The order in which due items are applied (docs/protocol.md, "Orders"): soonest
// deadline first; for equal deadlines, by queue name (so dead letters from several
// queues arrive in an order the Redis engine, whose queues live apart, can follow too);
// within one queue, in the order they were scheduled (the multiset keeps insertion
// order among equals).
struct DeadlineOrder {
  bool operator()(const TaskNode& a, const TaskNode& b) const noexcept;
};

// The tasks of one queue in one state (delayed, leased or done), by id: list_tasks's
// order. The nodes' ids are compared a word at a time (id_order.hpp), a short one read
// together with the payload bytes that follow it in its node.
struct IdOrder {
  bool operator()(const TaskNode& a, const TaskNode& b) const noexcept {
    // Every node has a word's worth of bytes from the start of its id (kMinPayload).
    return id_less(a.id(), TaskNode::kMinPayload, b.id(), TaskNode::kMinPayload);
  }
};
using StateHookOption =
    boost::intrusive::member_hook<TaskNode, OrderHook, &TaskNode::state_hook>;
using StateIndex =
    boost::intrusive::set<TaskNode, StateHookOption, boost::intrusive::compare<IdOrder>,
                          boost::intrusive::constant_time_size<false>>;

// Every delayed, leased and done task of the store, in DeadlineOrder.
using DeadlineSet =
    boost::intrusive::multiset<TaskNode, HookOption, boost::intrusive::compare<DeadlineOrder>,
                               boost::intrusive::constant_time_size<false>>;

}  // namespace tc::memory
