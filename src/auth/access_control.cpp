#include "auth/access_control.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tc {
namespace {

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

AccessControl::AccessControl(std::string admin_token, std::string token_file)
    : admin_token_(std::move(admin_token)),
      token_file_(std::move(token_file)),
      enabled_(!admin_token_.empty() || !token_file_.empty()) {}

Result<std::shared_ptr<AccessControl>> AccessControl::open(std::string admin_token,
                                                           std::string token_file) {
  std::shared_ptr<AccessControl> access(
      new AccessControl(std::move(admin_token), std::move(token_file)));
  auto table = access->read_table();
  if (!table) return std::move(table).error();
  access->table_.store(std::move(table).value());
  return access;
}

Result<std::shared_ptr<const TokenTable>> AccessControl::read_table() const {
  TokenTable table;
  if (!token_file_.empty()) {
    std::ifstream in(token_file_, std::ios::binary);
    if (!in)
      return make_error(Errc::bad_request,
                        "cannot read the token file " + token_file_ + ": " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    auto parsed = TokenTable::parse(text.str(), token_file_);
    if (!parsed) return std::move(parsed).error();
    table = std::move(parsed).value();
  }
  if (!admin_token_.empty()) table.add_admin(admin_token_);
  return std::make_shared<const TokenTable>(std::move(table));
}

Result<std::size_t> AccessControl::reload() {
  auto table = read_table();
  if (!table) return std::move(table).error();
  const std::size_t count = (*table)->size();
  table_.store(std::move(table).value());
  return count;
}

std::size_t AccessControl::tokens() const noexcept { return table_.load()->size(); }

std::shared_ptr<const Grants> AccessControl::authenticate(std::string_view authorization) const {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() < kScheme.size() ||
      !ascii_iequal(authorization.substr(0, kScheme.size()), kScheme))
    return nullptr;
  std::shared_ptr<const TokenTable> table = table_.load();
  const TokenEntry* entry = table->find(authorization.substr(kScheme.size()));
  if (entry == nullptr) return nullptr;
  return std::shared_ptr<const Grants>(std::move(table), &entry->grants);  // aliasing
}

}  // namespace tc
