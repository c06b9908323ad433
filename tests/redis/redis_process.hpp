// Starts and stops real redis-server processes for tests: one server on a free
// loopback port with its own temp dir, or a Redis Cluster of N masters built with
// `redis-cli --cluster create`. Header-only so unit tests and tools can share it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tc::test {

inline std::string find_program(const std::string& name) {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    std::string path = std::string(dir) + "/" + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

// A loopback port nobody listens on right now (bind to 0, read, close).
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("bind failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Whether `port` on the loopback address can be bound now (nobody listens on it).
inline bool port_is_free(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool bindable = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return bindable;
}

// Sends one inline command and returns what the first read() got ("" on failure).
inline std::string redis_inline(int port, const std::string& command) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  std::string line;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string out = command + "\r\n";
    if (::write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size())) {
      char buf[4096];
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) line.assign(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return line;
}

// Starts argv[0] (an absolute path) with stdout and stderr sent to /dev/null.
inline pid_t spawn_quiet(const std::vector<std::string>& argv) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int devnull = ::open("/dev/null", O_WRONLY);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

inline int run_command(const std::vector<std::string>& argv) {
  pid_t pid = spawn_quiet(argv);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class RedisProcess {
 public:
  struct Options {
    bool appendonly = false;  // appendfsync always: nothing acknowledged is lost on restart
    bool cluster = false;     // cluster-enabled yes (joined by RedisCluster)
  };

  static bool available() { return !find_program("redis-server").empty(); }

  RedisProcess() : RedisProcess(Options{false, false}) {}
  explicit RedisProcess(Options options) : options_(options), port_(pick_port(options.cluster)) {
    std::string pattern = std::filesystem::temp_directory_path().string() + "/tc-redis-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    start();
  }
  ~RedisProcess() {
    kill(SIGKILL);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  int port() const noexcept { return port_; }

  // A cluster node also listens on port + 10000 (the cluster bus): both must be valid and
  // free, or the node exits at start (a bus port taken by another test's connection made
  // "redis-server did not start" a rare failure of the cluster tests).
  static int pick_port(bool cluster) {
    for (;;) {
      int port = free_port();
      if (!cluster || (port + 10000 < 65536 && port_is_free(port + 10000))) return port;
    }
  }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_) + "/0"; }
  bool running() const noexcept { return pid_ > 0; }

  // Starts (again) on the same port and dir; waits until it answers PING.
  void start() {
    if (pid_ > 0) return;
    std::vector<std::string> argv = {find_program("redis-server"),
                                     "--port", std::to_string(port_),
                                     "--bind", "127.0.0.1",
                                     "--dir", dir_,
                                     "--save", "",
                                     "--daemonize", "no",
                                     "--protected-mode", "no",
                                     "--appendonly", options_.appendonly ? "yes" : "no",
                                     "--appendfsync", "always"};
    if (options_.cluster) {
      argv.insert(argv.end(), {"--cluster-enabled", "yes", "--cluster-config-file",
                               dir_ + "/nodes.conf", "--cluster-node-timeout", "2000"});
    }
    pid_ = spawn_quiet(argv);
    for (int i = 0; i < 500; ++i) {
      if (redis_inline(port_, "PING").rfind("+PONG", 0) == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
  }

  // SIGSTOP / SIGCONT: a hung server that still holds its port.
  void send_signal(int signal) {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  // Stops the server: SIGKILL (a crash) or SIGTERM (a clean shutdown).
  void kill(int signal = SIGKILL) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  Options options_;
  int port_;
  std::string dir_;
  pid_t pid_ = -1;
};

// N cluster-enabled masters joined with `redis-cli --cluster create ... --cluster-yes`.
class RedisCluster {
 public:
  static bool available() {
    return RedisProcess::available() && !find_program("redis-cli").empty();
  }

  explicit RedisCluster(int masters = 3) {
    RedisProcess::Options options;
    options.cluster = true;
    std::vector<std::string> argv = {find_program("redis-cli"), "--cluster", "create"};
    for (int i = 0; i < masters; ++i) {
      nodes_.push_back(std::make_unique<RedisProcess>(options));
      argv.push_back("127.0.0.1:" + std::to_string(nodes_.back()->port()));
    }
    argv.insert(argv.end(), {"--cluster-replicas", "0", "--cluster-yes"});
    if (run_command(argv) != 0) throw std::runtime_error("redis-cli --cluster create failed");
    // Wait until every node agrees the cluster is up.
    for (int i = 0; i < 500; ++i) {
      bool ok = true;
      for (auto& n : nodes_) {
        ok = ok && redis_inline(n->port(), "CLUSTER INFO").find("cluster_state:ok") !=
                       std::string::npos;
      }
      if (ok) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("the Redis Cluster did not come up");
  }

  RedisProcess& node(std::size_t i) { return *nodes_.at(i); }
  std::size_t size() const noexcept { return nodes_.size(); }
  std::string url() const { return nodes_.front()->url(); }

 private:
  std::vector<std::unique_ptr<RedisProcess>> nodes_;
};

}  // namespace tc::test
