#include "store/redis/client.hpp"

#include "core/logger.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <charconv>

namespace tc::redis {
namespace {

constexpr int kSlots = 16384;
constexpr int kMaxRedirects = 8;
constexpr int kMaxUnstableWaits = 16;  // TRYAGAIN / CLUSTERDOWN pauses per command

// "MOVED 3999 127.0.0.1:6381" -> slot, endpoint.
bool parse_redirect(const std::string& error, int& slot, Endpoint& endpoint) {
  auto sp1 = error.find(' ');
  if (sp1 == std::string::npos) return false;
  auto sp2 = error.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return false;
  std::string_view slot_text(error.data() + sp1 + 1, sp2 - sp1 - 1);
  if (std::from_chars(slot_text.data(), slot_text.data() + slot_text.size(), slot).ec !=
      std::errc()) {
    return false;
  }
  std::string_view addr(error.data() + sp2 + 1, error.size() - sp2 - 1);
  auto colon = addr.rfind(':');
  if (colon == std::string_view::npos) return false;
  int port = 0;
  std::string_view port_text = addr.substr(colon + 1);
  if (std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec !=
      std::errc()) {
    return false;
  }
  endpoint.host = std::string(addr.substr(0, colon));
  endpoint.port = port;
  return true;
}

}  // namespace

Client::Client(const boost::asio::any_io_executor& executor, RedisUrl url, std::size_t pool_size,
               std::chrono::milliseconds timeout)
    : executor_(executor),
      url_(std::move(url)),
      pool_size_(pool_size == 0 ? 1 : pool_size),
      timeout_(timeout) {
  seed_ = node_for(url_.endpoint);
}

Client::~Client() { stop(); }

std::shared_ptr<Client::Node> Client::node_for(const Endpoint& endpoint) {
  std::lock_guard lock(mutex_);
  auto& slot = nodes_[endpoint.to_string()];
  if (!slot) {
    slot = std::make_shared<Node>();
    slot->endpoint = endpoint;
    ConnectionOptions options;
    options.password = url_.password;
    // SELECT is refused by cluster nodes; only the seed of a plain server selects a db.
    options.db = cluster_ ? 0 : url_.db;
    options.command_timeout = timeout_;
    options.connect_timeout = std::min(timeout_, options.connect_timeout);
    for (std::size_t i = 0; i < pool_size_; ++i) {
      slot->connections.push_back(Connection::create(executor_, endpoint, options));
    }
    if (!stopped_) {
      for (auto& c : slot->connections) c->start();
    }
  }
  return slot;
}

std::shared_ptr<Client::Node> Client::node_for_slot(int slot) {
  std::lock_guard lock(mutex_);
  if (slots_.empty() || !slots_[slot]) return seed_;
  return slots_[slot];
}

std::shared_ptr<Connection> Client::pick(Node& node) {
  // Prefer a connection that is up; a down one would fail the command at once.
  const std::size_t n = node.connections.size();
  const std::size_t start = node.next.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < n; ++i) {
    auto& c = node.connections[(start + i) % n];
    if (c->ready()) return c;
  }
  return node.connections[start % n];
}

Awaitable<void> Client::start() {
  co_await refresh_slots();
}

void Client::stop() {
  std::map<std::string, std::shared_ptr<Node>> nodes;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    nodes = nodes_;
  }
  for (auto& [_, node] : nodes) {
    for (auto& c : node->connections) c->stop();
  }
}

void Client::close_now() {
  std::map<std::string, std::shared_ptr<Node>> nodes;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    nodes = nodes_;
  }
  for (auto& [_, node] : nodes) {
    for (auto& c : node->connections) c->close_now();
  }
}

Awaitable<void> Client::refresh_slots() {
  // At startup, wait briefly for the seed's first connection so detection sees the server.
  auto seed = seed_;
  for (int i = 0; i < 40 && !cluster_ && !pick(*seed)->ready(); ++i) {
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                std::chrono::milliseconds(25));
    co_await t.async_wait(boost::asio::use_awaitable);
  }
  Resp slots_command =
      std::make_shared<const std::string>(RespWriter::command(args_of("CLUSTER", "SLOTS")));
  Reply r = co_await pick(*seed)->command(slots_command);
  if (cluster_ && !r.is_array()) {
    // The seed is down (a failed master, say): any other node that is up knows the map.
    std::vector<std::shared_ptr<Node>> others;
    {
      std::lock_guard lock(mutex_);
      for (auto& [_, node] : nodes_) {
        if (node != seed) others.push_back(node);
      }
    }
    for (auto& node : others) {
      auto connection = pick(*node);
      if (!connection->ready()) continue;
      r = co_await connection->command(slots_command);
      if (r.is_array()) break;
    }
  }
  apply_slots(r);
}

void Client::refresh_slots_soon() {
  // At most one refresh at a time, and one per 100 ms: while a master is down and not
  // yet replaced, every command to it fails, and each would otherwise ask again.
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  const auto last = last_refresh_.load();
  if (now - last < std::chrono::nanoseconds(std::chrono::milliseconds(100)).count()) return;
  if (refreshing_.exchange(true)) return;
  last_refresh_ = now;
  boost::asio::co_spawn(
      executor_,
      [this]() -> Awaitable<void> {
        co_await refresh_slots();
        refreshing_ = false;
      },
      boost::asio::detached);
}

