// The only translation unit that includes Beast. One io_context per thread, each with
// its own listening socket on the same port (SO_REUSEPORT: the kernel spreads new
// connections, and a connection lives on one thread, so sessions need no locks).
// GCC 12 with -fsanitize=address reports false positives in Boost headers: a
// -Wmismatched-new-delete on Asio's coroutine frame allocator (its operator new and
// delete are a matching pair) and a -Wmaybe-uninitialized in Beast's parser.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "http/server.hpp"
#include "http/server_wire.hpp"

#include "core/logger.hpp"
#include "core/ops_metrics.hpp"
#include "http/request_log.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <atomic>
#include <chrono>
#include <list>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

namespace tc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;
// Sockets bound to the concrete io_context executor: no type-erased executor per I/O.
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;
using Acceptor = asio::basic_socket_acceptor<tcp, asio::io_context::executor_type>;
using wire::format_head;
using wire::ParsedRequest;
using wire::RequestParser;

namespace {

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// After an error reply we read and discard what the client still sends for a while,
// so that closing does not reset the connection before it has read our answer.
constexpr milliseconds kLingerTime{2000};

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

auto redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

void log_line(const std::string& line) { logging::warn(line); }

// Connections refused over --max-connections: counted each, logged at most every 10 s.
logging::RateLimit g_refused_log{std::chrono::seconds(10)};

// "address:port" of the peer, for the access log.
std::string peer_of(const Socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return "-";
  const auto address = endpoint.address();
  return (address.is_v6() ? "[" + address.to_string() + "]" : address.to_string()) + ":" +
         std::to_string(endpoint.port());
}

// A connection as the sweeper and shutdown see it. Timeouts are deadlines checked by
// one periodic sweep per thread, not a timer per read/write: arming and cancelling
// timers on every I/O cost more than the rest of the transport.
struct Connection {
  Socket* socket;
  SteadyClock::time_point deadline = SteadyClock::time_point::max();  // max: none
  bool idle = false;  // waiting for the first byte of the next request
};

// A connection's ClientWatch, and the number of the request it watches: a completion of
// the watch that arrives after its request was answered finds a newer number and does
// nothing.
struct ClientWatchState {
  ClientWatch watch;
  std::uint64_t generation = 0;
};

// Waits for the connection to become readable while its request waits. Readable with
// nothing to read is the client's FIN (or an error such as a reset): it has gone. Bytes
// to read are a pipelined next request: the client is there, and the watch ends.
// (A client that half-closes after sending its request looks gone too, as it does to
// nginx; HTTP clients keep the connection open while they wait for an answer.)
void watch_client(Socket& stream, const std::shared_ptr<ClientWatchState>& state) {
  stream.async_wait(tcp::socket::wait_read, [&stream, weak = std::weak_ptr(state),
                                             generation = state->generation](
                                                const beast::error_code& ec) {
    auto state = weak.lock();
    if (ec || !state || state->generation != generation) return;
    char byte;
    ssize_t n = ::recv(stream.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
      state->watch.mark_gone();
    else if (n < 0)
      watch_client(stream, state);  // woken with nothing there after all: keep watching
  });
}

struct Worker {
  // Declared before ioc: destroying ioc destroys suspended sessions, which unlink here.
  std::list<Connection> connections;
  asio::io_context ioc{1};
  std::optional<Acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  bool stopping = false;  // only touched on this worker's thread
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  RequestHandler handler;
  ErrorResponder error_responder;
  std::function<void()> shutdown_hook;
  std::vector<std::unique_ptr<Worker>> workers;
  std::uint16_t bound_port = 0;
  std::atomic<std::uint64_t> active{0};
  std::atomic<bool> stopping{false};
  std::atomic<bool> finished{false};
  // On worker 0; declared after `workers` so they are destroyed before the io_contexts.
  std::optional<asio::steady_timer> drain_timer;
  std::optional<asio::signal_set> signals;

  Impl(ServerOptions o, RequestHandler h, ErrorResponder e)
      : options(std::move(o)), handler(std::move(h)), error_responder(e) {
    if (options.threads == 0) options.threads = 1;
    for (unsigned i = 0; i < options.threads; ++i) workers.push_back(std::make_unique<Worker>());
  }

  ~Impl() {
    finished = true;  // sessions destroyed below must not try to stop anything
    signals.reset();
    drain_timer.reset();
    for (auto& w : workers) {
      w->work.reset();
      w->acceptor.reset();
    }
    workers.clear();
  }

  Result<void> listen();
  void run();
  asio::awaitable<void> accept_loop(Worker& w);
  asio::awaitable<void> sweep_loop(Worker& w);
  asio::awaitable<void> session(Worker& w, Socket socket);
  asio::awaitable<void> serve(Worker& w, Socket& stream, Connection& conn);
  // The access-log / slow-request hook, once per answered request.
  void request_finished(const std::string& peer, const ParsedRequest& req, const HttpResponse& response,
                std::size_t bytes, SteadyClock::time_point started);
  asio::awaitable<void> read_request(Worker& w, Socket& stream,
                                     beast::flat_buffer& buffer, RequestParser& parser,
                                     ParsedRequest& req, Connection& conn, beast::error_code& ec);
  asio::awaitable<void> write_response(Socket& stream, Connection& conn, std::string& head,
                                       const HttpResponse& response, unsigned version,
                                       bool keep_alive, bool head_only, beast::error_code& ec);
  asio::awaitable<void> linger_close(Socket& stream, Connection& conn);
  std::optional<HttpResponse> transport_error(const beast::error_code& ec) const;
  void wait_signal();
  void begin_shutdown();
  void stop_worker(Worker& w);
  void finish();
};

Result<void> Server::Impl::listen() {
  asio::io_context& ioc = workers[0]->ioc;
  beast::error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, options.port);
  } else {
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
    if (ec || results.empty())
      return make_error(Errc::unavailable, "cannot resolve host '" + options.host + "': " +
                                               (ec ? ec.message() : "no address"));
    endpoint = results.begin()->endpoint();
  }
  const std::string where = options.host + ":" + std::to_string(options.port);

