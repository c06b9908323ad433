// The transport on its own: a real Server on a loopback port with a fake handler,
// driven by raw sockets, so keep-alive, pipelining, limits, timeouts and graceful
// shutdown are checked without the API or the store.
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <thread>

// GCC 12 with -fsanitize=address reports a false -Wmismatched-new-delete on Asio's
// coroutine frame allocator (operator new/delete are a matching pair in awaitable.hpp).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace tc {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

HttpResponse fake_error(Errc code, std::string_view message) {
  HttpResponse r;
  r.status = errc_http_status(code);
  r.body = std::string("{\"err_code\":\"") + std::string(errc_wire_code(code)) +
           "\",\"message\":\"" + std::string(message) + "\"}";
  return r;
}

// Echoes the request; "/wait" blocks until `release` is set (a long-poll stand-in).
struct FakeApi {
  std::atomic<bool> release{false};
  std::atomic<int> waiting{0};

  Awaitable<HttpResponse> handle(HttpRequest req) {
    if (req.target == "/wait") {
      ++waiting;
      asio::steady_timer timer(co_await asio::this_coro::executor);
      while (!release.load()) {
        timer.expires_after(std::chrono::milliseconds(5));
        boost::system::error_code ec;
        co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      --waiting;
    }
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = std::string(req.method) + " " + std::string(req.target) + " [" +
             std::string(req.body) + "] auth=" + std::string(req.authorization);
    co_return r;
  }
};

struct Response {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  bool has_header(std::string_view line) const { return head.find(line) != std::string::npos; }
};

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(ioc_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    // A safety net so a broken server fails the test instead of hanging it.
    timeval tv{10, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }
  // One response (Content-Length framed); status 0 if the connection closed first.
  Response read(bool head_only = false) {
    Response r;
    boost::system::error_code ec;
    std::size_t n = asio::read_until(socket_, asio::dynamic_buffer(buf_), "\r\n\r\n", ec);
    if (ec) return r;
    r.head = buf_.substr(0, n);
    buf_.erase(0, n);
    r.status = std::stoi(r.head.substr(9, 3));
    std::size_t length = 0;
    if (auto p = r.head.find("Content-Length: "); p != std::string::npos && !head_only)
      length = std::stoul(r.head.substr(p + 16));
    if (buf_.size() < length)
      asio::read(socket_, asio::dynamic_buffer(buf_), asio::transfer_exactly(length - buf_.size()), ec);
    r.body = buf_.substr(0, length);
    buf_.erase(0, std::min(length, buf_.size()));
    return r;
  }
  // True when the server closed the connection (EOF or reset) rather than answering.
  bool closed_by_server() {
    char c;
    boost::system::error_code ec;
    std::size_t n = buf_.empty() ? socket_.read_some(asio::buffer(&c, 1), ec) : 1;
    return n == 0 && (ec == asio::error::eof || ec == asio::error::connection_reset);
  }

 private:
  asio::io_context ioc_;
  tcp::socket socket_;
  std::string buf_;
};

// With Content-Type: application/json, which the transport asks of /task/* requests.
std::string post(std::string_view target, std::string_view body, std::string_view extra = "") {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + std::string(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    options.handle_signals = false;
    if (options.threads == 0) options.threads = 2;
    server_ = std::make_unique<Server>(
        options, [this](HttpRequest r) { return api_.handle(r); }, &fake_error);
    auto listening = server_->listen();
    ASSERT_TRUE(listening.ok()) << listening.error().message;
    server_->on_shutdown([this] {
      ++shutdown_hook_calls_;
      api_.release = true;
    });
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::uint16_t port() const { return server_->port(); }

  FakeApi api_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  std::atomic<int> shutdown_hook_calls_{0};
};

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  Client c(port());
  for (int i = 0; i < 3; ++i) {
    c.send(post("/task/put", "{\"n\":" + std::to_string(i) + "}", "Authorization: Bearer t\r\n"));
    Response r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /task/put [{\"n\":" + std::to_string(i) + "}] auth=Bearer t");
    EXPECT_TRUE(r.has_header("Server: taskcenter\r\n"));
    EXPECT_TRUE(r.has_header("Content-Type: text/plain\r\n"));
    EXPECT_FALSE(r.has_header("Connection: close"));
  }
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  Client c(port());
  c.send(post("/a", "1") + post("/b", "2") + "GET /c HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read().body, "POST /a [1] auth=");
  EXPECT_EQ(c.read().body, "POST /b [2] auth=");
  EXPECT_EQ(c.read().body, "GET /c [] auth=");
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  start();
  {
    Client c(port());
    c.send("GET /x HTTP/1.0\r\n\r\n");
    Response r = c.read();
    EXPECT_EQ(r.status, 200);
    EXPECT_TRUE(r.head.rfind("HTTP/1.0 200", 0) == 0) << r.head;
    EXPECT_TRUE(c.closed_by_server());
  }
  {
    Client c(port());
    c.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    Response r = c.read();
    EXPECT_TRUE(r.has_header("Connection: keep-alive"));
    c.send("GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(c.read().body, "GET /y [] auth=");
  }
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  Client c(port());
  c.send(post("/a", "", "Connection: close\r\n"));
  Response r = c.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_header("Connection: close"));
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, OversizeBodyGets413AndClose) {
  ServerOptions options;
  options.max_body = 1024;
  start(options);
  Client c(port());
  c.send(post("/task/put", std::string(2000, 'x')));
  Response r = c.read();
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("\"0003\""), std::string::npos);
  EXPECT_TRUE(r.has_header("Connection: close"));
  EXPECT_TRUE(c.closed_by_server());

  // A body exactly at the limit is fine.
  Client ok(port());
  ok.send(post("/task/put", std::string(1024, 'y')));
  EXPECT_EQ(ok.read().status, 200);
}

TEST_F(ServerTest, MalformedHttpGets400AndClose) {
  start();
  Client c(port());
  c.send("POST /x HTTP/1.1\r\nContent-Length: abc\r\n\r\n");
  Response r = c.read();
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("\"0002\""), std::string::npos);
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, ExpectContinueIsAnswered) {
  start();
  Client c(port());
  c.send("POST /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  Response interim = c.read();
  EXPECT_EQ(interim.status, 100);
  c.send("abc");
  EXPECT_EQ(c.read().body, "POST /e [abc] auth=");
}

TEST_F(ServerTest, BodyArrivingInPiecesIsAssembled) {
  start();
  Client c(port());
  c.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Le");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  c.send("ngth: 10\r\n\r\n01234");
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  c.send("56789" + post("/q", "next"));
  EXPECT_EQ(c.read().body, "POST /p [0123456789] auth=");
  EXPECT_EQ(c.read().body, "POST /q [next] auth=");
}

TEST_F(ServerTest, ChunkedBodyIsAssembledAndLimited) {
  ServerOptions options;
  options.max_body = 1024;
  start(options);
  Client c(port());
  c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
         "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
  EXPECT_EQ(c.read().body, "POST /c [abcdefg] auth=");

  Client big(port());
  big.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           "400\r\n" + std::string(1024, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n");
  EXPECT_EQ(big.read().status, 413);
  EXPECT_TRUE(big.closed_by_server());
}

TEST_F(ServerTest, HeadGetsTheHeadWithoutTheBody) {
  start();
  Client c(port());
  c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n");
  Response r = c.read(/*head_only=*/true);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_header("Content-Length: 16\r\n"));  // "HEAD /h [] auth="
  c.send("GET /g HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c.read().body, "GET /g [] auth=");  // nothing of the HEAD body in between
}

TEST_F(ServerTest, OversizeHeaderGets431) {
  start();
  Client c(port());
  c.send("GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  Response r = c.read();
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("\"0002\""), std::string::npos);
}

TEST_F(ServerTest, IdleConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout_ms = 50;
  start(options);
  Client c(port());
  c.send(post("/a", ""));
  EXPECT_EQ(c.read().status, 200);
  EXPECT_TRUE(c.closed_by_server());  // silent after the response
}

TEST_F(ServerTest, SlowHeaderIsCutByTheReadTimeout) {
  ServerOptions options;
  options.read_timeout_ms = 50;
  start(options);
  Client c(port());
  c.send("POST /a HTTP/1.1\r\nHost: x\r\n");  // never finishes the header
  EXPECT_TRUE(c.closed_by_server());
}

TEST_F(ServerTest, LongPollIsNotCutByReadTimeouts) {
  ServerOptions options;
  options.read_timeout_ms = 20;
  options.idle_timeout_ms = 20;
  start(options);
  Client c(port());
  c.send(post("/wait", ""));
  while (api_.waiting.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // several timeouts' worth
  api_.release = true;
  EXPECT_EQ(c.read().status, 200);
}

TEST_F(ServerTest, BusyConnectionsAboveTheLimitAreClosed) {
  ServerOptions options;
  options.max_connections = 1;
  options.threads = 1;
  start(options);
  Client first(port());
  first.send(post("/wait", ""));
  while (api_.waiting.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Client second(port());
  EXPECT_TRUE(second.closed_by_server());  // nothing idle to close in its place
  api_.release = true;
  EXPECT_EQ(first.read().status, 200);
}

TEST_F(ServerTest, AnIdleConnectionGivesWayAtTheLimit) {
  ServerOptions options;
  options.max_connections = 1;
  options.threads = 1;
  start(options);
  Client first(port());
  first.send(post("/a", ""));
  EXPECT_EQ(first.read().status, 200);
  Client second(port());  // closes `first`, idle since its answer
  second.send(post("/b", ""));
  EXPECT_EQ(second.read().status, 200);
  EXPECT_TRUE(first.closed_by_server());
}

TEST_F(ServerTest, ConnectionsPerClientAddressAreLimited) {
  ServerOptions options;
  options.max_connections_per_client = 1;
  start(options);
  Client first(port());
  first.send(post("/a", ""));
  EXPECT_EQ(first.read().status, 200);
  Client second(port());
  EXPECT_TRUE(second.closed_by_server());
  first.send(post("/b", ""));
  EXPECT_EQ(first.read().status, 200);
}

TEST_F(ServerTest, SecondServerOnTheSamePortFails) {
  start();
  ServerOptions options;
  options.port = port();
  options.handle_signals = false;
  Server other(options, [this](HttpRequest r) { return api_.handle(r); }, &fake_error);
  auto listening = other.listen();
  ASSERT_FALSE(listening.ok());
  EXPECT_NE(listening.error().message.find("already in use"), std::string::npos);
}

TEST_F(ServerTest, GracefulStopAnswersInFlightAndClosesIdle) {
  start();
  Client idle(port());
  idle.send(post("/a", ""));
  EXPECT_EQ(idle.read().status, 200);

  Client busy(port());
  busy.send(post("/wait", ""));
  while (api_.waiting.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  server_->stop();  // the hook releases the waiting handler, as TaskService::shutdown does
  Response r = busy.read();
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.has_header("Connection: close"));
  EXPECT_TRUE(busy.closed_by_server());
  EXPECT_TRUE(idle.closed_by_server());
  thread_.join();  // run() returns once everything drained
  EXPECT_EQ(shutdown_hook_calls_.load(), 1);
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(ServerTest, ShutdownTimeoutBoundsTheDrain) {
  ServerOptions options;
  options.shutdown_timeout_ms = 50;
  start(options);
  server_->on_shutdown([] {});  // this time nothing wakes the waiting handler
  Client busy(port());
  busy.send(post("/wait", ""));
  while (api_.waiting.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  server_->stop();
  thread_.join();  // returns although the handler never finished
  SUCCEED();
}

}  // namespace
}  // namespace tc