void Client::apply_slots(const Reply& r) {
  if (r.is_io_error() || r.is_error() || !r.is_array()) return;  // not a cluster (or down)
  std::vector<std::shared_ptr<Node>> table(kSlots);
  for (const Reply& range : r.elements) {
    if (!range.is_array() || range.elements.size() < 3) continue;
    const Reply& master = range.elements[2];
    if (!master.is_array() || master.elements.size() < 2) continue;
    Endpoint ep;
    ep.host = master.elements[0].str.empty() ? url_.endpoint.host : master.elements[0].str;
    ep.port = static_cast<int>(master.elements[1].integer);
    cluster_ = true;
    auto node = node_for(ep);
    for (auto s = range.elements[0].integer; s <= range.elements[1].integer && s < kSlots; ++s) {
      table[s] = node;
    }
  }
  std::lock_guard lock(mutex_);
  slots_ = std::move(table);
}

Awaitable<Reply> Client::command(std::string_view routing_key, std::vector<std::string> args) {
  return command_resp(routing_key, std::make_shared<const std::string>(RespWriter::command(args)));
}

// `routing_key` must outlive the call (callers pass a member or a coroutine's own string).
Awaitable<Reply> Client::command_resp(std::string_view routing_key, Resp resp, Resp then) {
  const int slot = routing_key.empty() ? -1 : key_slot(routing_key);
  auto node = slot < 0 ? seed_ : node_for_slot(slot);
  bool asking = false;
  int unstable_waits = 0;
  Reply got;
  for (int attempt = 0; attempt < kMaxRedirects; ++attempt) {
    // (Not a ?: of two co_awaits: GCC 12 miscompiles that.)
    if (then) {
      got = co_await pick(*node)->command_then(resp, asking, then);
    } else {
      got = co_await pick(*node)->command(resp, asking);
    }
    asking = false;
    if (got.is_io_error() && cluster_) {
      // The node is unreachable: in a cluster its slots may have a new master by now
      // (a failover), which no MOVED will tell while we only talk to the dead one.
      refresh_slots_soon();
    }
    if (then && !got.is_array()) co_return got;  // an io_error of the pair
    const Reply& r = then ? got.elements[0] : got;
    if (r.type != Reply::Type::error) co_return got;
    int moved_slot = 0;
    Endpoint target;
    if (r.error_starts_with("MOVED") && parse_redirect(r.str, moved_slot, target)) {
      cluster_ = true;
      node = node_for(target);
      {
        std::lock_guard lock(mutex_);
        if (slots_.empty()) slots_.resize(kSlots);
        if (moved_slot >= 0 && moved_slot < kSlots) slots_[moved_slot] = node;
      }
      // The layout changed: learn all of it, once, in the background.
      refresh_slots_soon();
      continue;
    }
    if (r.error_starts_with("ASK") && parse_redirect(r.str, moved_slot, target)) {
      node = node_for(target);
      asking = true;
      continue;
    }
    if ((r.error_starts_with("TRYAGAIN") || r.error_starts_with("CLUSTERDOWN")) &&
        unstable_waits++ < kMaxUnstableWaits) {
      // A slot being migrated, or a failover in progress: both end by themselves. The
      // pauses (25, 50, ... 200 ms, then 200 ms) sum to about 2.5 s before the caller
      // hears `unavailable`; the attempt does not count against the redirects.
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                  std::chrono::milliseconds(std::min(25 * unstable_waits, 200)));
      co_await t.async_wait(boost::asio::use_awaitable);
      --attempt;
      continue;
    }
    co_return got;
  }
  co_return got;
}

namespace {

// The command that runs `script` in `mode`: FCALL <function> or EVALSHA <sha>, then
// KEYS: the routing key (the scripts derive the queue's keys from it), then the queue's
// stats key. The routing key never exists, so declaring a second key makes the command
// "multi-key" for Redis Cluster: while its slot is being migrated, neither node runs it
// (TRYAGAIN, retried by command_resp) until the slot has moved. With the routing key
// alone, the source would answer ASK and the target would run the script on the keys
// it has so far, beside the ones still on the source.
Resp script_command(bool functions, const std::string& name_or_sha,
                    const std::string& routing_key, std::size_t argc,
                    const std::string& argv_resp) {
  std::string text;
  text.reserve(64 + name_or_sha.size() + 2 * routing_key.size() + argv_resp.size());
  RespWriter::header(text, 5 + argc);
  RespWriter::arg(text, functions ? "FCALL" : "EVALSHA");
  RespWriter::arg(text, name_or_sha);
  RespWriter::arg(text, "2");
  RespWriter::arg(text, routing_key);
  RespWriter::arg(text, routing_key + "stats");
  text += argv_resp;
  return std::make_shared<const std::string>(std::move(text));
}

}  // namespace

