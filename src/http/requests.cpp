#include "http/requests.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cursor.hpp"
#include "http/json_span.hpp"
#include "http/request_fields.hpp"

namespace tc {

using detail::Err;
using detail::FieldPath;
using detail::lookup;
using detail::Object;
using detail::ParsedBody;

namespace {

constexpr FieldPath top(std::string_view name) { return FieldPath{"", -1, name}; }

Err read_queue(Object root, std::string& out) {
  static constexpr std::array<std::string_view, 1> kNames = {"queue"};
  return detail::read_name(lookup(root, kNames)[0], top("queue"), out);
}

// size / ids / tasks entries: 1..1000.
Err read_size(const detail::Field& field, std::uint32_t& out) {
  std::uint64_t size = out;
  TC_TRY(detail::read_integer(field, top("size"), 1, kMaxListEntries, size));
  out = static_cast<std::uint32_t>(size);
  return std::nullopt;
}

Err read_peek_cursor(const detail::Field& field, std::optional<Cursor>& out) {
  if (!field.given()) return std::nullopt;
  std::string_view text;
  if (field.value.get_string().get(text))
    return detail::bad_request("field \"cursor\" must be a string or null, not " +
                               std::string(detail::type_name(field.value)) + ".");
  if (text.empty()) return std::nullopt;  // "" = from the start, like null
  out = Cursor::parse(text);
  if (!out)
    return detail::bad_request(
        "field \"cursor\" must be a cursor returned by peek (\"<ms>-<seq>\") or null.");
  return std::nullopt;
}

Err read_ids(const detail::Field& field, std::vector<std::string>& out) {
  if (!field.given()) return detail::missing(top("ids"), "a list of 1 to 1000 task ids");
  simdjson::dom::array array;
  if (field.value.get_array().get(array))
    return detail::bad_request("field \"ids\" must be a list of task ids, not " +
                               std::string(detail::type_name(field.value)) + ".");
  const std::size_t count = array.size();
  if (count == 0 || count > kMaxListEntries)
    return detail::bad_request("field \"ids\" must hold 1 to 1000 task ids.");
  out.resize(count);
  std::ptrdiff_t i = 0;
  for (auto element : array) {
    detail::Field item{element, 0, true};
    TC_TRY(detail::read_name(item, FieldPath{"ids", i, ""}, out[static_cast<std::size_t>(i)]));
    ++i;
  }
  return std::nullopt;
}

// Reads `field` (named `name`, e.g. "tasks") as a list of 1 to 1000 objects into `out`,
// calling read_element(out[i], i, object, raw) for each, where `raw` is the element's JSON
// text (for the `info` fields, which keep their text). `noun` and `nouns` name one element
// and several in the messages ("task", "tasks").
template <class T, class ReadElement>
Err read_object_list(ParsedBody& parsed, const detail::Field& field, std::string_view name,
                     std::string_view noun, std::string_view nouns, std::vector<T>& out,
                     ReadElement&& read_element) {
  const std::string quoted = "field \"" + std::string(name) + "\"";
  if (!field.given())
    return detail::missing(top(name), "a list of 1 to 1000 " + std::string(nouns));
  simdjson::dom::array array;
  if (field.value.get_array().get(array))
    return detail::bad_request(quoted + " must be a list of " + std::string(noun) +
                               " objects, not " + std::string(detail::type_name(field.value)) +
                               ".");
  const std::size_t count = array.size();
  if (count == 0 || count > kMaxListEntries)
    return detail::bad_request(quoted + " must hold 1 to 1000 " + std::string(nouns) + ".");
  std::vector<std::string_view> raw_elements;
  raw_elements.reserve(count);
  const auto raw_list = json::member_value(parsed.text(), field.member_index);
  if (!raw_list || !json::array_elements(*raw_list, raw_elements) || raw_elements.size() != count)
    return detail::bad_request(quoted + " could not be read back as JSON text.");
  out.resize(count);
  std::size_t i = 0;
  for (auto element : array) {
    Object object;
    if (element.get_object().get(object))
      return detail::bad_request("field \"" + std::string(name) + "[" + std::to_string(i) +
                                 "]\" must be an object, not " +
                                 std::string(detail::type_name(element)) + ".");
    TC_TRY(read_element(out[i], i, object, raw_elements[i]));
    ++i;
  }
  return std::nullopt;
}

}  // namespace

std::int64_t seconds_to_ms(double seconds) noexcept {
  const double ms = seconds * 1000.0;
  // 1.1 * 1000 is 1100.0000000000002 in binary floating point: snap to the nearest
  // integer when within rounding noise, otherwise round up (0.0001 s -> 1 ms, not 0).
  const double nearest = std::nearbyint(ms);
  if (std::fabs(ms - nearest) <= 1e-6 * std::max(1.0, ms)) return static_cast<std::int64_t>(nearest);
  return static_cast<std::int64_t>(std::ceil(ms));
}

Result<PutRequest> parse_put(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  // One pass over the members for the queue and the task's fields; the checks run in the
  // same order as read_queue then read_task, so the same error wins.
  static constexpr std::array<std::string_view, 5> kNames = {"queue", "id", "info", "content",
                                                             "config"};
  const auto fields = lookup(*root, kNames);
  PutRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_task_fields({fields[1], fields[2], fields[3], fields[4]}, parsed.text(), "",
                                  -1, request.task));
  return request;
}