  // Every acceptor sets SO_REUSEPORT, which would let a second taskcenter silently
  // share the port. Probe first without it: this bind fails if anyone listens there.
  {
    Acceptor probe(ioc);
    probe.open(endpoint.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(endpoint, ec);
    if (ec == asio::error::address_in_use)
      return make_error(Errc::unavailable, "port " + std::to_string(options.port) + " on " +
                                               options.host + " is already in use");
    if (ec) return make_error(Errc::unavailable, "cannot listen on " + where + ": " + ec.message());
    endpoint.port(probe.local_endpoint().port());
  }
  bound_port = endpoint.port();

  for (auto& w : workers) {
    auto& acceptor = w->acceptor.emplace(w->ioc);
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.set_option(reuse_port(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec == asio::error::address_in_use)
      return make_error(Errc::unavailable, "port " + std::to_string(bound_port) + " on " +
                                               options.host + " is already in use");
    if (ec) return make_error(Errc::unavailable, "cannot listen on " + where + ": " + ec.message());
  }
  // From here on a SIGTERM means "drain and exit 0", even if it arrives before run():
  // whoever read the port (--port-file) may already be stopping us.
  if (options.handle_signals) {
    signals.emplace(workers[0]->ioc, SIGINT, SIGTERM);
    wait_signal();
  }
  return {};
}

void Server::Impl::run() {
  for (auto& w : workers) {
    w->work.emplace(w->ioc.get_executor());
    asio::co_spawn(w->ioc, accept_loop(*w), asio::detached);
    asio::co_spawn(w->ioc, sweep_loop(*w), asio::detached);
  }
  auto run_one = [](asio::io_context& ioc) {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {
        // A handler that throws must not take the whole thread down with it.
        log_line(std::string("unexpected exception on an I/O thread: ") + e.what());
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers.size(); ++i)
    threads.emplace_back([&run_one, w = workers[i].get()] { run_one(w->ioc); });
  run_one(workers[0]->ioc);
  for (auto& t : threads) t.join();
}

void Server::Impl::wait_signal() {
  signals->async_wait([this](const beast::error_code& ec, int signo) {
    if (ec) return;
    if (!stopping.load()) {
      logging::info(std::string("received ") + (signo == SIGINT ? "SIGINT" : "SIGTERM") +
                    ", shutting down");
      begin_shutdown();
      wait_signal();
    } else {
      logging::warn("second signal: exiting without waiting for in-flight requests");
      finish();
    }
  });
}

asio::awaitable<void> Server::Impl::accept_loop(Worker& w) {
  for (;;) {
    beast::error_code ec;
    Socket socket = co_await w.acceptor->async_accept(redirect(ec));
    if (w.stopping || !w.acceptor->is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of file descriptors or similar: back off instead of spinning.
      log_line("accept failed: " + ec.message());
      asio::steady_timer pause(w.ioc, milliseconds(50));
      co_await pause.async_wait(redirect(ec));
      continue;
    }
    if (active.load(std::memory_order_relaxed) >= options.max_connections) {
      socket.close(ec);  // over the limit: the client sees the connection closed at once
      ops_metrics().connections_refused.fetch_add(1, std::memory_order_relaxed);
      logging::write_limited(g_refused_log, logging::Level::warn,
                             "connection refused: --max-connections are open",
                             {{"max_connections", options.max_connections}});
      continue;
    }
    active.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(w.ioc, session(w, std::move(socket)), asio::detached);
  }
}

// Closes (cancels the pending I/O of) connections whose deadline has passed.
asio::awaitable<void> Server::Impl::sweep_loop(Worker& w) {
  // Fine enough for the shortest configured timeout, never busier than 4 times a second.
  const auto shortest = std::min(options.idle_timeout_ms, options.read_timeout_ms);
  const milliseconds tick(std::clamp<std::int64_t>(shortest / 4, 1, 250));
  asio::steady_timer timer(w.ioc);
  beast::error_code ec;
  for (;;) {
    timer.expires_after(tick);
    co_await timer.async_wait(redirect(ec));
    if (ec) co_return;
    const auto now = SteadyClock::now();
    for (auto& c : w.connections) {
      if (c.deadline > now) continue;
      c.deadline = SteadyClock::time_point::max();
      c.socket->cancel(ec);  // the session sees operation_aborted and closes
    }
  }
}

asio::awaitable<void> Server::Impl::session(Worker& w, Socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto conn = w.connections.insert(w.connections.end(), Connection{&socket});
  // Runs on normal exit and when the io_context destroys a suspended session.
  struct Leave {
    Impl* self;
    Worker& w;
    std::list<Connection>::iterator conn;
    ~Leave() {
      w.connections.erase(conn);
      if (self->active.fetch_sub(1) == 1 && self->stopping.load()) self->finish();
    }
  } leave{this, w, conn};
  try {
    co_await serve(w, socket, *conn);
  } catch (const std::exception& e) {
    log_line(std::string("connection dropped after an exception: ") + e.what());
  }
  socket.close(ec);
}

void Server::Impl::request_finished(const std::string& peer, const ParsedRequest& req,
                            const HttpResponse& response, std::size_t bytes,
                            SteadyClock::time_point started) {
  options.request_log->finished(FinishedRequest{
      peer, req.method, req.target, response.status, response.body, bytes,
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started)});
}

asio::awaitable<void> Server::Impl::serve(Worker& w, Socket& stream, Connection& conn) {
  const bool observed = options.request_log != nullptr && options.request_log->active();
  const std::string peer = observed ? peer_of(stream) : std::string();
  SteadyClock::time_point started;
  beast::flat_buffer buffer;
  ParsedRequest req;
  std::string head;
  beast::error_code ec;
  auto client = std::make_shared<ClientWatchState>();
  client->watch.set_start([&stream, weak = std::weak_ptr(client)] {
    if (auto state = weak.lock()) watch_client(stream, state);
  });
  for (;;) {
    req.clear();
    RequestParser parser(req);
    parser.eager(true);
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body);
    co_await read_request(w, stream, buffer, parser, req, conn, ec);
    if (ec) {
      if (auto reply = transport_error(ec)) {
        beast::error_code write_ec;
        if (observed) started = SteadyClock::now();
        co_await write_response(stream, conn, head, *reply, req.version, false, false, write_ec);
        if (observed && !write_ec) request_finished(peer, req, *reply, head.size() + reply->body.size(), started);
        if (!write_ec) co_await linger_close(stream, conn);
      }
      break;
    }

    if (observed) started = SteadyClock::now();
    bool keep_alive = parser.keep_alive();
    HttpRequest request{req.method, req.target, req.body, req.authorization, &client->watch};
    // The handler may wait (long-poll, call) for as long as the API allows: the
    // transport's timeouts are for reading and writing only.
    conn.deadline = SteadyClock::time_point::max();
    HttpResponse response;
    try {
      response = co_await handler(request);
    } catch (const std::exception& e) {
      log_line(std::string("handler failed: ") + e.what());
      response = error_responder(Errc::unavailable, "internal error; the request may be retried");
      keep_alive = false;
    }
    if (client->watch.watching()) {
      ++client->generation;
      stream.cancel(ec);  // the watch, the only operation pending on the socket now
      ec = {};
    }
    const bool gone = client->watch.gone();
    client->watch.reset();
    if (gone) break;  // nobody to answer
    // The process-wide flag, not the worker's: the shutdown hook may wake this handler
    // before this thread has run its stop_worker.
    if (stopping.load(std::memory_order_relaxed)) keep_alive = false;
    const bool head_only = req.verb == http::verb::head;
    co_await write_response(stream, conn, head, response, req.version, keep_alive, head_only, ec);
    if (observed && !ec)
      request_finished(peer, req, response, head.size() + (head_only ? 0 : response.body.size()), started);
    if (ec || !keep_alive) break;
    req.trim();
  }
  stream.shutdown(tcp::socket::shutdown_send, ec);
}

// Parses what is buffered first (pipelined requests need no read), then reads. Between
// requests the connection is idle: it waits under the idle timeout and a shutdown
// closes it; once a request has begun, the whole of it must arrive within the read
// timeout. ec: end_of_stream when the client closed between requests.
asio::awaitable<void> Server::Impl::read_request(Worker& w, Socket& stream,
                                                 beast::flat_buffer& buffer,
                                                 RequestParser& parser, ParsedRequest& req,
                                                 Connection& conn, beast::error_code& ec) {
  bool continue_sent = false;
  bool deadline_set = false;
  for (;;) {
    while (buffer.size() > 0) {
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec || parser.is_done()) co_return;
      if (used == 0) break;
    }
    const bool idle = buffer.size() == 0 && !parser.got_some();
    if (idle) {
      if (w.stopping || stopping.load(std::memory_order_relaxed)) {
        ec = asio::error::operation_aborted;
        co_return;
      }
      conn.deadline = SteadyClock::now() + milliseconds(options.idle_timeout_ms);
    } else if (!deadline_set) {
      conn.deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
      deadline_set = true;
    }
    if (req.expect_continue && !continue_sent && parser.is_header_done() && req.version >= 11) {
      continue_sent = true;
      co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                                 redirect(ec));
      if (ec) co_return;
    }
    conn.idle = idle;
    std::size_t n =
        co_await stream.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), redirect(ec));
    conn.idle = false;
    if (ec == asio::error::eof)
      ec = idle ? http::error::end_of_stream : http::error::partial_message;
    if (ec) co_return;
    buffer.commit(n);
  }
}

