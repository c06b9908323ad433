#include "service/queue_summary.hpp"

#include <algorithm>

#include "service/task_service.hpp"

namespace tc {
namespace {

char lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

bool summary_matches(std::string_view search, std::string_view name) noexcept {
  if (search.size() > name.size()) return false;
  const auto hit = std::search(name.begin(), name.end(), search.begin(), search.end(),
                               [](char a, char b) { return lower_ascii(a) == lower_ascii(b); });
  return hit != name.end() || search.empty();
}

Awaitable<Result<SummaryPage>> summarize_queues(TaskService& service, SummaryArgs args,
                                                std::function<bool(std::string_view)> visible) {
  constexpr std::uint32_t kNamesPerStep = 1000;
  std::vector<std::string> matched;
  std::optional<std::string> cursor = std::move(args.cursor);
  std::optional<std::string> next_cursor;
  std::uint32_t scanned = 0;
  for (;;) {
    const std::uint32_t step = std::min(kNamesPerStep, kSummaryScanLimit - scanned);
    auto page = co_await service.list_queues(cursor, step);
    if (!page) co_return std::move(page).error();
    if (page->queues.empty()) break;
    bool page_full = false;
    std::size_t used = 0;
    for (auto& name : page->queues) {
      ++used;
      ++scanned;
      if (summary_matches(args.search, name) && (!visible || visible(name))) {
        matched.push_back(name);
        if (matched.size() == args.size) {
          page_full = true;
          break;
        }
      }
    }
    const bool more = used < page->queues.size() || page->next_cursor.has_value();
    if (!more) break;  // the scan reached the last queue: no cursor
    if (page_full || scanned >= kSummaryScanLimit) {
      next_cursor = page->queues[used - 1];
      break;
    }
    cursor = std::move(page->next_cursor);
  }
  SummaryPage out;
  out.next_cursor = std::move(next_cursor);
  out.queues.reserve(matched.size());
  for (auto& name : matched) {
    auto stats = co_await service.stat_queue(name);
    if (!stats) co_return std::move(stats).error();
    if (*stats) out.queues.push_back(NamedQueueStats{std::move(name), std::move(**stats)});
  }
  co_return out;
}

}  // namespace tc
