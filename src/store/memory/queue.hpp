// One queue of MemoryState: its tasks (by id, and the visible ones in cursor order) and
// its counters.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/cursor.hpp"
#include "core/queue_settings.hpp"
#include "store/memory/id_index.hpp"
#include "store/memory/task_node.hpp"

namespace tc::memory {

struct Queue {
  std::string_view name;  // the key of MemoryState's queue map (stable)
  IdIndex tasks;          // every task of the queue in any state; owns the nodes
                          // (destroyed by MemoryState)
  PendingSet pending;
  Cursor last_cursor;     // the last cursor handed out in this queue
  std::uint64_t delayed = 0;
  std::uint64_t leased = 0;
  std::uint64_t done = 0;
  std::uint64_t total_put = 0;
  std::uint64_t total_acquired = 0;
  std::uint64_t total_replied = 0;
  std::uint64_t total_redelivered = 0;
  std::uint64_t total_dead = 0;
  std::uint64_t total_removed = 0;
  // config_queue (state_settings.cpp): the settings, and the token bucket's state (the
  // GCRA's theoretical arrival time, ms; <= now means full).
  QueueSettings settings;
  double bucket_tat = 0;
  std::uint64_t total_failed = 0;    // attempts a consumer reported failed (fail)
  std::uint64_t total_released = 0;  // leases given back untried (release)
};

inline bool DeadlineOrder::operator()(const TaskNode& a, const TaskNode& b) const noexcept {
  if (a.deadline != b.deadline) return a.deadline < b.deadline;
  return a.queue != b.queue && a.queue->name < b.queue->name;
}

}  // namespace tc::memory
