// MemoryState's reads for /task/get and /task/list_tasks: what a client sees of tasks.
#include <algorithm>

#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

TaskViewState view_state(TaskState state) noexcept {
  switch (state) {
    case TaskState::delayed: return TaskViewState::delayed;
    case TaskState::pending: return TaskViewState::pending;
    case TaskState::leased: return TaskViewState::leased;
    case TaskState::done: return TaskViewState::done;
  }
  return TaskViewState::pending;
}

TaskState node_state(TaskViewState state) noexcept {
  switch (state) {
    case TaskViewState::pending: return TaskState::pending;
    case TaskViewState::delayed: return TaskState::delayed;
    case TaskViewState::leased: return TaskState::leased;
    case TaskViewState::done: return TaskState::done;
  }
  return TaskState::pending;
}

// The fields get and list_tasks share (no content, no result).
TaskView view_of(std::int64_t now, const TaskNode& node) {
  TaskView view;
  view.id.assign(node.id());
  view.state = view_state(node.state);
  if (node.state != TaskState::done) view.info.assign(node.info());
  view.attempt = node.attempts;
  if (const TaskExtras* extras = node.extras.get()) {
    view.priority = extras->priority;
    view.batch_key = extras->batch_key;
    view.cost = extras->cost;
    if (extras->last_error_info)
      view.last_error = TaskResult{*extras->last_error_info, extras->last_error_content};
    view.source_queue = extras->source_queue;
    if (extras->events && !extras->events->kept.empty())
      view.progress = extras->events->kept.back().info;
  }
  // 0: restored from a snapshot image that did not carry the put's time.
  if (node.created_ms != 0) view.age_ms = std::max<std::int64_t>(now - node.created_ms, 0);
  if (node.state == TaskState::delayed)
    view.visible_in_ms = std::max<std::int64_t>(node.deadline - now, 0);
  if (node.state == TaskState::leased)
    view.lease_left_ms = std::max<std::int64_t>(node.deadline - now, 0);
  return view;
}

// Orders an id (a list_tasks cursor's) against the nodes of a StateIndex, as IdOrder.
struct IdKeyOrder {
  bool operator()(std::string_view key, const TaskNode& node) const noexcept {
    return id_less(key, node.id());
  }
  bool operator()(const TaskNode& node, std::string_view key) const noexcept {
    return id_less(node.id(), key);
  }
};

}  // namespace

std::optional<TaskView> MemoryState::get(std::int64_t now, std::string_view queue,
                                         std::string_view id, bool with_content) const {
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node) return std::nullopt;
  TaskView view = view_of(now, *node);
  if (node->state == TaskState::done) {
    view.result = TaskResult{std::string(node->info()), std::string(node->content())};
  } else if (with_content) {
    view.content.emplace(node->content());
  }
  return view;
}

TaskPage MemoryState::list_tasks(std::int64_t now, std::string_view queue,
                                 std::optional<TaskViewState> state,
                                 const std::optional<TaskListCursor>& after,
                                 std::uint32_t size) const {
  TaskPage page;
  Queue* q = find_queue(queue);
  if (!q || size == 0) return page;
  // One more than asked tells whether a next page exists.
  const std::size_t wanted = std::size_t{size} + 1;
  std::vector<const TaskNode*> found;
  found.reserve(std::min<std::size_t>(wanted, 1024));
  constexpr TaskViewState kOrder[] = {TaskViewState::pending, TaskViewState::delayed,
                                      TaskViewState::leased, TaskViewState::done};
  for (TaskViewState listed : kOrder) {
    if (found.size() >= wanted) break;
    if (state && *state != listed) continue;
    // States before the cursor's were listed already.
    if (after && static_cast<int>(listed) < static_cast<int>(after->state)) continue;
    const bool resume = after && after->state == listed;
    if (listed == TaskViewState::pending) {
      auto it = q->pending.begin();
      if (resume) {
        auto cursor = Cursor::parse(after->key);
        it = cursor ? q->pending.upper_bound(*cursor) : q->pending.end();
      }
      for (; it != q->pending.end() && found.size() < wanted; ++it) found.push_back(&*it);
      continue;
    }
    const StateIndex& in_state = by_state_of(*q, node_state(listed));
    auto it = resume ? in_state.upper_bound(std::string_view(after->key), IdKeyOrder{})
                     : in_state.begin();
    for (; it != in_state.end() && found.size() < wanted; ++it) found.push_back(&*it);
  }
  if (found.size() > size) {
    found.resize(size);
    const TaskNode& last = *found.back();
    TaskListCursor next{view_state(last.state), std::string(last.id())};
    if (last.state == TaskState::pending) next.key = last.cursor.to_string();
    page.next_cursor = std::move(next);
  }
  page.tasks.reserve(found.size());
  for (const TaskNode* node : found) page.tasks.push_back(view_of(now, *node));
  return page;
}

}  // namespace tc::memory
