// Progress events of a task (docs/protocol.md, "Progress and streamed results"): what a
// consumer holding the lease reports while it works, kept with the task (the newest
// kTaskEventsKept, at most kTaskEventBytesKept bytes of info + content) and streamed to
// callers and watchers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/task.hpp"

namespace tc {

inline constexpr std::size_t kTaskEventsKept = 1000;
inline constexpr std::size_t kTaskEventBytesKept = 1 << 20;

struct TaskEvent {
  std::uint64_t seq = 0;     // 1, 2, ... per task (per incarnation of its id), never reused
  std::string info = "null";  // JSON text, as TaskResult::info
  std::string content;        // as TaskResult::content
};

// What watch (and a streamed call) reads of a task: its kept events after a seq, and
// whether it is done.
struct TaskEvents {
  bool exists = false;            // no such task: everything else is empty
  std::string incarnation;        // as CallBegin::incarnation
  std::vector<TaskEvent> events;  // seq > after, oldest first (those still kept)
  std::optional<TaskResult> result;  // the task is done: its result
};

}  // namespace tc
