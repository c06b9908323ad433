// What the tool observes of other processes through /proc: the server's pid (given, or
// found from its listening port), its CPU time and resident memory; and the tool's own
// CPU time. Also starts and stops the trivial responder as a child process.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace bench {

// The pid of the process that listens on 127.0.0.1:port (or any address), if visible.
std::optional<pid_t> find_listener_pid(std::uint16_t port);

// User + system CPU seconds of pid (nullopt when it is gone).
std::optional<double> process_cpu_seconds(pid_t pid);
// VmRSS in bytes.
std::optional<std::uint64_t> process_rss_bytes(pid_t pid);
// Entries of /proc/pid/fd (nullopt when unreadable).
std::optional<std::size_t> process_open_fds(pid_t pid);
// User + system CPU seconds of this process (all threads).
double self_cpu_seconds();

// A child running `<this binary> --serve-trivial 0 --threads N`, stopped on destruction.
class TrivialChild {
 public:
  explicit TrivialChild(unsigned threads);  // throws std::runtime_error
  ~TrivialChild();
  TrivialChild(const TrivialChild&) = delete;
  TrivialChild& operator=(const TrivialChild&) = delete;
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
};

}  // namespace bench
