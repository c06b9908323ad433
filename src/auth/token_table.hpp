// The tokens a server accepts and the grants of each: parsed from the text of a token
// file (one `TOKEN ROLE QUEUES` per line), plus the admin token of --token. Pure: the
// parser is unit-tested and fuzzed without files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/scope.hpp"
#include "core/errors.hpp"

namespace tc {

struct TokenEntry {
  std::string token;
  Grants grants;  // every line of this token, in file order
};

class TokenTable {
 public:
  // Parses a token file's text. `source` names it in messages ("tokens.txt"). A
  // malformed line is an error naming the line and what is wrong with it; nothing of a
  // file with an error is used. Lines: `TOKEN ROLE QUEUES [# comment]`, fields separated
  // by spaces or tabs; blank lines and lines starting with '#' are skipped; CRLF is fine.
  // The same token on several lines gets the union of their grants.
  static Result<TokenTable> parse(std::string_view text, std::string_view source);

  // Adds `token` as an admin of every queue (the --token flag).
  void add_admin(std::string token);

  // The entry of `presented`, or nullptr. Compares with every token in time that depends
  // only on the lengths, never stopping at the first match, so response times tell
  // nothing about how much of a guess was right.
  const TokenEntry* find(std::string_view presented) const noexcept;

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  TokenEntry& entry_for(std::string token);
  std::vector<TokenEntry> entries_;
};

// Exposed for tests.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace tc
