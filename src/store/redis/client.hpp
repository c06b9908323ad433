// Routes commands to Redis nodes: one node, or a Redis Cluster discovered with
// CLUSTER SLOTS when connecting (and learnt from MOVED replies if that failed). Each
// node has a small pool of pipelined Connections; a command picks one round-robin and
// holds it only while its bytes are written, never while a request waits for work.
// Also runs Lua scripts by SHA (EVALSHA; NOSCRIPT -> SCRIPT LOAD and retry).
#pragma once

#include <utility>

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/redis/connection.hpp"
#include "store/redis/reply.hpp"
#include "store/redis/resp.hpp"
#include "store/redis/url.hpp"
#include "store/store.hpp"

namespace tc::redis {

// Builds a command's arguments outside any coroutine frame: GCC 12 miscompiles braced
// lists of strings inside co_await expressions ("array used as initializer").
template <class... Args>
std::vector<std::string> args_of(Args&&... args) {
  std::vector<std::string> v;
  v.reserve(sizeof...(args));
  (v.emplace_back(std::forward<Args>(args)), ...);
  return v;
}

// How the store's scripts run on Redis (docs/redis.md, "How the scripts run"):
// `functions`, one Function library loaded once per node and an FCALL per operation
// (Redis 7+: the library's top level runs once, not per call); `eval`, one EVALSHA
// script per operation (any Redis); `automatic`, functions until a server refuses them
// (Redis before 7, or an ACL without FUNCTION), then eval.
enum class ScriptMode { automatic, functions, eval };

// The Function library every operation script belongs to, and the mode in use, shared
// by the store's clients (an `automatic` library that fell back to eval stays there).
struct ScriptLibrary {
  std::string name;             // taskcenter_<hash of the text>
  std::string function_prefix;  // tc_<hash>_, then the operation's name
  std::string source;           // FUNCTION LOAD's argument
  std::atomic<ScriptMode> mode{ScriptMode::automatic};
};

// One operation script: its EVAL source (SHA1 learnt from the first SCRIPT LOAD) and its
// function in the library.
class Script {
 public:
  Script(std::string source, std::string function_name, std::shared_ptr<ScriptLibrary> library)
      : source_(std::move(source)),
        function_name_(std::move(function_name)),
        library_(std::move(library)) {}
  const std::string& source() const noexcept { return source_; }
  const std::string& function_name() const noexcept { return function_name_; }
  ScriptLibrary& library() const noexcept { return *library_; }
  std::string sha() const {
    std::lock_guard lock(mutex_);
    return sha_;
  }
  void set_sha(std::string sha) {
    std::lock_guard lock(mutex_);
    sha_ = std::move(sha);
  }

 private:
  std::string source_;
  std::string function_name_;
  std::shared_ptr<ScriptLibrary> library_;
  mutable std::mutex mutex_;
  std::string sha_;
};

// Replication wanted for a script's writes: WAIT `replicas` `timeout_ms` right behind
// the script on its connection (docs/redis.md, "Failover").
struct WaitReplicas {
  int replicas = 0;  // 0 = no WAIT
  std::int64_t timeout_ms = 1000;
};

class Client {
 public:
  // `timeout`: connect / stalled-command timeout of every connection (ConnectionOptions).
  Client(const boost::asio::any_io_executor& executor, RedisUrl url, std::size_t pool_size,
         std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects to the seed node and asks it for the cluster layout (if it is a cluster).
  Awaitable<void> start();
  void stop();
  // stop() done on the calling thread, for a client whose executor no longer runs
  // (Connection::close_now).
  void close_now();

  // Sends `args` to the node serving `routing_key`'s slot (the seed node when empty),
  // following MOVED / ASK. io_error when no node could be reached.
  Awaitable<Reply> command(std::string_view routing_key, std::vector<std::string> args);
  // The same for a command already in RESP (RespWriter). With `then`, that command is
  // sent right behind `resp` on the same connection, every attempt, and the answer is
  // {reply to resp, reply to then} once `resp` was not redirected (else an io_error).
  Awaitable<Reply> command_resp(std::string_view routing_key, Resp resp, Resp then = nullptr);

  // Runs `script` (FCALL or EVALSHA, as its library's mode says; loading the library or
  // the script where the node lacks it) with KEYS = {routing_key, routing_key.."stats"}
  // and ARGV = the `argc` arguments already
  // written in RESP in `argv_resp` (RespWriter::arg each). With `wait.replicas` > 0 and a
  // script that succeeded, `*not_replicated` says why the WAIT fell short (empty when
  // it did not): the script ran on the master all the same.
  Awaitable<Reply> eval(Script& script, std::string routing_key, std::size_t argc,
                        std::string argv_resp, WaitReplicas wait = {},
                        std::string* not_replicated = nullptr);

  bool cluster_mode() const noexcept { return cluster_.load(); }
  const RedisUrl& url() const noexcept { return url_; }

  // Re-reads the slot map from the seed, or when it is down from any other known node
  // that is up (CLUSTER SLOTS).
  Awaitable<void> refresh_slots();
  // refresh_slots() in the background, unless one runs or ran in the last 100 ms.
  void refresh_slots_soon();

 private:
  // `args` (SCRIPT LOAD, FUNCTION LOAD) to the node serving routing_key's slot, whose
  // answer is returned, then in a cluster to every other known node.
  Awaitable<Reply> load_everywhere(std::string_view routing_key, std::vector<std::string> args);

  struct Node {
    Endpoint endpoint;
    std::vector<std::shared_ptr<Connection>> connections;
    std::atomic<std::size_t> next{0};
  };

  std::shared_ptr<Node> node_for(const Endpoint& endpoint);  // creates on first use
  std::shared_ptr<Node> node_for_slot(int slot);
  std::shared_ptr<Connection> pick(Node& node);
  void apply_slots(const Reply& cluster_slots);

  boost::asio::any_io_executor executor_;
  RedisUrl url_;
  std::size_t pool_size_;
  std::chrono::milliseconds timeout_;
  std::atomic<bool> cluster_{false};
  std::atomic<bool> refreshing_{false};
  std::atomic<std::int64_t> last_refresh_{0};  // steady_clock ticks of the last refresh
  std::mutex mutex_;  // guards nodes_, slots_, stopped_
  std::map<std::string, std::shared_ptr<Node>> nodes_;
  std::vector<std::shared_ptr<Node>> slots_;  // 16384 entries once in cluster mode
  std::shared_ptr<Node> seed_;
  bool stopped_ = false;
};

}  // namespace tc::redis