Result<PutBatchRequest> parse_put_batch(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 2> kNames = {"queue", "tasks"};
  const auto fields = lookup(*root, kNames);
  PutBatchRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(read_object_list(parsed, fields[1], "tasks", "task", "tasks", request.tasks,
                          [&](NewTask& task, std::size_t i, Object object, std::string_view raw) {
                            return detail::read_task(object, raw, "tasks",
                                                     static_cast<std::ptrdiff_t>(i), task);
                          }));
  return request;
}

Result<PeekArgs> parse_peek(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 5> kNames = {"queue", "cursor", "size", "timeout",
                                                             "batch_window"};
  const auto fields = lookup(*root, kNames);
  PeekArgs args;
  TC_TRY(detail::read_name(fields[0], top("queue"), args.queue));
  TC_TRY(read_peek_cursor(fields[1], args.cursor));
  TC_TRY(read_size(fields[2], args.size));
  TC_TRY(detail::read_seconds(fields[3], top("timeout"), false, args.timeout_ms));
  TC_TRY(detail::read_seconds(fields[4], top("batch_window"), false, args.batch_window_ms));
  return args;
}

Result<AcquireRequest> parse_acquire(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "ids", "promise_reply_time"};
  const auto fields = lookup(*root, kNames);
  AcquireRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(read_ids(fields[1], request.ids));
  TC_TRY(detail::read_seconds(fields[2], top("promise_reply_time"), true, request.lease_ms));
  return request;
}

Result<TakeArgs> parse_take(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 8> kNames = {
      "queue",        "size",     "timeout",   "promise_reply_time",
      "batch_window", "max_cost", "batch_key", "group_by_key"};
  const auto fields = lookup(*root, kNames);
  TakeArgs args;
  TC_TRY(detail::read_name(fields[0], top("queue"), args.queue));
  TC_TRY(read_size(fields[1], args.size));
  TC_TRY(detail::read_seconds(fields[2], top("timeout"), false, args.timeout_ms));
  TC_TRY(detail::read_seconds(fields[3], top("promise_reply_time"), true, args.lease_ms));
  TC_TRY(detail::read_seconds(fields[4], top("batch_window"), false, args.batch_window_ms));
  // Version 2 (docs/protocol.md, "take, for batches a GPU wants").
  if (fields[5].given()) {
    double max_cost = 0;
    TC_TRY(detail::read_positive_number(fields[5], top("max_cost"), kMaxCost, max_cost));
    args.options.max_cost = max_cost;
  }
  TC_TRY(detail::read_optional_name(fields[6], top("batch_key"), args.options.batch_key));
  if (fields[7].given()) {
    bool group_by_key = false;
    if (fields[7].value.get_bool().get(group_by_key))
      return detail::bad_request("field \"group_by_key\" must be a boolean, not " +
                                 std::string(detail::type_name(fields[7].value)) + ".");
    args.options.group_by_key = group_by_key;
  }
  return args;
}

