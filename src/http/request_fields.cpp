#include "http/request_fields.hpp"

#include <charconv>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/base64.hpp"
#include "http/json_span.hpp"
#include "http/requests.hpp"

namespace tc::detail {
namespace {

// Bodies up to this size share the thread's parser; larger ones get a parser of their own.
constexpr std::size_t kSharedParserMaxBody = 1 << 20;

struct ThreadParser {
  simdjson::dom::parser parser;
  std::string buffer;  // body copy + SIMDJSON_PADDING readable bytes
};
thread_local ThreadParser t_parser;

// Copies `body` into `buffer` with the zeroed padding simdjson reads past the end.
const char* pad_into(std::string& buffer, std::string_view body) {
  const std::size_t need = body.size() + simdjson::SIMDJSON_PADDING;
  if (buffer.size() < need) buffer.resize(std::max<std::size_t>(need, 4096));
  // An empty string_view may hold a null pointer, which memcpy must never be given.
  if (!body.empty()) std::memcpy(buffer.data(), body.data(), body.size());
  std::memset(buffer.data() + body.size(), 0, simdjson::SIMDJSON_PADDING);
  return buffer.data();
}

// simdjson says "a number" is out of range but not where: find the top-level field whose
// value alone fails the same way, so the message can name it. Error path only.
std::string number_error_message(std::string_view body) {
  std::vector<json::RawMember> members;
  if (json::object_members(body, members)) {
    simdjson::dom::parser probe;
    for (const auto& member : members) {
      simdjson::padded_string value(member.value);
      if (probe.parse(value).error() == simdjson::NUMBER_ERROR) {
        std::string name(member.key.substr(1, member.key.size() - 2));
        return "field \"" + name +
               "\" holds a number that is malformed or out of range (integers must fit in 64 "
               "bits, other numbers must be finite).";
      }
    }
  }
  return "the body holds a number that is malformed or out of range (integers must fit in 64 "
         "bits, other numbers must be finite).";
}

// True if `token` is a JSON number by RFC 8259's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view token) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < token.size() && token[i] >= '0' && token[i] <= '9') ++i;
    return i > start;
  };
  if (i < token.size() && token[i] == '-') ++i;
  if (i < token.size() && token[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < token.size() && token[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < token.size() && (token[i] == 'e' || token[i] == 'E')) {
    ++i;
    if (i < token.size() && (token[i] == '+' || token[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == token.size();
}

// Overwrites every number token of the JSON value at `span` (inside `patched`, same
// offsets as `text`) with "0" and spaces: same length, so raw spans keep their offsets.
void blank_numbers(std::string_view text, std::string_view span, std::string& patched) {
  const std::size_t base = static_cast<std::size_t>(span.data() - text.data());
  std::size_t i = 0;
  while (i < span.size()) {
    const char c = span[i];
    if (c == '"') {
      const std::size_t end = json::skip_string(span, i);
      if (end == json::npos) return;
      i = end;
      continue;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t end = i;
      while (end < span.size() && span[end] != ',' && span[end] != ']' && span[end] != '}' &&
             !json::is_ws(span[end]))
        ++end;
      if (is_json_number(span.substr(i, end - i))) {
        patched[base + i] = '0';
        for (std::size_t k = i + 1; k < end; ++k) patched[base + k] = ' ';
      }
      i = end;
      continue;
    }
    ++i;
  }
}

// simdjson 3.0.1 refuses numbers it cannot represent (integers beyond 64 bits, 1e400),
// although they are valid JSON. Inside `info` (top level and tasks[i]) we never need the
// value, only the raw text: so blank those numbers in a copy and parse that. Every other
// field still gets the out-of-range error. Returns false if there is nothing to blank.
bool blank_info_numbers(std::string_view text, std::string& patched) {
  std::vector<json::RawMember> members;
  if (!json::object_members(text, members)) return false;
  patched.assign(text);
  bool any = false;
  for (const auto& member : members) {
    if (member.key == "\"info\"") {
      blank_numbers(text, member.value, patched);
      any = true;
    } else if (member.key == "\"tasks\"") {
      std::vector<std::string_view> tasks;
      if (!json::array_elements(member.value, tasks)) continue;
      std::vector<json::RawMember> task_members;
      for (auto task : tasks) {
        if (!json::object_members(task, task_members)) continue;
        for (const auto& task_member : task_members) {
          if (task_member.key != "\"info\"") continue;
          blank_numbers(text, task_member.value, patched);
          any = true;
        }
      }
    }
  }
  return any;
}

std::string parse_error_message(simdjson::error_code error, std::string_view body) {
  switch (error) {
    case simdjson::EMPTY:
      return "the body is empty; send a JSON object.";
    case simdjson::NUMBER_ERROR:
      return number_error_message(body);
    case simdjson::UTF8_ERROR:
      return "the body is not valid UTF-8.";
    case simdjson::DEPTH_ERROR:
      return "the body nests arrays and objects deeper than 1024 levels.";
    case simdjson::STRING_ERROR:
      return "the body holds a string with an invalid escape sequence.";
    case simdjson::UNESCAPED_CHARS:
      return "the body holds a string with an unescaped control character; write it as \\u00XX.";
    default:
      return std::string("the body is not valid JSON (") + simdjson::error_message(error) + ").";
  }
}

bool has_control_character(std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

ApiError wrong_type(const FieldPath& path, std::string_view expected, const Element& value) {
  std::string message = "field \"" + path.str() + "\" must be " + std::string(expected) +
                        ", not " + std::string(type_name(value)) + ".";
  return bad_request(std::move(message));
}

}  // namespace

std::string FieldPath::str() const {
  std::string out(parent);
  if (index >= 0) {
    char buf[24];
    auto* end = std::to_chars(buf, buf + sizeof buf, index).ptr;
    out += '[';
    out.append(buf, end);
    out += ']';
  }
  if (!name.empty()) {
    if (!out.empty()) out += '.';
    out.append(name);
  }
  return out;
}

ApiError bad_request(std::string message) { return make_error(Errc::bad_request, std::move(message)); }

ApiError missing(const FieldPath& path, std::string_view what) {
  return bad_request("field \"" + path.str() + "\" is required: " + std::string(what) + ".");
}

std::string_view type_name(const Element& value) {
  switch (value.type()) {
    case simdjson::dom::element_type::ARRAY: return "an array";
    case simdjson::dom::element_type::OBJECT: return "an object";
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: return "a number";
    case simdjson::dom::element_type::STRING: return "a string";
    case simdjson::dom::element_type::BOOL: return "a boolean";
    case simdjson::dom::element_type::NULL_VALUE: return "null";
  }
  return "a value of unknown type";
}

Result<Object> ParsedBody::parse(std::string_view body) {
  text_ = json::trim(body);
  simdjson::dom::parser* parser = &t_parser.parser;
  const char* data;
  if (body.size() <= kSharedParserMaxBody) {
    data = pad_into(t_parser.buffer, body);
  } else {
    own_parser_ = std::make_unique<simdjson::dom::parser>();
    parser = own_parser_.get();
    data = pad_into(own_buffer_, body);
  }
  Element root;
  auto error = parser->parse(data, body.size(), false).get(root);
  if (error == simdjson::NUMBER_ERROR) {
    // Error path only: retry with the numbers inside `info` blanked (see blank_info_numbers).
    std::string patched;
    if (blank_info_numbers(text_, patched)) {
      if (!own_parser_) own_parser_ = std::make_unique<simdjson::dom::parser>();
      parser = own_parser_.get();
      data = pad_into(own_buffer_, patched);
      error = parser->parse(data, patched.size(), false).get(root);
      // Name the field from the patched text: the blanked info is no longer the culprit.
      if (error) return bad_request(parse_error_message(error, patched));
    }
  }
  if (error) return bad_request(parse_error_message(error, text_));
  Object object;
  if (root.get_object().get(object))
    return bad_request("the body must be a JSON object, not " + std::string(type_name(root)) + ".");
  return object;
}

Err read_name(const Field& field, const FieldPath& path, std::string& out) {
  if (!field.given()) return missing(path, "a string of 1 to 256 bytes");
  std::string_view text;
  if (field.value.get_string().get(text)) return wrong_type(path, "a string", field.value);
  if (text.empty()) return bad_request("field \"" + path.str() + "\" must not be empty.");
  if (text.size() > kMaxNameBytes)
    return bad_request("field \"" + path.str() + "\" is longer than 256 bytes.");
  if (has_control_character(text))
    return bad_request("field \"" + path.str() + "\" must not contain control characters.");
  out.assign(text);
  return std::nullopt;
}

Err read_optional_name(const Field& field, const FieldPath& path,
                       std::optional<std::string>& out) {
  if (!field.given()) return std::nullopt;
  std::string name;
  TC_TRY(read_name(field, path, name));
  out = std::move(name);
  return std::nullopt;
}

Err read_info(const Field& field, std::string_view object_text, const FieldPath& path,
              std::string& out) {
  if (!field.present) return std::nullopt;
  auto raw = json::member_value(object_text, field.member_index);
  // The DOM accepted the text, so the scanner finds the member; if it ever did not,
  // refusing is better than storing something that is not what was sent.
  if (!raw) return bad_request("field \"" + path.str() + "\" could not be read back as JSON text.");
  out.assign(json::trim(*raw));
  return std::nullopt;
}

Err read_content(const Field& field, const FieldPath& path, std::string& out) {
  if (!field.given()) return std::nullopt;
  std::string_view text;
  if (field.value.get_string().get(text))
    return wrong_type(path, "a base64 string", field.value);
  if (!base64_decode(text, out))
    return bad_request("field \"" + path.str() +
                       "\" is not standard base64 with padding (alphabet A-Z a-z 0-9 + /, no "
                       "whitespace).");
  return std::nullopt;
}

Err read_seconds(const Field& field, const FieldPath& path, bool required, std::int64_t& ms_out) {
  if (!field.given()) {
    if (required) return missing(path, "a number of seconds >= 0");
    return std::nullopt;
  }
  const Element& value = field.value;
  double seconds = 0;
  switch (value.type()) {
    case simdjson::dom::element_type::INT64: {
      const std::int64_t whole = value.get_int64().value_unsafe();
      if (whole < 0) return bad_request("field \"" + path.str() + "\" must be >= 0 seconds.");
      seconds = static_cast<double>(whole);
      break;
    }
    case simdjson::dom::element_type::UINT64:
      seconds = static_cast<double>(value.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      seconds = value.get_double().value_unsafe();
      if (!(seconds >= 0))  // also catches NaN, which simdjson never produces anyway
        return bad_request("field \"" + path.str() + "\" must be >= 0 seconds.");
      break;
    default:
      return wrong_type(path, "a number of seconds", value);
  }
  if (seconds > kMaxSeconds)
    return bad_request("field \"" + path.str() + "\" must be at most 1000000000 seconds.");
  ms_out = seconds_to_ms(seconds);
  return std::nullopt;
}

Err read_integer(const Field& field, const FieldPath& path, std::uint64_t low, std::uint64_t high,
                 std::uint64_t& out) {
  // Every bound in use is far below INT64_MAX: the signed reader applies the same rules.
  constexpr auto kSignedMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  std::int64_t number = 0;
  TC_TRY(read_signed_integer(field, path, static_cast<std::int64_t>(std::min(low, kSignedMax)),
                             static_cast<std::int64_t>(std::min(high, kSignedMax)), number));
  if (field.given()) out = static_cast<std::uint64_t>(number);
  return std::nullopt;
}

Err read_signed_integer(const Field& field, const FieldPath& path, std::int64_t low,
                        std::int64_t high, std::int64_t& out) {
  if (!field.given()) return std::nullopt;
  const Element& value = field.value;
  auto out_of_range = [&] {
    return bad_request("field \"" + path.str() + "\" must be an integer from " +
                       std::to_string(low) + " to " + std::to_string(high) + ".");
  };
  std::int64_t number = 0;
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      number = value.get_int64().value_unsafe();
      break;
    case simdjson::dom::element_type::UINT64:
      return out_of_range();  // above INT64_MAX
    case simdjson::dom::element_type::DOUBLE: {
      const double d = value.get_double().value_unsafe();
      if (d != std::floor(d))
        return bad_request("field \"" + path.str() + "\" must be an integer.");
      if (d < static_cast<double>(low) || d > static_cast<double>(high)) return out_of_range();
      number = static_cast<std::int64_t>(d);
      break;
    }
    default:
      return wrong_type(path, "an integer", value);
  }
  if (number < low || number > high) return out_of_range();
  out = number;
  return std::nullopt;
}

Err read_positive_number(const Field& field, const FieldPath& path, double high, double& out) {
  if (!field.given()) return std::nullopt;
  const Element& value = field.value;
  double number = 0;
  switch (value.type()) {
    case simdjson::dom::element_type::INT64:
      number = static_cast<double>(value.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      number = static_cast<double>(value.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      number = value.get_double().value_unsafe();
      break;
    default:
      return wrong_type(path, "a number", value);
  }
  if (!(number > 0) || number > high)
    return bad_request("field \"" + path.str() + "\" must be a number above 0 and at most " +
                       std::to_string(static_cast<std::int64_t>(high)) + ".");
  out = number;
  return std::nullopt;
}

Err read_config(const Field& field, const FieldPath& path, TaskConfig& out) {
  if (!field.given()) return std::nullopt;
  Object object;
  if (field.value.get_object().get(object)) return wrong_type(path, "an object", field.value);
  static constexpr std::array<std::string_view, 10> kNames = {
      "cache_result_time", "forward_result_to", "max_attempts", "dead_letter_to", "delay",
      "priority",          "deadline",          "cost",         "batch_key",      "retry_delay"};
  // Messages name the member under its parent: "config.delay", "tasks[3].config.delay".
  static constexpr std::array<std::string_view, 10> kQualified = {
      "config.cache_result_time", "config.forward_result_to", "config.max_attempts",
      "config.dead_letter_to",    "config.delay",             "config.priority",
      "config.deadline",          "config.cost",              "config.batch_key",
      "config.retry_delay"};
  const auto fields = lookup(object, kNames);
  auto at = [&](std::size_t i) { return FieldPath{path.parent, path.index, kQualified[i]}; };
  TC_TRY(read_seconds(fields[0], at(0), false, out.cache_result_ms));
  TC_TRY(read_optional_name(fields[1], at(1), out.forward_result_to));
  std::uint64_t attempts = out.max_attempts;
  TC_TRY(read_integer(fields[2], at(2), 0, UINT32_MAX, attempts));
  out.max_attempts = static_cast<std::uint32_t>(attempts);
  TC_TRY(read_optional_name(fields[3], at(3), out.dead_letter_to));
  TC_TRY(read_seconds(fields[4], at(4), false, out.delay_ms));
  std::int64_t priority = out.priority;
  TC_TRY(read_signed_integer(fields[5], at(5), kMinPriority, kMaxPriority, priority));
  out.priority = static_cast<std::int32_t>(priority);
  TC_TRY(read_seconds(fields[6], at(6), false, out.deadline_ms));
  TC_TRY(read_positive_number(fields[7], at(7), kMaxCost, out.cost));
  TC_TRY(read_optional_name(fields[8], at(8), out.batch_key));
  TC_TRY(read_seconds(fields[9], at(9), false, out.retry_delay_ms));
  return std::nullopt;
}

Err read_task(Object object, std::string_view object_text, std::string_view parent,
              std::ptrdiff_t index, NewTask& out) {
  static constexpr std::array<std::string_view, 4> kNames = {"id", "info", "content", "config"};
  return read_task_fields(lookup(object, kNames), object_text, parent, index, out);
}

Err read_task_fields(const std::array<Field, 4>& fields, std::string_view object_text,
                     std::string_view parent, std::ptrdiff_t index, NewTask& out) {
  TC_TRY(read_name(fields[0], FieldPath{parent, index, "id"}, out.id));
  TC_TRY(read_info(fields[1], object_text, FieldPath{parent, index, "info"}, out.info));
  TC_TRY(read_content(fields[2], FieldPath{parent, index, "content"}, out.content));
  TC_TRY(read_config(fields[3], FieldPath{parent, index, "config"}, out.config));
  return std::nullopt;
}

}  // namespace tc::detail
