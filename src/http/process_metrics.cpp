#include "http/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

namespace tc {
namespace {

void append_number(std::string& out, double value) {
  char digits[32];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, value);
  out.append(digits, end);
}

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            double value) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n# TYPE ");
  out.append(name).append(" ").append(type).append("\n").append(name).push_back(' ');
  append_number(out, value);
  out.push_back('\n');
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Seconds since the epoch at which the system booted (/proc/stat "btime").
double boot_time() {
  const std::string stat = read_file("/proc/stat");
  const auto at = stat.find("\nbtime ");
  if (at == std::string::npos) return 0;
  return std::strtod(stat.c_str() + at + 7, nullptr);
}

int open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return -1;
  int n = 0;
  while (dirent* entry = ::readdir(dir))
    if (entry->d_name[0] != '.') ++n;
  ::closedir(dir);
  return n - 1;  // the descriptor of the listing itself
}

}  // namespace

void append_process_metrics(std::string& out) {
  // /proc/self/stat: fields after the command name (which may hold spaces) in ")".
  const std::string stat = read_file("/proc/self/stat");
  const auto close_paren = stat.rfind(')');
  if (close_paren != std::string::npos) {
    std::istringstream fields(stat.substr(close_paren + 2));
    std::vector<std::string> f;
    for (std::string word; fields >> word;) f.push_back(word);
    // f[0] is field 3 (state): utime = field 14, stime 15, starttime 22, vsize 23, rss 24.
    if (f.size() > 21) {
      const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
      const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
      const double cpu =
          (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr)) / ticks;
      family(out, "process_cpu_seconds_total", "counter",
             "User and system CPU time spent in seconds.", cpu);
      family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
             std::strtod(f[21].c_str(), nullptr) * page);
      family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
             std::strtod(f[20].c_str(), nullptr));
      family(out, "process_start_time_seconds", "gauge",
             "Start time of the process since unix epoch in seconds.",
             boot_time() + std::strtod(f[19].c_str(), nullptr) / ticks);
    }
  }
  if (const int fds = open_fds(); fds >= 0)
    family(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0)
    family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.",
           static_cast<double>(limit.rlim_cur));
}

}  // namespace tc
