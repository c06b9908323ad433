// MemoryState's export and restore of plain-data images (log compaction snapshots).
#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

void fill(TaskImage& image, const TaskNode& node) {
  image.queue.assign(node.queue->name);
  image.id.assign(node.id);
  image.info.assign(node.info);
  image.content.assign(node.content);
  image.state = static_cast<std::uint8_t>(node.state);
  image.cursor = node.cursor;
  image.deadline = node.deadline;
  image.cache_result_ms = node.cache_result_ms;
  image.attempts = node.attempts;
  image.max_attempts = node.max_attempts;
  image.forward_result_to.reset();
  image.dead_letter_to.reset();
  if (node.routes) {
    image.forward_result_to = node.routes->forward_result_to;
    image.dead_letter_to = node.routes->dead_letter_to;
  }
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
}

bool MemoryState::restore_task(TaskImage&& image) {
  Queue* queue = find_queue(image.queue);
  if (!queue || image.state > static_cast<std::uint8_t>(TaskState::done) ||
      find_task(*queue, image.id))
    return false;
  auto state = static_cast<TaskState>(image.state);
  if (state == TaskState::pending &&
      (image.cursor > queue->last_cursor ||
       (!queue->pending.empty() && !(queue->pending.rbegin()->cursor < image.cursor))))
    return false;
  auto node = std::make_unique<TaskNode>();
  node->id = std::move(image.id);
  node->info = std::move(image.info);
  node->content = std::move(image.content);
  node->cursor = image.cursor;
  node->cache_result_ms = image.cache_result_ms;
  node->attempts = image.attempts;
  node->max_attempts = image.max_attempts;
  if (image.forward_result_to || image.dead_letter_to)
    node->routes = std::make_unique<TaskRoutes>(
        TaskRoutes{std::move(image.forward_result_to), std::move(image.dead_letter_to)});
  node->queue = queue;
  TaskNode* raw = node.release();
  queue->tasks.insert(raw);
  ++task_count_;
  live_bytes_ += bytes_of(*raw);
  if (state == TaskState::pending) {
    raw->state = TaskState::pending;
    queue->pending.insert(queue->pending.end(), *raw);
  } else {
    schedule(*raw, state, image.deadline);
  }
  return true;
}

}  // namespace tc::memory
