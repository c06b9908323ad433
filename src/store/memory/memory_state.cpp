#include "store/memory/memory_state.hpp"

#include <algorithm>
#include <cassert>

namespace tc::memory {

MemoryState::MemoryState() = default;

MemoryState::~MemoryState() {
  deadlines_.clear();
  expiring_.clear();
  for (auto& [name, queue] : queues_) {
    clear_priorities(*queue);
    clear_keys(*queue);
    queue->pending.clear();
    for (StateIndex& tasks : queue->by_state) tasks.clear();
    queue->tasks.clear_and_dispose([](TaskNode* node) { TaskNode::destroy(node); });
  }
}

// --- lookups ---

Queue* MemoryState::find_queue(std::string_view name) const {
  auto it = queues_.find(name);
  return it == queues_.end() ? nullptr : it->second.get();
}

Queue& MemoryState::queue_for(std::string_view name) {
  auto it = queues_.find(name);
  if (it == queues_.end()) {
    it = queues_.emplace(std::string(name), std::make_unique<Queue>()).first;
    it->second->name = it->first;
  }
  return *it->second;
}

TaskNode* MemoryState::find_task(const Queue& queue, std::string_view id) {
  return queue.tasks.find(id);
}

// --- structure maintenance ---

TaskNode* MemoryState::create(std::int64_t now, Queue& queue, std::string_view id,
                              std::string_view info, std::string_view content,
                              TaskConfig&& config) {
  // Everything that can throw (allocations) comes before the first change.
  std::uint32_t hash = IdIndex::hash(id);
  queue.tasks.reserve_one_more();
  IdIndex::Slot slot;
  if (!queue.tasks.insert_check(id, hash, slot)) return nullptr;
  std::unique_ptr<TaskExtras> extras;
  if (config.forward_result_to || config.dead_letter_to || !config.v2_defaults()) {
    extras = std::make_unique<TaskExtras>();
    extras->forward_result_to = std::move(config.forward_result_to);
    extras->dead_letter_to = std::move(config.dead_letter_to);
    extras->batch_key = std::move(config.batch_key);
    extras->cost = config.cost;
    extras->retry_delay_ms = config.retry_delay_ms;
    extras->expires_at = config.deadline_ms > 0 ? now + config.deadline_ms : 0;
    extras->priority = config.priority;
  }
  TaskNode* node = TaskNode::make(id, hash, info, content).release();
  node->cache_result_ms = config.cache_result_ms;
  node->max_attempts = config.max_attempts;
  node->incarnation = ++last_incarnation_;
  node->created_ms = now;
  node->extras = std::move(extras);
  node->queue = &queue;
  queue.tasks.insert_commit(*node, slot);
  ++task_count_;
  live_bytes_ += bytes_of(*node);
  ++queue.total_put;
  if (config.delay_ms > 0) {
    schedule(*node, TaskState::delayed, now + config.delay_ms);
  } else {
    make_visible(now, *node);
  }
  return node;
}

void MemoryState::detach(TaskNode& node) noexcept {
  Queue& queue = *node.queue;
  switch (node.state) {
    case TaskState::pending:
      unindex_priority(node);
      unindex_key(node);
      unindex_expiry(node);
      queue.pending.erase(queue.pending.iterator_to(node));
      return;
    case TaskState::delayed:
      unindex_expiry(node);
      --queue.delayed;
      break;
    case TaskState::leased:
      --queue.leased;
      if (queue.settings.max_leased > 0) wake(queue);  // room freed for a waiting take
      break;
    case TaskState::done:
      --queue.done;
      break;
  }
  StateIndex& in_state = by_state_of(queue, node.state);
  in_state.erase(in_state.iterator_to(node));
  deadlines_.erase(deadlines_.iterator_to(node));
}

void MemoryState::make_visible(std::int64_t now, TaskNode& node) {
  Queue& queue = *node.queue;
  node.state = TaskState::pending;
  node.cursor = Cursor::next(queue.last_cursor, static_cast<std::uint64_t>(std::max<std::int64_t>(now, 0)));
  queue.last_cursor = node.cursor;
  // The new cursor is the largest of the queue: inserting at the end is O(1).
  queue.pending.insert(queue.pending.end(), node);
  index_priority(node);
  index_key(node);
  index_expiry(node);
  wake(queue);
}

void MemoryState::schedule(TaskNode& node, TaskState state, std::int64_t deadline) {
  Queue& queue = *node.queue;
  node.state = state;
  node.deadline = deadline;
  switch (state) {
    case TaskState::delayed:
      ++queue.delayed;
      index_expiry(node);
      break;
    case TaskState::leased:
      ++queue.leased;
      break;
    case TaskState::done:
      ++queue.done;
      break;
    case TaskState::pending:
      assert(false && "pending tasks are ordered by cursor, not deadline");
      break;
  }
  by_state_of(queue, state).insert(node);
  // The end as a hint: a deadline not before the latest one (results cached for the same
  // time, leases of the same length when nothing later is scheduled) is linked there in
  // O(1); any other falls back to the usual walk from the root, after its equals as
  // without a hint, for the price of one compare.
  deadlines_.insert(deadlines_.end(), node);
}

std::uint64_t MemoryState::bytes_of(const TaskNode& node) noexcept {
  // The node and its payload, malloc's header, and about one bucket of the id index.
  return node.allocation_size() + 16;
}

void MemoryState::destroy(TaskNode& node) noexcept {
  node.queue->tasks.erase(node);
  --task_count_;
  live_bytes_ -= bytes_of(node);
  TaskNode::destroy(&node);
}

TaskNode& MemoryState::keep_result(TaskNode& node, const TaskResult& result,
                                   NodePtr moved) noexcept {
  live_bytes_ -= bytes_of(node);
  TaskNode* holder = &node;
  if (!moved) {
    node.replace_payload(result.info, result.content);
  } else {
    // The new node takes the old one's place in the index; the node is detached, so the
    // index is the only structure that points at it.
    holder = moved.release();
    IdIndex& index = node.queue->tasks;
    index.erase(node);
    IdIndex::Slot slot;
    [[maybe_unused]] bool absent = index.insert_check(holder->id(), holder->id_hash(), slot);
    assert(absent);
    index.insert_commit(*holder, slot);
    holder->extras = std::move(node.extras);
    TaskNode::destroy(&node);
  }
  live_bytes_ += bytes_of(*holder);
  return *holder;
}

void MemoryState::finished(const TaskNode& node, const TaskResult* result) {
  if (events_)
    events_->on_finished(node.queue->name, node.id(), std::to_string(node.incarnation), result);
}

void MemoryState::wake(Queue& queue) {
  if (std::find(woken_.begin(), woken_.end(), &queue) == woken_.end()) woken_.push_back(&queue);
}

void MemoryState::flush_wakeups() {
  if (events_) {
    for (Queue* queue : woken_) events_->on_pending(queue->name);
  }
  woken_.clear();
}

// --- time ---

bool MemoryState::has_due(std::int64_t now) const noexcept {
  return (!deadlines_.empty() && deadlines_.begin()->deadline <= now) ||
         (!expiring_.empty() && expiring_.begin()->expires_at <= now);
}

std::uint64_t MemoryState::apply_due(std::int64_t now) {
  std::uint64_t applied = 0;
  for (;;) {
    TaskNode* due = !deadlines_.empty() && deadlines_.begin()->deadline <= now
                        ? &*deadlines_.begin() : nullptr;
    TaskExtras* expiring = !expiring_.empty() && expiring_.begin()->expires_at <= now
                               ? &*expiring_.begin() : nullptr;
    if (!due && !expiring) break;
    // Deadlines of tasks (expiry) and of leases, delays and results merge by time, then
    // queue name; at the same instant in the same queue the lease or delay goes first.
    if (expiring && (!due || expiring->expires_at < due->deadline ||
                     (expiring->expires_at == due->deadline &&
                      expiring->node->queue->name < due->queue->name))) {
      TaskNode& node = *expiring->node;
      detach(node);
      expire(now, node);
      ++applied;
      continue;
    }
    TaskNode& node = *due;
    detach(node);
    switch (node.state) {
      case TaskState::delayed:
        if (deadline_passed(node, now)) {
          expire(now, node);
        } else {
          make_visible(now, node);
        }
        break;
      case TaskState::leased:
        expire_lease(now, node, node.deadline);
        break;
      case TaskState::done:
        destroy(node);
        break;
      case TaskState::pending:
        assert(false && "pending tasks are not in the deadline set");
        break;
    }
    ++applied;
  }
  flush_wakeups();
  return applied;
}

void MemoryState::expire_lease(std::int64_t now, TaskNode& node, std::int64_t failed_at) {
  Queue& queue = *node.queue;
  if (node.max_attempts == 0 || node.attempts < node.max_attempts) {
    // A redelivery after the task's deadline is an expiry instead.
    if (deadline_passed(node, now)) {
      expire(now, node);
      return;
    }
    ++queue.total_redelivered;
    redeliver(now, node, failed_at);
    return;
  }
  // Attempts used up: the task leaves its queue, and moves to the dead-letter queue if
  // one is configured. The moved task is a fresh one there (no retries, no forwarding)
  // that keeps id, info and content, and the source's result cache time.
  ++queue.total_dead;
  finished(node, nullptr);
  leave_queue(now, node);
}

// --- mutations ---

bool MemoryState::put(std::int64_t now, std::string_view queue, NewTask&& task) {
  apply_due(now);
  bool created = create(now, queue_for(queue), std::move(task)) != nullptr;
  flush_wakeups();
  return created;
}

std::vector<bool> MemoryState::put_batch(std::int64_t now, std::string_view queue,
                                         std::vector<NewTask>&& tasks) {
  apply_due(now);
  Queue& target = queue_for(queue);
  std::vector<bool> created;
  created.reserve(tasks.size());
  for (NewTask& task : tasks) created.push_back(create(now, target, std::move(task)) != nullptr);
  flush_wakeups();
  return created;
}

AcquiredTask MemoryState::deliver(std::int64_t now, TaskNode& node, std::int64_t lease_ms) {
  Queue& queue = *node.queue;
  // Visible since its cursor was handed out (make_visible: put, end of delay, back to
  // pending); a cursor ahead of the clock (a step back) counts as no wait.
  const std::int64_t visible_since = static_cast<std::int64_t>(node.cursor.ms);
  detach(node);
  ++queue.total_acquired;
  ++node.attempts;
  spend_lease_token(queue, now);
  // Strings constructed from the node's bytes and moved in, not assigned into empty
  // ones: assign (_M_replace) cost about 200 instructions more per delivered task.
  AcquiredTask out;
  out.id = std::string(node.id());
  out.info = std::string(node.info());
  out.content = std::string(node.content());
  out.attempt = node.attempts;
  out.queue_delay_ms = std::max<std::int64_t>(now - visible_since, 0);
  if (node.extras) {
    out.priority = node.extras->priority;
    out.batch_key = node.extras->batch_key;
    out.cost = node.extras->cost;
  }
  if (lease_ms > 0) {
    schedule(node, TaskState::leased, now + lease_ms);
    node.lease_start_ms = now;
    return out;
  }
  // No reply is expected: the task is gone. Anyone waiting on it (call) learns so now
  // rather than at its timeout.
  finished(node, nullptr);
  destroy(node);
  return out;
}

std::vector<AcquiredTask> MemoryState::acquire(std::int64_t now, std::string_view queue,
                                               const std::vector<std::string>& ids,
                                               std::int64_t lease_ms) {
  apply_due(now);
  std::vector<AcquiredTask> out;
  Queue* q = find_queue(queue);
  if (!q) return out;
  const std::uint32_t allowance = lease_allowance(*q, now);
  for (const std::string& id : ids) {
    if (out.size() >= allowance) break;
    TaskNode* node = find_task(*q, id);
    if (node && node->state == TaskState::pending) out.push_back(deliver(now, *node, lease_ms));
  }
  return out;
}

std::vector<AcquiredTask> MemoryState::take(std::int64_t now, std::string_view queue,
                                            std::uint32_t size, std::int64_t lease_ms) {
  apply_due(now);
  std::vector<AcquiredTask> out;
  Queue* q = find_queue(queue);
  if (!q) return out;
  size = std::min(size, lease_allowance(*q, now));
  if (!q->by_priority.empty()) {
    take_by_priority(now, *q, size, lease_ms, out);
    return out;
  }
  // Only priority-0 tasks are pending: cursor order is the order.
  while (out.size() < size && !q->pending.empty())
    out.push_back(deliver(now, *q->pending.begin(), lease_ms));
  return out;
}

ReplyOutcome MemoryState::reply(std::int64_t now, std::string_view queue, std::string_view id,
                                TaskResult&& result) {
  apply_due(now);
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node || node->state == TaskState::done) return ReplyOutcome{};
  ReplyOutcome out{.completed = true, .service_ms = std::nullopt};
  if (node->state == TaskState::leased && node->lease_start_ms != TaskNode::kUnknownLeaseStart)
    out.service_ms = std::max<std::int64_t>(now - node->lease_start_ms, 0);
  // A result that does not fit the node needs a new one: allocated before any change.
  NodePtr moved;
  if (node->cache_result_ms > 0 && !node->fits(result.info, result.content))
    moved = TaskNode::remake(*node, result.info, result.content);
  detach(*node);
  ++q->total_replied;
  finished(*node, &result);
  if (node->extras && node->extras->forward_result_to) {
    // The task itself is still indexed: forwarding to its own queue finds the id taken.
    create(now, queue_for(*node->extras->forward_result_to), node->id(), result.info,
           result.content, TaskConfig{});
  }
  if (node->cache_result_ms > 0) {
    if (node->extras) {  // a done task forwards nothing and is never dead-lettered
      node->extras->forward_result_to.reset();
      node->extras->dead_letter_to.reset();
      if (node->extras->all_default()) node->extras.reset();
    }
    TaskNode& done = keep_result(*node, result, std::move(moved));
    schedule(done, TaskState::done, now + done.cache_result_ms);
  } else {
    destroy(*node);
  }
  flush_wakeups();
  return out;
}