Awaitable<Reply> Client::load_everywhere(std::string_view routing_key,
                                         std::vector<std::string> args) {
  Resp resp = std::make_shared<const std::string>(RespWriter::command(args));
  Reply first = co_await command_resp(routing_key, resp);
  if (!cluster_) co_return first;
  // While a slot migrates, the script may run on the importing node (ASK), which the
  // slot map does not name yet and which may never have run a script: every other known
  // node that is connected gets the load too. Their answers (already loaded, a
  // replica's READONLY) change nothing: the slot's node's answer decides.
  // The slot's node (as the map names it now) has just had the load.
  const auto loaded = routing_key.empty() ? seed_ : node_for_slot(key_slot(routing_key));
  std::vector<std::shared_ptr<Node>> nodes;
  {
    std::lock_guard lock(mutex_);
    for (auto& [_, node] : nodes_)
      if (node != loaded) nodes.push_back(node);
  }
  for (auto& node : nodes) {
    auto connection = pick(*node);
    if (connection->ready()) (void)co_await connection->command(resp);  // never wait for a dead one
  }
  co_return first;
}

Awaitable<Reply> Client::eval(Script& script, std::string routing_key, std::size_t argc,
                              std::string argv_resp, WaitReplicas wait,
                              std::string* not_replicated) {
  ScriptLibrary& library = script.library();
  // WAIT counts the writes of the connection it runs on: it is pipelined right behind
  // the script on the same one (and sent again with each redirected attempt).
  Resp then;
  if (wait.replicas > 0) {
    then = std::make_shared<const std::string>(RespWriter::command(
        args_of("WAIT", std::to_string(wait.replicas), std::to_string(wait.timeout_ms))));
  }
  Resp resp;
  bool resp_functions = false;
  for (int attempt = 0; attempt < 4; ++attempt) {
    const bool functions = library.mode.load() != ScriptMode::eval;
    if (!resp || resp_functions != functions) {
      std::string sha;
      if (!functions) {
        sha = script.sha();
        if (sha.empty()) {
          Reply loaded = co_await command(routing_key, args_of("SCRIPT", "LOAD", script.source()));
          if (loaded.type != Reply::Type::string) co_return loaded;
          script.set_sha(loaded.str);
          sha = loaded.str;
        }
      }
      resp = script_command(functions, functions ? script.function_name() : sha, routing_key,
                            argc, argv_resp);
      resp_functions = functions;
    }
    Reply got = co_await command_resp(routing_key, resp, then);
    if (then && !got.is_array()) co_return got;
    Reply r = then ? std::move(got.elements[0]) : std::move(got);
    if (then && !r.is_error() && not_replicated) {
      const Reply& w = got.elements[1];
      if (w.type != Reply::Type::integer) {
        *not_replicated = "WAIT failed: " + (w.str.empty() ? std::string("unexpected reply") : w.str);
      } else if (w.integer < wait.replicas) {
        *not_replicated = "not replicated: " + std::to_string(w.integer) + " of " +
                          std::to_string(wait.replicas) + " replicas acknowledged the write within " +
                          std::to_string(wait.timeout_ms) +
                          " ms (it is applied on the master; retrying is safe)";
      }
    }
    if (!functions) {
      if (!r.error_starts_with("NOSCRIPT")) co_return r;
      // This node has not seen the script (restarted, flushed, or a new cluster node).
      // The SHA1 of a script never changes, so the same command is sent again after
      // loading.
      Reply loaded =
          co_await load_everywhere(routing_key, args_of("SCRIPT", "LOAD", script.source()));
      if (loaded.type != Reply::Type::string) co_return loaded;
      script.set_sha(loaded.str);
      continue;
    }
    const bool no_fcall = r.error_starts_with("ERR unknown command");
    if (!r.error_starts_with("ERR Function not found") && !no_fcall) co_return r;
    // This node lacks the library (restarted without persistence, FUNCTION FLUSH, a new
    // cluster node) or Functions altogether. Another instance may load it at the same
    // moment: "already exists" is success.
    Reply loaded;
    if (!no_fcall) {
      loaded = co_await load_everywhere(routing_key, args_of("FUNCTION", "LOAD", library.source));
      if (loaded.is_io_error()) co_return loaded;
      if (!loaded.is_error() || (loaded.error_starts_with("ERR Library") &&
                                 loaded.str.find("already exists") != std::string::npos)) {
        continue;
      }
    }
    // Only a refusal of the commands falls back to EVALSHA; any other failure (the
    // library does not compile, the server is out of memory) is the answer.
    const bool refused = no_fcall || loaded.error_starts_with("ERR unknown") ||
                         loaded.error_starts_with("NOPERM");
    ScriptMode expected = ScriptMode::automatic;
    if (!refused || library.mode.load() == ScriptMode::functions) {
      co_return no_fcall ? r : loaded;
    }
    if (library.mode.compare_exchange_strong(expected, ScriptMode::eval)) {
      logging::warn("redis: the server refuses Redis Functions; running the scripts with EVALSHA "
                    "(each call pays for lib.lua's top level)",
                    {{"reason", no_fcall ? r.str : loaded.str}});
    }
  }
  co_return Reply::io_failure("Redis keeps forgetting the scripts");
}

}  // namespace tc::redis
