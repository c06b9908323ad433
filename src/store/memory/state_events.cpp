// MemoryState's progress events (docs/protocol.md, "Progress and streamed results"):
// kept per task in TaskExtras::events, created by the first progress a task reports, so
// a task that never reports any costs nothing more. They live and die with the node:
// kept across a redelivery and while a done task's result is cached, gone with the task
// (a dead-lettered copy is a fresh node and starts without them). The Redis engine does
// the same in progress.lua and events.lua.
#include <string>

#include "store/memory/memory_state.hpp"

namespace tc::memory {
namespace {

std::size_t event_bytes(const TaskEvent& event) noexcept {
  return event.info.size() + event.content.size();
}

// Drops the oldest events beyond the count or the byte budget (the newest one too when
// it alone is over the budget: "at most" holds).
void trim(TaskEventLog& log) noexcept {
  while (!log.kept.empty() &&
         (log.kept.size() > kTaskEventsKept || log.bytes > kTaskEventBytesKept)) {
    log.bytes -= event_bytes(log.kept.front());
    log.kept.pop_front();
  }
}

}  // namespace

std::optional<std::uint64_t> MemoryState::progress(std::int64_t now, std::string_view queue,
                                                   std::string_view id, TaskResult&& event,
                                                   std::optional<std::int64_t> lease_ms) {
  apply_due(now);
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node || node->state != TaskState::leased) return std::nullopt;
  // Allocations first: a throw leaves at most an empty event log behind.
  if (!node->extras) node->extras = std::make_unique<TaskExtras>();
  TaskExtras& extras = *node->extras;
  if (!extras.events) extras.events = std::make_unique<TaskEventLog>();
  TaskEventLog& log = *extras.events;
  log.kept.push_back(TaskEvent{log.last_seq + 1, std::move(event.info), std::move(event.content)});
  const std::uint64_t seq = ++log.last_seq;
  log.bytes += event_bytes(log.kept.back());
  if (lease_ms) extend_lease(now, *node, *lease_ms);
  // Told before trimming: an event over the byte budget by itself still reaches streams.
  if (events_)
    events_->on_progress(q->name, node->id(), std::to_string(node->incarnation), log.kept.back());
  trim(log);
  return seq;
}

TaskEvents MemoryState::events(std::string_view queue, std::string_view id,
                               std::uint64_t after) const {
  TaskEvents out;
  Queue* q = find_queue(queue);
  TaskNode* node = q ? find_task(*q, id) : nullptr;
  if (!node) return out;
  out.exists = true;
  out.incarnation = std::to_string(node->incarnation);
  if (node->extras && node->extras->events && !node->extras->events->kept.empty()) {
    const auto& kept = node->extras->events->kept;
    const std::uint64_t first = kept.front().seq;
    const std::size_t start = after < first ? 0 : static_cast<std::size_t>(after - first + 1);
    if (start < kept.size()) out.events.assign(kept.begin() + static_cast<std::ptrdiff_t>(start),
                                               kept.end());
  }
  if (node->state == TaskState::done)
    out.result = TaskResult{std::string(node->info()), std::string(node->content())};
  return out;
}

}  // namespace tc::memory
