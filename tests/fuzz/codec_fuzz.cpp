// Fuzz target for the small codecs: base64 (content on the wire) and cursors.
//  - base64 accepts only canonical text (decode then encode gives the input back), and
//    any bytes encoded decode back to themselves;
//  - a cursor that parses prints as "<ms>-<seq>", which parses back to the same cursor
//    (leading zeros are accepted: "007" is "7-0"); next() never
//    goes backwards.
// Seeds: tests/fuzz/corpus/codec/.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/base64.hpp"
#include "core/cursor.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant broken: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string decoded;
  if (tc::base64_decode(input, decoded) && tc::base64_encode(decoded) != input)
    fail("base64 accepted non-canonical text", input);
  const std::string encoded = tc::base64_encode(input);
  if (encoded.size() != tc::base64_encoded_size(input.size())) fail("base64 size", input);
  std::string back;
  if (!tc::base64_decode(encoded, back) || back != input) fail("base64 round trip", input);
  std::string appended = "x";
  tc::base64_encode_append(appended, input);
  if (appended.substr(1) != encoded) fail("base64 append differs from encode", input);

  if (auto cursor = tc::Cursor::parse(input)) {
    const std::string text = cursor->to_string();
    const auto again = tc::Cursor::parse(text);
    if (!again || *again != *cursor) fail("cursor round trip", input);
    for (std::uint64_t now : {std::uint64_t{0}, cursor->ms, cursor->ms + 1}) {
      if (cursor->seq == UINT64_MAX && now <= cursor->ms) continue;  // no successor
      if (!(tc::Cursor::next(*cursor, now) > *cursor)) fail("cursor next went backwards", input);
    }
  }
  return 0;
}
