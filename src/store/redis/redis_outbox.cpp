// Forwards and dead letters (docs/redis.md, "Across slots"): they live in the source
// queue's outbox (same slot, written by the same atomic script) until the put into the
// target queue (another slot) is done; only then is the item removed. A crash in
// between leaves the item for the next reap, and the put is idempotent (same id), so
// nothing is lost or doubled.
#include <algorithm>
#include <boost/asio/this_coro.hpp>
#include <tuple>

#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"

namespace tc {

Awaitable<void> RedisStore::deliver_outbox(const std::string& source_queue,
                                           const std::string& item) {
  if (auto parsed = redis::parse_outbox_item(item); parsed && parsed->origin) {
    // A dead letter: the copy carries its origin (put_dead_letter.lua).
    auto& origin = *parsed->origin;
    std::vector<std::string> args = redis::args_of(
        std::move(parsed->id), std::move(parsed->info), std::move(parsed->content),
        std::to_string(parsed->cache_ms.value_or(TaskConfig{}.cache_result_ms)),
        std::move(origin.source_queue), std::to_string(origin.attempts),
        origin.last_error_info ? "1" : "0", origin.last_error_info.value_or(""),
        std::move(origin.last_error_content));
    auto r = co_await run(scripts_->put_dead_letter, "put (dead letter)", parsed->target,
                          std::move(args));
    if (!r.ok()) co_return;  // stays in the outbox for the reaper
    if (r->is_array() && !r->elements.empty()) {
      auto new_queue = redis::int_of(r->elements[0], "put (dead letter)");
      if (new_queue && *new_queue == 1) co_await register_queue(parsed->target);
    }
  } else if (parsed) {
    std::vector<std::string> args = redis::args_of("1");
    TaskConfig config;  // a forward: the defaults; a dead letter: the source's cache time
    if (parsed->cache_ms) config.cache_result_ms = *parsed->cache_ms;
    args.push_back(std::move(parsed->id));
    args.push_back(std::move(parsed->info));
    args.push_back(std::move(parsed->content));
    args.push_back(std::to_string(config.cache_result_ms));
    args.push_back("");   // forward_result_to
    args.push_back("0");  // max_attempts
    args.push_back("");   // dead_letter_to
    args.push_back("0");  // delay_ms
    args.push_back("");   // Version 2 fields: the defaults
    auto r = co_await run(scripts_->put, "put (outbox)", parsed->target, std::move(args));
    if (!r.ok()) co_return;  // stays in the outbox for the reaper
    if (r->is_array() && !r->elements.empty()) {
      auto new_queue = redis::int_of(r->elements[0], "put (outbox)");
      if (new_queue && *new_queue == 1) co_await register_queue(parsed->target);
    }
  } else {
    (void)redis::internal_error("a malformed outbox item in queue '" + source_queue +
                                "' was dropped");
  }
  std::string outbox = base_key(source_queue) + "outbox";
  redis::Client& client = client_for(co_await boost::asio::this_coro::executor);
  (void)co_await client.command(outbox, redis::args_of("LREM", outbox, "1", item));
}

Awaitable<void> RedisStore::deliver_in_order(
    std::vector<std::pair<std::string, std::string>> items) {
  struct Keyed {
    std::int64_t due_ms;
    std::string_view source;
    std::string schedule_key;
    std::size_t index;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto parsed = redis::parse_outbox_item(items[i].second);
    keyed.push_back(Keyed{parsed ? parsed->due_ms : 0, items[i].first,
                          parsed ? std::move(parsed->schedule_key) : std::string(), i});
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    return std::tie(a.due_ms, a.source, a.schedule_key) <
           std::tie(b.due_ms, b.source, b.schedule_key);
  });
  for (const Keyed& k : keyed) co_await deliver_outbox(items[k.index].first, items[k.index].second);
}

}  // namespace tc