Result<ReplyRequest> parse_reply(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 4> kNames = {"queue", "id", "info", "content"};
  const auto fields = lookup(*root, kNames);
  ReplyRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  TC_TRY(detail::read_info(fields[2], parsed.text(), top("info"), request.result.info));
  TC_TRY(detail::read_content(fields[3], top("content"), request.result.content));
  return request;
}

Result<CallArgs> parse_call(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "timeout", "stream"};
  const auto fields = lookup(*root, kNames);
  CallArgs args;
  TC_TRY(detail::read_name(fields[0], top("queue"), args.queue));
  TC_TRY(detail::read_task(*root, parsed.text(), "", -1, args.task));
  TC_TRY(detail::read_seconds(fields[1], top("timeout"), true, args.timeout_ms));
  if (fields[2].given() && fields[2].value.get_bool().get(args.stream))
    return detail::bad_request("field \"stream\" must be true or false, not " +
                               std::string(detail::type_name(fields[2].value)) + ".");
  return args;
}

Result<WatchArgs> parse_watch(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 4> kNames = {"queue", "id", "after", "timeout"};
  const auto fields = lookup(*root, kNames);
  WatchArgs args;
  TC_TRY(detail::read_name(fields[0], top("queue"), args.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), args.id));
  // A seq is a JSON integer a client can hold exactly (2^53).
  TC_TRY(detail::read_integer(fields[2], top("after"), 0, 1ull << 53, args.after));
  TC_TRY(detail::read_seconds(fields[3], top("timeout"), true, args.timeout_ms));
  return args;
}

Result<TaskRef> parse_remove(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 2> kNames = {"queue", "id"};
  const auto fields = lookup(*root, kNames);
  TaskRef request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  return request;
}

Result<TouchRequest> parse_touch(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "id", "promise_reply_time"};
  const auto fields = lookup(*root, kNames);
  TouchRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  TC_TRY(detail::read_seconds(fields[2], top("promise_reply_time"), true, request.lease_ms));
  return request;
}

Result<ClearQueueRequest> parse_clear_queue(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "iter_num", "step_size"};
  const auto fields = lookup(*root, kNames);
  ClearQueueRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  constexpr std::uint64_t kMaxBound = 1'000'000;
  std::uint64_t iter_num = 0, step_size = 0;
  TC_TRY(detail::read_integer(fields[1], top("iter_num"), 1, kMaxBound, iter_num));
  TC_TRY(detail::read_integer(fields[2], top("step_size"), 1, kMaxBound, step_size));
  // The work bound is iterations x steps; either alone bounds by itself; neither: no bound.
  std::uint64_t steps = 0;
  if (iter_num && step_size) steps = iter_num * step_size;
  else steps = iter_num ? iter_num : step_size;
  request.max_steps = static_cast<std::uint32_t>(std::min<std::uint64_t>(steps, UINT32_MAX));
  return request;
}

Result<ListQueueRequest> parse_list_queue(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 2> kNames = {"cursor", "size"};
  const auto fields = lookup(*root, kNames);
  ListQueueRequest request;
  if (fields[0].given()) {
    std::string_view text;
    if (fields[0].value.get_string().get(text))
      return detail::bad_request("field \"cursor\" must be a string or null, not " +
                                 std::string(detail::type_name(fields[0].value)) + ".");
    if (text.size() > kMaxListCursorBytes)
      return detail::bad_request("field \"cursor\" is longer than 1024 bytes.");
    if (!text.empty()) request.cursor.emplace(text);  // "" = first page, like null
  }
  TC_TRY(read_size(fields[1], request.size));
  return request;
}

Result<StatQueueRequest> parse_stat_queue(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  StatQueueRequest request;
  TC_TRY(read_queue(*root, request.queue));
  return request;
}

