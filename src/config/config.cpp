#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <optional>
#include <string_view>

#include "core/build_info.hpp"
#include "http/browser_policy.hpp"

namespace tc {

namespace {

// One flag: its name without "--", its environment variable, and how a text value
// is applied to the Config. Returns an empty string on success, else what is wrong.
struct Option {
  std::string_view flag;
  std::string_view env;
  bool takes_value;
  std::function<std::string(Config&, std::string_view)> apply;
};

// Built by appending: g++ 12 -O3 warns (-Wrestrict, a false positive) on "'" + std::string.
std::string quoted(std::string_view v) {
  std::string out;
  out.reserve(v.size() + 2);
  out.push_back('\'');
  out.append(v);
  out.push_back('\'');
  return out;
}

std::optional<std::uint64_t> parse_uint(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "16M", "512k", "1GiB", "1048576" -> bytes (binary multiples).
std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  auto number = parse_uint(text.substr(0, digits));
  if (!number) return std::nullopt;
  std::string unit = lower(text.substr(digits));
  std::uint64_t shift = 0;
  if (unit.empty() || unit == "b") shift = 0;
  else if (unit == "k" || unit == "kb" || unit == "kib") shift = 10;
  else if (unit == "m" || unit == "mb" || unit == "mib") shift = 20;
  else if (unit == "g" || unit == "gb" || unit == "gib") shift = 30;
  else return std::nullopt;
  if (*number > (UINT64_MAX >> shift)) return std::nullopt;
  return *number << shift;
}

// "60", "1.5", "500ms", "2s", "5m", "1h" -> milliseconds. A bare number is seconds,
// like every time in the API.
std::optional<std::int64_t> parse_duration_ms(std::string_view text) {
  std::size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.'))
    ++end;
  std::string number(text.substr(0, end));
  if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1)
    return std::nullopt;
  std::string unit = lower(text.substr(end));
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  else if (unit == "ms") scale = 1;
  else if (unit == "m" || unit == "min") scale = 60'000;
  else if (unit == "h") scale = 3'600'000;
  else return std::nullopt;
  double value = std::strtod(number.c_str(), nullptr) * scale;
  if (!std::isfinite(value) || value > 1e15) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(value));
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string v = lower(text);
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off" || v.empty()) return false;
  return std::nullopt;
}

// Setters for the common shapes of value, each with its own range check.
auto set_string(std::string Config::*field) {
  return [field](Config& c, std::string_view v) -> std::string {
    c.*field = std::string(v);
    return {};
  };
}

template <class Int>
auto set_uint(Int Config::*field, std::uint64_t min, std::uint64_t max, std::string what) {
  return [=](Config& c, std::string_view v) -> std::string {
    auto n = parse_uint(v);
    if (!n || *n < min || *n > max)
      return quoted(v) + " is not " + what + " (" + std::to_string(min) + ".." +
             std::to_string(max) + ")";
    c.*field = static_cast<Int>(*n);
    return {};
  };
}

auto set_duration(std::int64_t Config::*field, std::int64_t min_ms) {
  return [=](Config& c, std::string_view v) -> std::string {
    auto ms = parse_duration_ms(v);
    if (!ms) return quoted(v) + " is not a duration (seconds, e.g. 30, 1.5, 500ms, 5m)";
    if (*ms < min_ms)
      return quoted(v) + " is too short (at least " + std::to_string(min_ms) + " ms)";
    c.*field = *ms;
    return {};
  };
}

