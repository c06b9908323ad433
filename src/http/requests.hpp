// Pure request parsers: the body bytes of each /task/* endpoint -> a typed, validated
// request, or an ApiError (0002) whose message names the field and says why.
// No I/O, no service: unit-tested and fuzzed on their own (docs/protocol.md lists the rules).
//
// The body is validated in full by simdjson's DOM parser (including UTF-8 and inside
// `info`) before anything is taken from it; `info` is then copied as its raw text so it
// round-trips byte for byte. When a key appears twice, the first occurrence is used for
// every field (that is what simdjson's DOM lookup does). Unknown fields are ignored;
// an optional field given as null takes its default.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/task.hpp"
#include "core/task_view.hpp"
#include "service/task_service.hpp"

namespace tc {

inline constexpr std::size_t kMaxNameBytes = 256;     // queue and id
inline constexpr std::size_t kMaxListEntries = 1000;  // size, ids, tasks
// Times above this (about 31.7 years) are rejected rather than silently clamped: they
// are almost always a unit mistake (milliseconds or a timestamp sent as seconds).
inline constexpr double kMaxSeconds = 1e9;
inline constexpr std::int64_t kMinPriority = -1000;  // config.priority
inline constexpr std::int64_t kMaxPriority = 1000;
inline constexpr double kMaxCost = 1e9;              // config.cost (and take's max_cost)
inline constexpr std::size_t kMaxListCursorBytes = 1024;

struct PutRequest {
  std::string queue;
  NewTask task;
};

struct PutBatchRequest {
  std::string queue;
  std::vector<NewTask> tasks;
};

struct AcquireRequest {
  std::string queue;
  std::vector<std::string> ids;
  std::int64_t lease_ms = 0;
};

struct ReplyRequest {
  std::string queue;
  std::string id;
  TaskResult result;
};

struct ReplyBatchRequest {
  std::string queue;
  std::vector<TaskReply> replies;
};

struct TaskRef {  // remove
  std::string queue;
  std::string id;
};

struct TouchRequest {
  std::string queue;
  std::string id;
  std::int64_t lease_ms = 0;
};

struct ProgressRequest {
  std::string queue;
  std::string id;
  TaskResult event;                     // info (raw JSON, "null" when absent), content
  std::optional<std::int64_t> lease_ms;  // promise_reply_time: extend the lease
};

struct ClearQueueRequest {
  std::string queue;
  std::uint32_t max_steps = 0;  // 0: no bound
};

struct ListQueueRequest {
  std::optional<std::string> cursor;
  std::uint32_t size = 100;
};

struct StatQueueRequest {
  std::string queue;
};

struct SummaryRequest {
  std::optional<std::string> cursor;
  std::uint32_t size = 100;
  std::string search;  // "" matches every queue
};

Result<PutRequest> parse_put(std::string_view body);
Result<PutBatchRequest> parse_put_batch(std::string_view body);
Result<PeekArgs> parse_peek(std::string_view body);
Result<AcquireRequest> parse_acquire(std::string_view body);
Result<TakeArgs> parse_take(std::string_view body);
Result<ReplyRequest> parse_reply(std::string_view body);
Result<CallArgs> parse_call(std::string_view body);
Result<TaskRef> parse_remove(std::string_view body);
Result<TouchRequest> parse_touch(std::string_view body);
// /task/progress (requests_progress.cpp).
Result<ProgressRequest> parse_progress(std::string_view body);
Result<ClearQueueRequest> parse_clear_queue(std::string_view body);
Result<ListQueueRequest> parse_list_queue(std::string_view body);
Result<StatQueueRequest> parse_stat_queue(std::string_view body);
Result<SummaryRequest> parse_summary(std::string_view body);
Result<ReplyBatchRequest> parse_reply_batch(std::string_view body);

struct ConfigQueueRequest {
  std::string queue;
  QueueSettingsChange change;
};
// config_queue (config_queue_request.cpp): paused a boolean; max_leased an integer
// 0..1e9; rate a number 0..1e6 (0 removes the bucket); burst a number 1..1e9, only with a
// rate > 0 in the same request (rate and burst are one setting, the bucket).
Result<ConfigQueueRequest> parse_config_queue(std::string_view body);

// --- failures (requests_failures.cpp) ---

struct FailRequest {
  std::string queue;
  std::string id;
  TaskResult error;  // the attempt's info / content, kept as last_error
};

struct ReleaseRequest {
  std::string queue;
  std::string id;
  std::int64_t delay_ms = 0;
};

struct RedriveRequest {
  std::string queue;
  std::vector<std::string> ids;  // empty: the first `size` tasks
  std::uint32_t size = 100;
};

Result<FailRequest> parse_fail(std::string_view body);
Result<RedriveRequest> parse_redrive(std::string_view body);
Result<ReleaseRequest> parse_release(std::string_view body);

struct GetRequest {
  std::string queue;
  std::string id;
  bool with_content = false;
};

struct ListTasksRequest {
  std::string queue;
  std::optional<TaskViewState> state;  // nullopt: every state
  std::optional<TaskListCursor> cursor;
  std::uint32_t size = 100;
};

Result<GetRequest> parse_get(std::string_view body);
// A cursor must be one list_tasks returned; with `state`, one of that state.
Result<ListTasksRequest> parse_list_tasks(std::string_view body);
// watch: {"queue", "id", "after"?: 0, "timeout"}.
Result<WatchArgs> parse_watch(std::string_view body);

// Seconds on the wire -> milliseconds inside, rounding fractions of a millisecond up so
// that a positive time never becomes 0. Exposed for tests.
std::int64_t seconds_to_ms(double seconds) noexcept;

}  // namespace tc
