// The task model shared by the service, the stores and the HTTP layer.
// Times inside the server are integer milliseconds; the wire uses seconds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cursor.hpp"
#include "core/queue_settings.hpp"

namespace tc {

// A put's `config`. Validated by the HTTP layer before it gets here.
struct TaskConfig {
  std::int64_t cache_result_ms = 60'000;           // 0: forget the task as soon as it is replied
  std::optional<std::string> forward_result_to;    // queue that receives the reply as a new task
  std::uint32_t max_attempts = 0;                  // 0: redeliver forever
  std::optional<std::string> dead_letter_to;       // where a task goes after max_attempts
  std::int64_t delay_ms = 0;                       // invisible to peek until now + delay
  // Version 2 (docs/protocol.md, "More task config"). Stored by both engines; the rules
  // that read them are in the engines' take, apply_due and fail paths.
  std::int32_t priority = 0;                       // -1000..1000, higher is served first
  std::int64_t deadline_ms = 0;                    // lease within this long after the put; 0: none
  double cost = 1;                                 // (0, 1e9]: what take's max_cost counts
  std::optional<std::string> batch_key;            // tasks that may share one batch
  std::int64_t retry_delay_ms = 0;                 // base of the backoff after a failed attempt

  // Whether every Version 2 field has its default (most tasks: nothing extra is stored).
  bool v2_defaults() const noexcept {
    return priority == 0 && deadline_ms == 0 && cost == 1 && !batch_key && retry_delay_ms == 0;
  }
};

struct NewTask {
  std::string id;
  std::string info = "null";  // raw JSON text, already validated; echoed byte for byte
  std::string content;        // decoded bytes (base64 is the HTTP layer's business)
  TaskConfig config;
};

// What peek returns: no content.
struct PeekedTask {
  std::string id;
  std::string info;
  Cursor cursor;
  std::int32_t priority = 0;  // config.priority
};

// What acquire / take return.
struct AcquiredTask {
  std::string id;
  std::string info;
  std::string content;
  std::uint32_t attempt = 1;  // 1 on first delivery, grows with each redelivery
  // The task's config, so a consumer of a mixed batch can tell its tasks apart.
  std::int32_t priority = 0;
  std::optional<std::string> batch_key;
  double cost = 1;
  // How long the task had been visible and waiting when this lease began (ms, >= 0): from
  // its put, the end of its delay, or its return to pending after a lease that ran out, a
  // failed attempt or a release. For the queue delay histogram; not on the wire.
  std::int64_t queue_delay_ms = 0;
};

// What a reply does: whether it completed the task (the first reply wins) and, when it
// completed a leased task, how long that lease had run (ms, from the acquire or take
// that began it; touch does not restart it). For the service time histogram.
struct ReplyOutcome {
  bool completed = false;
  std::optional<std::int64_t> service_ms;  // nullopt: not completed, or the task was not leased

  explicit operator bool() const noexcept { return completed; }
  bool operator==(const ReplyOutcome&) const = default;
};

// What a take may choose besides `size` (docs/protocol.md, "take, for batches a GPU
// wants"). Validated by the HTTP layer. A take without any of them is a plain take.
struct TakeOptions {
  std::optional<double> max_cost;    // stop before the task that would exceed it
  std::optional<std::string> batch_key;  // only tasks with this key
  bool group_by_key = false;         // every task has the key of the first one taken

  bool any() const noexcept { return max_cost || batch_key || group_by_key; }
  bool operator==(const TakeOptions&) const = default;
};

// A reply, as cached and as handed to callers.
struct TaskResult {
  std::string info = "null";
  std::string content;
};

// One element of a reply_batch: the reply of task `id`.
struct TaskReply {
  std::string id;
  TaskResult result;
};

struct QueueStats {
  std::uint64_t length = 0;   // pending and visible
  std::uint64_t delayed = 0;  // pending, not yet visible
  std::uint64_t leased = 0;
  std::uint64_t done = 0;     // replied, result still cached
  std::optional<Cursor> oldest_cursor;
  std::optional<Cursor> newest_cursor;
  std::uint64_t total_put = 0;
  std::uint64_t total_acquired = 0;
  std::uint64_t total_replied = 0;
  std::uint64_t total_redelivered = 0;
  std::uint64_t total_dead = 0;  // attempts used up (dead-lettered or dropped)
  std::uint64_t total_removed = 0;
  std::uint64_t total_failed = 0;    // attempts reported failed (fail)
  std::uint64_t total_released = 0;  // leases given back untried (release)
  std::uint64_t total_expired = 0;   // tasks whose deadline passed before a lease
  std::uint64_t waiting = 0;     // filled in by the service: long-polls waiting here
  QueueSettings settings;        // config_queue
};

struct NamedQueueStats {
  std::string queue;
  QueueStats stats;
};

struct QueuePage {
  std::vector<std::string> queues;
  std::optional<std::string> next_cursor;  // nullopt: no more pages
};

}  // namespace tc
