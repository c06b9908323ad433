// RedisStore's /task/get and /task/list_tasks: one script each (get_task.lua,
// list_tasks.lua), decoded here.
#include <charconv>
#include <cstdint>

#include "store/redis/keys.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"

namespace tc {
namespace {

using redis::args_of;
using redis::Reply;

// The fields of one row of get_task.lua / list_tasks.lua.
constexpr std::size_t kRowFields = 14;

std::optional<TaskViewState> state_of_letter(std::string_view letter) noexcept {
  if (letter == "P") return TaskViewState::pending;
  if (letter == "D") return TaskViewState::delayed;
  if (letter == "L") return TaskViewState::leased;
  if (letter == "F") return TaskViewState::done;
  return std::nullopt;
}

std::string_view letter_of(TaskViewState state) noexcept {
  switch (state) {
    case TaskViewState::pending: return "P";
    case TaskViewState::delayed: return "D";
    case TaskViewState::leased: return "L";
    case TaskViewState::done: return "F";
  }
  return "";
}

bool digits_of(std::string_view text, std::int64_t& out) noexcept {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

bool number_of(std::string_view text, double& out) noexcept {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

// Decodes the row at `at` of `r` into `view`; the row's list key goes to `key`.
bool row_of(Reply& r, std::size_t at, TaskView& view, std::string& key) {
  for (std::size_t i = 0; i < kRowFields; ++i)
    if (r.elements[at + i].type != Reply::Type::string) return false;
  auto state = state_of_letter(r.elements[at + 1].str);
  std::int64_t attempt = 0, age = 0, left = 0;
  if (!state || !digits_of(r.elements[at + 3].str, attempt) ||
      !digits_of(r.elements[at + 4].str, age) || attempt < 0 || attempt > UINT32_MAX)
    return false;
  view.id = std::move(r.elements[at].str);
  view.state = *state;
  view.info = std::move(r.elements[at + 2].str);
  view.attempt = static_cast<std::uint32_t>(attempt);
  view.age_ms = age;
  const std::string& left_text = r.elements[at + 5].str;
  if (!left_text.empty()) {
    if (!digits_of(left_text, left)) return false;
    if (*state == TaskViewState::delayed) view.visible_in_ms = left;
    if (*state == TaskViewState::leased) view.lease_left_ms = left;
  }
  key = std::move(r.elements[at + 6].str);
  // The Version 2 fields; '' is "none" (a batch key, an info and a queue name are never
  // empty).
  std::int64_t priority = 0;
  if (!digits_of(r.elements[at + 7].str, priority) || priority < INT32_MIN ||
      priority > INT32_MAX || !number_of(r.elements[at + 8].str, view.cost))
    return false;
  view.priority = static_cast<std::int32_t>(priority);
  if (!r.elements[at + 9].str.empty()) view.batch_key = std::move(r.elements[at + 9].str);
  if (!r.elements[at + 10].str.empty())
    view.last_error =
        TaskResult{std::move(r.elements[at + 10].str), std::move(r.elements[at + 11].str)};
  if (!r.elements[at + 12].str.empty()) view.source_queue = std::move(r.elements[at + 12].str);
  if (!r.elements[at + 13].str.empty()) view.progress = std::move(r.elements[at + 13].str);
  return true;
}

}  // namespace

Awaitable<Result<std::optional<TaskView>>> RedisStore::get(std::string queue, std::string id,
                                                           bool with_content) {
  // Arguments built before the co_await: GCC 12 frees temporaries of a conditional
  // expression inside a co_await expression twice.
  std::string flag = with_content ? "1" : "0";
  auto args = args_of(std::move(id), std::move(flag));
  auto r = co_await run(scripts_->get_task, "get", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array()) co_return redis::internal_error("get: unexpected reply");
  if (r->elements.empty()) co_return std::optional<TaskView>{};
  if (r->elements.size() != kRowFields + 2) co_return redis::internal_error("get: unexpected reply");
  TaskView view;
  std::string key;
  if (!row_of(*r, 0, view, key)) co_return redis::internal_error("get: a malformed row");
  std::string& content = r->elements[kRowFields].str;
  if (view.state == TaskViewState::done) {
    view.result = TaskResult{std::move(r->elements[kRowFields + 1].str), std::move(content)};
  } else if (with_content) {
    view.content = std::move(content);
  }
  co_return std::optional<TaskView>(std::move(view));
}

Awaitable<Result<TaskPage>> RedisStore::list_tasks(std::string queue,
                                                   std::optional<TaskViewState> state,
                                                   std::optional<TaskListCursor> after,
                                                   std::uint32_t size) {
  TaskPage page;
  if (size == 0) co_return page;
  std::string after_letter, after_key;
  if (after) {
    after_letter = letter_of(after->state);
    after_key = after->key;
    if (after->state == TaskViewState::pending) {
      auto cursor = Cursor::parse(after->key);
      if (!cursor) co_return page;  // TaskListCursor::parse lets no such cursor through
      after_key = redis::cursor_key(cursor->ms, cursor->seq);
    }
  }
  // One more than asked tells whether a next page exists.
  // (Arguments built before the co_await: see get.)
  std::string only;
  if (state) only = letter_of(*state);
  auto args = args_of(std::move(only), std::move(after_letter), std::move(after_key),
                      std::to_string(std::uint64_t{size} + 1));
  auto r = co_await run(scripts_->list_tasks, "list_tasks", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() % kRowFields != 0)
    co_return redis::internal_error("list_tasks: unexpected reply");
  const std::size_t rows = r->elements.size() / kRowFields;
  page.tasks.reserve(std::min<std::size_t>(rows, size));
  std::string key;
  for (std::size_t i = 0; i < rows && i < size; ++i) {
    TaskView view;
    if (!row_of(*r, i * kRowFields, view, key))
      co_return redis::internal_error("list_tasks: a malformed row");
    page.tasks.push_back(std::move(view));
  }
  if (rows > size) {
    const TaskView& last = page.tasks.back();
    TaskListCursor next{last.state, last.id};
    if (last.state == TaskViewState::pending) {
      auto cursor = redis::parse_cursor_key(key);
      if (!cursor) co_return redis::internal_error("list_tasks: a malformed cursor key in Redis");
      next.key = cursor->to_string();
    }
    page.next_cursor = std::move(next);
  }
  co_return page;
}

}  // namespace tc
