// The netstring messages the Lua scripts produce (see scripts/lib.lua): the event
// message published on pub/sub (and returned to the caller), and outbox items.
// Pure parsers, unit-tested without a server.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.hpp"

namespace tc::redis {

struct StoreEvent {
  // expired: removed because its deadline passed before a lease (a call answers 0008);
  // progress: the leased task reported a progress event (seq, info, content)
  enum class Kind { pending, finished, removed, expired, progress };
  Kind kind = Kind::pending;
  std::string queue;
  std::string id;       // finished / removed / expired
  std::string info;     // finished; progress: the event's
  std::string content;  // finished; progress: the event's
  std::string incarnation;  // finished / removed / expired: of the task that ended ("" = unknown)
  std::uint64_t seq = 0;    // progress: the event's
};

struct EventMessage {
  std::string origin;  // instance id of the script's caller
  std::vector<StoreEvent> events;
};

// nullopt on a malformed message (ignored by the subscriber). An event of a kind this
// version does not know ends the message: the events before it are kept.
std::optional<EventMessage> parse_event_message(std::string_view message);

// A put of (id, info, content) into `target`, queued by reply (forward_result_to) or
// by a lease expiry (dead_letter_to).
struct OutboxItem {
  std::string target;
  std::string id;
  std::string info;
  std::string content;
  std::optional<std::int64_t> cache_ms;  // the put's cache_result_time; nullopt: the default
  // Where the put goes among those delivered together (the reaper's pass): by the ms the
  // item became due, then by the source queue, then by `schedule_key`, the order the
  // source scheduled its lease in ("" for a forward).
  std::int64_t due_ms = 0;
  std::string schedule_key;
  // A dead letter's origin (optional tail of the item): the copy carries it.
  struct DeadLetterOrigin {
    std::string source_queue;
    std::uint32_t attempts = 0;
    std::optional<std::string> last_error_info;
    std::string last_error_content;
  };
  std::optional<DeadLetterOrigin> origin;
};

std::optional<OutboxItem> parse_outbox_item(std::string_view item);

// Reads one "<len>:<bytes>" from the front of `in`; false if malformed.
bool read_netstring(std::string_view& in, std::string_view& out);

// The Version 2 fields of a task's config as one script argument (put.lua, lib.lua's
// parse_extras): "" when all have their defaults (most tasks: nothing extra is sent or
// stored), else "priority|cost|retry_delay_ms|deadline_ms|batch_key" (the key last and
// raw: it may contain '|'; empty when there is none, as a key is never empty).
std::string encode_task_extras(const TaskConfig& config);

}  // namespace tc::redis