CallBegin MemoryState::call_begin(std::int64_t now, std::string_view queue, NewTask&& task,
                                  bool put_if_absent) {
  apply_due(now);
  CallBegin out;
  Queue* q = find_queue(queue);
  if (TaskNode* node = q ? find_task(*q, task.id) : nullptr) {
    out.exists = true;
    out.incarnation = std::to_string(node->incarnation);
    if (node->state == TaskState::done)
      out.cached = TaskResult{std::string(node->info()), std::string(node->content())};
    return out;
  }
  if (put_if_absent) {
    TaskNode* node = create(now, queue_for(queue), std::move(task));
    out.created = out.exists = node != nullptr;
    if (node) out.incarnation = std::to_string(node->incarnation);
    flush_wakeups();
  }
  return out;
}

bool MemoryState::touch(std::int64_t now, std::string_view queue, std::string_view id,
                        std::int64_t lease_ms) {
  apply_due(now);
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node || node->state != TaskState::leased) return false;
  extend_lease(now, *node, lease_ms);
  return true;
}

void MemoryState::extend_lease(std::int64_t now, TaskNode& node, std::int64_t lease_ms) {
  detach(node);
  schedule(node, TaskState::leased, now + lease_ms);
}

bool MemoryState::remove(std::int64_t now, std::string_view queue, std::string_view id) {
  apply_due(now);
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node) return false;
  detach(*node);
  ++q->total_removed;
  finished(*node, nullptr);
  destroy(*node);
  flush_wakeups();
  return true;
}

