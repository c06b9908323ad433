// Fuzz target for the token file parser (src/auth/token_table.cpp): it either refuses
// with a message naming a line, or returns tokens that can travel in a header, each with
// valid grants, each found again by find().
// Seeds: tests/fuzz/corpus/token_file/.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/token_table.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "invariant broken: %s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto table = tc::TokenTable::parse(input, "fuzz");
  if (!table) {
    if (table.error().message.rfind("fuzz line ", 0) != 0) fail("message names no line", input);
    return 0;
  }
  // Every token of the input's lines is found and has grants with valid patterns.
  std::size_t start = 0;
  while (start < input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    std::string_view line = input.substr(start, end - start);
    start = end + 1;
    const auto first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') continue;
    const auto last = line.find_first_of(" \t", first);
    const std::string_view token = line.substr(first, last - first);
    const tc::TokenEntry* entry = table->find(token);
    if (entry == nullptr) fail("a token of the file is not found", input);
    if (entry->grants.empty()) fail("a token without grants", input);
    for (char ch : entry->token)
      if (static_cast<unsigned char>(ch) < 0x21 || static_cast<unsigned char>(ch) > 0x7E)
        fail("a token that cannot travel in a header", input);
    for (const auto& grant : entry->grants) {
      const auto star = grant.pattern.find('*');
      if (grant.pattern.empty() || (star != std::string::npos && star + 1 != grant.pattern.size()))
        fail("a pattern with '*' inside", input);
      if (!tc::queue_matches(grant.pattern, grant.pattern.substr(0, star)))
        fail("a pattern that does not match its own name", input);
    }
  }
  return 0;
}
