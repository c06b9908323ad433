#include "server_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "taskcenter/client.hpp"

namespace tctest {
namespace {

std::string make_temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tc-cpp-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& output_path) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

// waitpid with a deadline; -1 if the child is still running when it passes.
int wait_with_timeout(pid_t pid, double seconds) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

std::string server_binary() {
  if (const char* env = std::getenv("TC_BINARY"); env != nullptr && *env != '\0') return env;
#ifdef TC_DEFAULT_BINARY
  return TC_DEFAULT_BINARY;
#else
  throw std::runtime_error("set TC_BINARY to the taskcenter server binary");
#endif
}

ServerProcess::ServerProcess(std::vector<std::string> extra_args, int port) : dir_(make_temp_dir()) {
  std::string port_file = dir_ + "/port";
  std::vector<std::string> argv = {server_binary(), "--host", "127.0.0.1", "--port", std::to_string(port),
                                   "--port-file", port_file, "--data-dir", ""};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = spawn(argv, dir_ + "/server.log");

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      std::ifstream log(dir_ + "/server.log");
      std::stringstream text;
      text << log.rdbuf();
      throw std::runtime_error("server exited at start: " + text.str());
    }
    std::ifstream in(port_file);
    int written = 0;
    if (in >> written && written > 0) {
      port_ = written;
      taskcenter::Client probe(url());
      if (probe.healthz()) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  throw std::runtime_error("server did not become healthy within 20 s");
}

int ServerProcess::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    status_ = wait_with_timeout(pid_, 10);
    if (status_ == -1) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
    }
    pid_ = -1;
  }
  return status_;
}

ServerProcess::~ServerProcess() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

ChildProcess::ChildProcess(std::vector<std::string> argv) : dir_(make_temp_dir()) {
  pid_ = spawn(argv, dir_ + "/output");
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void ChildProcess::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

int ChildProcess::wait(double seconds) {
  if (pid_ <= 0) return -1;
  int status = wait_with_timeout(pid_, seconds);
  if (status != -1) pid_ = -1;
  return status;
}

std::string ChildProcess::output() const {
  std::ifstream in(dir_ + "/output");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tctest
