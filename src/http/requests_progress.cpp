// The parser of /task/progress, as requests.cpp's: the body is validated in full, then
// each field by the shared readers of request_fields.hpp (those of reply and touch).
#include <array>

#include "http/request_fields.hpp"
#include "http/requests.hpp"

namespace tc {
namespace {

constexpr detail::FieldPath top(std::string_view name) { return detail::FieldPath{"", -1, name}; }

}  // namespace

Result<ProgressRequest> parse_progress(std::string_view body) {
  detail::ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 5> kNames = {"queue", "id", "info", "content",
                                                             "promise_reply_time"};
  const auto fields = detail::lookup(*root, kNames);
  ProgressRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  TC_TRY(detail::read_info(fields[2], parsed.text(), top("info"), request.event.info));
  TC_TRY(detail::read_content(fields[3], top("content"), request.event.content));
  if (fields[4].given()) {
    std::int64_t lease_ms = 0;
    TC_TRY(detail::read_seconds(fields[4], top("promise_reply_time"), true, lease_ms));
    request.lease_ms = lease_ms;
  }
  return request;
}

}  // namespace tc
