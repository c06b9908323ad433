// The HTTP transport: listeners, connections, timeouts, limits and graceful shutdown.
// It knows no API rules: every parsed request goes to a RequestHandler (the Api).
// Beast and Asio's heavy headers stay in server.cpp; this header is cheap to include.
#pragma once

#include <utility>  // Boost 1.74's Asio needs this before its headers

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "http/api.hpp"

namespace tc {

class RequestLog;  // http/request_log.hpp

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;                 // 0 = a free port; see Server::port()
  unsigned threads = 1;                      // one io_context + acceptor (SO_REUSEPORT) each
  std::uint64_t max_body = 16ull << 20;      // larger bodies: 0003 / 413, then close
  std::uint32_t max_connections = 10'000;    // above it: accept, then close at once
  std::int64_t idle_timeout_ms = 60'000;     // keep-alive connection waiting for a request
  std::int64_t read_timeout_ms = 30'000;     // one request's header + body (and one write)
  std::int64_t shutdown_timeout_ms = 10'000; // drain bound after SIGINT/SIGTERM or stop()
  bool handle_signals = true;                // SIGINT/SIGTERM start a graceful shutdown
  std::vector<std::string> cors_origins;     // normalized origins allowed to call /task/*
  std::uint32_t max_connections_per_client = 1000;  // per client address; 0 = no limit
  std::uint64_t max_inflight_bytes = 256ull << 20;  // request bodies held at once; 0 = none
  std::string tls_cert_file;                 // both set: the listener speaks HTTPS only
  std::string tls_key_file;
  RequestLog* request_log = nullptr;         // told of every answered request; may be null
};

// Turns a parsed request into a response. Called on the connection's thread; the
// request's views stay valid until the returned awaitable completes.
using RequestHandler = std::function<Awaitable<HttpResponse>(HttpRequest)>;
// Builds the API-envelope response for errors the transport detects (413, 400), and
// counts them where the API counts its own. Called on the connection's thread.
using ErrorResponder = std::function<HttpResponse(Errc, std::string_view)>;

class Server {
 public:
  Server(ServerOptions options, RequestHandler handler, ErrorResponder error_responder);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds one listening socket per thread. Error (unavailable) when the address is
  // invalid or the port is already in use, with a message that says which.
  Result<void> listen();
  // The bound port (useful with port 0); valid after listen().
  std::uint16_t port() const noexcept;
  // The first thread's executor (for the service's reaper).
  boost::asio::any_io_executor executor() const;
  // Called once, on the first thread, when a graceful shutdown begins: the place to
  // wake long-polls (TaskService::shutdown) so they answer and their connections close.
  void on_shutdown(std::function<void()> hook);

  // Serves on `threads` threads (the caller's is the first) until shutdown has
  // drained or its timeout ran out.
  void run();
  // Starts a graceful shutdown: stop accepting, let in-flight requests finish and
  // answer with Connection: close, close idle connections. Thread-safe, idempotent.
  void stop();

  // Open connections now (for /metrics and tests).
  std::uint64_t connections() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc
