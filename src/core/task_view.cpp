#include "core/task_view.hpp"

#include <array>

namespace tc {
namespace {

constexpr std::array<std::string_view, 4> kNames = {"pending", "delayed", "leased", "done"};
constexpr std::array<char, 4> kLetters = {'p', 'd', 'l', 'f'};

}  // namespace

std::string_view task_view_state_name(TaskViewState state) noexcept {
  return kNames[static_cast<std::size_t>(state)];
}

std::optional<TaskViewState> task_view_state_of(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (kNames[i] == name) return static_cast<TaskViewState>(i);
  return std::nullopt;
}

std::string TaskListCursor::to_string() const {
  std::string out;
  out.reserve(key.size() + 2);
  out += kLetters[static_cast<std::size_t>(state)];
  out += ':';
  out += key;
  return out;
}

std::optional<TaskListCursor> TaskListCursor::parse(std::string_view text) {
  if (text.size() < 3 || text[1] != ':') return std::nullopt;
  for (std::size_t i = 0; i < kLetters.size(); ++i) {
    if (text[0] != kLetters[i]) continue;
    TaskListCursor out{static_cast<TaskViewState>(i), std::string(text.substr(2))};
    if (out.state == TaskViewState::pending) {
      auto cursor = Cursor::parse(out.key);
      if (!cursor) return std::nullopt;
      out.key = cursor->to_string();  // one spelling per position
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace tc
