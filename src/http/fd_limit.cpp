#include "http/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace tc {

std::uint64_t fds_needed(std::uint64_t max_connections, unsigned threads) noexcept {
  // Per thread: a listener and an event fd; beyond that stdio, log segments, Redis
  // connections and the odd file: 64 is generous.
  return max_connections + 2ull * threads + 64;
}

FdLimitCheck raise_fd_limit(std::uint64_t needed) {
  FdLimitCheck check;
  check.needed = needed;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    check.soft_before = check.soft_after = check.hard = needed;  // unknown: do not warn
    return check;
  }
  auto as_u64 = [](rlim_t v) {
    return v == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(v);
  };
  check.soft_before = check.soft_after = as_u64(limit.rlim_cur);
  check.hard = as_u64(limit.rlim_max);
  if (check.soft_before >= needed) return check;
  rlimit raised = limit;
  raised.rlim_cur = static_cast<rlim_t>(std::min(needed, check.hard));
  if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) check.soft_after = as_u64(raised.rlim_cur);
  return check;
}

std::string describe(const FdLimitCheck& check, std::uint64_t max_connections) {
  if (!check.sufficient())
    return "warning: --max-connections " + std::to_string(max_connections) + " needs about " +
           std::to_string(check.needed) + " open files, but the limit is " +
           std::to_string(check.soft_after) + " (hard limit " + std::to_string(check.hard) +
           "); connections past it wait in the kernel's queue. Raise the limit (ulimit -n, "
           "LimitNOFILE=) or lower --max-connections.";
  if (check.soft_after != check.soft_before)
    return "raised the open-file limit from " + std::to_string(check.soft_before) + " to " +
           std::to_string(check.soft_after) + " for --max-connections " +
           std::to_string(max_connections);
  return {};
}

}  // namespace tc
