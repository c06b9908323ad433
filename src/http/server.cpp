// The only translation unit that includes Beast. One io_context per thread, each with
// its own listening socket on the same port (SO_REUSEPORT: the kernel spreads new
// connections, and a connection lives on one thread, so sessions need no locks).
// Sessions are templates over the stream: the TCP socket, or Asio's SSL stream over it
// (--tls-cert); deadlines, limits and the client watch always act on the TCP socket.
// GCC 12 with -fsanitize=address reports false positives in Boost headers: a
// -Wmismatched-new-delete on Asio's coroutine frame allocator (its operator new and
// delete are a matching pair) and a -Wmaybe-uninitialized in Beast's parser.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "http/server.hpp"
#include "http/browser_policy.hpp"
#include "http/client_limits.hpp"
#include "http/fd_limit.hpp"
#include "http/inflight_budget.hpp"
#include "http/server_wire.hpp"
#include "http/tls_context.hpp"
#include "http/transport_metrics.hpp"

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
#include <boost/asio/ssl/stream.hpp>
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
#include <type_traits>
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
using TlsStream = asio::ssl::stream<Socket>;
using wire::format_head;
using wire::format_stream_head;
using wire::frame_chunk;
using wire::ParsedRequest;
using wire::RequestParser;

namespace {

constexpr std::uint32_t kHeaderLimit = 16 * 1024;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// After an error reply we read and discard what the client still sends for a while,
// so that closing does not reset the connection before it has read our answer.
constexpr milliseconds kLingerTime{2000};
// A body that does not fit in --max-inflight-bytes waits this long for room, looking
// again every kBudgetPoll (a relaxed load; waking waiters across threads would need a
// channel per thread for a case that should be rare), then gets 503.
constexpr milliseconds kBudgetWait{1000};
constexpr milliseconds kBudgetPoll{20};
// A streamed response's socket send buffer (SO_SNDBUF; the kernel doubles it).
constexpr int kStreamSendBuffer = 64 * 1024;
// Repeated refusals and accept errors: one log line per interval, with a count.
constexpr std::chrono::seconds kLogInterval{10};
// accept() out of descriptors: retry after this, doubling up to the maximum.
constexpr milliseconds kAcceptBackoffMin{5};
constexpr milliseconds kAcceptBackoffMax{1000};

using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

auto redirect(beast::error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

void log_line(const std::string& line) { logging::warn(line); }

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
  bool idle = false;  // waiting for the first byte of the next request (in the idle list)
};
using ConnectionRef = std::list<Connection>::iterator;

Socket& lowest(Socket& stream) { return stream; }
Socket& lowest(TlsStream& stream) { return stream.next_layer(); }

std::string_view path_of(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), target.size()));
}

