#include "http/responses.hpp"

#include <charconv>

#include "core/base64.hpp"
#include "http/json_writer.hpp"

namespace tc::responses {
namespace {

constexpr std::string_view kOkHead = R"({"err_code":"0000","data":)";

void append_cursor(std::string& out, const std::optional<Cursor>& cursor) {
  if (!cursor) {
    json::append_null(out);
    return;
  }
  // Same text as Cursor::to_string(), written in place (no temporary string per task).
  out.push_back('"');
  json::append_uint(out, cursor->ms);
  out.push_back('-');
  json::append_uint(out, cursor->seq);
  out.push_back('"');
}

// Milliseconds as seconds on the wire, exactly (1234 -> 1.234, 5000 -> 5).
void append_seconds(std::string& out, std::int64_t ms) {
  if (ms < 0) {
    out.push_back('-');
    ms = -ms;
  }
  json::append_uint(out, static_cast<std::uint64_t>(ms / 1000));
  std::int64_t fraction = ms % 1000;
  if (fraction == 0) return;
  char digits[4] = {static_cast<char>('0' + fraction / 100), static_cast<char>('0' + fraction / 10 % 10),
                    static_cast<char>('0' + fraction % 10), 0};
  std::size_t length = 3;
  while (digits[length - 1] == '0') --length;
  out.push_back('.');
  out.append(digits, length);
}

// Shortest text that reads back as the same number: 0.5, 10, 0.1. A whole number (a
// task's cost is 1 unless set) takes the integer path: to_chars(double) costs about 200
// instructions, a quarter of an item's formatting.
void append_number(std::string& out, double value) {
  if (value == static_cast<double>(static_cast<std::int64_t>(value)) && value > -9.0e15 &&
      value < 9.0e15) {
    json::append_int(out, static_cast<std::int64_t>(value));
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc{}) {
    out.append("null");
    return;
  }
  out.append(buffer, end);
}

void append_result(std::string& out, std::string_view key, const TaskResult& result) {
  out.push_back(',');
  json::append_key(out, key);
  out.append(R"({"info":)");
  json::append_raw(out, result.info);
  out.append(R"(,"content":")");
  base64_encode_append(out, result.content);
  out.append(R"("})");
}

std::size_t view_size(const TaskView& view) {
  std::size_t size = view.id.size() + view.info.size() + 256;
  if (view.batch_key) size += view.batch_key->size();
  if (view.progress) size += view.progress->size();
  if (view.last_error)
    size += view.last_error->info.size() + base64_encoded_size(view.last_error->content.size());
  if (view.source_queue) size += view.source_queue->size();
  if (view.result)
    size += view.result->info.size() + base64_encoded_size(view.result->content.size());
  if (view.content) size += base64_encoded_size(view.content->size());
  return size;
}

void append_view(std::string& out, const TaskView& view) {
  out.append(R"({"id":)");
  json::append_string(out, view.id);
  out.append(R"(,"state":")");
  out.append(task_view_state_name(view.state));
  out.append(R"(","info":)");
  json::append_raw(out, view.info);
  out.append(R"(,"priority":)");
  json::append_int(out, view.priority);
  out.append(R"(,"batch_key":)");
  if (view.batch_key) json::append_string(out, *view.batch_key);
  else json::append_null(out);
  out.append(R"(,"cost":)");
  append_number(out, view.cost);
  out.append(R"(,"attempt":)");
  json::append_uint(out, view.attempt);
  out.append(R"(,"age":)");
  append_seconds(out, view.age_ms);
  if (view.visible_in_ms) {
    out.append(R"(,"visible_in":)");
    append_seconds(out, *view.visible_in_ms);
  }
  if (view.lease_left_ms) {
    out.append(R"(,"lease_left":)");
    append_seconds(out, *view.lease_left_ms);
  }
  if (view.progress) {
    out.append(R"(,"progress":)");
    json::append_raw(out, *view.progress);
  }
  if (view.last_error) append_result(out, "last_error", *view.last_error);
  if (view.source_queue) {
    out.append(R"(,"source_queue":)");
    json::append_string(out, *view.source_queue);
  }
  if (view.result) {
    out.append(R"(,"result_info":)");
    json::append_raw(out, view.result->info);
    out.append(R"(,"result_content":")");
    base64_encode_append(out, view.result->content);
    out.push_back('"');
  }
  if (view.content) {
    out.append(R"(,"content":")");
    base64_encode_append(out, *view.content);
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace

std::string error(Errc code, std::string_view message) {
  std::string out;
  out.reserve(64 + message.size());
  out.append(R"({"err_code":")");
  out.append(errc_wire_code(code));
  out.append(R"(","data":null,"message":)");
  json::append_string(out, message);
  out.push_back('}');
  return out;
}

std::string boolean(bool value) {
  return value ? std::string(R"({"err_code":"0000","data":true})")
               : std::string(R"({"err_code":"0000","data":false})");
}

std::string count(std::uint64_t value) {
  std::string out(kOkHead);
  json::append_uint(out, value);
  out.push_back('}');
  return out;
}

std::string booleans(const std::vector<bool>& values) {
  std::string out;
  out.reserve(kOkHead.size() + 3 + values.size() * 6);
  out.append(kOkHead);
  out.push_back('[');
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out.push_back(',');
    json::append_bool(out, values[i]);
  }
  out.append("]}");
  return out;
}

std::string text(std::string_view value) {
  std::string out;
  out.reserve(kOkHead.size() + value.size() + 4);
  out.append(kOkHead);
  json::append_string(out, value);
  out.push_back('}');
  return out;
}

std::string peeked(const PeekOutcome& outcome) {
  std::size_t size = kOkHead.size() + 48;
  for (const auto& task : outcome.tasks) size += task.id.size() + task.info.size() + 64;
  std::string out;
  out.reserve(size);
  out.append(kOkHead);
  out.push_back('[');
  bool first = true;
  for (const auto& task : outcome.tasks) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"id":)");
    json::append_string(out, task.id);
    out.append(R"(,"info":)");
    json::append_raw(out, task.info);
    out.append(R"(,"cursor":)");
    append_cursor(out, task.cursor);
    out.append(R"(,"priority":)");
    json::append_int(out, task.priority);
    out.push_back('}');
  }
  out.append(R"(],"cursor":)");
  append_cursor(out, outcome.cursor);
  out.push_back('}');
  return out;
}

