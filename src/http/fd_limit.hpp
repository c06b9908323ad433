// The process's open-file limit against the connection limit: every connection is a
// descriptor, and accept() failing with EMFILE refuses clients without a word.
#pragma once

#include <cstdint>
#include <string>

namespace tc {

struct FdLimitCheck {
  std::uint64_t needed = 0;       // descriptors the configuration may use
  std::uint64_t soft_before = 0;  // RLIMIT_NOFILE soft limit at start
  std::uint64_t soft_after = 0;   // ... after raising it (as far as the hard limit allows)
  std::uint64_t hard = 0;
  bool sufficient() const noexcept { return soft_after >= needed; }
};

// Descriptors for `max_connections` clients plus listeners, the store, logs and slack.
std::uint64_t fds_needed(std::uint64_t max_connections, unsigned threads) noexcept;

// Raises the soft RLIMIT_NOFILE toward `needed` (never above the hard limit, never
// lowers it) and reports what it found and did.
FdLimitCheck raise_fd_limit(std::uint64_t needed);

// The start-up line for a check: empty when nothing needed saying.
std::string describe(const FdLimitCheck& check, std::uint64_t max_connections);

}  // namespace tc
