// Server configuration: command-line flags, each also readable from an environment
// variable of the same name (--max-body <-> TASKCENTER_MAX_BODY). Flags beat env.
// Parsing is a pure function of (args, env) so it is unit-tested without processes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "http/call_data_shape.hpp"
#include "store/log/fsync_policy.hpp"

namespace tc {

struct Config {
  // Network
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;   // 0 = let the kernel pick a free port
  std::string port_file;       // when set, the bound port is written there (tests read it)
  unsigned threads = 0;        // 0 = one per hardware thread (resolved by main)

  // Limits and timeouts
  std::uint64_t max_body = 16ull << 20;      // bytes; larger bodies get 0003 / 413
  std::int64_t max_wait_ms = 300'000;        // cap on long-poll timeouts and batch windows
  std::uint32_t max_connections = 10'000;    // above it new connections are closed at once
  std::int64_t idle_timeout_ms = 60'000;     // keep-alive connection with no request
  std::int64_t read_timeout_ms = 30'000;     // reading one request's header and body
  std::int64_t shutdown_timeout_ms = 10'000; // drain bound on SIGINT/SIGTERM

  // Security
  std::string token;  // bearer token; empty = no auth

  // Service
  std::int64_t reap_interval_ms = 50;

  // Embedded store persistence
  std::string data_dir = "./data";  // empty = memory only
  bool persist = true;              // --no-persist turns the log off
  log::FsyncPolicy fsync = log::FsyncPolicy::everysec;

  // Redis backend: a non-empty url selects it
  std::string redis_url;
  std::string redis_prefix;

  // Browsers, abusive clients, TLS (transport security)
  std::vector<std::string> cors_origins;          // normalized scheme://host[:port]
  std::uint32_t max_connections_per_client = 1000; // 0 = no per-address limit
  std::uint64_t max_inflight_bytes = 256ull << 20; // request bodies held at once; 0 = none
  std::string tls_cert;                           // PEM certificate chain; with tls_key: HTTPS
  std::string tls_key;                            // PEM private key
  // Logs (docs/operations.md)
  std::string log_level = "info";    // debug | info | warn | error
  std::string log_format = "text";   // text | json
  std::string access_log;            // empty = off; "-" or "stderr" = stderr; else a file path
  std::int64_t slow_request_ms = 0;  // requests slower than this are logged; 0 = off
  // Scoped tokens: `TOKEN ROLE QUEUES` per line, re-read on SIGHUP (docs/security.md)
  std::string token_file;
  // Compatibility
  CallDataShape call_data = CallDataShape::list;  // --call-data list | object
  // Redis replication: each write waits (WAIT) for this many replicas before it is
  // acknowledged; 0 = Redis's asynchronous replication (docs/redis.md, "Failover")
  std::uint32_t redis_wait_replicas = 0;
  std::int64_t redis_wait_timeout_ms = 1000;  // past it the write answers 0005
  std::int64_t redis_sweep_interval_ms = 300'000;  // the reaper's full pass over every queue
  std::string redis_scripts = "auto";  // auto | functions | eval
  // Metrics: at most this many queues get per-queue histogram series (the first ones
  // observed, while they live); every observation also lands in an all-queues family
  std::uint32_t metrics_queue_histograms = 100;

  // Actions instead of serving
  bool show_help = false;
  bool show_version = false;
};

using Environment = std::map<std::string, std::string>;

// Parses flags (argv without the program name) over environment variables over
// defaults. Errors name the flag or variable and say what is wrong with its value.
Result<Config> parse_config(const std::vector<std::string>& args, const Environment& env);

// Copies `environ`-style NAME=VALUE strings into a map.
Environment environment_from(char** envp);

// The --help text: grouped, with defaults and environment variable names.
std::string config_help();

// "taskcenter 0.1.0 (built 2026-...)"
std::string version_line();

}  // namespace tc
