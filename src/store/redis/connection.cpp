#include "store/redis/connection.hpp"

#include "store/redis/reachability.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

namespace tc::redis {
namespace {

Reply convert(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default:
      out.type = Reply::Type::nil;
  }
  return out;
}

// What hiredis carries as privdata for a user command.
struct Sent {
  Connection* conn;
  std::uint64_t generation;
  std::unique_ptr<PendingOp> op;
};

// Handshake commands (AUTH, SELECT, PING): any error drops the connection.
struct HandshakeStep {
  Connection* conn;
  std::uint64_t generation;
  bool final;  // the PING that marks the connection ready
};

}  // namespace

std::shared_ptr<Connection> Connection::create(const boost::asio::any_io_executor& executor,
                                               Endpoint endpoint, ConnectionOptions options) {
  return std::shared_ptr<Connection>(
      new Connection(executor, std::move(endpoint), std::move(options)));
}

Connection::Connection(const boost::asio::any_io_executor& executor, Endpoint endpoint,
                       ConnectionOptions options)
    : strand_(boost::asio::make_strand(executor)),
      endpoint_(std::move(endpoint)),
      options_(std::move(options)),
      reconnect_timer_(strand_),
      watchdog_(strand_) {}

// Reached with a live socket only when the io_context was torn down before stop()'s
// handler ran (tests): free the context here so neither it nor its fd leaks. Callbacks
// of outstanding commands still complete (into the dying io_context, which drops them).
Connection::~Connection() {
  stopping_ = true;
  if (ac_ != nullptr) {
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    redisAsyncFree(ac);
  }
}

void Connection::start() {
  boost::asio::post(strand_, [self = shared_from_this()] {
    if (self->started_ || self->stopping_) return;
    self->started_ = true;
    self->do_connect();
    self->arm_watchdog();
  });
}

void Connection::stop() {
  boost::asio::post(strand_, [self = shared_from_this()] { self->close_now(); });
}

void Connection::close_now() {
  stopping_ = true;
  reconnect_timer_.cancel();
  watchdog_.cancel();
  drop("connection stopped");
}

namespace {

// The two replies of a command sent with a follow-up (async_command's `then`): hiredis
// answers them in order on one socket, so the first is always stored before the second
// arrives.
struct PairState {
  std::unique_ptr<PendingOp> outer;
  Reply first;
};
struct PairFirst final : PendingOp {
  explicit PairFirst(std::shared_ptr<PairState> s) : state(std::move(s)) {}
  void complete(Reply reply) override { state->first = std::move(reply); }
  std::shared_ptr<PairState> state;
};
struct PairSecond final : PendingOp {
  explicit PairSecond(std::shared_ptr<PairState> s) : state(std::move(s)) {}
  void complete(Reply reply) override {
    if (state->first.is_io_error()) {
      state->outer->complete(std::move(state->first));
    } else if (reply.is_io_error()) {
      state->outer->complete(std::move(reply));
    } else {
      Reply both;
      both.type = Reply::Type::array;
      both.elements.push_back(std::move(state->first));
      both.elements.push_back(std::move(reply));
      state->outer->complete(std::move(both));
    }
  }
  std::shared_ptr<PairState> state;
};

}  // namespace

void Connection::submit(Resp resp, bool asking, std::unique_ptr<PendingOp> op, Resp then) {
  boost::asio::post(strand_, [self = shared_from_this(), resp = std::move(resp), asking,
                              op = std::move(op), then = std::move(then)]() mutable {
    if (self->ac_ == nullptr) {
      op->complete(Reply::io_failure("not connected to Redis at " + self->endpoint_.to_string()));
      return;
    }
    if (asking) redisAsyncCommand(self->ac_, nullptr, nullptr, "ASKING");
    std::shared_ptr<PairState> pair;
    if (then) {
      pair = std::make_shared<PairState>();
      pair->outer = std::move(op);
      op = std::make_unique<PairFirst>(pair);
    }
    auto* sent = new Sent{self.get(), self->generation_, std::move(op)};
    if (redisAsyncFormattedCommand(self->ac_, &Connection::on_reply, sent, resp->data(),
                                   resp->size()) != REDIS_OK) {
      delete sent;
      (pair ? pair->outer : op)->complete(Reply::io_failure("Redis connection is closing"));
      return;
    }
    if (self->inflight_++ == 0) self->last_progress_ = std::chrono::steady_clock::now();
    if (!pair) return;
    auto* second = new Sent{self.get(), self->generation_, std::make_unique<PairSecond>(pair)};
    if (redisAsyncFormattedCommand(self->ac_, &Connection::on_reply, second, then->data(),
                                   then->size()) != REDIS_OK) {
      // The first is on its way; its reply is stored and the pair fails here.
      second->op->complete(Reply::io_failure("Redis connection is closing"));
      delete second;
      return;
    }
    ++self->inflight_;
  });
}

