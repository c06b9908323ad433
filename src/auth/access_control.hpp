// Who may call what: the token table in force (--token, --token-file) and its reload.
// Requests read the table without a lock (an atomic shared_ptr); a reload builds a new
// table and swaps it in whole, so a request sees either the old table or the new one.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "auth/token_table.hpp"
#include "core/errors.hpp"

namespace tc {

class AccessControl {
 public:
  // `admin_token` (--token; may be empty) is an admin of every queue; `token_file`
  // (--token-file; may be empty) is read now. Error (bad_request) naming the file and
  // line when the file cannot be read or has a malformed line.
  static Result<std::shared_ptr<AccessControl>> open(std::string admin_token,
                                                     std::string token_file);

  // False when neither --token nor --token-file was given: every request is let in.
  bool enabled() const noexcept { return enabled_; }
  const std::string& token_file() const noexcept { return token_file_; }

  // The grants of the bearer token in an Authorization header ("Bearer <token>", the
  // scheme case-insensitive), or null when the header is absent, malformed or names no
  // known token. The pointer keeps its table alive across a reload.
  std::shared_ptr<const Grants> authenticate(std::string_view authorization) const;

  // Re-reads the token file. On error the table in force stays and the error says why.
  // Returns the number of tokens now in force.
  Result<std::size_t> reload();

  std::size_t tokens() const noexcept;

 private:
  AccessControl(std::string admin_token, std::string token_file);
  Result<std::shared_ptr<const TokenTable>> read_table() const;

  const std::string admin_token_;
  const std::string token_file_;
  const bool enabled_;
  std::atomic<std::shared_ptr<const TokenTable>> table_;
};

}  // namespace tc
