// One keep-alive HTTP/1.1 connection over a plain POSIX TCP socket. Not thread-safe: the
// pool hands a connection to one request at a time.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "url.hpp"

namespace taskcenter::detail {

using Clock = std::chrono::steady_clock;

struct HttpResult {
  int status = 0;
  std::string body;
};

// Called as a response's body grows (a streamed answer): may consume the front of the
// body (the lines it has handled).
using BodyObserver = std::function<void(std::string& body)>;

class Connection {
 public:
  explicit Connection(const ServerUrl& url) : url_(url) {}
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects if needed, writes `request` (a complete HTTP request), reads the response.
  // Throws TransportError on connect/IO failures and timeouts, ProtocolError on a
  // response that is not HTTP.
  HttpResult exchange(std::string_view request, Clock::time_point deadline, Clock::duration connect_timeout,
                      const BodyObserver* on_body = nullptr);

  // HTTP/1.1 pipelining: writes every request, then reads the responses in order. Returns
  // fewer results than requests when the server closed the connection part way (the
  // rest were not answered and may be resent); throws like exchange() when not even
  // the first response arrived. Requests must be small enough that the server's
  // answers fit in the socket buffers while we are still writing (a few hundred).
  std::vector<HttpResult> exchange_many(std::span<const std::string> requests, Clock::time_point deadline,
                                        Clock::duration connect_timeout);

  // After exchange() threw: true if the connection had served a request before and the
  // failure came before any response byte. The server most likely closed the idle
  // connection, so the request can be retried on a fresh one.
  bool failed_as_stale() const { return failed_as_stale_; }
  // After exchange() returned: the server allows another request on this connection.
  bool reusable() const { return fd_ >= 0 && keep_alive_; }
  // Cheap check before reuse: false if the server closed the idle connection.
  bool idle_and_open() const;

 private:
  void connect(Clock::time_point deadline);
  // Receives until `reader` is done or failed (EOF is handed to the reader).
  void receive(class ResponseReader& reader, Clock::time_point deadline,
               const BodyObserver* on_body = nullptr);
  void close();
  void send_all(std::string_view data, Clock::time_point deadline);
  // Waits for `events` on the socket; throws TransportError at the deadline.
  void wait_for(short events, Clock::time_point deadline, const char* what);

  const ServerUrl& url_;
  int fd_ = -1;
  bool used_ = false;  // served at least one complete exchange
  bool keep_alive_ = false;
  bool failed_as_stale_ = false;
};

}  // namespace taskcenter::detail
