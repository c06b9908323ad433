// The parser of POST /task/config_queue (docs/protocol.md, "Queue settings").
#include <array>
#include <string>

#include "http/request_fields.hpp"
#include "http/requests.hpp"

namespace tc {
namespace {

using detail::Err;
using detail::FieldPath;

constexpr double kMaxRate = 1e6;    // leases per second
constexpr double kMaxBurst = 1e9;   // tokens
constexpr std::uint64_t kMaxLeasedCap = 1'000'000'000;

std::string type_error(std::string_view name, std::string_view expected, const detail::Element& v) {
  return "field \"" + std::string(name) + "\" must be " + std::string(expected) + ", not " +
         std::string(detail::type_name(v)) + ".";
}

// A JSON number (integer or not) in [low, high], as a double; else the error naming it.
Err read_number(const detail::Field& field, std::string_view name, double low, double high,
                std::string_view range_text, double& out) {
  const auto& v = field.value;
  switch (v.type()) {
    case simdjson::dom::element_type::INT64:
      out = static_cast<double>(v.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      out = static_cast<double>(v.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      out = v.get_double().value_unsafe();
      break;
    default:
      return detail::bad_request(type_error(name, "a number", v));
  }
  if (!(out >= low && out <= high))
    return detail::bad_request("field \"" + std::string(name) + "\" must be " +
                               std::string(range_text) + ".");
  return std::nullopt;
}

}  // namespace

Result<ConfigQueueRequest> parse_config_queue(std::string_view body) {
  detail::ParsedBody parsed;
  auto root = parsed.parse(body);
  if (!root) return std::move(root).error();
  static constexpr std::array<std::string_view, 5> kNames = {"queue", "paused", "max_leased",
                                                             "rate", "burst"};
  const auto fields = detail::lookup(*root, kNames);
  ConfigQueueRequest request;
  TC_TRY(detail::read_name(fields[0], FieldPath{"", -1, "queue"}, request.queue));
  if (fields[1].given()) {
    bool paused = false;
    if (fields[1].value.get_bool().get(paused))
      return detail::bad_request(type_error("paused", "a boolean", fields[1].value));
    request.change.paused = paused;
  }
  if (fields[2].given()) {
    std::uint64_t max_leased = 0;
    TC_TRY(detail::read_integer(fields[2], FieldPath{"", -1, "max_leased"}, 0, kMaxLeasedCap,
                                max_leased));
    request.change.max_leased = static_cast<std::uint32_t>(max_leased);
  }
  if (fields[3].given()) {
    QueueSettingsChange::Bucket bucket;
    TC_TRY(read_number(fields[3], "rate", 0, kMaxRate, "a number from 0 to 1000000", bucket.rate));
    request.change.bucket = bucket;
  }
  if (fields[4].given()) {
    double burst = 0;
    TC_TRY(read_number(fields[4], "burst", 1, kMaxBurst, "a number from 1 to 1000000000", burst));
    if (!request.change.bucket || request.change.bucket->rate <= 0)
      return detail::bad_request(
          "field \"burst\" needs a \"rate\" above 0 in the same request (rate and burst are "
          "set together).");
    request.change.bucket->burst = burst;
  }
  return request;
}

}  // namespace tc