ClientAddress address_of(const Socket& socket) {
  beast::error_code ec;
  const auto endpoint = socket.remote_endpoint(ec);
  if (ec) return ClientAddress{};
  const auto address = endpoint.address();
  return address.is_v4() ? asio::ip::make_address_v6(asio::ip::v4_mapped, address.to_v4()).to_bytes()
                         : address.to_v6().to_bytes();
}

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
  // A connection moves (splice) between the lists as it turns idle or busy, so the
  // front of `idle` is the one idle longest: the first to close when room is needed.
  std::list<Connection> connections;  // busy: reading, handling or writing a request
  std::list<Connection> idle;
  std::atomic<std::size_t> idle_count{0};  // idle.size(), read by other threads
  asio::io_context ioc{1};
  std::optional<Acceptor> acceptor;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  bool stopping = false;  // only touched on this worker's thread

  void make_idle(ConnectionRef c) {
    if (c->idle) return;
    c->idle = true;
    idle.splice(idle.end(), connections, c);
    idle_count.fetch_add(1, std::memory_order_relaxed);
  }
  void make_busy(ConnectionRef c) {
    if (!c->idle) return;
    c->idle = false;
    connections.splice(connections.end(), idle, c);
    idle_count.fetch_sub(1, std::memory_order_relaxed);
  }
  // Closes the connection idle longest (its descriptor is free at once; its session
  // sees operation_aborted and ends). False when none is idle.
  bool close_oldest_idle() {
    if (idle.empty()) return false;
    const ConnectionRef oldest = idle.begin();
    beast::error_code ec;
    oldest->socket->close(ec);
    make_busy(oldest);
    return true;
  }
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
  std::shared_ptr<asio::ssl::context> tls_context;  // set: every connection speaks TLS
  BrowserPolicy browser_policy;
  ClientLimits client_limits;
  InflightBudget inflight_budget;
  TransportMetrics metrics;
  std::array<LogThrottle, static_cast<std::size_t>(ConnectionRefusal::count_)> refusal_log{
      LogThrottle(kLogInterval), LogThrottle(kLogInterval)};
  LogThrottle accept_error_log{kLogInterval};

  Impl(ServerOptions o, RequestHandler h, ErrorResponder e)
      : options(std::move(o)),
        handler(std::move(h)),
        error_responder(e),
        browser_policy(options.cors_origins, !options.tls_cert_file.empty()),
        client_limits(options.max_connections_per_client),
        inflight_budget(options.max_inflight_bytes) {
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
  asio::awaitable<void> session(Worker& w, Socket socket, ClientAddress client);
  template <class Stream>
  asio::awaitable<void> run_session(Worker& w, Stream& stream, ClientAddress client);
  asio::awaitable<bool> tls_handshake(Worker& w, TlsStream& stream, ConnectionRef conn);
  template <class Stream>
  asio::awaitable<void> serve(Worker& w, Stream& stream, ConnectionRef conn);
  template <class Stream>
  asio::awaitable<void> read_request(Worker& w, Stream& stream, beast::flat_buffer& buffer,
                                     RequestParser& parser, ParsedRequest& req,
                                     ConnectionRef conn, BudgetHold& budget,
                                     beast::error_code& ec);
  asio::awaitable<bool> wait_for_budget(Worker& w, BudgetHold& budget, std::uint64_t bytes);
  // Writes a streamed response (HttpResponse::stream) as it comes; bytes written, and ec
  // set (operation_aborted for a cut-off) when the connection must close.
  template <class Stream>
  asio::awaitable<std::size_t> write_stream(Stream& stream, ConnectionRef conn, std::string& head,
                                            HttpResponse& response, unsigned version,
                                            bool keep_alive, std::string_view extra_headers,
                                            beast::error_code& ec);
  template <class Stream>
  asio::awaitable<void> write_response(Stream& stream, ConnectionRef conn, std::string& head,
                                       const HttpResponse& response, unsigned version,
                                       bool keep_alive, bool head_only,
                                       std::string_view extra_headers, beast::error_code& ec);
  // The access-log / slow-request hook, once per answered request.
  void request_finished(const std::string& peer, const ParsedRequest& req,
                        const HttpResponse& response, std::size_t bytes,
                        SteadyClock::time_point started);
  asio::awaitable<void> linger_close(Socket& stream, ConnectionRef conn);
  std::optional<HttpResponse> transport_error(const beast::error_code& ec) const;
  std::optional<HttpResponse> browser_gate(const ParsedRequest& req, std::string& extra_headers);
  bool make_room(Worker& w);
  void refuse(ConnectionRefusal reason);
  Result<void> setup_tls();
  void wait_signal();
  void begin_shutdown();
  void stop_worker(Worker& w);
  void finish();
};

Result<void> Server::Impl::setup_tls() {
  if (options.tls_cert_file.empty()) return {};
  auto context = make_tls_server_context(options.tls_cert_file, options.tls_key_file);
  if (!context) return std::move(context).error();
  tls_context = std::move(context).value();
  return {};
}

