// A "GPU-style" batch consumer: it takes up to --batch tasks at once (waiting
// --window seconds for a batch to fill), runs one simulated forward pass per batch
// (--pass-ms), and replies to every task with its content echoed back.
//
//   echo_consumer --url http://127.0.0.1:8000 --queue q --batch 32 --window 0.005
//
// Stops gracefully on SIGTERM / Ctrl-C: finishes the batch in hand, replies, exits.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "taskcenter/taskcenter.hpp"

namespace {

class EchoBatchConsumer : public taskcenter::Consumer {
 public:
  EchoBatchConsumer(taskcenter::Client& client, taskcenter::ConsumerOptions options, int pass_ms)
      : Consumer(client, std::move(options)), pass_ms_(pass_ms) {}

  std::vector<taskcenter::Reply> process_batch(const std::vector<taskcenter::Task>& tasks) override {
    // One "kernel launch" for the whole batch: the cost that batching amortizes.
    if (pass_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pass_ms_));
    std::vector<taskcenter::Reply> replies;
    replies.reserve(tasks.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      std::string info = "{\"batch_size\":" + std::to_string(tasks.size()) + ",\"index\":" + std::to_string(i) +
                         ",\"request_info\":" + tasks[i].info + "}";
      replies.push_back({std::move(info), tasks[i].content});
    }
    return replies;
  }

 private:
  int pass_ms_;
};

void usage() {
  std::fprintf(stderr,
               "usage: echo_consumer [--url URL] [--token T] [--queue Q] [--batch N] [--window SECONDS]\n"
               "                     [--workers N] [--pass-ms MS] [--promise SECONDS]\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::string url = "http://127.0.0.1:8000", token, queue = "echo";
  taskcenter::ConsumerOptions options;
  options.batch_size = 32;
  options.batch_window = std::chrono::milliseconds(5);
  int pass_ms = 2;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--url") url = value();
    else if (arg == "--token") token = value();
    else if (arg == "--queue") queue = value();
    else if (arg == "--batch") options.batch_size = std::stoul(value());
    else if (arg == "--window") options.batch_window = taskcenter::Seconds(std::stod(value()));
    else if (arg == "--workers") options.workers = std::stoi(value());
    else if (arg == "--pass-ms") pass_ms = std::stoi(value());
    else if (arg == "--promise") options.promise_reply_time = taskcenter::Seconds(std::stod(value()));
    else {
      usage();
      return arg == "--help" || arg == "-h" ? 0 : 2;
    }
  }
  options.queue = queue;

  taskcenter::ClientOptions client_options;
  client_options.url = url;
  client_options.token = token;
  taskcenter::Client client(client_options);
  if (!client.healthz()) std::fprintf(stderr, "warning: %s does not answer /healthz yet; retrying as we go\n", url.c_str());
  EchoBatchConsumer consumer(client, options, pass_ms);
  std::fprintf(stderr, "echo_consumer: queue=%s batch=%zu workers=%d; Ctrl-C to stop\n", queue.c_str(),
               options.batch_size, options.workers);
  consumer.run();
  auto stats = consumer.stats();
  std::printf("processed %llu tasks in %llu batches (%llu replies accepted, %llu errors)\n",
              static_cast<unsigned long long>(stats.processed), static_cast<unsigned long long>(stats.batches),
              static_cast<unsigned long long>(stats.replied), static_cast<unsigned long long>(stats.errors));
  return 0;
}
