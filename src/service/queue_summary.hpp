// The dashboard's overview in one request (POST /task/summary): a page of queues that
// match a search, each with its stat_queue figures. Built on the Store's list_queues and
// stat_queue only, so both engines serve it through the interface they already prove
// the same, and one request costs O(names scanned + queues answered), never O(all queues).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/awaitable.hpp"
#include "core/errors.hpp"
#include "core/task.hpp"

namespace tc {

class TaskService;

// One request scans at most this many names (the work bound of one request). A search
// that matches few queues therefore answers a short page (even an empty one) with a
// cursor to go on from, as list_queue does under a scope.
inline constexpr std::uint32_t kSummaryScanLimit = 10'000;

struct SummaryArgs {
  std::optional<std::string> cursor;  // the name of the last queue scanned; nullopt: first
  std::uint32_t size = 100;           // at most this many queues answered
  std::string search;                 // "" matches every queue
};

struct SummaryPage {
  std::vector<NamedQueueStats> queues;   // in list_queue order, waiting filled in
  std::optional<std::string> next_cursor;  // nullopt: the scan reached the last queue
};

// Whether `name` contains `search`, ASCII letters compared without case ("" matches all).
bool summary_matches(std::string_view search, std::string_view name) noexcept;

// Scans queue names after args.cursor, keeps those that match args.search and that
// `visible` allows (the token's read scope; null: every queue), and answers the figures
// of up to args.size of them. A queue cleared between the scan and its figures is left out.
Awaitable<Result<SummaryPage>> summarize_queues(TaskService& service, SummaryArgs args,
                                                std::function<bool(std::string_view)> visible);

}  // namespace tc
