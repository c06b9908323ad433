#include "stop_signals.hpp"

#include <signal.h>

#include <atomic>
#include <mutex>

namespace taskcenter::detail {
namespace {

std::atomic<bool> g_signalled{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");

std::mutex g_mutex;
int g_guards = 0;
struct sigaction g_previous_term {};
struct sigaction g_previous_int {};

extern "C" void on_stop_signal(int) { g_signalled.store(true); }

}  // namespace

StopSignalGuard::StopSignalGuard() {
  std::lock_guard lock(g_mutex);
  if (g_guards++ > 0) return;
  g_signalled.store(false);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking socket calls keep going; workers poll the flag
  sigaction(SIGTERM, &action, &g_previous_term);
  sigaction(SIGINT, &action, &g_previous_int);
}

StopSignalGuard::~StopSignalGuard() {
  std::lock_guard lock(g_mutex);
  if (--g_guards > 0) return;
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGINT, &g_previous_int, nullptr);
}

bool StopSignalGuard::signalled() { return g_signalled.load(); }

}  // namespace taskcenter::detail
