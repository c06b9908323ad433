// A task's position in its queue: "<ms>-<seq>", the shape of a Redis stream id,
// strictly increasing inside a queue in every backend.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tc {

struct Cursor {
  std::uint64_t ms = 0;
  std::uint64_t seq = 0;

  auto operator<=>(const Cursor&) const = default;

  std::string to_string() const;

  // Accepts "<ms>-<seq>" and "<ms>" (seq 0), decimal digits only, no sign, no spaces.
  static std::optional<Cursor> parse(std::string_view text) noexcept;

  // The next cursor to hand out after `last`, at wall time `now_ms`: keeps the
  // ms part close to the clock but never goes backwards (clock steps are absorbed).
  static Cursor next(const Cursor& last, std::uint64_t now_ms) noexcept {
    if (now_ms > last.ms) return Cursor{now_ms, 0};
    return Cursor{last.ms, last.seq + 1};
  }
};

}  // namespace tc