Result<void> Server::Impl::listen() {
  if (auto tls = setup_tls(); !tls) return tls;
  // Every connection is a descriptor: raise the soft limit if the configuration needs
  // it, and say so when even the hard limit is too low.
  const FdLimitCheck fds = raise_fd_limit(fds_needed(options.max_connections, options.threads));
  if (auto line = describe(fds, options.max_connections); !line.empty()) log_line(line);

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
  milliseconds backoff{0};
  for (;;) {
    beast::error_code ec;
    Socket socket = co_await w.acceptor->async_accept(redirect(ec));
    if (w.stopping || !w.acceptor->is_open()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      metrics.accept_errors.fetch_add(1, std::memory_order_relaxed);
      // Out of descriptors (EMFILE/ENFILE): free one by closing the connection idle
      // longest, as nginx does, and try again at once; the client waits in the backlog.
      const bool out_of_files = ec == asio::error::no_descriptors || ec.value() == ENFILE;
      if (out_of_files && w.close_oldest_idle()) {
        metrics.idle_closed.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // Otherwise back off, longer each time, instead of spinning (and logging) on it.
      backoff = std::clamp(backoff * 2, kAcceptBackoffMin, kAcceptBackoffMax);
      if (const auto n = accept_error_log.admit(SteadyClock::now()))
        log_line("accept failed: " + ec.message() + " (" + std::to_string(n) +
                 " time(s) since the last such line; retrying with back-off up to 1 s)" +
                 (out_of_files ? "; raise the open-file limit (ulimit -n) or lower "
                                 "--max-connections"
                               : ""));
      asio::steady_timer pause(w.ioc, backoff);
      co_await pause.async_wait(redirect(ec));
      continue;
    }
    backoff = milliseconds{0};
    const ClientAddress client = address_of(socket);
    if (!client_limits.try_admit(client)) {
      refuse(ConnectionRefusal::per_client);
      socket.close(ec);
      continue;
    }
    if (active.load(std::memory_order_relaxed) >= options.max_connections && !make_room(w)) {
      client_limits.leave(client);
      refuse(ConnectionRefusal::max_connections);
      socket.close(ec);  // over the limit: the client sees the connection closed at once
      continue;
    }
    active.fetch_add(1, std::memory_order_relaxed);
    asio::co_spawn(w.ioc, session(w, std::move(socket), client), asio::detached);
  }
}

// At the connection limit, an idle keep-alive connection gives its place to the new
// one: this worker's longest idle if it has one, else another worker's (closed there,
// on its own thread). The count may pass the limit by the connections being closed.
bool Server::Impl::make_room(Worker& w) {
  if (w.close_oldest_idle()) {
    metrics.idle_closed.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  for (auto& other : workers) {
    if (other.get() == &w || other->idle_count.load(std::memory_order_relaxed) == 0) continue;
    asio::post(other->ioc, [this, wp = other.get()] {
      if (wp->close_oldest_idle()) metrics.idle_closed.fetch_add(1, std::memory_order_relaxed);
    });
    return true;
  }
  return false;
}

void Server::Impl::refuse(ConnectionRefusal reason) {
  metrics.count_refusal(reason);
  const auto n = refusal_log[static_cast<std::size_t>(reason)].admit(SteadyClock::now());
  if (n == 0) return;
  const std::string count = std::to_string(n) + " connection(s) refused since the last such line: ";
  if (reason == ConnectionRefusal::per_client)
    log_line(count + "a client address had --max-connections-per-client " +
             std::to_string(options.max_connections_per_client) + " open");
  else
    log_line(count + "--max-connections " + std::to_string(options.max_connections) +
             " reached and no idle connection to close");
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
    for (auto* list : {&w.connections, &w.idle}) {
      for (auto& c : *list) {
        if (c.deadline > now) continue;
        c.deadline = SteadyClock::time_point::max();
        c.socket->cancel(ec);  // the session sees operation_aborted and closes
      }
    }
  }
}

asio::awaitable<void> Server::Impl::session(Worker& w, Socket socket, ClientAddress client) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  if (tls_context) {
    TlsStream stream(std::move(socket), *tls_context);
    co_await run_session(w, stream, client);
  } else {
    co_await run_session(w, socket, client);
  }
}

