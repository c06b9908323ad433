// Just enough JSON reading for the tool's own responses, without a parser per request:
// the tool chooses every id (no escapes) and every info ({"t": <ns>}), so the i-th "id"
// string of a take/acquire/peek answer pairs with its i-th "t" number whatever the key order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

struct ScannedTask {
  std::string_view id;
  std::uint64_t t = 0;  // the producer's send time (ns, steady clock), 0 when absent
};

// Appends the tasks of a response body's "data" list to `out` (cleared first).
void scan_tasks(std::string_view body, std::vector<ScannedTask>& out);

// The last "cursor" string in a peek answer (the top-level one, or the last item's, which
// are equal when data is not empty); empty when none.
std::string_view last_cursor(std::string_view body);

// Appends s as a JSON string (the tool's ids and cursors need no escaping).
inline void append_quoted(std::string& out, std::string_view s) {
  out.push_back('"');
  out.append(s);
  out.push_back('"');
}
void append_number(std::string& out, std::uint64_t n);

}  // namespace bench

namespace bench {
// "<prefix><n>-": an id prefix per connection (avoids "p" + std::to_string, which trips
// GCC 12's -Wrestrict false positive at -O3).
inline std::string id_prefix(std::string_view prefix, std::uint64_t n) {
  std::string out(prefix);
  append_number(out, n);
  out.push_back('-');
  return out;
}
}  // namespace bench
