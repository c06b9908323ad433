// A real taskcenter server process for the tests: started on a free loopback port with
// an in-memory store, stopped with SIGTERM. The binary comes from $TC_BINARY, else the
// path CMake compiled in.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <vector>

namespace tctest {

class ServerProcess {
 public:
  // `port` 0 lets the server pick one (read back through --port-file).
  explicit ServerProcess(std::vector<std::string> extra_args = {}, int port = 0);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  // SIGTERM and wait; returns the exit status (as from waitpid). Idempotent.
  int stop();

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  int status_ = 0;
  std::string dir_;
};

// "<prefix><n>", built by appending. `"t" + std::to_string(n)` inlines into
// basic_string::insert, where g++ 12 at -O3 reports a false -Wrestrict positive (GCC bug 105651).
inline std::string numbered(std::string_view prefix, long long n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

// Path of the server binary under test.
std::string server_binary();

// Runs `argv` as a child process with stdout captured to a file in a temp dir.
class ChildProcess {
 public:
  explicit ChildProcess(std::vector<std::string> argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  void signal(int sig);
  // Waits up to `seconds`; returns the waitpid status, or -1 on timeout (then kills it).
  int wait(double seconds);
  std::string output() const;

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

}  // namespace tctest
