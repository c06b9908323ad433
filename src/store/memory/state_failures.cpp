// MemoryState's failure handling: fail, release, and the retry delay of a redelivery
// (docs/scheduling.md). The Redis engine does the same in fail.lua, release.lua and
// lib.lua's apply_due.
#include <algorithm>

#include "core/retry_delay.hpp"
#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

// The task's retry_delay in ms (0: redelivered at once).
std::int64_t retry_base_of(const TaskNode& node) noexcept {
  return node.extras ? node.extras->retry_delay_ms : 0;
}

}  // namespace

void MemoryState::redeliver(std::int64_t now, TaskNode& node, std::int64_t failed_at) {
  // `attempts` is the number of the attempt that failed (the first lease is attempt 1).
  // Counted from the failure, not from when it was applied, so that the engines (which
  // apply due leases at different moments) agree on when the task is visible again.
  const std::int64_t visible_at =
      failed_at + retry_delay_ms(retry_base_of(node), node.queue->name, node.id(), node.attempts);
  if (visible_at > now) {
    schedule(node, TaskState::delayed, visible_at);
  } else {
    make_visible(now, node);
  }
}

bool MemoryState::fail(std::int64_t now, std::string_view queue, std::string_view id,
                       TaskResult&& error) {
  apply_due(now);
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node || node->state != TaskState::leased) return false;
  // Allocations first: nothing changes if they throw.
  if (!node->extras) node->extras = std::make_unique<TaskExtras>();
  TaskExtras& extras = *node->extras;
  // (Not counted in live_bytes_, which follows the node's own allocation.)
  extras.last_error_info = std::move(error.info);
  extras.last_error_content = std::move(error.content);
  detach(*node);
  ++q->total_failed;
  expire_lease(now, *node, now);
  flush_wakeups();
  return true;
}

bool MemoryState::release(std::int64_t now, std::string_view queue, std::string_view id,
                          std::int64_t delay_ms) {
  apply_due(now);
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node || node->state != TaskState::leased) return false;
  detach(*node);
  ++q->total_released;
  // The attempt it used does not count: the next delivery has the same number again.
  if (node->attempts > 0) --node->attempts;
  if (deadline_passed(*node, now)) {
    expire(now, *node);  // given back after its deadline: it expires instead
  } else if (delay_ms > 0) {
    schedule(*node, TaskState::delayed, now + delay_ms);
  } else {
    make_visible(now, *node);
  }
  flush_wakeups();
  return true;
}

void MemoryState::leave_queue(std::int64_t now, TaskNode& node) {
  Queue& queue = *node.queue;
  // Unindex before creating the copy: the dead-letter queue may be this queue.
  queue.tasks.erase(node);
  --task_count_;
  live_bytes_ -= bytes_of(node);
  NodePtr corpse(&node);
  if (corpse->extras && corpse->extras->dead_letter_to) {
    TaskConfig config;
    config.cache_result_ms = corpse->cache_result_ms;
    TaskNode* copy = create(now, queue_for(*corpse->extras->dead_letter_to), corpse->id(),
                            corpse->info(), corpse->content(), std::move(config));
    if (copy) mark_dead_letter(*copy, *corpse, queue.name);
  }
}

void MemoryState::mark_dead_letter(TaskNode& copy, TaskNode& corpse, std::string_view source) {
  if (!copy.extras) copy.extras = std::make_unique<TaskExtras>();
  copy.extras->source_queue = std::string(source);
  if (corpse.extras) {
    copy.extras->last_error_info = std::move(corpse.extras->last_error_info);
    copy.extras->last_error_content = std::move(corpse.extras->last_error_content);
  }
  // Kept beside the copy's own delivery count, which starts from 0 (it is a fresh task).
  copy.extras->source_attempts = corpse.attempts;
}
std::uint32_t MemoryState::redrive(std::int64_t now, std::string_view queue,
                                   const std::vector<std::string>& ids, std::uint32_t size) {
  apply_due(now);
  Queue* q = find_queue(queue);
  if (!q) return 0;
  // The candidates first: moving one changes the pending set being walked.
  std::vector<TaskNode*> picked;
  if (!ids.empty()) {
    for (const std::string& id : ids) {
      TaskNode* node = find_task(*q, id);
      if (node && node->state == TaskState::pending &&
          std::find(picked.begin(), picked.end(), node) == picked.end())
        picked.push_back(node);
    }
  } else {
    for (auto it = q->pending.begin(); it != q->pending.end() && picked.size() < size; ++it)
      picked.push_back(&*it);
  }
  std::uint32_t moved = 0;
  for (TaskNode* node : picked) {
    if (!node->extras || !node->extras->source_queue) continue;  // not a dead letter
    Queue& source = queue_for(*node->extras->source_queue);
    if (find_task(source, node->id())) continue;  // the id is taken there: left here
    TaskConfig config;
    config.cache_result_ms = node->cache_result_ms;
    create(now, source, node->id(), node->info(), node->content(), std::move(config));
    detach(*node);
    finished(*node, nullptr);
    destroy(*node);
    ++moved;
  }
  flush_wakeups();
  return moved;
}

}  // namespace tc::memory
