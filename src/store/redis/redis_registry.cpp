// The queue registry (docs/redis.md): one sorted set of queue names in a slot of its
// own, read by list_queue and by the reaper, which walks it and applies what came due.
#include <boost/asio/this_coro.hpp>

#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"

namespace tc {

// Written by a second command after the put that created the queue (another slot).
Awaitable<void> RedisStore::register_queue(const std::string& queue) {
  redis::Client& client = client_for(co_await boost::asio::this_coro::executor);
  (void)co_await client.command(registry_key_, redis::args_of("ZADD", registry_key_, "0", queue));
}

Awaitable<Result<QueuePage>> RedisStore::list_queues(std::optional<std::string> cursor,
                                                     std::uint32_t size) {
  std::string start = cursor ? "(" + *cursor : "-";
  redis::Reply r = co_await client_.command(
      registry_key_, redis::args_of("ZRANGEBYLEX", registry_key_, start, "+", "LIMIT", "0",
                                    std::to_string(size + 1ULL)));
  if (r.is_io_error() || r.is_error()) co_return redis::error_of(r, "list_queue");
  if (!r.is_array()) co_return redis::internal_error("list_queue: unexpected reply");
  QueuePage page;
  for (auto& e : r.elements) page.queues.push_back(std::move(e.str));
  if (page.queues.size() > size) {
    page.queues.resize(size);
    if (!page.queues.empty()) page.next_cursor = page.queues.back();
  }
  co_return page;
}

// One pass over every queue. The dead letters the pass makes are delivered at its end,
// in the order of docs/protocol.md ("Orders"), not in the order of the queue names.
Awaitable<Result<std::uint64_t>> RedisStore::reap() {
  std::uint64_t applied = 0;
  std::vector<std::pair<std::string, std::string>> outbox;  // (source queue, item)
  std::optional<ApiError> failed;
  std::optional<std::string> cursor;
  do {
    auto page = co_await list_queues(cursor, 1000);
    if (!page.ok()) {
      failed = std::move(page).error();
      break;
    }
    for (auto& queue : page->queues) {
      // Loop while a full batch came due, so a burst of expiries is drained now.
      for (;;) {
        std::vector<std::string> items;
        auto r = co_await run(scripts_->reap, "reap", queue,
                              redis::args_of(std::to_string(options_.reap_limit)), &items);
        for (auto& item : items) outbox.emplace_back(queue, std::move(item));
        if (!r.ok()) {
          failed = std::move(r).error();
          break;
        }
        auto n = redis::int_of(*r, "reap");
        if (!n) {
          failed = std::move(n).error();
          break;
        }
        applied += static_cast<std::uint64_t>(*n);
        if (static_cast<std::uint64_t>(*n) < options_.reap_limit) break;
      }
      if (failed) break;
    }
    if (failed) break;
    cursor = page->next_cursor;
  } while (cursor);
  // What a failed pass collected is delivered too (it would be handed back anyway).
  co_await deliver_in_order(std::move(outbox));
  if (failed) co_return std::move(*failed);
  co_return applied;
}

}  // namespace tc