const std::vector<Option>& options() {
  static const std::vector<Option> table = {
      {"host", "TASKCENTER_HOST", true,
       [](Config& c, std::string_view v) -> std::string {
         if (v.empty()) return "the address must not be empty (e.g. 127.0.0.1 or 0.0.0.0)";
         c.host = std::string(v);
         return {};
       }},
      {"port", "TASKCENTER_PORT", true, set_uint(&Config::port, 0, 65535, "a port number")},
      {"port-file", "TASKCENTER_PORT_FILE", true, set_string(&Config::port_file)},
      {"threads", "TASKCENTER_THREADS", true,
       set_uint(&Config::threads, 0, 1024, "a thread count (0 = one per CPU)")},
      {"max-body", "TASKCENTER_MAX_BODY", true,
       [](Config& c, std::string_view v) -> std::string {
         auto n = parse_size(v);
         if (!n) return quoted(v) + " is not a size (bytes, or with a suffix: 512K, 16M, 1G)";
         if (*n < 1024 || *n > (4ull << 30)) return quoted(v) + " is out of range (1K..4G)";
         c.max_body = *n;
         return {};
       }},
      {"max-wait", "TASKCENTER_MAX_WAIT", true, set_duration(&Config::max_wait_ms, 0)},
      {"max-connections", "TASKCENTER_MAX_CONNECTIONS", true,
       set_uint(&Config::max_connections, 1, 10'000'000, "a connection count")},
      {"idle-timeout", "TASKCENTER_IDLE_TIMEOUT", true,
       set_duration(&Config::idle_timeout_ms, 1)},
      {"read-timeout", "TASKCENTER_READ_TIMEOUT", true,
       set_duration(&Config::read_timeout_ms, 1)},
      {"shutdown-timeout", "TASKCENTER_SHUTDOWN_TIMEOUT", true,
       set_duration(&Config::shutdown_timeout_ms, 0)},
      {"token", "TASKCENTER_TOKEN", true, set_string(&Config::token)},
      {"reap-interval-ms", "TASKCENTER_REAP_INTERVAL_MS", true,
       set_uint(&Config::reap_interval_ms, 1, 60'000, "a number of milliseconds")},
      {"data-dir", "TASKCENTER_DATA_DIR", true, set_string(&Config::data_dir)},
      {"no-persist", "TASKCENTER_NO_PERSIST", false,
       [](Config& c, std::string_view v) -> std::string {
         auto b = parse_bool(v);
         if (!b) return quoted(v) + " is not a boolean (1/0, true/false, yes/no)";
         c.persist = !*b;
         return {};
       }},
      {"fsync", "TASKCENTER_FSYNC", true,
       [](Config& c, std::string_view v) -> std::string {
         if (v == "always") c.fsync = log::FsyncPolicy::always;
         else if (v == "everysec") c.fsync = log::FsyncPolicy::everysec;
         else if (v == "no") c.fsync = log::FsyncPolicy::no;
         else return quoted(v) + " is not one of always, everysec, no";
         return {};
       }},
      {"redis", "TASKCENTER_REDIS_URL", true,
       [](Config& c, std::string_view v) -> std::string {
         if (!v.empty() && v.substr(0, 8) != "redis://" && v.substr(0, 9) != "rediss://" &&
             v.substr(0, 7) != "unix://")
           return quoted(v) + " is not a Redis URL (redis://host:port/db)";
         c.redis_url = std::string(v);
         return {};
       }},
      {"redis-prefix", "TASKCENTER_REDIS_PREFIX", true, set_string(&Config::redis_prefix)},
      // Repeatable; the environment variable takes a comma-separated list.
      {"cors-origin", "TASKCENTER_CORS_ORIGIN", true,
       [](Config& c, std::string_view v) -> std::string {
         for (std::size_t start = 0; start <= v.size();) {
           auto comma = v.find(',', start);
           if (comma == std::string_view::npos) comma = v.size();
           std::string_view item = v.substr(start, comma - start);
           while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
           while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
           start = comma + 1;
           if (item.empty()) continue;
           std::string origin = normalize_origin(item);
           if (origin.empty())
             return quoted(item) + " is not an origin (scheme://host[:port], e.g. "
                                   "https://app.example.com)";
           if (std::find(c.cors_origins.begin(), c.cors_origins.end(), origin) ==
               c.cors_origins.end())
             c.cors_origins.push_back(std::move(origin));
         }
         return {};
       }},
      {"max-connections-per-client", "TASKCENTER_MAX_CONNECTIONS_PER_CLIENT", true,
       set_uint(&Config::max_connections_per_client, 0, 10'000'000,
                "a connection count (0 = no limit)")},
      {"max-inflight-bytes", "TASKCENTER_MAX_INFLIGHT_BYTES", true,
       [](Config& c, std::string_view v) -> std::string {
         auto n = parse_size(v);
         if (!n) return quoted(v) + " is not a size (bytes, or with a suffix: 64M, 1G; 0 = no budget)";
         c.max_inflight_bytes = *n;
         return {};
       }},
      {"tls-cert", "TASKCENTER_TLS_CERT", true, set_string(&Config::tls_cert)},
      {"tls-key", "TASKCENTER_TLS_KEY", true, set_string(&Config::tls_key)},
      {"log-level", "TASKCENTER_LOG_LEVEL", true,
       [](Config& c, std::string_view v) -> std::string {
         if (v != "debug" && v != "info" && v != "warn" && v != "error")
           return quoted(v) + " is not one of debug, info, warn, error";
         c.log_level = std::string(v);
         return {};
       }},
      {"log-format", "TASKCENTER_LOG_FORMAT", true,
       [](Config& c, std::string_view v) -> std::string {
         if (v != "text" && v != "json") return quoted(v) + " is not one of text, json";
         c.log_format = std::string(v);
         return {};
       }},
      {"access-log", "TASKCENTER_ACCESS_LOG", true, set_string(&Config::access_log)},
      {"slow-request-ms", "TASKCENTER_SLOW_REQUEST_MS", true,
       set_uint(&Config::slow_request_ms, 0, 86'400'000, "a number of milliseconds (0 = off)")},
      {"token-file", "TASKCENTER_TOKEN_FILE", true, set_string(&Config::token_file)},
      {"call-data", "TASKCENTER_CALL_DATA", true,
       [](Config& c, std::string_view v) -> std::string {
         if (v == "list") c.call_data = CallDataShape::list;
         else if (v == "object") c.call_data = CallDataShape::object;
         else return quoted(v) + " is not one of list, object";
         return {};
       }},
      {"redis-wait-replicas", "TASKCENTER_REDIS_WAIT_REPLICAS", true,
       set_uint(&Config::redis_wait_replicas, 0, 1000, "a number of replicas")},
      {"redis-wait-timeout", "TASKCENTER_REDIS_WAIT_TIMEOUT", true,
       set_duration(&Config::redis_wait_timeout_ms, 1)},
      {"redis-sweep-interval", "TASKCENTER_REDIS_SWEEP_INTERVAL", true,
       set_duration(&Config::redis_sweep_interval_ms, 100)},
      {"redis-scripts", "TASKCENTER_REDIS_SCRIPTS", true,
       [](Config& c, std::string_view v) -> std::string {
         if (v != "auto" && v != "functions" && v != "eval") {
           return quoted(v) + " is not one of auto, functions, eval";
         }
         c.redis_scripts = std::string(v);
         return {};
       }},
      {"metrics-queue-histograms", "TASKCENTER_METRICS_QUEUE_HISTOGRAMS", true,
       set_uint(&Config::metrics_queue_histograms, 0, 1'000'000,
                "a number of queues (0 = only the all-queues histograms)")},
  };
  return table;
}

const Option* find_option(std::string_view flag) {
  for (const auto& o : options())
    if (o.flag == flag) return &o;
  return nullptr;
}

const std::string* env_value(const Environment& env, std::string_view name) {
  auto it = env.find(std::string(name));
  return it == env.end() ? nullptr : &it->second;
}

// The original service was configured by REDIS_URL or REDIS_HOST/PORT/DB and
// REDIS_PREFIX; honour them below our own names so its deployments keep working.
std::string apply_legacy_redis_env(Config& c, const Environment& env) {
  if (const auto* prefix = env_value(env, "REDIS_PREFIX")) c.redis_prefix = *prefix;
  std::string url;
  if (const auto* u = env_value(env, "REDIS_URL"); u && !u->empty()) {
    url = *u;
  } else if (const auto* host = env_value(env, "REDIS_HOST"); host && !host->empty()) {
    std::string port = "6379", db = "0";
    if (const auto* p = env_value(env, "REDIS_PORT"); p && !p->empty()) {
      auto n = parse_uint(*p);
      if (!n || *n == 0 || *n > 65535) return "REDIS_PORT: " + quoted(*p) + " is not a port number";
      port = *p;
    }
    if (const auto* d = env_value(env, "REDIS_DB"); d && !d->empty()) {
      if (!parse_uint(*d)) return "REDIS_DB: " + quoted(*d) + " is not a database number";
      db = *d;
    }
    url = "redis://" + *host + ":" + port + "/" + db;
  }
  if (url.empty()) return {};
  if (auto problem = find_option("redis")->apply(c, url); !problem.empty())
    return "REDIS_URL: " + problem;
  return {};
}

}  // namespace

Result<Config> parse_config(const std::vector<std::string>& args, const Environment& env) {
  Config config;

  // Environment first (legacy names below ours), then flags on top.
  if (auto problem = apply_legacy_redis_env(config, env); !problem.empty())
    return make_error(Errc::bad_request, problem);
  for (const auto& option : options()) {
    const auto* value = env_value(env, option.env);
    if (!value) continue;
    if (auto problem = option.apply(config, *value); !problem.empty())
      return make_error(Errc::bad_request, std::string(option.env) + ": " + problem);
  }

  bool cors_origin_flag_seen = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      config.show_help = true;
      continue;
    }
    if (arg == "-V" || arg == "--version") {
      config.show_version = true;
      continue;
    }
    if (arg.substr(0, 2) != "--" || arg.size() == 2)
      return make_error(Errc::bad_request,
                        "unexpected argument " + quoted(arg) + " (flags start with --; see --help)");
    std::string_view name = arg.substr(2);
    std::optional<std::string_view> inline_value;
    if (auto eq = name.find('='); eq != std::string_view::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const Option* option = find_option(name);
    if (!option)
      return make_error(Errc::bad_request,
                        "unknown flag --" + std::string(name) + " (see --help)");
    std::string_view value;
    if (!option->takes_value) {
      value = inline_value.value_or("true");
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return make_error(Errc::bad_request, "--" + std::string(name) + " needs a value");
    }
    // Flags beat the environment for the repeatable flag too: the first --cors-origin
    // replaces TASKCENTER_CORS_ORIGIN's list, the next ones add to it.
    if (name == "cors-origin" && !cors_origin_flag_seen) {
      cors_origin_flag_seen = true;
      config.cors_origins.clear();
    }
    if (auto problem = option->apply(config, value); !problem.empty())
      return make_error(Errc::bad_request, "--" + std::string(name) + ": " + problem);
  }
  if (config.tls_cert.empty() != config.tls_key.empty())
    return make_error(Errc::bad_request,
                      "--tls-cert and --tls-key go together: give both files (or neither)");
  return config;
}

