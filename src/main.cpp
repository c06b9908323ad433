// taskcenter: flags/env -> Config, then wiring: clock -> store -> service -> api -> server.
#include <csignal>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "core/build_info.hpp"
#include "core/clock.hpp"
#include "http/api.hpp"
#include "http/server.hpp"
#include "service/task_service.hpp"
#include "store/memory_store.hpp"
#include "store/redis/redis_store.hpp"

extern char** environ;

namespace {

constexpr int kExitCannotStart = 1;
constexpr int kExitUsage = 2;

// A store and the name printed in the startup line. Each backend plugs in here.
struct StoreChoice {
  std::unique_ptr<tc::Store> store;
  std::string name;
};

tc::Result<StoreChoice> make_store(const tc::Config& config, const tc::Clock& clock) {
  if (!config.redis_url.empty()) {
    tc::RedisStoreOptions options;
    options.url = config.redis_url;
    if (!config.redis_prefix.empty()) options.prefix = config.redis_prefix;
    try {
      return StoreChoice{tc::RedisStore::launch(clock, options), "redis " + config.redis_url};
    } catch (const std::exception& e) {  // malformed URL or prefix
      return tc::make_error(tc::Errc::bad_request, std::string("--redis: ") + e.what());
    }
  }
  if (!config.persist || config.data_dir.empty())
    return StoreChoice{std::make_unique<tc::MemoryStore>(clock), "memory (not persisted)"};

  // The embedded store with its append-only log: replays the data directory first.
  tc::log::PersistOptions persist;
  persist.dir = config.data_dir;
  persist.fsync = config.fsync;
  tc::log::ReplayReport report;
  const auto started = std::chrono::steady_clock::now();
  auto opened = tc::MemoryStore::open(clock, persist, &report);
  if (!opened) return std::move(opened).error();
  for (const auto& warning : report.warnings) std::cerr << "taskcenter: warning: " << warning << "\n";
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::cerr << "taskcenter: replayed " << report.records << " records (" << report.log_bytes
            << " log bytes, " << report.segments << " segments) from " << config.data_dir
            << " in " << took.count() << " ms" << std::endl;
  return StoreChoice{std::move(opened).value(),
                     "memory + log " + config.data_dir + " (fsync " +
                         std::string(tc::log::fsync_policy_name(config.fsync)) + ")"};
}

// Written to a temporary file and renamed, so a reader never sees half a number.
bool write_port_file(const std::string& path, std::uint16_t port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!(out << port << '\n')) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A peer that goes away must cost an error code, not the process (hiredis writes
  // with write(2); Asio already sends with MSG_NOSIGNAL).
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = tc::parse_config(args, tc::environment_from(environ));
  if (!parsed) {
    std::cerr << "taskcenter: " << parsed.error().message << "\n";
    return kExitUsage;
  }
  tc::Config config = std::move(parsed).value();
  if (config.show_help) {
    std::cout << tc::config_help();
    return 0;
  }
  if (config.show_version) {
    std::cout << tc::version_line() << "\n";
    return 0;
  }
  unsigned threads = config.threads ? config.threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;

  tc::SystemClock clock;
  auto chosen = make_store(config, clock);
  if (!chosen) {
    std::cerr << "taskcenter: " << chosen.error().message << "\n";
    // A bad --redis URL is a usage error; a locked, unreadable or corrupt data directory is not.
    return chosen.error().code == tc::Errc::bad_request ? kExitUsage : kExitCannotStart;
  }
  tc::Store& store = *chosen->store;
  tc::TaskService service(store,
                          tc::ServiceOptions{config.max_wait_ms, config.reap_interval_ms});
  tc::Api api(service, tc::ApiOptions{config.token, config.call_data});

  tc::ServerOptions server_options;
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.threads = threads;
  server_options.max_body = config.max_body;
  server_options.max_connections = config.max_connections;
  server_options.idle_timeout_ms = config.idle_timeout_ms;
  server_options.read_timeout_ms = config.read_timeout_ms;
  server_options.shutdown_timeout_ms = config.shutdown_timeout_ms;
  tc::Server server(
      server_options, [&api](tc::HttpRequest request) { return api.handle(request); },
      [&api](tc::Errc code, std::string_view message) { return api.transport_error(code, message); });

  if (auto listening = server.listen(); !listening) {
    std::cerr << "taskcenter: " << listening.error().message << "\n";
    return kExitCannotStart;
  }
  if (!config.port_file.empty() && !write_port_file(config.port_file, server.port())) {
    std::cerr << "taskcenter: cannot write the port to --port-file " << config.port_file << "\n";
    return kExitCannotStart;
  }

  service.start(server.executor());
  // Wakes waiting long-polls so they answer before their connections close.
  server.on_shutdown([&service] { service.shutdown(); });

  const bool ipv6 = config.host.find(':') != std::string::npos;
  std::cerr << "taskcenter " << TC_VERSION << " listening on "
            << (ipv6 ? "[" + config.host + "]" : config.host) << ":"
            << server.port() << " (store: " << chosen->name << ", threads: " << threads
            << ")" << std::endl;
  server.run();
  service.shutdown();  // idempotent; stops the reaper if the drain timed out first
  // Close the store while the server's io_contexts still exist to receive the last replies.
  store.close();
  std::cerr << "taskcenter: stopped" << std::endl;
  return 0;
}
