// taskcenter: flags/env -> Config, then wiring: clock -> store -> service -> api -> server.
#include <sys/stat.h>

#include <csignal>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "auth/access_control.hpp"
#include "auth/token_reload.hpp"
#include "config/config.hpp"
#include "core/allocator_name.hpp"
#include "core/build_info.hpp"
#include "core/clock.hpp"
#include "core/logger.hpp"
#include "http/api.hpp"
#include "http/batch_metrics.hpp"
#include "http/latency_metrics.hpp"
#include "http/request_log.hpp"
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
    options.wait_replicas = config.redis_wait_replicas;
    options.wait_timeout_ms = config.redis_wait_timeout_ms;
    options.sweep_interval_ms = config.redis_sweep_interval_ms;
    options.script_mode = config.redis_scripts == "functions" ? tc::redis::ScriptMode::functions
                          : config.redis_scripts == "eval"    ? tc::redis::ScriptMode::eval
                                                              : tc::redis::ScriptMode::automatic;
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
  for (const auto& warning : report.warnings) tc::logging::warn(warning);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  tc::logging::info("replayed the log",
                    {{"dir", config.data_dir},
                     {"records", static_cast<std::uint64_t>(report.records)},
                     {"log_bytes", static_cast<std::uint64_t>(report.log_bytes)},
                     {"segments", static_cast<std::uint64_t>(report.segments)},
                     {"ms", static_cast<std::int64_t>(took.count())}});
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
  {
    tc::logging::Level level = tc::logging::Level::info;
    tc::logging::Format format = tc::logging::Format::text;
    tc::logging::parse_level(config.log_level, level);  // values checked by parse_config
    tc::logging::parse_format(config.log_format, format);
    tc::logging::configure(level, format);
  }
  auto request_log = tc::RequestLog::open(config.access_log, config.slow_request_ms);
  if (!request_log) {
    tc::logging::error(request_log.error().message);
    return kExitCannotStart;
  }
  tc::batch_metrics().set_queue_limit(config.metrics_queue_histograms);
  tc::latency_metrics().set_queue_limit(config.metrics_queue_histograms);
  unsigned threads = config.threads ? config.threads : std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;

  tc::SystemClock clock;
  auto chosen = make_store(config, clock);
  if (!chosen) {
    tc::logging::error(chosen.error().message);
    // A bad --redis URL is a usage error; a locked, unreadable or corrupt data directory is not.
    return chosen.error().code == tc::Errc::bad_request ? kExitUsage : kExitCannotStart;
  }
  tc::Store& store = *chosen->store;
  tc::TaskService service(store,
                          tc::ServiceOptions{config.max_wait_ms, config.reap_interval_ms});
  // A token file with a malformed line refuses to start (the message names the line).
  auto access = tc::AccessControl::open(config.token, config.token_file);
  if (!access) {
    tc::logging::error("--token-file: " + access.error().message);
    return kExitUsage;
  }
  if (!config.token_file.empty()) {
    struct stat file_status {};
    if (::stat(config.token_file.c_str(), &file_status) == 0 && (file_status.st_mode & 077))
      tc::logging::warn("the token file can be read by other users; chmod 600 it",
                        {{"path", config.token_file}});
    tc::logging::info(std::to_string((*access)->tokens()) + " tokens from " + config.token_file +
                      (config.token.empty() ? "" : " and --token") +
                      "; SIGHUP re-reads the file");
  }
  // Families only the wiring can see: the log's size (the server adds its own connections).
  auto* memory_store = dynamic_cast<tc::MemoryStore*>(&store);
  tc::Api api(service, tc::ApiOptions{config.token, *access, config.call_data});
  api.set_extra_metrics([memory_store](std::string& out) {
    if (auto* persistence = memory_store ? memory_store->persistence() : nullptr) {
      out.append(
          "# HELP taskcenter_log_bytes Bytes of the embedded store's log a restart would read.\n"
          "# TYPE taskcenter_log_bytes gauge\ntaskcenter_log_bytes ");
      out.append(std::to_string(persistence->log_bytes())).push_back('\n');
      out.append(
          "# HELP taskcenter_log_compactions_total Log compactions completed since start.\n"
          "# TYPE taskcenter_log_compactions_total counter\ntaskcenter_log_compactions_total ");
      out.append(std::to_string(persistence->compactions())).push_back('\n');
    }
  });

  tc::ServerOptions server_options;
  server_options.host = config.host;
  server_options.port = config.port;
  server_options.threads = threads;
  server_options.max_body = config.max_body;
  server_options.max_connections = config.max_connections;
  server_options.idle_timeout_ms = config.idle_timeout_ms;
  server_options.read_timeout_ms = config.read_timeout_ms;
  server_options.shutdown_timeout_ms = config.shutdown_timeout_ms;
  server_options.cors_origins = config.cors_origins;
  server_options.max_connections_per_client = config.max_connections_per_client;
  server_options.max_inflight_bytes = config.max_inflight_bytes;
  server_options.tls_cert_file = config.tls_cert;
  server_options.tls_key_file = config.tls_key;
  server_options.request_log = request_log->get();
  tc::Server server(
      server_options, [&api](tc::HttpRequest request) { return api.handle(request); },
      [&api](tc::Errc code, std::string_view message) { return api.transport_error(code, message); });

  if (auto listening = server.listen(); !listening) {
    tc::logging::error(listening.error().message);
    return kExitCannotStart;
  }
  if (!config.port_file.empty() && !write_port_file(config.port_file, server.port())) {
    tc::logging::error("cannot write the port to --port-file", {{"path", config.port_file}});
    return kExitCannotStart;
  }

  service.start(server.executor());
  // SIGHUP re-reads the token file; without one, SIGHUP keeps its default meaning.
  std::optional<tc::TokenReloadOnSighup> token_reload;
  if (!config.token_file.empty()) token_reload.emplace(server.executor(), *access);
  // Wakes waiting long-polls so they answer before their connections close.
  server.on_shutdown([&service, &token_reload] {
    service.shutdown();
    if (token_reload) token_reload->stop();
  });

  const bool ipv6 = config.host.find(':') != std::string::npos;
  tc::logging::info(std::string("taskcenter ") + TC_VERSION + " listening on " +
                    (ipv6 ? "[" + config.host + "]" : config.host) + ":" +
                    std::to_string(server.port()) + (config.tls_cert.empty() ? "" : " (https)"),
                    {{"store", chosen->name}, {"threads", threads}, {"allocator", tc::allocator_name()}});
  server.run();
  service.shutdown();  // idempotent; stops the reaper if the drain timed out first
  // Close the store while the server's io_contexts still exist to receive the last replies.
  store.close();
  tc::logging::info("stopped");
  return 0;
}