Environment environment_from(char** envp) {
  Environment env;
  for (char** e = envp; e && *e; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

std::string version_line() {
  std::string line = "taskcenter " TC_VERSION " (built ";
  line += build_time();
  line += ")";
  return line;
}

std::string config_help() {
  return R"(taskcenter: an HTTP task queue (put / peek / acquire / reply / call).

Usage: taskcenter [flags]

Every flag can also be set by the environment variable shown beside it; a flag
given on the command line wins over the environment. Durations are seconds
(1.5, 30) or carry a unit (500ms, 5m, 1h); sizes are bytes or carry a unit (512K, 16M).

Network:
  --host ADDR              address to listen on            [TASKCENTER_HOST, default 127.0.0.1]
  --port N                 TCP port; 0 picks a free one    [TASKCENTER_PORT, default 8000]
  --port-file PATH         write the bound port to PATH    [TASKCENTER_PORT_FILE]
  --threads N              I/O threads; 0 = one per CPU    [TASKCENTER_THREADS, default 0]
  --token SECRET           require "Authorization: Bearer SECRET" (an admin of every
                           queue); empty = no auth. Visible in `ps`: prefer --token-file
                                                           [TASKCENTER_TOKEN]

Limits and timeouts:
  --max-body SIZE          largest request body (else 0003/413)
                                                           [TASKCENTER_MAX_BODY, default 16M]
  --max-wait DURATION      cap on long-poll timeouts and batch windows
                                                           [TASKCENTER_MAX_WAIT, default 300]
  --max-connections N      open connections; more are closed at once
                                                           [TASKCENTER_MAX_CONNECTIONS, default 10000]
  --idle-timeout DURATION  close a keep-alive connection idle this long
                                                           [TASKCENTER_IDLE_TIMEOUT, default 60]
  --read-timeout DURATION  time allowed to send one request's header and body
                                                           [TASKCENTER_READ_TIMEOUT, default 30]
  --shutdown-timeout DURATION
                           on SIGINT/SIGTERM, wait this long for in-flight requests
                                                           [TASKCENTER_SHUTDOWN_TIMEOUT, default 10]
  --reap-interval-ms N     how often due leases, delays and result TTLs are applied
                                                           [TASKCENTER_REAP_INTERVAL_MS, default 50]

Embedded store:
  --data-dir PATH          where the append-only log lives; '' = memory only
                                                           [TASKCENTER_DATA_DIR, default ./data]
  --no-persist             keep everything in memory only  [TASKCENTER_NO_PERSIST=1]
  --fsync POLICY           always | everysec | no          [TASKCENTER_FSYNC, default everysec]

Redis backend (selected when a URL is given):
  --redis URL              redis://host:port/db            [TASKCENTER_REDIS_URL; also REDIS_URL,
                                                            or REDIS_HOST, REDIS_PORT, REDIS_DB]
  --redis-prefix PREFIX    prefix of every key             [TASKCENTER_REDIS_PREFIX or REDIS_PREFIX]

Browsers, clients and TLS:
  --cors-origin ORIGIN     let pages of ORIGIN (https://app.example.com) call /task/*;
                           repeatable. Other origins are refused (403)
                                                           [TASKCENTER_CORS_ORIGIN, comma-separated]
  --max-connections-per-client N
                           open connections per client address; 0 = no limit
                                                           [TASKCENTER_MAX_CONNECTIONS_PER_CLIENT, default 1000]
  --max-inflight-bytes SIZE
                           request bodies held in memory at once; past it new bodies
                           wait up to 1 s, then 0005/503; 0 = no budget
                                                           [TASKCENTER_MAX_INFLIGHT_BYTES, default 256M]
  --tls-cert FILE          PEM certificate (chain); with --tls-key the port speaks
                           HTTPS only (TLS 1.2 and 1.3)    [TASKCENTER_TLS_CERT]
  --tls-key FILE           PEM private key of the certificate
                                                           [TASKCENTER_TLS_KEY]
Logs (one line per event on stderr, RFC 3339 UTC timestamps):
  --log-level LEVEL        debug | info | warn | error     [TASKCENTER_LOG_LEVEL, default info]
  --log-format FORMAT      text | json                     [TASKCENTER_LOG_FORMAT, default text]
  --access-log WHERE       one line per request: '-' = stderr, else a file (appended);
                           empty = off                     [TASKCENTER_ACCESS_LOG, default off]
  --slow-request-ms N      log requests slower than N ms (peek, take, call, which wait
                           by request, are never judged slow)
                                                           [TASKCENTER_SLOW_REQUEST_MS, default 0 = off]
Access (docs/security.md):
  --token-file PATH        scoped tokens, one "TOKEN ROLE QUEUES" per line (roles: read,
                           produce, consume, admin; QUEUES: a name, a prefix ending in *,
                           or *); re-read on SIGHUP    [TASKCENTER_TOKEN_FILE]
Compatibility:
  --call-data SHAPE        a successful call's data: list (a list of one result) or
                           object (the result itself, as the original service answered)
                                                           [TASKCENTER_CALL_DATA, default list]
Redis (docs/redis.md):
  --redis-wait-replicas N  acknowledge a write only once N replicas have it (WAIT);
                           0 = not waited for (lost if its master dies first)
                                                           [TASKCENTER_REDIS_WAIT_REPLICAS, default 0]
  --redis-wait-timeout DURATION
                           how long a write waits for them; then 0005/503 "not
                           replicated" (the write is on the master, maybe lost)
                                                           [TASKCENTER_REDIS_WAIT_TIMEOUT, default 1]
  --redis-sweep-interval DURATION
                           how often one instance reaps every queue, catching a
                           lost due hint (docs/redis.md, "The reaper")
                                                           [TASKCENTER_REDIS_SWEEP_INTERVAL, default 5m]
  --redis-scripts MODE     functions (a Redis Function library, Redis 7+), eval
                           (EVALSHA, any Redis; each call pays more), or auto:
                           functions unless the server refuses them
                           (docs/redis.md, "How the scripts run")
                                                           [TASKCENTER_REDIS_SCRIPTS, default auto]
Metrics (docs/operations.md):
  --metrics-queue-histograms N
                           at most N queues get per-queue histograms in /metrics (the
                           first ones served, while they live); every observation is
                           also in the all-queues histograms; 0 = only those
                                                           [TASKCENTER_METRICS_QUEUE_HISTOGRAMS, default 100]

Other:
  -h, --help               this text
  -V, --version            print the version and exit

Exit codes: 0 after a clean shutdown, 1 when the server cannot start (port busy),
2 for a bad flag or value.
)";
}

}  // namespace tc
