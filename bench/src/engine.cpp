#include "engine.hpp"

#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/address.hpp>
#include <stdexcept>

namespace bench {

Target Target::parse(const std::string& url) {
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("url needs a port: " + url);
  std::string host = rest.substr(0, colon);
  std::string port = rest.substr(colon + 1);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  asio::io_context io;
  tcp::resolver resolver(io);
  auto results = resolver.resolve(host, port);
  if (results.empty()) throw std::runtime_error("cannot resolve " + url);
  return Target{results.begin()->endpoint(), rest};
}

void Stats::merge(const Stats& other) {
  latency.merge(other.latency);
  latency2.merge(other.latency2);
  ops += other.ops;
  requests += other.requests;
  errors += other.errors;
  if (first_error.empty()) first_error = other.first_error;
}

Engine::Engine(unsigned threads) {
  if (threads == 0) threads = 1;
  for (unsigned i = 0; i < threads; ++i) contexts_.push_back(std::make_unique<asio::io_context>(1));
  stats_.resize(threads);
}

Engine::~Engine() { stop(); }

void Engine::start() {
  for (auto& ctx : contexts_) {
    threads_.emplace_back([c = ctx.get()] {
      auto guard = asio::make_work_guard(*c);
      c->run();
    });
  }
}

void Engine::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& ctx : contexts_) ctx->stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  contexts_.clear();  // destroys the suspended coroutine frames
}

Stats Engine::merged() const {
  Stats all;
  for (const auto& s : stats_) all.merge(s);
  return all;
}

std::uint64_t raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

void sleep_until(TimePoint t) { std::this_thread::sleep_until(t); }

}  // namespace bench
