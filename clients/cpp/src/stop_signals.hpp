// SIGTERM/SIGINT -> a flag consumers poll. The handler only stores to a lock-free atomic,
// which is async-signal-safe; the previous handlers come back when the last guard goes.
#pragma once

namespace taskcenter::detail {

class StopSignalGuard {
 public:
  StopSignalGuard();   // installs the handlers (first guard) and clears the flag
  ~StopSignalGuard();  // restores the previous handlers (last guard)
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;

  static bool signalled();
};

}  // namespace taskcenter::detail
