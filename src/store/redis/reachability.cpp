#include "store/redis/reachability.hpp"

#include <map>
#include <mutex>

#include "core/logger.hpp"
#include "core/ops_metrics.hpp"

namespace tc::redis {
namespace {

enum class Reachable { unknown, up, down };

std::mutex g_mutex;
std::map<std::string, Reachable, std::less<>>& states() {
  static std::map<std::string, Reachable, std::less<>> map;
  return map;
}

}  // namespace

void connection_up(const std::string& endpoint, bool reconnected) {
  if (reconnected) ops_metrics().redis_reconnects.fetch_add(1, std::memory_order_relaxed);
  Reachable before;
  {
    std::lock_guard lock(g_mutex);
    auto& state = states()[endpoint];
    before = state;
    state = Reachable::up;
  }
  if (before == Reachable::down)
    logging::info("redis: reachable again", {{"endpoint", endpoint}});
  else if (before == Reachable::unknown)
    logging::debug("redis: connected", {{"endpoint", endpoint}});
}

void connection_down(const std::string& endpoint, std::string_view why, bool established) {
  ops_metrics().count_store_error(StoreErrorKind::redis);
  Reachable before;
  {
    std::lock_guard lock(g_mutex);
    auto& state = states()[endpoint];
    before = state;
    if (before == Reachable::up && !established) return;
    state = Reachable::down;
  }
  if (before != Reachable::down)
    logging::error(before == Reachable::up
                       ? "redis: unreachable; requests answer 0005 until it is back"
                       : "redis: cannot connect; requests answer 0005 until it can",
                   {{"endpoint", endpoint}, {"error", why}});
}

}  // namespace tc::redis
