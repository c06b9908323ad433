// RedisStore's progress events: progress.lua appends one (and publishes it, so streams
// on every instance hear it without a read), events.lua reads those after a seq.
#include <charconv>
#include <cstdint>

#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"

namespace tc {
namespace {

using redis::args_of;
using redis::Reply;

bool seq_of(std::string_view text, std::uint64_t& out) noexcept {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

Awaitable<Result<std::optional<std::uint64_t>>> RedisStore::progress(
    std::string queue, std::string id, TaskResult event, std::optional<std::int64_t> lease_ms) {
  // (Arguments built before the co_await: GCC 12 and temporaries, see get.)
  std::string lease = lease_ms ? std::to_string(*lease_ms) : std::string();
  auto args = args_of(std::move(id), std::move(event.info), std::move(event.content),
                      std::move(lease));
  auto r = co_await run(scripts_->progress, "progress", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  auto seq = redis::int_of(*r, "progress");
  if (!seq) co_return std::move(seq).error();
  if (*seq < 0) co_return redis::internal_error("progress: unexpected reply");
  if (*seq == 0) co_return std::optional<std::uint64_t>{};
  co_return std::optional<std::uint64_t>(static_cast<std::uint64_t>(*seq));
}

Awaitable<Result<TaskEvents>> RedisStore::events(std::string queue, std::string id,
                                                 std::uint64_t after) {
  auto args = args_of(std::move(id), std::to_string(after));
  auto r = co_await run(scripts_->events, "events", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  TaskEvents out;
  if (!r->is_array()) co_return redis::internal_error("events: unexpected reply");
  auto& e = r->elements;
  if (e.empty()) co_return out;
  if (e.size() < 4 || (e.size() - 4) % 3 != 0)
    co_return redis::internal_error("events: unexpected reply");
  for (const auto& element : e)
    if (element.type != Reply::Type::string)
      co_return redis::internal_error("events: unexpected reply");
  out.exists = true;
  out.incarnation = std::move(e[0].str);
  if (e[1].str == "1") out.result = TaskResult{std::move(e[2].str), std::move(e[3].str)};
  out.events.reserve((e.size() - 4) / 3);
  for (std::size_t i = 4; i + 2 < e.size(); i += 3) {
    TaskEvent event;
    if (!seq_of(e[i].str, event.seq)) co_return redis::internal_error("events: a malformed seq");
    event.info = std::move(e[i + 1].str);
    event.content = std::move(e[i + 2].str);
    out.events.push_back(std::move(event));
  }
  co_return out;
}

}  // namespace tc
