// Crash test of the log with fsync=always: a child process (this binary, running the
// disabled LogCrash.DISABLED_Child test) puts, takes and replies as fast as it can and
// prints each step once it is acknowledged; the parent kill -9s it at a random moment,
// reopens the data directory, and checks that every acknowledged step survived.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "store/memory_store.hpp"
#include "test_util.hpp"

namespace tc::test {
namespace {

constexpr const char* kDirVariable = "TC_CRASH_TEST_DIR";

void say(const std::string& line) {
  std::string out = line + "\n";
  // One write() per line: atomic on a pipe, so the parent never sees half a line.
  ssize_t n = ::write(STDOUT_FILENO, out.data(), out.size());
  (void)n;
}

// The child: runs until killed.
TEST(LogCrash, DISABLED_Child) {
  const char* dir = std::getenv(kDirVariable);
  if (!dir) GTEST_SKIP() << "run by LogCrash.AcknowledgedStepsSurviveKill9";
  SystemClock clock;
  log::PersistOptions options;
  options.dir = dir;
  options.fsync = log::FsyncPolicy::always;
  auto opened = MemoryStore::open(clock, options);
  ASSERT_TRUE(opened) << opened.error().message;
  auto& store = **opened;
  say("ready");
  for (int i = 0;; ++i) {
    std::string id = numbered("t", i);
    NewTask task{id, "\"" + id + "\"", "content-" + id, {}};
    auto put = run_sync(store.put("q", std::move(task)));
    if (put && *put) say("put " + id);
    if (i % 3 == 2) {
      auto taken = run_sync(store.take("q", 1, 600'000));
      if (!taken || taken->empty()) continue;
      std::string got = (*taken)[0].id;
      auto replied = run_sync(store.reply("q", got, TaskResult{"\"r-" + got + "\"", "x"}));
      if (replied && *replied) say("reply " + got);
    }
  }
}

struct Acked {
  std::set<std::string> puts;
  std::set<std::string> replies;
};

// Starts the child, lets it run `run_ms` after it is ready, kill -9s it, and returns
// what it acknowledged.
Acked run_and_kill(const std::string& dir, int run_ms) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    ::setenv(kDirVariable, dir.c_str(), 1);
    ::execl("/proc/self/exe", "unit_tests", "--gtest_also_run_disabled_tests",
            "--gtest_filter=LogCrash.DISABLED_Child", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[65536];
  bool killed = false;
  auto deadline = std::chrono::steady_clock::time_point::max();
  for (;;) {
    if (!killed && std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
    if (deadline == std::chrono::steady_clock::time_point::max() &&
        text.find("ready\n") != std::string::npos)
      deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  }
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  Acked acked;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("put ", 0) == 0) acked.puts.insert(line.substr(4));
    if (line.rfind("reply ", 0) == 0) acked.replies.insert(line.substr(6));
  }
  return acked;
}

TEST(LogCrash, AcknowledgedStepsSurviveKill9) {
  std::mt19937 random(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    TempDir dir;
    int run_ms = 100 + static_cast<int>(random() % 400);
    Acked acked = run_and_kill(dir.path(), run_ms);
    ASSERT_FALSE(acked.puts.empty()) << "the child acknowledged nothing in " << run_ms << " ms";
    SystemClock clock;
    log::PersistOptions options;
    options.dir = dir.path();
    log::ReplayReport report;
    auto opened = MemoryStore::open(clock, options, &report);
    ASSERT_TRUE(opened) << opened.error().message;
    auto& store = **opened;
    std::map<std::string, std::string> pending;
    auto peeked = run_sync(store.peek("q", std::nullopt, 1'000'000));
    ASSERT_TRUE(peeked);
    for (auto& t : *peeked) pending[t.id] = t.info;
    for (const auto& id : acked.puts) {
      NewTask probe{id, "null", "", {}};
      auto begin = *run_sync(store.call_begin("q", std::move(probe), false));
      EXPECT_TRUE(begin.exists) << "acknowledged put of " << id << " lost (round " << round << ")";
      if (pending.count(id)) {
        EXPECT_EQ(pending[id], "\"" + id + "\"");
      }
    }
    for (const auto& id : acked.replies) {
      NewTask probe{id, "null", "", {}};
      auto begin = *run_sync(store.call_begin("q", std::move(probe), false));
      ASSERT_TRUE(begin.cached) << "acknowledged reply of " << id << " lost";
      EXPECT_EQ(begin.cached->info, "\"r-" + id + "\"");
      EXPECT_EQ(pending.count(id), 0u) << id << " was replied but came back";
    }
    std::printf("[ figure ] crash round %d: killed after %d ms, %zu puts and %zu replies "
                "acknowledged, %zu records replayed, %llu torn bytes cut\n",
                round, run_ms, acked.puts.size(), acked.replies.size(),
                static_cast<std::size_t>(report.records),
                static_cast<unsigned long long>(report.truncated_bytes));
  }
}

}  // namespace
}  // namespace tc::test
