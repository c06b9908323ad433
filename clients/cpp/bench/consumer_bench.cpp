// Benchmark of the C++ client and consumer framework against a running server (or one
// it starts with --server PATH):
//   1. throughput: --producers threads put --tasks tasks while a Consumer (for each
//      --config workers x batch) processes them; prints end-to-end tasks/s;
//   2. latency: one consumer waiting, one caller issuing --calls sequential calls;
//      prints call p50/p99.
//
//   consumer_bench --server build/taskcenter --tasks 20000 --producers 4
//   consumer_bench --url http://127.0.0.1:8000 --config 1x32 --calls 0
//
// A benchmark, not a test: it prints figures and asserts nothing.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "taskcenter/taskcenter.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// CPU time (user + system) this process has used, in microseconds.
double cpu_micros() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto micros = [](const timeval& t) { return t.tv_sec * 1e6 + t.tv_usec; };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

class EchoConsumer : public taskcenter::Consumer {
 public:
  using Consumer::Consumer;
  taskcenter::Reply process(const taskcenter::Task& task) override { return {task.info, task.content}; }
};

struct Config {
  int workers;
  std::size_t batch;
};

// Starts `binary` on a free port with an in-memory store; returns its pid and URL.
pid_t start_server(const std::string& binary, std::string& url) {
  char dir[] = "/tmp/tc-bench-XXXXXX";
  if (::mkdtemp(dir) == nullptr) std::exit(1);
  std::string port_file = std::string(dir) + "/port";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(binary.c_str(), binary.c_str(), "--port", "0", "--port-file", port_file.c_str(), "--data-dir", "",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 1000; ++i) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) {
      url = "http://127.0.0.1:" + std::to_string(port);
      if (taskcenter::Client(url).healthz()) return pid;
    }
    std::this_thread::sleep_for(10ms);
  }
  std::fprintf(stderr, "server did not start\n");
  std::exit(1);
}

// Producers putting while the consumer processes (prefill = false), or a queue filled
// beforehand with put_batch and then drained (prefill = true: the consumer alone).
double throughput(const std::string& url, const Config& config, int producers, int tasks, const std::string& queue,
                  bool prefill, double* cpu_per_task = nullptr) {
  taskcenter::Client client(url);
  std::string content(64, 'x');
  if (prefill) {
    for (int first = 0; first < tasks; first += 500) {
      std::vector<taskcenter::NewTask> batch;
      for (int i = first; i < std::min(tasks, first + 500); ++i) batch.push_back({std::to_string(i), "null", content, {}});
      client.put_batch(queue, batch);
    }
  }
  taskcenter::ConsumerOptions options;
  options.queue = queue;
  options.workers = config.workers;
  options.batch_size = config.batch;
  options.poll_timeout = 1s;
  options.handle_signals = false;
  options.heartbeat_interval = taskcenter::Seconds(-1);  // tasks take microseconds
  EchoConsumer consumer(client, options);
  auto start = Clock::now();
  double cpu_start = cpu_micros();
  std::thread runner([&] { consumer.run(); });

  std::vector<std::thread> threads;
  for (int p = 0; p < (prefill ? 0 : producers); ++p) {
    threads.emplace_back([&, p] {
      taskcenter::Client producer(url);
      for (int i = p; i < tasks; i += producers) producer.put(queue, std::to_string(i), "null", content);
    });
  }
  for (auto& thread : threads) thread.join();
  while (consumer.stats().replied < static_cast<std::uint64_t>(tasks)) std::this_thread::sleep_for(1ms);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (cpu_per_task != nullptr) *cpu_per_task = (cpu_micros() - cpu_start) / tasks;
  consumer.stop();
  runner.join();
  client.clear_queue(queue);
  return tasks / seconds;
}

void call_latency(const std::string& url, int calls, const std::string& queue) {
  taskcenter::Client client(url);
  taskcenter::ConsumerOptions options;
  options.queue = queue;
  options.poll_timeout = 1s;
  options.handle_signals = false;
  options.heartbeat_interval = taskcenter::Seconds(-1);
  EchoConsumer consumer(client, options);
  std::thread runner([&] { consumer.run(); });

  taskcenter::Client caller(url);
  taskcenter::CallOptions call;
  call.timeout = 10s;
  std::vector<double> micros;
  for (int i = 0; i < calls + 100; ++i) {
    auto start = Clock::now();
    caller.call(queue, "call-" + std::to_string(i), "null", "ping", call);
    if (i >= 100) micros.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());  // 100 warm-up
  }
  consumer.stop();
  runner.join();
  client.clear_queue(queue);
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) { return micros[static_cast<std::size_t>(p * (micros.size() - 1))] / 1000.0; };
  std::printf("call latency, one consumer waiting (%d calls): p50 %.3f ms  p99 %.3f ms  max %.3f ms\n", calls, pct(0.5),
              pct(0.99), micros.back() / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = "http://127.0.0.1:8000", server;
  int tasks = 20000, producers = 4, calls = 2000;
  std::vector<Config> configs;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--url") url = value;
    else if (arg == "--server") server = value;
    else if (arg == "--tasks") tasks = std::stoi(value);
    else if (arg == "--producers") producers = std::stoi(value);
    else if (arg == "--calls") calls = std::stoi(value);
    else if (arg == "--config") configs.push_back({std::stoi(value), std::stoul(value.substr(value.find('x') + 1))});
    else {
      std::fprintf(stderr,
                   "usage: consumer_bench [--url URL | --server PATH] [--tasks N] [--producers N] [--calls N]\n"
                   "                      [--config WORKERSxBATCH]...   (default: 1x1 4x1 1x32 4x32)\n");
      return 2;
    }
  }
  if (configs.empty()) configs = {{1, 1}, {4, 1}, {1, 32}, {4, 32}};
  pid_t server_pid = -1;
  if (!server.empty()) server_pid = start_server(server, url);
  std::string prefix = "bench-" + std::to_string(::getpid()) + "-";

  std::printf("server %s, %d tasks of 64 bytes, %d producer threads\n", url.c_str(), tasks, producers);
  for (const auto& config : configs) {
    std::string queue = prefix + std::to_string(config.workers) + "x" + std::to_string(config.batch);
    double live = throughput(url, config, producers, tasks, queue, false);
    double cpu = 0;
    double drain = throughput(url, config, producers, tasks, queue + "-drain", true, &cpu);
    std::printf("C++ consumer, %d worker(s), batch %2zu: %6.0f tasks/s with producers putting, %6.0f tasks/s draining "
                "a full queue (consumer CPU %.1f us/task)\n",
                config.workers, config.batch, live, drain, cpu);
  }
  if (calls > 0) call_latency(url, calls, prefix + "calls");

  if (server_pid > 0) {
    ::kill(server_pid, SIGTERM);
    ::waitpid(server_pid, nullptr, 0);
  }
  return 0;
}
