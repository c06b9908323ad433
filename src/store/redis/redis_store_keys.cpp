// RedisStore's keyed takes: take_keyed.lua, for a take with max_cost, batch_key or
// group_by_key, and for counting what such a take would lease (batch_window).
#include <charconv>

#include "store/redis/redis_store.hpp"
#include "store/redis/replies.hpp"

namespace tc {
namespace {

// take_keyed.lua's ARGV[5..10].
std::vector<std::string> keyed_args(std::int64_t lease_ms, std::uint32_t size,
                                    TakeOptions& options, bool counting) {
  std::vector<std::string> args;
  args.reserve(6);
  args.push_back(std::to_string(lease_ms));
  args.push_back(std::to_string(size));
  std::string max_cost;
  if (options.max_cost) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *options.max_cost);
    (void)ec;  // 64 bytes hold any double
    max_cost.assign(buf, end);
  }
  args.push_back(std::move(max_cost));
  args.push_back(options.batch_key ? std::move(*options.batch_key) : std::string());
  args.push_back(options.group_by_key ? "1" : "0");
  args.push_back(counting ? "1" : "0");
  return args;
}

}  // namespace

Awaitable<Result<std::vector<AcquiredTask>>> RedisStore::take_with(std::string queue,
                                                                   std::uint32_t size,
                                                                   std::int64_t lease_ms,
                                                                   TakeOptions options) {
  if (!options.any()) co_return co_await take(std::move(queue), size, lease_ms);
  auto r = co_await run(scripts_->take_keyed, "take", queue,
                        keyed_args(lease_ms, size, options, false));
  if (!r.ok()) co_return std::move(r).error();
  co_return redis::acquired_of(*r, "take");
}

Awaitable<Result<std::uint32_t>> RedisStore::count_fitting(std::string queue, std::uint32_t size,
                                                           TakeOptions options) {
  if (!options.any()) co_return co_await Store::count_fitting(std::move(queue), size, options);
  auto r = co_await run(scripts_->take_keyed, "take", queue,
                        keyed_args(0, size, options, true));
  if (!r.ok()) co_return std::move(r).error();
  auto count = redis::int_of(*r, "take");
  if (!count) co_return std::move(count).error();
  co_return static_cast<std::uint32_t>(*count);
}

}  // namespace tc