std::string acquired(const std::vector<AcquiredTask>& tasks) {
  std::size_t size = kOkHead.size() + 4;
  for (const auto& task : tasks)
    size += task.id.size() + task.info.size() + base64_encoded_size(task.content.size()) + 128;
  std::string out;
  out.reserve(size);
  out.append(kOkHead);
  out.push_back('[');
  bool first = true;
  for (const auto& task : tasks) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"id":)");
    json::append_string(out, task.id);
    out.append(R"(,"info":)");
    json::append_raw(out, task.info);
    out.append(R"(,"content":")");
    base64_encode_append(out, task.content);
    out.append(R"(","attempt":)");
    json::append_uint(out, task.attempt);
    // Sent with their defaults too (0, null, 1): a consumer need not know them.
    out.append(R"(,"priority":)");
    json::append_int(out, task.priority);
    out.append(R"(,"batch_key":)");
    if (task.batch_key) {
      json::append_string(out, *task.batch_key);
    } else {
      json::append_null(out);
    }
    out.append(R"(,"cost":)");
    append_number(out, task.cost);
    out.push_back('}');
  }
  out.append("]}");
  return out;
}

std::string call_result(std::string_view id, const std::optional<TaskResult>& result,
                        CallDataShape shape) {
  if (!result) return std::string(R"({"err_code":"0000","data":null})");
  std::string out;
  out.reserve(kOkHead.size() + id.size() + result->info.size() +
              base64_encoded_size(result->content.size()) + 64);
  const bool list = shape == CallDataShape::list;
  out.append(kOkHead);
  out.append(list ? R"([{"id":)" : R"({"id":)");
  json::append_string(out, id);
  out.append(R"(,"result_info":)");
  json::append_raw(out, result->info);
  out.append(R"(,"result_content":")");
  base64_encode_append(out, result->content);
  out.append(list ? R"("}]})" : R"("}})");
  return out;
}

std::string queue_page(const QueuePage& page) {
  std::size_t size = kOkHead.size() + 32;
  for (const auto& queue : page.queues) size += queue.size() + 4;
  if (page.next_cursor) size += page.next_cursor->size();
  std::string out;
  out.reserve(size);
  out.append(kOkHead);
  out.push_back('[');
  for (std::size_t i = 0; i < page.queues.size(); ++i) {
    if (i) out.push_back(',');
    json::append_string(out, page.queues[i]);
  }
  out.append(R"(],"cursor":)");
  if (page.next_cursor) json::append_string(out, *page.next_cursor);
  else json::append_null(out);
  out.push_back('}');
  return out;
}

