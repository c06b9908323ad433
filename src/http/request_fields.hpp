// The building blocks of the request parsers (requests.cpp): parsing a body with
// simdjson's DOM, looking fields up, and validating each kind of field with a message
// that names the field. Internal to the HTTP layer.
#pragma once

#include <simdjson.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/errors.hpp"
#include "core/task.hpp"

namespace tc::detail {

using Element = simdjson::dom::element;
using Object = simdjson::dom::object;
using Err = std::optional<ApiError>;

// Returns the ApiError of `expr` from the enclosing function, if there is one.
#define TC_TRY(expr)                                   \
  do {                                                 \
    if (::tc::detail::Err tc_err_ = (expr)) return std::move(*tc_err_); \
  } while (0)

// How a field is named in messages: "queue", "config.delay", "tasks[3].id", "ids[2]".
// Built into a string only when an error is reported.
struct FieldPath {
  std::string_view parent;         // "" at the top level
  std::ptrdiff_t index = -1;       // element of the parent array, or -1
  std::string_view name;           // member name, or "" for the element itself
  std::string str() const;
};

struct Field {
  Element value;
  std::size_t member_index = 0;  // position among its object's members (document order)
  bool present = false;
  // null counts as absent for optional fields: the default applies.
  bool given() const { return present && !value.is_null(); }
};

// Looks up the first occurrence of each name in `object` (simdjson's DOM lookup also
// takes the first, so every field follows the same rule for duplicate keys).
template <std::size_t N>
std::array<Field, N> lookup(Object object, const std::array<std::string_view, N>& names) {
  std::array<Field, N> fields{};
  std::size_t index = 0;
  for (auto member : object) {
    for (std::size_t i = 0; i < N; ++i) {
      if (!fields[i].present && member.key == names[i]) {
        fields[i].value = member.value;
        fields[i].member_index = index;
        fields[i].present = true;
        break;
      }
    }
    ++index;
  }
  return fields;
}

// One request body parsed and validated by simdjson. Small bodies reuse a thread-local
// parser and padded buffer (no allocation on the hot path); large ones get their own, so
// one 16 MiB request does not pin 16 MiB per thread forever. Values found through the
// returned object live as long as this ParsedBody and until the thread's next parse.
class ParsedBody {
 public:
  // The root object, or 0002 for malformed JSON / a root that is not an object.
  Result<Object> parse(std::string_view body);
  // The body without surrounding whitespace, for raw spans.
  std::string_view text() const { return text_; }

 private:
  std::string_view text_;
  std::unique_ptr<simdjson::dom::parser> own_parser_;
  std::string own_buffer_;
};

ApiError bad_request(std::string message);
// "a string", "a number", ... for messages.
std::string_view type_name(const Element& value);

// Required queue or id name: a string of 1..256 bytes without control characters.
Err read_name(const Field& field, const FieldPath& path, std::string& out);
// Optional name: absent or null leaves `out` empty.
Err read_optional_name(const Field& field, const FieldPath& path,
                       std::optional<std::string>& out);
// `info`: its raw JSON text from `object_text` (the text of the object holding it);
// absent keeps "null".
Err read_info(const Field& field, std::string_view object_text, const FieldPath& path,
              std::string& out);
// `content`: standard base64, decoded; absent or null leaves "".
Err read_content(const Field& field, const FieldPath& path, std::string& out);
// Seconds >= 0 -> milliseconds. Absent or null: error if required, else keeps `ms_out`.
Err read_seconds(const Field& field, const FieldPath& path, bool required,
                 std::int64_t& ms_out);
// An integer in [low, high]. Absent or null: keeps `out`. Integral doubles (10.0) count.
Err read_integer(const Field& field, const FieldPath& path, std::uint64_t low,
                 std::uint64_t high, std::uint64_t& out);
// An integer from low to high (negative allowed).
Err read_signed_integer(const Field& field, const FieldPath& path, std::int64_t low,
                        std::int64_t high, std::int64_t& out);
// A number above 0 and at most `high` (integer or fractional).
Err read_positive_number(const Field& field, const FieldPath& path, double high, double& out);
// `config`: absent or null keeps the defaults.
Err read_config(const Field& field, const FieldPath& path, TaskConfig& out);
// A task object {id, info?, content?, config?} (put, call, tasks[i] of put_batch).
// `object_text` is the raw text of `object`.
Err read_task(Object object, std::string_view object_text, std::string_view parent,
              std::ptrdiff_t index, NewTask& out);
// The same from fields already looked up (id, info, content, config, in this order), for
// a request whose task fields sit beside its own (put: one pass over the body's members).
Err read_task_fields(const std::array<Field, 4>& fields, std::string_view object_text,
                     std::string_view parent, std::ptrdiff_t index, NewTask& out);
// Error for a required field that is absent or null.
ApiError missing(const FieldPath& path, std::string_view what);

}  // namespace tc::detail
