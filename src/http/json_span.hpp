// Raw text spans inside JSON: the DOM parser (simdjson) validates a body and gives us
// values, but not where they were in the text; `info` must be echoed back byte for byte,
// so after validation we find its raw text with this small scanner.
//
// The scanner trusts that its input is valid JSON (the DOM parse ran first) for the
// *meaning* of what it finds, but it never reads out of bounds on any input: malformed
// or truncated text yields npos / nullopt, so it is also safe on the error path.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace tc::json {

inline constexpr std::size_t npos = std::string_view::npos;

inline bool is_ws(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Index of the first non-whitespace character at or after pos (text.size() if none).
std::size_t skip_ws(std::string_view text, std::size_t pos) noexcept;

// `text` without leading and trailing JSON whitespace.
std::string_view trim(std::string_view text) noexcept;

// pos is at an opening '"': index just past the closing '"', or npos.
std::size_t skip_string(std::string_view text, std::size_t pos) noexcept;

// pos is at the first character of a value: index just past the value, or npos.
std::size_t skip_value(std::string_view text, std::size_t pos) noexcept;

// One member of an object, as raw text: `key` includes its quotes and escapes as written.
struct RawMember {
  std::string_view key;
  std::string_view value;
};

// The members of the object whose text starts at the first non-whitespace character of
// `object_text`, in document order (duplicates included). false if it is not an object.
bool object_members(std::string_view object_text, std::vector<RawMember>& out);

// The raw value of the member at `index` (document order, as simdjson's DOM iterates).
std::optional<std::string_view> member_value(std::string_view object_text, std::size_t index);

// The raw elements of the array whose text starts at `array_text`. false if not an array.
bool array_elements(std::string_view array_text, std::vector<std::string_view>& out);

}  // namespace tc::json
