// RedisStore's queue settings: config_queue.lua and lease_gate.lua, and the decoding of
// settings in their replies (and stat_queue's).
#include <charconv>

#include "store/redis/keys.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"

namespace tc {
namespace redis {

namespace {

bool parse_decimal(std::string_view text, double& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size() && out >= 0;
}

}  // namespace

Result<QueueSettings> settings_of(const Reply& reply, std::size_t first, std::string_view what) {
  if (!reply.is_array() || reply.elements.size() < first + 4)
    return internal_error(std::string(what) + ": unexpected settings in the reply");
  auto paused = int_of(reply.elements[first], what);
  if (!paused) return std::move(paused).error();
  auto max_leased = int_of(reply.elements[first + 1], what);
  if (!max_leased) return std::move(max_leased).error();
  QueueSettings s;
  if (*max_leased < 0 || *max_leased > UINT32_MAX ||
      !parse_decimal(reply.elements[first + 2].str, s.rate) ||
      !parse_decimal(reply.elements[first + 3].str, s.burst))
    return internal_error(std::string(what) + ": malformed settings in Redis");
  s.paused = *paused == 1;
  s.max_leased = static_cast<std::uint32_t>(*max_leased);
  s.burst = s.effective_burst();
  return s;
}

}  // namespace redis

namespace {

// Shortest text that reads back as the same double ("0.5", "10"): Redis keeps it as given.
std::string decimal_text(double value) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc{} ? std::string(buf, end) : std::string("0");
}

}  // namespace

Awaitable<Result<QueueSettings>> RedisStore::config_queue(std::string queue,
                                                          QueueSettingsChange change) {
  const int mask = (change.paused ? 1 : 0) | (change.max_leased ? 2 : 0) | (change.bucket ? 4 : 0);
  const auto bucket = change.bucket.value_or(QueueSettingsChange::Bucket{});
  std::vector<std::string> args =
      redis::args_of(std::to_string(mask), std::string(change.paused.value_or(false) ? "1" : "0"),
                     std::to_string(change.max_leased.value_or(0)), decimal_text(bucket.rate),
                     decimal_text(bucket.burst));
  auto r = co_await run(scripts_->config_queue, "config_queue", queue, std::move(args));
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != 5)
    co_return redis::internal_error("config_queue: unexpected reply");
  auto new_queue = redis::int_of(r->elements[0], "config_queue");
  if (!new_queue) co_return std::move(new_queue).error();
  auto settings = redis::settings_of(*r, 1, "config_queue");
  if (!settings) co_return std::move(settings).error();
  if (*new_queue == 1) co_await register_queue(queue);
  co_return *settings;
}

Awaitable<Result<LeaseGate>> RedisStore::lease_gate(std::string queue) {
  auto r = co_await run(scripts_->lease_gate, "lease_gate", queue, redis::args_of());
  if (!r.ok()) co_return std::move(r).error();
  if (!r->is_array() || r->elements.size() != 2)
    co_return redis::internal_error("lease_gate: unexpected reply");
  auto blocked = redis::int_of(r->elements[0], "lease_gate");
  if (!blocked) co_return std::move(blocked).error();
  auto retry = redis::int_of(r->elements[1], "lease_gate");
  if (!retry) co_return std::move(retry).error();
  co_return LeaseGate{*blocked == 1, *retry};
}

}  // namespace tc
