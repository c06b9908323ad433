// One hiredis async connection to one Redis node, driven by Asio on its own strand.
// Commands from any thread are pipelined on it (hiredis buffers them and writes them in
// one go); each completes on its caller's executor with a Reply value. It reconnects by
// itself with backoff; while it has no socket, commands fail at once with io_error so
// requests answer "unavailable" promptly instead of queueing behind a dead server.
#pragma once

#include <utility>

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/redis/asio_adapter.hpp"
#include "store/redis/reply.hpp"
#include "store/redis/resp.hpp"
#include "store/store.hpp"

struct redisAsyncContext;

namespace tc::redis {

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string to_string() const { return host + ":" + std::to_string(port); }
  bool operator==(const Endpoint&) const = default;
};

struct ConnectionOptions {
  std::string password;  // AUTH when non-empty
  int db = 0;            // SELECT when non-zero (never in cluster mode)
  std::chrono::milliseconds connect_timeout{2000};
  // A connection with replies outstanding and no progress for this long is dropped
  // (its commands fail with io_error): a hung Redis must not hang requests forever.
  std::chrono::milliseconds command_timeout{5000};
  std::chrono::milliseconds max_backoff{2000};
  // Subscriber mode: SUBSCRIBE to this channel after every (re)connect.
  std::string subscribe_channel;
  std::function<void(std::string_view payload)> on_message;  // called on the strand
  std::function<void()> on_subscribed;                       // after each (re)subscribe
};

// A command waiting for its reply; completes exactly once.
class PendingOp {
 public:
  virtual ~PendingOp() = default;
  virtual void complete(Reply reply) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  static std::shared_ptr<Connection> create(const boost::asio::any_io_executor& executor,
                                            Endpoint endpoint, ConnectionOptions options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts connecting (and keeps reconnecting) until stop(). Thread-safe.
  void start();
  // Drops the socket (outstanding commands fail) and stops reconnecting. Thread-safe.
  void stop();
  // Connected and past the handshake (AUTH/SELECT/PING, SUBSCRIBE).
  bool ready() const noexcept { return ready_.load(); }
  const Endpoint& endpoint() const noexcept { return endpoint_; }

  // Sends `resp`, one command already in RESP (RespWriter; preceded by ASKING when
  // `asking`, for an ASK redirection), and completes with the reply on the token's
  // associated executor.
  // With `then`: sends that command right behind `resp` on the same socket and completes
  // with an array reply {reply to resp, reply to then} (or with one io_error). For WAIT,
  // which counts the writes of the connection it runs on, so it must follow the script
  // on the same one.
  template <class Token>
  auto async_command(Resp resp, bool asking, Token&& token, Resp then = nullptr) {
    return boost::asio::async_initiate<Token, void(Reply)>(
        [this, asking, then = std::move(then)](auto handler, Resp r) mutable {
          using H = std::decay_t<decltype(handler)>;
          struct Op final : PendingOp {
            explicit Op(H h) : handler(std::move(h)) {}
            void complete(Reply reply) override {
              auto ex = boost::asio::get_associated_executor(handler);
              boost::asio::post(ex, [h = std::move(handler), r = std::move(reply)]() mutable {
                h(std::move(r));
              });
            }
            H handler;
          };
          submit(std::move(r), asking, std::make_unique<Op>(std::move(handler)), std::move(then));
        },
        token, std::move(resp));
  }

  Awaitable<Reply> command(Resp resp, bool asking = false) {
    return async_command(std::move(resp), asking, boost::asio::use_awaitable);
  }
  Awaitable<Reply> command_then(Resp resp, bool asking, Resp then) {
    return async_command(std::move(resp), asking, boost::asio::use_awaitable, std::move(then));
  }

  // For an owner whose executor no longer runs (the server's threads have stopped):
  // what stop() does, done now on the calling thread. Outstanding commands complete
  // with io_error into their (stopped) executors.
  void close_now();

 private:
  Connection(const boost::asio::any_io_executor& executor, Endpoint endpoint,
             ConnectionOptions options);

  void submit(Resp resp, bool asking, std::unique_ptr<PendingOp> op, Resp then = nullptr);
  void do_connect();
  void drop(const char* why);
  void schedule_reconnect();
  void arm_watchdog();

  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_handshake(redisAsyncContext* ac, void* reply, void* privdata);
  static void on_subscription(redisAsyncContext* ac, void* reply, void* privdata);

  Strand strand_;
  Endpoint endpoint_;
  ConnectionOptions options_;
  boost::asio::steady_timer reconnect_timer_;
  boost::asio::steady_timer watchdog_;
  redisAsyncContext* ac_ = nullptr;  // strand only
  std::atomic<bool> ready_{false};
  bool stopping_ = false;   // strand only
  bool started_ = false;    // strand only
  bool was_ready_ = false;  // strand only: a handshake completed once (for reconnects)
  // strand only: reports ready / lost to the endpoint's reachability (reachability.hpp)
  void report_up();
  void report_down(const char* why, bool established);
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point connecting_since_{};
  std::chrono::steady_clock::time_point last_progress_{};
  std::uint64_t generation_ = 0;  // bumped per socket: tells old callbacks apart
  std::size_t inflight_ = 0;  // user commands awaiting replies on ac_
};

}  // namespace tc::redis