namespace {

void append_settings(std::string& out, const QueueSettings& s) {
  out.append(R"({"paused":)");
  json::append_bool(out, s.paused);
  out.append(R"(,"max_leased":)");
  json::append_uint(out, s.max_leased);
  out.append(R"(,"rate":)");
  append_number(out, s.rate);
  out.append(R"(,"burst":)");
  append_number(out, s.burst);
  out.push_back('}');
}

}  // namespace

std::string queue_stats(const std::optional<QueueStats>& stats) {
  if (!stats) return std::string(R"({"err_code":"0000","data":null})");
  std::string out;
  out.reserve(512);
  out.append(kOkHead);
  auto field = [&](std::string_view name, std::uint64_t value) {
    out.push_back(',');
    json::append_key(out, name);
    json::append_uint(out, value);
  };
  out.append(R"({"length":)");
  json::append_uint(out, stats->length);
  out.append(R"(,"oldest_cursor":)");
  append_cursor(out, stats->oldest_cursor);
  out.append(R"(,"newest_cursor":)");
  append_cursor(out, stats->newest_cursor);
  field("delayed", stats->delayed);
  field("leased", stats->leased);
  field("done", stats->done);
  field("total_put", stats->total_put);
  field("total_acquired", stats->total_acquired);
  field("total_replied", stats->total_replied);
  field("total_redelivered", stats->total_redelivered);
  field("total_dead", stats->total_dead);
  field("total_removed", stats->total_removed);
  field("waiting", stats->waiting);
  field("total_failed", stats->total_failed);
  field("total_released", stats->total_released);
  field("total_expired", stats->total_expired);
  out.append(R"(,"settings":)");
  append_settings(out, stats->settings);
  out.append("}}");
  return out;
}

std::string summary_page(const SummaryPage& page, std::uint64_t now_ms) {
  std::string out;
  out.reserve(kOkHead.size() + 32 + page.queues.size() * 400);
  out.append(kOkHead);
  out.push_back('[');
  for (std::size_t i = 0; i < page.queues.size(); ++i) {
    const auto& [name, stats] = page.queues[i];
    if (i) out.push_back(',');
    out.append(R"({"queue":)");
    json::append_string(out, name);
    std::uint64_t age_ms = 0;
    if (stats.length > 0 && stats.oldest_cursor && now_ms > stats.oldest_cursor->ms)
      age_ms = now_ms - stats.oldest_cursor->ms;
    out.append(R"(,"oldest_pending_age":)");
    json::append_uint(out, age_ms / 1000);
    out.push_back('.');
    const std::uint64_t millis = age_ms % 1000;
    out.push_back(static_cast<char>('0' + millis / 100));
    out.push_back(static_cast<char>('0' + millis / 10 % 10));
    out.push_back(static_cast<char>('0' + millis % 10));
    // The stats object is stat_queue's own encoding, cut out of its envelope, so the
    // two endpoints can never describe a queue differently.
    const std::string one = queue_stats(stats);
    out.append(R"(,"stats":)");
    out.append(std::string_view(one).substr(kOkHead.size(), one.size() - kOkHead.size() - 1));
    out.push_back('}');
  }
  out.append(R"(],"cursor":)");
  if (page.next_cursor) json::append_string(out, *page.next_cursor);
  else json::append_null(out);
  out.push_back('}');
  return out;
}

std::string queue_settings(const QueueSettings& settings) {
  std::string out;
  out.reserve(128);
  out.append(kOkHead);
  append_settings(out, settings);
  out.push_back('}');
  return out;
}

std::string task_view(const std::optional<TaskView>& view) {
  if (!view) return std::string(R"({"err_code":"0000","data":null})");
  std::string out;
  out.reserve(kOkHead.size() + view_size(*view) + 2);
  out.append(kOkHead);
  append_view(out, *view);
  out.push_back('}');
  return out;
}

std::string task_page(const TaskPage& page) {
  std::size_t size = kOkHead.size() + 300;
  for (const auto& view : page.tasks) size += view_size(view);
  std::string out;
  out.reserve(size);
  out.append(kOkHead);
  out.push_back('[');
  for (std::size_t i = 0; i < page.tasks.size(); ++i) {
    if (i) out.push_back(',');
    append_view(out, page.tasks[i]);
  }
  out.append(R"(],"cursor":)");
  if (page.next_cursor) json::append_string(out, page.next_cursor->to_string());
  else json::append_null(out);
  out.push_back('}');
  return out;
}

}  // namespace tc::responses
