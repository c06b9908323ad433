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
  // Unindex before creating the copy: the dead-letter queue may be this queue.
  queue.tasks.erase(node);
  --task_count_;
  live_bytes_ -= bytes_of(node);
  NodePtr corpse(&node);
  if (corpse->extras && corpse->extras->dead_letter_to) {
    // A dead-lettered copy as from a lease out of attempts: a fresh task (no deadline,
    // no retries, no forwarding) with the id, info, content and result cache time.
    TaskConfig config;
    config.cache_result_ms = corpse->cache_result_ms;
    TaskNode* copy = create(now, queue_for(*corpse->extras->dead_letter_to), corpse->id(),
                            corpse->info(), corpse->content(), std::move(config));
    if (copy) mark_dead_letter(*copy, *corpse, queue.name);
  }
}

}  // namespace tc::memory