asio::awaitable<void> Server::Impl::write_response(Socket& stream, Connection& conn,
                                                   std::string& head,
                                                   const HttpResponse& response,
                                                   unsigned version, bool keep_alive,
                                                   bool head_only, beast::error_code& ec) {
  format_head(head, response, version, keep_alive);
  // HEAD: the same head (Content-Length included), no body.
  std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head), head_only ? asio::const_buffer() : asio::buffer(response.body)};
  // A client that stops reading cannot hold the connection longer than a slow request.
  conn.deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
  co_await asio::async_write(stream, buffers, redirect(ec));
}

asio::awaitable<void> Server::Impl::linger_close(Socket& stream, Connection& conn) {
  beast::error_code ec;
  stream.shutdown(tcp::socket::shutdown_send, ec);
  conn.deadline = SteadyClock::now() + kLingerTime;
  char discard[16 * 1024];
  while (!ec) co_await stream.async_read_some(asio::buffer(discard), redirect(ec));
}

std::optional<HttpResponse> Server::Impl::transport_error(const beast::error_code& ec) const {
  if (ec == http::error::body_limit)
    return error_responder(Errc::too_large, "request body is larger than the server's limit of " +
                                                std::to_string(options.max_body) +
                                                " bytes (--max-body)");
  if (ec == http::error::header_limit)
    return error_responder(Errc::bad_request, "request header is larger than " +
                                                  std::to_string(kHeaderLimit) + " bytes");
  // The client went away or was too slow: nobody to answer.
  if (ec.category() != http::make_error_code(http::error::end_of_stream).category() ||
      ec == http::error::end_of_stream || ec == http::error::partial_message)
    return std::nullopt;
  return error_responder(Errc::bad_request, "malformed HTTP request: " + ec.message());
}

