// MemoryState's export and restore of plain-data images (log compaction snapshots).
#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

void fill(TaskImage& image, const TaskNode& node) {
  image.queue.assign(node.queue->name);
  image.id.assign(node.id());
  image.info.assign(node.info());
  image.content.assign(node.content());
  image.state = static_cast<std::uint8_t>(node.state);
  // The node keeps only the one its state uses (they share their bytes).
  bool pending = node.state == TaskState::pending;
  image.cursor = pending ? node.cursor : Cursor{};
  image.deadline = pending ? 0 : node.deadline;
  image.cache_result_ms = node.cache_result_ms;
  image.attempts = node.attempts;
  image.max_attempts = node.max_attempts;
  image.created_ms = node.created_ms;
  const TaskExtras none;
  const TaskExtras& extras = node.extras ? *node.extras : none;
  image.forward_result_to = extras.forward_result_to;
  image.dead_letter_to = extras.dead_letter_to;
  image.batch_key = extras.batch_key;
  image.cost = extras.cost;
  image.retry_delay_ms = extras.retry_delay_ms;
  image.expires_at = extras.expires_at;
  image.priority = extras.priority;
  image.last_error_info = extras.last_error_info;
  image.last_error_content = extras.last_error_content;
  image.source_queue = extras.source_queue;
  image.source_attempts = extras.source_attempts;
  image.events.clear();
  image.last_event_seq = 0;
  if (extras.events) {
    image.events.assign(extras.events->kept.begin(), extras.events->kept.end());
    image.last_event_seq = extras.events->last_seq;
  }
}

// The image's events as a node keeps them; null when it has none, or when they do not
// fit (seqs not consecutive, above the last one given, or more than the task may keep).
bool restore_events(TaskImage& image, std::unique_ptr<TaskEventLog>& out) {
  if (image.last_event_seq == 0) return image.events.empty();
  if (image.events.size() > kTaskEventsKept) return false;
  auto log = std::make_unique<TaskEventLog>();
  log->last_seq = image.last_event_seq;
  std::uint64_t expected = image.events.empty()
                               ? image.last_event_seq + 1
                               : image.last_event_seq + 1 - image.events.size();
  if (image.events.size() > image.last_event_seq) return false;
  for (TaskEvent& event : image.events) {
    if (event.seq != expected++) return false;
    log->bytes += event.info.size() + event.content.size();
    log->kept.push_back(std::move(event));
  }
  if (log->bytes > kTaskEventBytesKept) return false;
  out = std::move(log);
  return true;
}

}  // namespace

void MemoryState::export_images(const std::function<void(const QueueImage&)>& on_queue,
                                const std::function<void(const TaskImage&)>& on_task) const {
  for (const auto& [name, queue] : queues_) {
    QueueImage image;
    image.name = name;
    image.last_cursor = queue->last_cursor;
    image.total_put = queue->total_put;
    image.total_acquired = queue->total_acquired;
    image.total_replied = queue->total_replied;
    image.total_redelivered = queue->total_redelivered;
    image.total_dead = queue->total_dead;
    image.total_removed = queue->total_removed;
    image.settings = queue->settings;
    image.bucket_tat = queue->bucket_tat;
    image.total_failed = queue->total_failed;
    image.total_released = queue->total_released;
    image.total_expired = queue->total_expired;
    on_queue(image);
  }
  TaskImage image;
  for (const auto& [name, queue] : queues_) {
    for (const TaskNode& node : queue->pending) {
      fill(image, node);
      on_task(image);
    }
  }
  // Deadline order, so that equal deadlines are restored in the order they expire.
  for (const TaskNode& node : deadlines_) {
    fill(image, node);
    on_task(image);
  }
}

void MemoryState::restore_queue(QueueImage&& image) {
  Queue& queue = queue_for(image.name);
  queue.last_cursor = image.last_cursor;
  queue.total_put = image.total_put;
  queue.total_acquired = image.total_acquired;
  queue.total_replied = image.total_replied;
  queue.total_redelivered = image.total_redelivered;
  queue.total_dead = image.total_dead;
  queue.total_removed = image.total_removed;
  queue.settings = image.settings;
  queue.bucket_tat = image.bucket_tat;
  queue.total_failed = image.total_failed;
  queue.total_released = image.total_released;
  queue.total_expired = image.total_expired;
}

bool MemoryState::restore_task(TaskImage&& image) {
  Queue* queue = find_queue(image.queue);
  if (!queue || image.state > static_cast<std::uint8_t>(TaskState::done)) return false;
  auto state = static_cast<TaskState>(image.state);
  if (state == TaskState::pending &&
      (image.cursor > queue->last_cursor ||
       (!queue->pending.empty() && !(queue->pending.rbegin()->cursor < image.cursor))))
    return false;
  // Everything that can throw (allocations) comes before the first change.
  std::uint32_t hash = IdIndex::hash(image.id);
  queue->tasks.reserve_one_more();
  IdIndex::Slot slot;
  if (!queue->tasks.insert_check(image.id, hash, slot)) return false;
  TaskExtras restored;
  restored.forward_result_to = std::move(image.forward_result_to);
  restored.dead_letter_to = std::move(image.dead_letter_to);
  restored.batch_key = std::move(image.batch_key);
  restored.cost = image.cost;
  restored.retry_delay_ms = image.retry_delay_ms;
  restored.expires_at = image.expires_at;
  restored.priority = image.priority;
  restored.last_error_info = std::move(image.last_error_info);
  restored.last_error_content = std::move(image.last_error_content);
  restored.source_queue = std::move(image.source_queue);
  restored.source_attempts = image.source_attempts;
  if (!restore_events(image, restored.events)) return false;
  std::unique_ptr<TaskExtras> extras;
  if (!restored.all_default()) extras = std::make_unique<TaskExtras>(std::move(restored));
  TaskNode* node = TaskNode::make(image.id, hash, image.info, image.content).release();
  node->cache_result_ms = image.cache_result_ms;
  node->attempts = image.attempts;
  node->max_attempts = image.max_attempts;
  node->incarnation = ++last_incarnation_;
  node->created_ms = image.created_ms;
  node->extras = std::move(extras);
  node->queue = queue;
  queue->tasks.insert_commit(*node, slot);
  ++task_count_;
  live_bytes_ += bytes_of(*node);
  if (state == TaskState::pending) {
    node->state = TaskState::pending;
    node->cursor = image.cursor;
    queue->pending.insert(queue->pending.end(), *node);
    index_priority(*node);
    index_key(*node);
    index_expiry(*node);
  } else {
    schedule(*node, state, image.deadline);
  }
  return true;
}

}  // namespace tc::memory
