// What a token may do: roles on queue patterns, and the pure check of one request
// (role table x endpoint x queue name). No I/O; unit-tested as a table.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/metrics.hpp"  // Endpoint

namespace tc {

// The four roles of a token file line. Each includes read; admin includes everything.
enum class Role : std::uint8_t { read, produce, consume, admin };

// "read" -> Role::read ...; false for any other text.
bool parse_role(std::string_view text, Role& role) noexcept;
std::string_view role_name(Role role) noexcept;

// One line's grant: a role on the queues that `pattern` names. The pattern is a queue
// name (exact match), a prefix ending in '*' ("jobs.*": every queue whose name starts
// with "jobs."), or "*" alone (every queue).
struct Grant {
  Role role = Role::read;
  std::string pattern;
};

// Everything one token may do: the union of its grants.
using Grants = std::vector<Grant>;

bool queue_matches(std::string_view pattern, std::string_view queue) noexcept;

// Whether `role` may call `endpoint` at all (the table of docs/security.md). Endpoints
// outside /task/* need no role: every role answers true.
bool role_allows(Role role, Endpoint endpoint) noexcept;

// The scope check: true when some grant covers `queue` with a role that allows `endpoint`.
bool scope_allows(const Grants& grants, Endpoint endpoint, std::string_view queue) noexcept;

}  // namespace tc