template <class Stream>
asio::awaitable<void> Server::Impl::run_session(Worker& w, Stream& stream, ClientAddress client) {
  Socket& socket = lowest(stream);
  auto conn = w.connections.insert(w.connections.end(), Connection{&socket});
  // Runs on normal exit and when the io_context destroys a suspended session.
  struct Leave {
    Impl* self;
    Worker& w;
    ConnectionRef conn;
    ClientAddress client;
    ~Leave() {
      w.make_busy(conn);
      w.connections.erase(conn);
      self->client_limits.leave(client);
      if (self->active.fetch_sub(1) == 1 && self->stopping.load()) self->finish();
    }
  } leave{this, w, conn, client};
  try {
    bool ready = true;
    if constexpr (std::is_same_v<Stream, TlsStream>) ready = co_await tls_handshake(w, stream, conn);
    if (ready) co_await serve(w, stream, conn);
  } catch (const std::exception& e) {
    log_line(std::string("connection dropped after an exception: ") + e.what());
  }
  beast::error_code ec;
  socket.close(ec);
}

void Server::Impl::request_finished(const std::string& peer, const ParsedRequest& req,
                                    const HttpResponse& response, std::size_t bytes,
                                    SteadyClock::time_point started) {
  options.request_log->finished(FinishedRequest{
      peer, req.method, req.target, response.status, response.body, bytes,
      std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - started)});
}

// The TLS handshake, under the read timeout. Plain HTTP sent to the HTTPS port gets a
// plain-text 400 that says so (a TLS record starts with 0x16), not a bare reset.
asio::awaitable<bool> Server::Impl::tls_handshake(Worker& w, TlsStream& stream, ConnectionRef conn) {
  Socket& socket = lowest(stream);
  beast::error_code ec;
  conn->deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
  // Until its first byte the connection is idle, as a plain one is before its first
  // request: a shutdown closes it and the connection limit may reclaim it.
  w.make_idle(conn);
  co_await socket.async_wait(tcp::socket::wait_read, redirect(ec));
  w.make_busy(conn);
  if (ec || w.stopping) co_return false;
  unsigned char first = 0;
  if (::recv(socket.native_handle(), &first, 1, MSG_PEEK | MSG_DONTWAIT) == 1 && first != 0x16) {
    std::string head;
    const HttpResponse reply = error_responder(
        Errc::bad_request, "this port speaks HTTPS only (TLS 1.2 or 1.3): use an https:// URL");
    co_await write_response(socket, conn, head, reply, 11, false, false, {}, ec);
    if (!ec) co_await linger_close(socket, conn);
    co_return false;
  }
  co_await stream.async_handshake(asio::ssl::stream_base::server, redirect(ec));
  co_return !ec;
}

