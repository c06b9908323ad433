#include "store/redis/replies.hpp"

#include <atomic>
#include <charconv>
#include <chrono>
#include <iostream>

namespace tc::redis {
namespace {

// Redis errors that mean "not now" (loading, failing over, out of memory, a busy
// script, a cluster reconfiguring): the request may be retried. Every other error
// reply comes from the script itself or from data it did not expect.
bool is_outage(const Reply& reply) {
  for (std::string_view prefix : {"LOADING", "BUSY", "CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN",
                                  "READONLY", "NOREPLICAS", "OOM", "MISCONF"}) {
    if (reply.error_starts_with(prefix)) return true;
  }
  return false;
}

// Redis's text, cut short and printable: it names the script line and the error, and
// the store never lets a script put task bytes into an error.
std::string printable(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, 200)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > 200) out += "...";
  return out;
}

// One line per second at most, so a failing script under load cannot flood the log.
void log_rate_limited(const std::string& message) {
  static std::atomic<std::int64_t> last_second{0};
  static std::atomic<std::uint64_t> suppressed{0};
  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_second.load(std::memory_order_relaxed);
  if (last == now || !last_second.compare_exchange_strong(last, now)) {
    suppressed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::uint64_t skipped = suppressed.exchange(0);
  std::cerr << "taskcenter: error: " << message;
  if (skipped > 0) std::cerr << " (" << skipped << " more such errors not logged)";
  std::cerr << "\n";
}

}  // namespace

ApiError unavailable(std::string_view why) {
  return make_error(Errc::unavailable, "the Redis store is unavailable: " + std::string(why));
}

ApiError internal_error(std::string_view what) {
  std::string message = "internal error in the Redis store: " + std::string(what);
  log_rate_limited(message);
  return make_error(Errc::internal, std::move(message));
}

ApiError error_of(const Reply& reply, std::string_view what) {
  if (reply.is_io_error()) return unavailable(reply.str);
  if (reply.is_error() && is_outage(reply)) return unavailable("Redis answered: " + reply.str);
  if (reply.is_error()) {
    return internal_error(std::string(what) + " failed: " + printable(reply.str));
  }
  return internal_error(std::string(what) + ": unexpected reply");
}

Result<std::int64_t> int_of(const Reply& reply, std::string_view what) {
  if (reply.type == Reply::Type::integer) return reply.integer;
  if (reply.type == Reply::Type::string) {
    std::int64_t value = 0;
    const char* end = reply.str.data() + reply.str.size();
    auto [p, ec] = std::from_chars(reply.str.data(), end, value);
    if (ec == std::errc() && p == end && !reply.str.empty()) return value;
  }
  return internal_error(std::string(what) + ": a malformed integer in the reply");
}

Result<std::vector<AcquiredTask>> acquired_of(Reply& reply, std::string_view what) {
  constexpr std::size_t kFields = 8;  // lib.lua's ACQUIRED_FIELDS
  if (!reply.is_array() || reply.elements.size() % kFields != 0) {
    return internal_error(std::string(what) + ": unexpected reply");
  }
  std::vector<AcquiredTask> out;
  out.reserve(reply.elements.size() / kFields);
  for (std::size_t i = 0; i < reply.elements.size(); i += kFields) {
    auto attempt = int_of(reply.elements[i + 3], what);
    if (!attempt) return std::move(attempt).error();
    auto priority = int_of(reply.elements[i + 4], what);
    if (!priority) return std::move(priority).error();
    auto queue_delay_ms = int_of(reply.elements[i + 7], what);
    if (!queue_delay_ms) return std::move(queue_delay_ms).error();
    const std::string& cost_text = reply.elements[i + 6].str;
    double cost = 0;
    const char* end = cost_text.data() + cost_text.size();
    auto [p, ec] = std::from_chars(cost_text.data(), end, cost);
    if (ec != std::errc() || p != end || cost_text.empty())
      return internal_error(std::string(what) + ": a malformed cost in the reply");
    AcquiredTask t;
    t.id = std::move(reply.elements[i].str);
    t.info = std::move(reply.elements[i + 1].str);
    t.content = std::move(reply.elements[i + 2].str);
    t.attempt = static_cast<std::uint32_t>(*attempt);
    t.priority = static_cast<std::int32_t>(*priority);
    if (!reply.elements[i + 5].str.empty()) t.batch_key = std::move(reply.elements[i + 5].str);
    t.cost = cost;
    t.queue_delay_ms = *queue_delay_ms;
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<ReplyOutcome>> reply_outcomes_of(const Reply& reply, std::size_t count,
                                                    std::string_view what) {
  if (!reply.is_array() || reply.elements.size() != 2 * count)
    return internal_error(std::string(what) + ": unexpected reply");
  std::vector<ReplyOutcome> out;
  out.reserve(count);
  for (std::size_t i = 0; i < reply.elements.size(); i += 2) {
    auto completed = int_of(reply.elements[i], what);
    if (!completed) return std::move(completed).error();
    auto service_ms = int_of(reply.elements[i + 1], what);
    if (!service_ms) return std::move(service_ms).error();
    ReplyOutcome o;
    o.completed = *completed == 1;
    if (o.completed && *service_ms >= 0) o.service_ms = *service_ms;
    out.push_back(o);
  }
  return out;
}

}  // namespace tc::redis
