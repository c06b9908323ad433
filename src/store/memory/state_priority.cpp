// MemoryState's priority order for take: highest priority first, then cursor order.
//
// Every pending task stays in its queue's cursor-ordered `pending` set (peek, stats and
// snapshots walk it); a pending task whose priority is not 0 is also in the set of its
// priority (Queue::by_priority), through a second hook in its TaskExtras. So a queue
// whose pending tasks all have priority 0 takes from `pending` as before, and a take
// of a mixed queue costs the tasks it returns, not the number of priorities in use.
#include <cassert>

#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

std::int32_t priority_of(const TaskNode& node) noexcept {
  return node.extras ? node.extras->priority : 0;
}

// The first task of the highest priority in use.
TaskNode& first_of_top(Queue& queue) noexcept {
  return *queue.by_priority.begin()->second.begin()->node;
}

}  // namespace

void MemoryState::index_priority(TaskNode& node) {
  std::int32_t priority = priority_of(node);
  if (priority == 0) return;
  node.extras->node = &node;
  PrioritySet& level = node.queue->by_priority[priority];
  // The node has just become pending with the largest cursor of its queue.
  level.insert(level.end(), *node.extras);
  ++node.queue->prioritized;
}

void MemoryState::unindex_priority(TaskNode& node) noexcept {
  std::int32_t priority = priority_of(node);
  if (priority == 0) return;
  auto level = node.queue->by_priority.find(priority);
  assert(level != node.queue->by_priority.end());
  level->second.erase(level->second.iterator_to(*node.extras));
  if (level->second.empty()) node.queue->by_priority.erase(level);
  --node.queue->prioritized;
}

void MemoryState::clear_priorities(Queue& queue) noexcept {
  // Before the nodes are freed: the sets' hooks live in the nodes' extras.
  for (auto& [priority, level] : queue.by_priority) level.clear();
  queue.by_priority.clear();
  queue.prioritized = 0;
}

void MemoryState::take_by_priority(std::int64_t now, Queue& queue, std::uint32_t size,
                                   std::int64_t lease_ms, std::vector<AcquiredTask>& out) {
  // Priorities above 0, highest first (deliver() unindexes, emptied levels disappear).
  while (out.size() < size && !queue.by_priority.empty() &&
         queue.by_priority.begin()->first > 0)
    out.push_back(deliver(now, first_of_top(queue), lease_ms));
  if (out.size() < size) {
    // Priority 0: every positive task is gone, so `pending` holds priority 0 and, when
    // by_priority is not empty, negative tasks, which are stepped over here (only up to
    // the last priority-0 task this take needs: `zeros` counts those left).
    bool negatives = !queue.by_priority.empty();
    std::uint64_t zeros = queue.pending.size() - queue.prioritized;
    auto it = queue.pending.begin();
    while (out.size() < size && zeros > 0 && it != queue.pending.end()) {
      TaskNode& node = *it++;  // deliver() unlinks (and may free) the node
      if (negatives && priority_of(node) != 0) continue;
      out.push_back(deliver(now, node, lease_ms));
      --zeros;
    }
  }
  // Priorities below 0, highest first.
  while (out.size() < size && !queue.by_priority.empty())
    out.push_back(deliver(now, first_of_top(queue), lease_ms));
}

}  // namespace tc::memory