template <class Stream>
asio::awaitable<void> Server::Impl::serve(Worker& w, Stream& stream, ConnectionRef conn) {
  Socket& socket = lowest(stream);
  const bool observed = options.request_log != nullptr && options.request_log->active();
  const std::string peer = observed ? peer_of(socket) : std::string();
  SteadyClock::time_point started;
  beast::flat_buffer buffer;
  ParsedRequest req;
  std::string head;
  std::string extra_headers;
  BudgetHold budget(inflight_budget);
  beast::error_code ec;
  auto client = std::make_shared<ClientWatchState>();
  client->watch.set_start([&socket, weak = std::weak_ptr(client)] {
    if (auto state = weak.lock()) watch_client(socket, state);
  });
  for (;;) {
    req.clear();
    RequestParser parser(req);
    parser.eager(true);
    parser.header_limit(kHeaderLimit);
    parser.body_limit(options.max_body);
    co_await read_request(w, stream, buffer, parser, req, conn, budget, ec);
    if (ec) {
      budget.release();
      if (auto reply = transport_error(ec)) {
        beast::error_code write_ec;
        if (observed) started = SteadyClock::now();
        co_await write_response(stream, conn, head, *reply, req.version, false, false, {},
                                write_ec);
        if (observed && !write_ec)
          request_finished(peer, req, *reply, head.size() + reply->body.size(), started);
        if (!write_ec) co_await linger_close(socket, conn);
      }
      break;
    }

    if (observed) started = SteadyClock::now();
    bool keep_alive = parser.keep_alive();
    // The handler may wait (long-poll, call) for as long as the API allows: the
    // transport's timeouts are for reading and writing only.
    conn->deadline = SteadyClock::time_point::max();
    extra_headers.clear();
    HttpResponse response;
    // What a client (not a browser) sends passes without a call: BrowserPolicy::decide
    // refuses nothing without Origin or Fetch metadata but a POST that is not JSON.
    std::optional<HttpResponse> refusal;
    if (!req.plain_client()) refusal = browser_gate(req, extra_headers);
    if (refusal) {
      response = std::move(*refusal);
    } else {
      HttpRequest request{req.method, req.target, req.body, req.authorization, &client->watch,
                          req.accept};
      try {
        response = co_await handler(request);
      } catch (const std::exception& e) {
        log_line(std::string("handler failed: ") + e.what());
        response = error_responder(Errc::internal, "internal error: the handler failed (the server log says how)");
        keep_alive = false;
      }
    }
    budget.release();  // the body has been used
    if (response.stream) {
      // A stream waits and writes by turns, watched for the client's going away
      // throughout (the watch started with the stream's first wait).
      if (stopping.load(std::memory_order_relaxed) || req.version == 10) keep_alive = false;
      const std::size_t bytes = co_await write_stream(stream, conn, head, response, req.version,
                                                      keep_alive, extra_headers, ec);
      response.stream.reset();  // unregisters from the service while the watch is alive
      if (client->watch.watching()) {
        ++client->generation;
        beast::error_code cancel_ec;
        socket.cancel(cancel_ec);
      }
      client->watch.reset();
      if (observed && bytes > 0) request_finished(peer, req, response, bytes, started);
      if (ec || !keep_alive || stopping.load(std::memory_order_relaxed)) break;
      req.trim();
      continue;
    }
    if (client->watch.watching()) {
      ++client->generation;
      socket.cancel(ec);  // the watch, the only operation pending on the socket now
      ec = {};
    }
    const bool gone = client->watch.gone();
    client->watch.reset();
    if (gone) break;  // nobody to answer
    // The transport's own series join the API's on the metrics page.
    if (response.status == 200 && path_of(req.target) == "/metrics")
      metrics.render(response.body, active.load(std::memory_order_relaxed),
                     inflight_budget.used(), inflight_budget.limit());
    // The process-wide flag, not the worker's: the shutdown hook may wake this handler
    // before this thread has run its stop_worker.
    if (stopping.load(std::memory_order_relaxed)) keep_alive = false;
    const bool head_only = req.verb == http::verb::head;
    co_await write_response(stream, conn, head, response, req.version, keep_alive, head_only,
                            extra_headers, ec);
    if (observed && !ec)
      request_finished(peer, req, response,
                       head.size() + (head_only ? 0 : response.body.size()), started);
    if (ec || !keep_alive) break;
    req.trim();
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
}

// The browser rules (BrowserPolicy::decide) as a response, when they stop the request.
std::optional<HttpResponse> Server::Impl::browser_gate(const ParsedRequest& req,
                                                       std::string& extra_headers) {
  const BrowserDecision decision = browser_policy.decide(
      BrowserRequest{req.method, path_of(req.target), req.origin, req.sec_fetch_site, req.host,
                     req.content_type_json ? std::string_view("application/json")
                                           : std::string_view(req.content_type)},
      extra_headers);
  switch (decision.kind) {
    case BrowserDecision::Kind::pass:
      return std::nullopt;
    case BrowserDecision::Kind::preflight: {
      HttpResponse preflight;
      preflight.status = decision.status;
      preflight.content_type = {};
      return preflight;
    }
    case BrowserDecision::Kind::refuse:
      break;
  }
  HttpResponse refusal = error_responder(Errc::bad_request, decision.message);
  refusal.status = decision.status;
  return refusal;
}

// Parses what is buffered first (pipelined requests need no read), then reads. Between
// requests the connection is idle: it waits under the idle timeout, a shutdown closes
// it, and at the connection limit it may be closed to admit a new one; once a request
// has begun, the whole of it must arrive within the read timeout. Once the header is
// in, the body's bytes are reserved from --max-inflight-bytes before more is read.
// ec: end_of_stream when the client closed between requests; no_buffer_space when the
// budget stayed full.
template <class Stream>
asio::awaitable<void> Server::Impl::read_request(Worker& w, Stream& stream,
                                                 beast::flat_buffer& buffer,
                                                 RequestParser& parser, ParsedRequest& req,
                                                 ConnectionRef conn, BudgetHold& budget,
                                                 beast::error_code& ec) {
  bool continue_sent = false;
  bool deadline_set = false;
  bool budget_checked = false;
  for (;;) {
    bool done = false;
    while (buffer.size() > 0) {
      std::size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) co_return;
      if (parser.is_done()) {
        done = true;
        break;
      }
      if (used == 0) break;
    }
    if (parser.is_header_done()) {
      const auto length = parser.content_length();
      if (!budget_checked) {
        budget_checked = true;
        const std::uint64_t announced = length ? *length : req.body.size();
        if (!budget.add(announced) && !co_await wait_for_budget(w, budget, announced)) {
          metrics.budget_refused.fetch_add(1, std::memory_order_relaxed);
          ec = asio::error::no_buffer_space;
          co_return;
        }
      }
      // A chunked body has no length to announce: it is charged as it arrives.
      if (!length && req.body.size() > budget.held() && !budget.add(req.body.size() - budget.held())) {
        metrics.budget_refused.fetch_add(1, std::memory_order_relaxed);
        ec = asio::error::no_buffer_space;
        co_return;
      }
    }
    if (done) co_return;
    const bool idle = buffer.size() == 0 && !parser.got_some();
    if (idle) {
      if (w.stopping || stopping.load(std::memory_order_relaxed)) {
        ec = asio::error::operation_aborted;
        co_return;
      }
      conn->deadline = SteadyClock::now() + milliseconds(options.idle_timeout_ms);
    } else if (!deadline_set) {
      conn->deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
      deadline_set = true;
    }
    if (req.expect_continue && !continue_sent && parser.is_header_done() && req.version >= 11) {
      continue_sent = true;
      co_await asio::async_write(stream, asio::buffer(kContinue.data(), kContinue.size()),
                                 redirect(ec));
      if (ec) co_return;
    }
    if (idle) w.make_idle(conn);
    std::size_t n =
        co_await stream.async_read_some(buffer.prepare(beast::read_size(buffer, 65536)), redirect(ec));
    w.make_busy(conn);
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated)
      ec = idle ? http::error::end_of_stream : http::error::partial_message;
    if (ec) co_return;
    buffer.commit(n);
  }
}

