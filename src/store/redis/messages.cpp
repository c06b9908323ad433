#include "store/redis/messages.hpp"

#include <charconv>
#include <cstdio>

namespace tc::redis {

bool read_netstring(std::string_view& in, std::string_view& out) {
  auto colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 12) return false;
  std::size_t len = 0;
  auto [p, ec] = std::from_chars(in.data(), in.data() + colon, len);
  if (ec != std::errc() || p != in.data() + colon) return false;
  if (in.size() - colon - 1 < len) return false;
  out = in.substr(colon + 1, len);
  in.remove_prefix(colon + 1 + len);
  return true;
}

std::optional<EventMessage> parse_event_message(std::string_view message) {
  EventMessage out;
  std::string_view field;
  if (!read_netstring(message, field)) return std::nullopt;
  out.origin = std::string(field);
  while (!message.empty()) {
    std::string_view kind, queue;
    if (!read_netstring(message, kind) || !read_netstring(message, queue)) return std::nullopt;
    StoreEvent ev;
    ev.queue = std::string(queue);
    if (kind == "p") {
      ev.kind = StoreEvent::Kind::pending;
    } else if (kind == "f") {
      std::string_view id, info, content, incarnation;
      if (!read_netstring(message, id) || !read_netstring(message, info) ||
          !read_netstring(message, content) || !read_netstring(message, incarnation)) {
        return std::nullopt;
      }
      ev.kind = StoreEvent::Kind::finished;
      ev.id = std::string(id);
      ev.info = std::string(info);
      ev.content = std::string(content);
      ev.incarnation = std::string(incarnation);
    } else if (kind == "r" || kind == "x") {
      std::string_view id, incarnation;
      if (!read_netstring(message, id) || !read_netstring(message, incarnation))
        return std::nullopt;
      ev.kind = kind == "r" ? StoreEvent::Kind::removed : StoreEvent::Kind::expired;
      ev.id = std::string(id);
      ev.incarnation = std::string(incarnation);
    } else if (kind == "g") {
      std::string_view id, incarnation, seq, info, content;
      if (!read_netstring(message, id) || !read_netstring(message, incarnation) ||
          !read_netstring(message, seq) || !read_netstring(message, info) ||
          !read_netstring(message, content))
        return std::nullopt;
      auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), ev.seq);
      if (seq.empty() || ec != std::errc() || end != seq.data() + seq.size() || ev.seq == 0)
        return std::nullopt;
      ev.kind = StoreEvent::Kind::progress;
      ev.id = std::string(id);
      ev.incarnation = std::string(incarnation);
      ev.info = std::string(info);
      ev.content = std::string(content);
    } else {
      // A kind of a later version: its fields are unknown, so the rest cannot be read.
      // The events before it stand (a publisher puts new kinds after the old ones, or
      // in messages of their own, as lib.lua's finish() does with progress events).
      break;
    }
    out.events.push_back(std::move(ev));
  }
  return out;
}

namespace {

bool parse_int(std::string_view text, std::int64_t& value) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return !text.empty() && ec == std::errc() && p == text.data() + text.size();
}

}  // namespace

std::optional<OutboxItem> parse_outbox_item(std::string_view item) {
  std::string_view target, id, info, content, cache_ms, due_ms, schedule_key;
  if (!read_netstring(item, target) || !read_netstring(item, id) || !read_netstring(item, info) ||
      !read_netstring(item, content) || !read_netstring(item, cache_ms) ||
      !read_netstring(item, due_ms) || !read_netstring(item, schedule_key)) {
    return std::nullopt;
  }
  OutboxItem out{std::string(target), std::string(id), std::string(info), std::string(content),
                 std::nullopt, 0, std::string(schedule_key), std::nullopt};
  if (!item.empty()) {
    // "d", source queue, attempts, has_error ("0"/"1"), error info, error content
    std::string_view kind, source, attempts, has_error, error_info, error_content;
    if (!read_netstring(item, kind) || kind != "d" || !read_netstring(item, source) ||
        !read_netstring(item, attempts) || !read_netstring(item, has_error) ||
        !read_netstring(item, error_info) || !read_netstring(item, error_content) ||
        !item.empty())
      return std::nullopt;
    std::int64_t used = 0;
    if (!parse_int(attempts, used) || used < 0 || used > 0xffffffffLL) return std::nullopt;
    OutboxItem::DeadLetterOrigin origin;
    origin.source_queue = std::string(source);
    origin.attempts = static_cast<std::uint32_t>(used);
    if (has_error == "1") origin.last_error_info = std::string(error_info);
    origin.last_error_content = std::string(error_content);
    out.origin = std::move(origin);
  }
  if (!cache_ms.empty()) {
    std::int64_t ms = 0;
    if (!parse_int(cache_ms, ms) || ms < 0) return std::nullopt;
    out.cache_ms = ms;
  }
  if (!parse_int(due_ms, out.due_ms)) return std::nullopt;
  return out;
}

std::string encode_task_extras(const TaskConfig& config) {
  if (config.v2_defaults()) return {};
  char cost[32];
  // %.17g round-trips a double exactly, and Lua's tonumber reads it back.
  std::snprintf(cost, sizeof cost, "%.17g", config.cost);
  std::string out = std::to_string(config.priority);
  out += '|';
  out += cost;
  out += '|';
  out += std::to_string(config.retry_delay_ms);
  out += '|';
  out += std::to_string(config.deadline_ms);
  out += '|';
  if (config.batch_key) out += *config.batch_key;
  return out;
}

}  // namespace tc::redis