void Server::Impl::begin_shutdown() {
  if (stopping.exchange(true)) return;
  if (shutdown_hook) shutdown_hook();
  for (auto& w : workers) asio::post(w->ioc, [this, wp = w.get()] { stop_worker(*wp); });
  drain_timer.emplace(workers[0]->ioc, milliseconds(options.shutdown_timeout_ms));
  drain_timer->async_wait([this](const beast::error_code& ec) {
    if (ec) return;
    log_line("shutdown timeout: closing " + std::to_string(active.load()) +
             " connection(s) still busy");
    finish();
  });
  if (active.load() == 0) finish();
}

void Server::Impl::stop_worker(Worker& w) {
  w.stopping = true;
  beast::error_code ec;
  if (w.acceptor) w.acceptor->close(ec);
  for (auto& c : w.connections)
    if (c.idle) c.socket->cancel(ec);
}

void Server::Impl::finish() {
  if (finished.exchange(true)) return;
  for (auto& w : workers) w->ioc.stop();
}

Server::Server(ServerOptions options, RequestHandler handler, ErrorResponder error_responder)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), error_responder)) {}

Server::~Server() = default;

Result<void> Server::listen() { return impl_->listen(); }
std::uint16_t Server::port() const noexcept { return impl_->bound_port; }
boost::asio::any_io_executor Server::executor() const {
  return impl_->workers[0]->ioc.get_executor();
}
void Server::on_shutdown(std::function<void()> hook) { impl_->shutdown_hook = std::move(hook); }
void Server::run() { impl_->run(); }
void Server::stop() {
  asio::post(impl_->workers[0]->ioc, [impl = impl_.get()] { impl->begin_shutdown(); });
}
std::uint64_t Server::connections() const noexcept { return impl_->active.load(); }

}  // namespace tc
