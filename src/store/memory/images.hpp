// Plain-data images of a queue and a task in any state: what a snapshot stores and
// what MemoryState exports and restores (compaction of the append-only log).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cursor.hpp"
#include "core/queue_settings.hpp"
#include "core/task_event.hpp"

namespace tc::memory {

// A queue's counters and last cursor (its tasks are TaskImages).
struct QueueImage {
  std::string name;
  Cursor last_cursor;
  std::uint64_t total_put = 0, total_acquired = 0, total_replied = 0, total_redelivered = 0,
                total_dead = 0, total_removed = 0;
  QueueSettings settings;  // config_queue (burst as given: 0 = the default)
  double bucket_tat = 0;   // the token bucket's state (Queue::bucket_tat)
  std::uint64_t total_failed = 0, total_released = 0;
  std::uint64_t total_expired = 0;
};

struct TaskImage {
  std::string queue;
  std::string id, info, content;  // done: the result's info and content
  std::uint8_t state = 0;         // TaskState
  Cursor cursor;                  // pending
  std::int64_t deadline = 0;      // delayed, leased, done
  std::int64_t cache_result_ms = 0;
  std::uint32_t attempts = 0, max_attempts = 0;
  std::optional<std::string> forward_result_to, dead_letter_to;
  // Version 2 (TaskExtras); defaults when the task has none.
  std::optional<std::string> batch_key;
  double cost = 1;
  std::int64_t retry_delay_ms = 0;
  std::int64_t expires_at = 0;
  std::int32_t priority = 0;
  std::optional<std::string> last_error_info;  // with last_error_content: fail's record
  std::string last_error_content;
  std::optional<std::string> source_queue;  // dead-lettered copies
  std::uint32_t source_attempts = 0;        // with source_queue
  std::int64_t created_ms = 0;  // when its put ran (get's age)
  // Progress events: those kept (oldest first, consecutive seqs) and the seq of the
  // newest one given (0: it never reported progress).
  std::vector<TaskEvent> events;
  std::uint64_t last_event_seq = 0;
};

}  // namespace tc::memory
