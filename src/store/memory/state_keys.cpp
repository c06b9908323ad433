// MemoryState's keyed takes: max_cost, batch_key and group_by_key
// (docs/protocol.md, "take, for batches a GPU wants").
//
// A pending task with a batch_key is also in its key's set (Queue::by_key), ordered as
// take orders (priority desc, then cursor), through a third hook in its TaskExtras. So
// a take of one key walks only that key's tasks; tasks without a key, most of them,
// have no extras and pay nothing, and a plain take never looks at by_key.
//
// Every other keyed take walks the queue in take order (state_priority.cpp's order):
// max_cost alone costs the tasks it returns; the key-less group of group_by_key steps
// over the keyed tasks that come before its tasks in take order.
#include <cassert>

#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

std::int32_t priority_of(const TaskNode& node) noexcept {
  return node.extras ? node.extras->priority : 0;
}
const std::string* key_of(const TaskNode& node) noexcept {
  return node.extras && node.extras->batch_key ? &*node.extras->batch_key : nullptr;
}
double cost_of(const TaskNode& node) noexcept { return node.extras ? node.extras->cost : 1; }

enum class Walk { next, stop };

// One priority level's set (PrioritySet or KeySet) in order, calling visit(node). The
// visitor may deliver (unlink) the node it is given; when that empties the set, its
// owner may destroy it, so the set is not touched after its last element.
template <class Set, class Visit>
Walk walk_set(Set& set, Visit& visit) {
  if (set.empty()) return Walk::next;
  auto it = set.begin();
  for (bool last = false; !last;) {
    TaskNode& node = *it->node;
    ++it;
    last = it == set.end();
    if (visit(node) == Walk::stop) return Walk::stop;
  }
  return Walk::next;
}

// Every pending task of the queue in take order (highest priority first, then cursor
// order), as visit(node) -> Walk. The visitor may deliver the node it is given.
template <class Visit>
void walk_take_order(Queue& queue, Visit&& visit) {
  auto level = queue.by_priority.begin();
  // Priorities above 0 (a level emptied by a delivery disappears: step first).
  while (level != queue.by_priority.end() && level->first > 0) {
    auto next = std::next(level);
    if (walk_set(level->second, visit) == Walk::stop) return;
    level = next;
  }
  // Priority 0, in `pending` among the others, which are stepped over up to the last
  // priority-0 task (`zeros` counts those left).
  std::uint64_t zeros = queue.pending.size() - queue.prioritized;
  for (auto it = queue.pending.begin(); zeros > 0 && it != queue.pending.end();) {
    TaskNode& node = *it++;
    if (priority_of(node) != 0) continue;
    --zeros;
    if (visit(node) == Walk::stop) return;
  }
  // Priorities below 0.
  while (level != queue.by_priority.end()) {
    auto next = std::next(level);
    if (walk_set(level->second, visit) == Walk::stop) return;
    level = next;
  }
}

// The batch being formed: whether the next task fits `size` and `max_cost`.
struct BatchBudget {
  std::uint32_t size;
  std::optional<double> max_cost;
  std::uint32_t count = 0;
  double cost = 0;

  bool full() const noexcept { return count >= size; }
  // A batch always holds at least one task: the first is admitted whatever it costs.
  bool admits(double task_cost) const noexcept {
    return count == 0 || !max_cost || cost + task_cost <= *max_cost;
  }
  void add(double task_cost) noexcept {
    ++count;
    cost += task_cost;
  }
};

// Which tasks a keyed take chooses: those of one key's set, or those of the take order
// (when `keyless`, only tasks without a key). Calls on_task(node) for each, in order,
// until the budget stops it. on_task may deliver the node.
template <class OnTask>
void choose(Queue& queue, std::uint32_t size, const TakeOptions& options, OnTask&& on_task) {
  BatchBudget budget{size, options.max_cost};
  if (budget.full()) return;
  const std::string* key = options.batch_key ? &*options.batch_key : nullptr;
  bool keyless = false;
  if (!key && options.group_by_key) {
    // The group is the first task's: its key, or the key-less tasks.
    TaskNode* first = nullptr;
    walk_take_order(queue, [&](TaskNode& node) {
      first = &node;
      return Walk::stop;
    });
    if (!first) return;
    key = key_of(*first);
    keyless = key == nullptr;
  }
  auto visit = [&](TaskNode& node) {
    if (keyless && key_of(node)) return Walk::next;
    double cost = cost_of(node);
    if (!budget.admits(cost)) return Walk::stop;
    budget.add(cost);
    on_task(node);
    return budget.full() ? Walk::stop : Walk::next;
  };
  if (key) {
    auto set = queue.by_key.find(*key);
    if (set != queue.by_key.end()) walk_set(set->second, visit);
    return;
  }
  walk_take_order(queue, visit);
}

}  // namespace

void MemoryState::index_key(TaskNode& node) {
  const std::string* key = key_of(node);
  if (!key) return;
  node.extras->node = &node;
  auto set = node.queue->by_key.find(*key);
  if (set == node.queue->by_key.end()) set = node.queue->by_key.try_emplace(*key).first;
  set->second.insert(*node.extras);
  ++node.queue->keyed;
}

void MemoryState::unindex_key(TaskNode& node) noexcept {
  const std::string* key = key_of(node);
  if (!key) return;
  auto set = node.queue->by_key.find(*key);
  assert(set != node.queue->by_key.end());
  set->second.erase(set->second.iterator_to(*node.extras));
  if (set->second.empty()) node.queue->by_key.erase(set);
  --node.queue->keyed;
}

void MemoryState::clear_keys(Queue& queue) noexcept {
  // Before the nodes are freed: the sets' hooks live in the nodes' extras.
  for (auto& [key, set] : queue.by_key) set.clear();
  queue.by_key.clear();
  queue.keyed = 0;
}

std::vector<AcquiredTask> MemoryState::take_with(std::int64_t now, std::string_view queue,
                                                 std::uint32_t size, std::int64_t lease_ms,
                                                 const TakeOptions& options) {
  if (!options.any()) return take(now, queue, size, lease_ms);
  apply_due(now);
  std::vector<AcquiredTask> out;
  Queue* q = find_queue(queue);
  if (!q) return out;
  size = std::min(size, lease_allowance(*q, now));
  choose(*q, size, options,
         [&](TaskNode& node) { out.push_back(deliver(now, node, lease_ms)); });
  return out;
}

std::uint32_t MemoryState::count_fitting(std::string_view queue, std::uint32_t size,
                                         const TakeOptions& options) const {
  Queue* q = find_queue(queue);
  if (!q) return 0;
  std::uint32_t count = 0;
  // The walk changes nothing when the visitor delivers nothing.
  choose(*q, size, options, [&](TaskNode&) { ++count; });
  return count;
}

}  // namespace tc::memory
