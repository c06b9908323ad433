// MemoryState's task deadlines (config.deadline, docs/scheduling.md "Deadlines"): a task
// still pending or delayed when its deadline passes expires.
//
// Found without scanning: every pending or delayed task that has a deadline is in
// expiring_ (through a hook in its TaskExtras), ordered by ExpiryOrder, and apply_due
// merges its front with the deadline set's. A leased task is not in it (its lease
// governs it); when it comes back (lease ran out, fail, release) after its deadline, it
// expires instead (deadline_passed at those places). Tasks without a deadline are never
// in the set and cost one test where a task enters or leaves pending / delayed.
// The Redis engine does the same in lib.lua (expire_task, B.."expiring").
#include <string>

#include "store/memory/memory_state.hpp"

namespace tc::memory {

void MemoryState::index_expiry(TaskNode& node) {
  if (!node.extras || node.extras->expires_at == 0) return;
  node.extras->node = &node;
  expiring_.insert(*node.extras);
}

void MemoryState::expire(std::int64_t now, TaskNode& node) {
  Queue& queue = *node.queue;
  ++queue.total_expired;
  if (events_) events_->on_expired(queue.name, node.id(), std::to_string(node.incarnation));
  leave_queue(now, node);  // into dead_letter_to as from a lease out of attempts
}

}  // namespace tc::memory
