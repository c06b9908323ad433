// Parsers of the failure endpoints (fail, release), as requests.cpp's: the body is
// validated in full, then each field by the shared readers of request_fields.hpp.
#include <array>

#include "http/request_fields.hpp"
#include "http/requests.hpp"

namespace tc {
namespace {

constexpr detail::FieldPath top(std::string_view name) { return detail::FieldPath{"", -1, name}; }

}  // namespace

Result<FailRequest> parse_fail(std::string_view body) {
  detail::ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 4> kNames = {"queue", "id", "info", "content"};
  const auto fields = detail::lookup(*root, kNames);
  FailRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  TC_TRY(detail::read_info(fields[2], parsed.text(), top("info"), request.error.info));
  TC_TRY(detail::read_content(fields[3], top("content"), request.error.content));
  return request;
}

Result<RedriveRequest> parse_redrive(std::string_view body) {
  detail::ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "ids", "size"};
  const auto fields = detail::lookup(*root, kNames);
  RedriveRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  if (fields[1].given()) {
    simdjson::dom::array array;
    if (fields[1].value.get_array().get(array))
      return detail::bad_request("field \"ids\" must be a list of task ids or null, not " +
                                 std::string(detail::type_name(fields[1].value)) + ".");
    const std::size_t count = array.size();
    if (count == 0 || count > kMaxListEntries)
      return detail::bad_request("field \"ids\" must hold 1 to 1000 task ids.");
    request.ids.resize(count);
    std::ptrdiff_t i = 0;
    for (auto element : array) {
      detail::Field item{element, 0, true};
      TC_TRY(detail::read_name(item, detail::FieldPath{"ids", i, ""},
                               request.ids[static_cast<std::size_t>(i)]));
      ++i;
    }
  }
  std::uint64_t size = request.size;
  TC_TRY(detail::read_integer(fields[2], top("size"), 1, kMaxListEntries, size));
  request.size = static_cast<std::uint32_t>(size);
  return request;
}

Result<ReleaseRequest> parse_release(std::string_view body) {
  detail::ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 3> kNames = {"queue", "id", "delay"};
  const auto fields = detail::lookup(*root, kNames);
  ReleaseRequest request;
  TC_TRY(detail::read_name(fields[0], top("queue"), request.queue));
  TC_TRY(detail::read_name(fields[1], top("id"), request.id));
  TC_TRY(detail::read_seconds(fields[2], top("delay"), false, request.delay_ms));
  return request;
}

}  // namespace tc
