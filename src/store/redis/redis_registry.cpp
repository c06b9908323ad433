// The queue registry (docs/redis.md): one sorted set of queue names in a slot of its
// own, read by list_queue and by the safety sweep; and the reaper, which reaps the
// queues the due index names as due, and every queue once per sweep interval.
#include <algorithm>

#include <boost/asio/this_coro.hpp>

#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"
#include "store/redis/resp.hpp"

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

namespace {

// lib.lua's NEVER: the due of a queue with nothing scheduled (it leaves the index).
constexpr const char* kNeverDue = "9000000000000000";

// due_index.lua's ARGV in RESP.
std::string index_args(const std::vector<std::string>& args) {
  std::string argv;
  for (const auto& a : args) redis::RespWriter::arg(argv, a);
  return argv;
}

}  // namespace

// A hint: a failure is not reported (the sweep reaps the queue in time).
Awaitable<void> RedisStore::note_due(redis::Client& client,
                                     std::vector<std::string> queue_due_pairs) {
  if (queue_due_pairs.empty()) co_return;
  queue_due_pairs.insert(queue_due_pairs.begin(), "hint");
  redis::Reply r = co_await client.eval(scripts_->due_index, due_key_, queue_due_pairs.size(),
                                        index_args(queue_due_pairs));
  if ((r.is_io_error() || r.is_error()) &&
      redis::error_of(r, "due hint").code == Errc::unavailable) {
    index_unreachable_.store(true);
  }
}

// Reaps one queue, looping while a full batch came due so a burst of expiries is drained
// now; answers the queue's due hint after the last call.
Awaitable<Result<std::string>> RedisStore::reap_queue(
    const std::string& queue, std::uint64_t& applied,
    std::vector<std::pair<std::string, std::string>>& outbox) {
  for (;;) {
    std::vector<std::string> items;
    std::string due;
    auto r = co_await run(scripts_->reap, "reap", queue,
                          redis::args_of(std::to_string(options_.reap_limit)), &items, &due);
    for (auto& item : items) outbox.emplace_back(queue, std::move(item));
    if (!r.ok()) co_return std::move(r).error();
    auto n = redis::int_of(*r, "reap");
    if (!n) co_return std::move(n).error();
    applied += static_cast<std::uint64_t>(*n);
    if (static_cast<std::uint64_t>(*n) < options_.reap_limit) co_return due;
  }
}

// One pass. Once per sweep interval across all instances (whoever sets the token first),
// a sweep over every queue; else the queues the due index says are due. The dead letters
// a pass makes are delivered at its end, in the order of docs/protocol.md ("Orders"),
// not in the order of the queue names.
Awaitable<Result<std::uint64_t>> RedisStore::reap() {
  const std::int64_t now = clock_.now_ms();
  if (now >= next_sweep_try_ms_.load()) {
    next_sweep_try_ms_.store(now + std::min<std::int64_t>(1000, options_.sweep_interval_ms));
    const std::string token = due_key_ + "sweep";
    redis::Reply won = co_await client_.command(
        token, redis::args_of("SET", token, origin_, "NX", "PX",
                              std::to_string(options_.sweep_interval_ms)));
    if (won.type == redis::Reply::Type::status && won.str == "OK") co_return co_await reap_all();
  }
  // While the index is unreachable every other pass reaps every queue (the claims fail in
  // between); once it is back, one such pass catches the hints lost meanwhile.
  if (index_unreachable_.exchange(false)) {
    auto all = co_await reap_all();
    if (!all.ok()) index_unreachable_.store(true);
    co_return all;
  }
  co_return co_await reap_due();
}

Awaitable<Result<std::uint64_t>> RedisStore::reap_due() {
  std::uint64_t applied = 0;
  std::vector<std::pair<std::string, std::string>> outbox;  // (source queue, item)
  std::optional<ApiError> failed;
  for (;;) {
    const std::int64_t now = clock_.now_ms();
    const std::string claim = std::to_string(now + options_.due_claim_ms);
    std::string claim_args =
        index_args(redis::args_of("claim", std::to_string(now), claim,
                                  std::to_string(options_.due_batch)));
    redis::Reply claimed =
        co_await client_.eval(scripts_->due_index, due_key_, 4, std::move(claim_args));
    if (claimed.is_io_error() || claimed.is_error()) {
      failed = redis::error_of(claimed, "reap (due index)");
      if (failed->code == Errc::unavailable) index_unreachable_.store(true);
      break;
    }
    if (!claimed.is_array()) {
      failed = redis::internal_error("reap (due index): unexpected reply");
      break;
    }
    // A queue whose reap failed keeps its claim and is reaped again when the claim ends.
    std::vector<std::string> release = redis::args_of("release", claim);
    for (auto& e : claimed.elements) {
      auto due = co_await reap_queue(e.str, applied, outbox);
      if (!due.ok()) {
        failed = std::move(due).error();
        break;
      }
      release.push_back(std::move(e.str));
      release.push_back(due->empty() ? std::string(kNeverDue) : std::move(*due));
    }
    if (release.size() > 2) {
      (void)co_await client_.eval(scripts_->due_index, due_key_, release.size(),
                                  index_args(release));
    }
    if (failed || claimed.elements.size() < options_.due_batch) break;
  }
  // What a failed pass collected is delivered too (it would be handed back anyway).
  co_await deliver_in_order(std::move(outbox));
  if (failed) co_return std::move(*failed);
  co_return applied;
}

// Every queue of the registry: what a lost hint left unreaped, and the outbox items of
// an instance that died before delivering them. Records every queue's hint on the way.
Awaitable<Result<std::uint64_t>> RedisStore::reap_all() {
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
    std::vector<std::string> hints;
    for (auto& queue : page->queues) {
      auto due = co_await reap_queue(queue, applied, outbox);
      if (!due.ok()) {
        failed = std::move(due).error();
        break;
      }
      if (!due->empty() && *due != kNeverDue) {
        hints.push_back(queue);
        hints.push_back(std::move(*due));
      }
    }
    co_await note_due(client_, std::move(hints));
    if (failed) break;
    cursor = page->next_cursor;
  } while (cursor);
  co_await deliver_in_order(std::move(outbox));
  if (failed) co_return std::move(*failed);
  co_return applied;
}

}  // namespace tc