void MemoryState::clear_queue(std::int64_t now, std::string_view queue) {
  apply_due(now);
  auto it = queues_.find(queue);
  if (it == queues_.end()) return;
  Queue& q = *it->second;
  clear_priorities(q);
  clear_keys(q);
  q.pending.clear();
  for (StateIndex& tasks : q.by_state) tasks.clear();
  task_count_ -= q.tasks.size();
  q.tasks.clear_and_dispose([&](TaskNode* node) {
    unindex_expiry(*node);
    if (node->state != TaskState::pending) deadlines_.erase(deadlines_.iterator_to(*node));
    finished(*node, nullptr);
    live_bytes_ -= bytes_of(*node);
    TaskNode::destroy(node);
  });
  queues_.erase(it);
}

// --- reads ---

std::optional<TaskState> MemoryState::task_state(std::string_view queue,
                                                 std::string_view id) const {
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node) return std::nullopt;
  return node->state;
}

bool MemoryState::has_visible(std::string_view queue) const {
  Queue* q = find_queue(queue);
  return q && !q->pending.empty();
}

std::vector<PeekedTask> MemoryState::peek(std::string_view queue, std::optional<Cursor> after,
                                          std::uint32_t size) const {
  std::vector<PeekedTask> out;
  Queue* q = find_queue(queue);
  if (!q) return out;
  auto it = after ? q->pending.upper_bound(*after) : q->pending.begin();
  for (; it != q->pending.end() && out.size() < size; ++it)
    out.push_back(PeekedTask{std::string(it->id()), std::string(it->info()), it->cursor,
                             it->extras ? it->extras->priority : 0});
  return out;
}

