#include "auth/token_table.hpp"

namespace tc {
namespace {

constexpr std::size_t kMaxQueueBytes = 256;  // the rule for queue names (docs/protocol.md)

bool blank(char c) { return c == ' ' || c == '\t'; }

// Splits on runs of spaces and tabs; a field starting with '#' ends the line (comment).
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && blank(line[i])) ++i;
    if (i == line.size() || line[i] == '#') break;
    const std::size_t start = i;
    while (i < line.size() && !blank(line[i])) ++i;
    fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

// Empty when `token` is usable in "Authorization: Bearer <token>", else why not.
std::string token_problem(std::string_view token) {
  for (char ch : token) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E)
      return "the token has a byte that cannot travel in an HTTP header (only visible ASCII)";
  }
  return {};
}

std::string pattern_problem(std::string_view pattern) {
  const std::string_view name =
      pattern.back() == '*' ? pattern.substr(0, pattern.size() - 1) : pattern;
  if (name.find('*') != std::string_view::npos)
    return "'*' may only end a queue pattern (\"jobs.*\", or \"*\" for every queue)";
  if (name.size() > kMaxQueueBytes) return "the queue name is longer than 256 bytes";
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) return "the queue name has a control character";
  }
  return {};
}

}  // namespace

bool constant_time_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

Result<TokenTable> TokenTable::parse(std::string_view text, std::string_view source) {
  TokenTable table;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    const auto fields = fields_of(line);
    if (fields.empty()) continue;
    auto refuse = [&](const std::string& why) {
      return make_error(Errc::bad_request,
                        std::string(source) + " line " + std::to_string(line_number) + ": " + why);
    };
    if (fields.size() != 3)
      return refuse("expected TOKEN ROLE QUEUES, found " + std::to_string(fields.size()) +
                    (fields.size() == 1 ? " field" : " fields"));
    if (auto problem = token_problem(fields[0]); !problem.empty()) return refuse(problem);
    Grant grant;
    if (!parse_role(fields[1], grant.role))
      return refuse("unknown role '" + std::string(fields[1]) +
                    "' (one of read, produce, consume, admin)");
    if (auto problem = pattern_problem(fields[2]); !problem.empty()) return refuse(problem);
    grant.pattern = std::string(fields[2]);
    table.entry_for(std::string(fields[0])).grants.push_back(std::move(grant));
  }
  return table;
}

void TokenTable::add_admin(std::string token) {
  entry_for(std::move(token)).grants.push_back(Grant{Role::admin, "*"});
}

TokenEntry& TokenTable::entry_for(std::string token) {
  for (auto& entry : entries_)
    if (entry.token == token) return entry;
  entries_.push_back(TokenEntry{std::move(token), {}});
  return entries_.back();
}

const TokenEntry* TokenTable::find(std::string_view presented) const noexcept {
  const TokenEntry* found = nullptr;
  for (const auto& entry : entries_)
    if (constant_time_equal(entry.token, presented)) found = &entry;  // no early exit
  return found;
}

}  // namespace tc