asio::awaitable<bool> Server::Impl::wait_for_budget(Worker& w, BudgetHold& budget,
                                                    std::uint64_t bytes) {
  asio::steady_timer timer(w.ioc);
  beast::error_code ec;
  for (milliseconds waited{0}; waited < kBudgetWait; waited += kBudgetPoll) {
    timer.expires_after(kBudgetPoll);
    co_await timer.async_wait(redirect(ec));
    if (ec || w.stopping) co_return false;
    if (budget.add(bytes)) co_return true;
  }
  co_return false;
}

template <class Stream>
asio::awaitable<void> Server::Impl::write_response(Stream& stream, ConnectionRef conn,
                                                   std::string& head,
                                                   const HttpResponse& response,
                                                   unsigned version, bool keep_alive,
                                                   bool head_only, std::string_view extra_headers,
                                                   beast::error_code& ec) {
  format_head(head, response, version, keep_alive, extra_headers);
  // A client that stops reading cannot hold the connection longer than a slow request.
  conn->deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    // The SSL stream writes one buffer at a time: head and body apart would be two TLS
    // records and two sends. Small bodies join the head; big ones are not copied.
    if (!head_only && response.body.size() <= 16 * 1024) {
      head += response.body;
      co_await asio::async_write(stream, asio::buffer(head), redirect(ec));
      co_return;
    }
  }
  // HEAD: the same head (Content-Length included), no body.
  std::array<asio::const_buffer, 2> buffers{
      asio::buffer(head), head_only ? asio::const_buffer() : asio::buffer(response.body)};
  co_await asio::async_write(stream, buffers, redirect(ec));
}