QueuePage MemoryState::list_queues(const std::optional<std::string>& after,
                                   std::uint32_t size) const {
  QueuePage page;
  auto it = after ? queues_.upper_bound(*after) : queues_.begin();
  for (; it != queues_.end() && page.queues.size() < size; ++it) page.queues.push_back(it->first);
  if (it != queues_.end() && !page.queues.empty()) page.next_cursor = page.queues.back();
  return page;
}

std::optional<QueueStats> MemoryState::stat_queue(std::string_view queue) const {
  Queue* q = find_queue(queue);
  if (!q) return std::nullopt;
  QueueStats stats;
  stats.length = q->pending.size();
  stats.delayed = q->delayed;
  stats.leased = q->leased;
  stats.done = q->done;
  if (!q->pending.empty()) {
    stats.oldest_cursor = q->pending.begin()->cursor;
    stats.newest_cursor = q->pending.rbegin()->cursor;
  }
  stats.total_put = q->total_put;
  stats.total_acquired = q->total_acquired;
  stats.total_replied = q->total_replied;
  stats.total_redelivered = q->total_redelivered;
  stats.total_dead = q->total_dead;
  stats.total_removed = q->total_removed;
  stats.settings = q->settings;
  stats.settings.burst = q->settings.effective_burst();
  stats.total_failed = q->total_failed;
  stats.total_released = q->total_released;
  stats.total_expired = q->total_expired;
  return stats;
}

}  // namespace tc::memory
