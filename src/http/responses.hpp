// Pure response encoders: service results -> the JSON envelope of docs/protocol.md
// ({"err_code":"0000","data":...} plus "cursor" for peek and list_queue, or
// {"err_code":"0002","data":null,"message":"..."} for errors). Each reserves its
// output once; `info` is written as its raw text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "core/task.hpp"
#include "core/task_view.hpp"
#include "http/call_data_shape.hpp"
#include "service/queue_summary.hpp"
#include "service/task_service.hpp"

namespace tc::responses {

std::string error(Errc code, std::string_view message);
std::string boolean(bool value);                 // put, reply, touch, remove, clear_queue
std::string booleans(const std::vector<bool>& values);  // put_batch
std::string text(std::string_view value);        // healthz, version, buildtime
std::string peeked(const PeekOutcome& outcome);
std::string acquired(const std::vector<AcquiredTask>& tasks);  // acquire, take
// call: a result -> [{"id","result_info","result_content"}] (list, the default) or the
// object alone (CallDataShape::object); nullopt -> data null in either shape.
std::string call_result(std::string_view id, const std::optional<TaskResult>& result,
                        CallDataShape shape = CallDataShape::list);
std::string queue_page(const QueuePage& page);
std::string queue_stats(const std::optional<QueueStats>& stats);
// summary: {"data":[{"queue","oldest_pending_age","stats"}...],"cursor"}, where "stats" is
// exactly the object stat_queue answers and the age (seconds, 0 when nothing is pending)
// is counted from the oldest pending cursor to `now_ms` (wall-clock ms).
std::string summary_page(const SummaryPage& page, std::uint64_t now_ms);

// config_queue: {"paused","max_leased","rate","burst"}.
std::string queue_settings(const QueueSettings& settings);

std::string count(std::uint64_t value);  // redrive
// get: data null, or the task's view (docs/protocol.md, "Seeing tasks").
std::string task_view(const std::optional<TaskView>& view);
// list_tasks: {"data": [views], "cursor": next page or null}.
std::string task_page(const TaskPage& page);

}  // namespace tc::responses