template <class Stream>
asio::awaitable<std::size_t> Server::Impl::write_stream(Stream& stream, ConnectionRef conn,
                                                        std::string& head, HttpResponse& response,
                                                        unsigned version, bool keep_alive,
                                                        std::string_view extra_headers,
                                                        beast::error_code& ec) {
  const bool chunked = version != 10;
  // Back-pressure must reach the stream: with the kernel's autotuned send buffer (up to
  // 4 MiB on Linux) a reader that stopped reading could hold thousands of events
  // there before any write blocked. Capped, the bound on unsent events means something
  // (and 1,000 open streams cannot pin gigabytes of kernel memory).
  beast::error_code option_ec;
  lowest(stream).set_option(asio::socket_base::send_buffer_size(kStreamSendBuffer), option_ec);
  format_stream_head(head, response, version, keep_alive, extra_headers);
  conn->deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
  co_await asio::async_write(stream, asio::buffer(head), redirect(ec));
  if (ec) co_return 0;
  std::size_t bytes = head.size();
  std::string piece;
  std::string frame;
  for (;;) {
    piece.clear();
    // Waiting for the next events is not idleness: like a long poll, the stream's own
    // timeout bounds it. Each write is bounded as any response's is.
    conn->deadline = SteadyClock::time_point::max();
    const ResponseStream::Next next = co_await response.stream->next(piece);
    if (next == ResponseStream::Next::cut_off) {
      ec = asio::error::operation_aborted;  // close without ending the body
      co_return bytes;
    }
    const bool last = next == ResponseStream::Next::end;
    if (chunked)
      frame_chunk(frame, piece, last);
    else
      frame.swap(piece);
    if (!frame.empty()) {
      conn->deadline = SteadyClock::now() + milliseconds(options.read_timeout_ms);
      co_await asio::async_write(stream, asio::buffer(frame), redirect(ec));
      if (ec) co_return bytes;
      bytes += frame.size();
    }
    if (last) co_return bytes;
  }
}

// On the TCP socket even under TLS: what the client still sends is discarded unread.
asio::awaitable<void> Server::Impl::linger_close(Socket& stream, ConnectionRef conn) {
  beast::error_code ec;
  stream.shutdown(tcp::socket::shutdown_send, ec);
  conn->deadline = SteadyClock::now() + kLingerTime;
  char discard[16 * 1024];
  while (!ec) co_await stream.async_read_some(asio::buffer(discard), redirect(ec));
}

std::optional<HttpResponse> Server::Impl::transport_error(const beast::error_code& ec) const {
  if (ec == http::error::body_limit)
    return error_responder(Errc::too_large, "request body is larger than the server's limit of " +
                                                std::to_string(options.max_body) +
                                                " bytes (--max-body)");
  if (ec == http::error::header_limit) {
    HttpResponse reply = error_responder(Errc::bad_request, "request header is larger than " +
                                                                std::to_string(kHeaderLimit) +
                                                                " bytes");
    reply.status = 431;  // Request Header Fields Too Large
    return reply;
  }
  if (ec == asio::error::no_buffer_space)
    return error_responder(Errc::unavailable,
                           "the server holds too many request bodies at once "
                           "(--max-inflight-bytes " +
                               std::to_string(options.max_inflight_bytes) +
                               "); nothing was changed, retry shortly");
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
  for (auto& c : w.idle) c.socket->cancel(ec);
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