void Connection::do_connect() {
  if (stopping_ || ac_ != nullptr) return;
  redisAsyncContext* ac = redisAsyncConnect(endpoint_.host.c_str(), endpoint_.port);
  if (ac == nullptr) {
    report_down("cannot allocate a connection", false);
    schedule_reconnect();
    return;
  }
  if (ac->err) {
    report_down(ac->errstr, false);
    redisAsyncFree(ac);
    schedule_reconnect();
    return;
  }
  const auto generation = ++generation_;
  ac->data = this;
  attach_asio(ac, strand_);
  redisAsyncSetConnectCallback(ac, &Connection::on_connect);
  redisAsyncSetDisconnectCallback(ac, &Connection::on_disconnect);
  ac_ = ac;
  inflight_ = 0;
  connecting_since_ = std::chrono::steady_clock::now();
  // hiredis queues these until the socket connects; their order on the wire is kept.
  if (!options_.password.empty()) {
    redisAsyncCommand(ac, &Connection::on_handshake, new HandshakeStep{this, generation, false},
                      "AUTH %b", options_.password.data(), options_.password.size());
  }
  if (options_.db != 0) {
    redisAsyncCommand(ac, &Connection::on_handshake, new HandshakeStep{this, generation, false},
                      "SELECT %d", options_.db);
  }
  redisAsyncCommand(ac, &Connection::on_handshake, new HandshakeStep{this, generation, true}, "PING");
  if (!options_.subscribe_channel.empty()) {
    redisAsyncCommand(ac, &Connection::on_subscription, this, "SUBSCRIBE %b",
                      options_.subscribe_channel.data(), options_.subscribe_channel.size());
  }
}

void Connection::report_up() {
  connection_up(endpoint_.to_string(), was_ready_);
  was_ready_ = true;
}

void Connection::report_down(const char* why, bool established) {
  if (!stopping_) connection_down(endpoint_.to_string(), why, established);
}

void Connection::drop(const char* why) {
  const bool established = ready_.exchange(false);
  if (ac_ == nullptr) return;
  report_down(why, established);
  redisAsyncContext* ac = ac_;
  ac_ = nullptr;
  inflight_ = 0;
  // Fails every outstanding callback with a null reply, runs our cleanup hook, closes
  // the fd. on_disconnect then sees ac_ != ac and leaves the reconnect to us.
  redisAsyncFree(ac);
  schedule_reconnect();
}

void Connection::schedule_reconnect() {
  if (stopping_) return;
  backoff_ = backoff_.count() == 0 ? std::chrono::milliseconds(50)
                                   : std::min(backoff_ * 2, options_.max_backoff);
  reconnect_timer_.expires_after(backoff_);
  reconnect_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->do_connect();
  });
}

void Connection::arm_watchdog() {
  if (stopping_) return;
  watchdog_.expires_after(std::chrono::milliseconds(250));
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->stopping_) return;
    auto now = std::chrono::steady_clock::now();
    if (self->ac_ != nullptr) {
      if (!self->ready_ && now - self->connecting_since_ > self->options_.connect_timeout) {
        self->drop("connect timed out");
      } else if (self->ready_ && self->inflight_ > 0 &&
                 now - self->last_progress_ > self->options_.command_timeout) {
        self->drop("command timed out");
      }
    }
    self->arm_watchdog();
  });
}

void Connection::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<Connection*>(ac->data);
  if (status != REDIS_OK && self->ac_ == ac) {
    self->report_down(ac->errstr[0] ? ac->errstr : "connect failed", false);
    // hiredis frees the context after this callback returns.
    self->ac_ = nullptr;
    self->ready_ = false;
    self->inflight_ = 0;
    self->schedule_reconnect();
  }
}

void Connection::on_disconnect(const redisAsyncContext* ac, int /*status*/) {
  auto* self = static_cast<Connection*>(ac->data);
  if (self->ac_ != ac) return;  // dropped by us: drop() handles the reconnect
  self->report_down(ac->errstr[0] ? ac->errstr : "connection closed", self->ready_.load());
  self->ac_ = nullptr;
  self->ready_ = false;
  self->inflight_ = 0;
  self->schedule_reconnect();
}

void Connection::on_reply(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
  auto* sent = static_cast<Sent*>(privdata);
  Connection* self = sent->conn;
  if (self->ac_ != nullptr && self->generation_ == sent->generation) {
    if (self->inflight_ > 0) --self->inflight_;
    self->last_progress_ = std::chrono::steady_clock::now();
  }
  if (reply == nullptr) {
    sent->op->complete(Reply::io_failure("lost the connection to Redis at " +
                                         self->endpoint_.to_string()));
  } else {
    sent->op->complete(convert(static_cast<redisReply*>(reply)));
  }
  delete sent;
}

void Connection::on_handshake(redisAsyncContext* /*ac*/, void* reply, void* privdata) {
  auto* step = static_cast<HandshakeStep*>(privdata);
  Connection* self = step->conn;
  if (self->ac_ != nullptr && self->generation_ == step->generation) {
    auto* r = static_cast<redisReply*>(reply);
    if (r == nullptr || r->type == REDIS_REPLY_ERROR) {
      self->drop("handshake failed");
    } else if (step->final && self->options_.subscribe_channel.empty()) {
      self->ready_ = true;
      self->report_up();
      self->backoff_ = std::chrono::milliseconds(0);
    }
  }
  delete step;
}

void Connection::on_subscription(redisAsyncContext* ac, void* reply, void* privdata) {
  auto* r = static_cast<redisReply*>(reply);
  auto* self = static_cast<Connection*>(privdata);
  if (r == nullptr || self->ac_ != ac) return;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 3) return;
  std::string_view kind(r->element[0]->str, r->element[0]->len);
  if (kind == "subscribe") {
    self->ready_ = true;
    self->report_up();
    self->backoff_ = std::chrono::milliseconds(0);
    if (self->options_.on_subscribed) self->options_.on_subscribed();
  } else if (kind == "message" && r->element[2]->type == REDIS_REPLY_STRING) {
    if (self->options_.on_message) {
      self->options_.on_message(std::string_view(r->element[2]->str, r->element[2]->len));
    }
  }
}

}  // namespace tc::redis
