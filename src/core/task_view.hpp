// What /task/get and /task/list_tasks show of one task: the store's answer, shaped for
// the wire by the HTTP layer. Members that only some tasks (or later rules) have are
// optional, so a store that does not know a field leaves it out of the answer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cursor.hpp"
#include "core/task.hpp"

namespace tc {

// The four states a client sees (pending = visible; delayed = waiting out a delay).
enum class TaskViewState : std::uint8_t { pending, delayed, leased, done };

std::string_view task_view_state_name(TaskViewState state) noexcept;
std::optional<TaskViewState> task_view_state_of(std::string_view name) noexcept;

struct TaskView {
  std::string id;
  TaskViewState state = TaskViewState::pending;
  // Raw JSON of the task's info; "null" for a done task (its info and content were
  // replaced by the result, which is what a done task keeps).
  std::string info = "null";
  std::int32_t priority = 0;
  std::optional<std::string> batch_key;
  double cost = 1;
  std::uint32_t attempt = 0;  // times leased so far
  std::int64_t age_ms = 0;    // since the put that created it (this incarnation)
  std::optional<std::int64_t> visible_in_ms;  // delayed
  std::optional<std::int64_t> lease_left_ms;  // leased
  std::optional<std::string> progress;        // raw JSON info of the latest progress event
  std::optional<TaskResult> last_error;       // of a failed attempt
  std::optional<std::string> source_queue;    // dead-lettered copies
  std::optional<TaskResult> result;           // done, get only
  std::optional<std::string> content;         // get with with_content (not done)
};

// Where a list_tasks scan stands: the last task listed, by its state and its key in that
// state's order (pending: its cursor; the other states: its id). Tasks are listed state
// by state (pending, delayed, leased, done), pending ones in cursor order, the others in
// byte order of their ids: orders that do not change while a task stays in its state,
// so a scan lists such a task once. Wire form: "<p|d|l|f>:<key>".
struct TaskListCursor {
  TaskViewState state = TaskViewState::pending;
  std::string key;  // pending: Cursor::to_string(); else the id

  std::string to_string() const;
  // nullopt unless "<p|d|l|f>:<key>" with a valid cursor (pending) or a non-empty key.
  static std::optional<TaskListCursor> parse(std::string_view text);
};

struct TaskPage {
  std::vector<TaskView> tasks;  // without content or result
  std::optional<TaskListCursor> next_cursor;  // nullopt: nothing after the last one
};

}  // namespace tc
