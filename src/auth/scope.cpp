#include "auth/scope.hpp"

namespace tc {

bool parse_role(std::string_view text, Role& role) noexcept {
  if (text == "read") role = Role::read;
  else if (text == "produce") role = Role::produce;
  else if (text == "consume") role = Role::consume;
  else if (text == "admin") role = Role::admin;
  else return false;
  return true;
}

std::string_view role_name(Role role) noexcept {
  switch (role) {
    case Role::read: return "read";
    case Role::produce: return "produce";
    case Role::consume: return "consume";
    case Role::admin: return "admin";
  }
  return "read";
}

bool queue_matches(std::string_view pattern, std::string_view queue) noexcept {
  if (!pattern.empty() && pattern.back() == '*') {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);
    return queue.substr(0, prefix.size()) == prefix;
  }
  return pattern == queue;
}

namespace {

// Which roles an endpoint needs. No `default:` on purpose: a new endpoint does not compile
// (-Wswitch, warnings are errors) until it has a row here.
enum class Need { nothing, read, produce, consume, admin };

Need need_of(Endpoint endpoint) noexcept {
  switch (endpoint) {
    case Endpoint::stat_queue:
    case Endpoint::list_queue:
    case Endpoint::summary:
    case Endpoint::get:
    case Endpoint::list_tasks: return Need::read;
    case Endpoint::put:
    case Endpoint::put_batch:
    case Endpoint::call:
    case Endpoint::watch:
    case Endpoint::remove: return Need::produce;  // remove: cancel a task it no longer wants
    case Endpoint::peek:
    case Endpoint::take:
    case Endpoint::acquire:
    case Endpoint::reply:
    case Endpoint::touch:
    case Endpoint::progress:
    case Endpoint::reply_batch:
    case Endpoint::fail:
    case Endpoint::release: return Need::consume;
    case Endpoint::clear_queue:
    case Endpoint::config_queue:
    case Endpoint::redrive: return Need::admin;
    case Endpoint::healthz:
    case Endpoint::readyz:
    case Endpoint::version:
    case Endpoint::buildtime:
    case Endpoint::metrics:
    case Endpoint::openapi:
    case Endpoint::docs:
    case Endpoint::dashboard:
    case Endpoint::unknown:
    case Endpoint::count_: return Need::nothing;
  }
  return Need::admin;
}

}  // namespace

bool role_allows(Role role, Endpoint endpoint) noexcept {
  switch (need_of(endpoint)) {
    case Need::nothing:
    case Need::read: return true;
    case Need::produce: return role == Role::produce || role == Role::admin;
    case Need::consume: return role == Role::consume || role == Role::admin;
    case Need::admin: return role == Role::admin;
  }
  return false;
}

bool scope_allows(const Grants& grants, Endpoint endpoint, std::string_view queue) noexcept {
  for (const auto& grant : grants)
    if (role_allows(grant.role, endpoint) && queue_matches(grant.pattern, queue)) return true;
  return false;
}

}  // namespace tc