// cursor as list_queue's; search: a string of at most 256 bytes (a queue name's bound),
// matched as a substring of the names ignoring ASCII case; null or "" match every queue.
Result<SummaryRequest> parse_summary(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"cursor", "size", "search"};
  const auto fields = lookup(*root, kNames);
  SummaryRequest request;
  if (fields[0].given()) {
    std::string_view text;
    if (fields[0].value.get_string().get(text))
      return detail::bad_request("field \"cursor\" must be a string or null, not " +
                                 std::string(detail::type_name(fields[0].value)) + ".");
    if (text.size() > kMaxListCursorBytes)
      return detail::bad_request("field \"cursor\" is longer than 1024 bytes.");
    if (!text.empty()) request.cursor.emplace(text);  // "" = first page, like null
  }
  TC_TRY(read_size(fields[1], request.size));
  if (fields[2].given()) {
    std::string_view text;
    if (fields[2].value.get_string().get(text))
      return detail::bad_request("field \"search\" must be a string or null, not " +
                                 std::string(detail::type_name(fields[2].value)) + ".");
    if (text.size() > 256)
      return detail::bad_request("field \"search\" is longer than 256 bytes.");
    request.search.assign(text);
  }
  return request;
}

Result<ReplyBatchRequest> parse_reply_batch(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 2> kNames = {"queue", "replies"};
  const auto fields = lookup(*root, kNames);
  ReplyBatchRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  static constexpr std::array<std::string_view, 3> kReplyNames = {"id", "info", "content"};
  TC_TRY(read_object_list(
      parsed, fields[1], "replies", "reply", "replies", request.replies,
      [&](TaskReply& reply, std::size_t i, Object object, std::string_view raw) -> Err {
        const auto index = static_cast<std::ptrdiff_t>(i);
        const auto reply_fields = lookup(object, kReplyNames);
        TC_TRY(detail::read_name(reply_fields[0], FieldPath{"replies", index, "id"}, reply.id));
        TC_TRY(detail::read_info(reply_fields[1], raw, FieldPath{"replies", index, "info"},
                                 reply.result.info));
        return detail::read_content(reply_fields[2], FieldPath{"replies", index, "content"},
                                    reply.result.content);
      }));
  return request;
}

Result<GetRequest> parse_get(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "id", "with_content"};
  const auto fields = lookup(*root, kNames);
  GetRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  if (fields[2].given()) {
    bool flag = false;
    if (fields[2].value.get_bool().get(flag))
      return detail::bad_request("field \"with_content\" must be true or false, not " +
                                 std::string(detail::type_name(fields[2].value)) + ".");
    request.with_content = flag;
  }
  return request;
}

Result<ListTasksRequest> parse_list_tasks(std::string_view body) {
  ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 4> kNames = {"queue", "state", "cursor", "size"};
  const auto fields = lookup(*root, kNames);
  ListTasksRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  if (fields[1].given()) {
    std::string_view text;
    if (fields[1].value.get_string().get(text) || !(request.state = task_view_state_of(text)))
      return detail::bad_request(
          "field \"state\" must be \"pending\", \"delayed\", \"leased\", \"done\" or null.");
  }
  if (fields[2].given()) {
    std::string_view text;
    if (fields[2].value.get_string().get(text))
      return detail::bad_request("field \"cursor\" must be a string or null, not " +
                                 std::string(detail::type_name(fields[2].value)) + ".");
    if (!text.empty()) {  // "" = first page, like null
      request.cursor = TaskListCursor::parse(text);
      if (!request.cursor || text.size() > kMaxListCursorBytes)
        return detail::bad_request(
            "field \"cursor\" must be a cursor returned by list_tasks, or null.");
      if (request.state && request.cursor->state != *request.state)
        return detail::bad_request(
            "field \"cursor\" belongs to a listing of another state than \"state\".");
    }
  }
  TC_TRY(read_size(fields[3], request.size));
  return request;
}

}  // namespace tc
