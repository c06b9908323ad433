#include "trivial_server.hpp"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "http_wire.hpp"

namespace bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using reuse_port = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr std::string_view kResponse =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 31\r\n\r\n"
    "{\"err_code\":\"0000\",\"data\":true}";

asio::awaitable<void> session(tcp::socket socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::vector<char> in(16 << 10);
  std::size_t len = 0;
  for (;;) {
    MessageHead head;
    Parse parsed = parse_request_head(std::string_view(in.data(), len), head);
    if (parsed == Parse::error) co_return;
    if (parsed == Parse::done && len >= head.total()) {
      co_await asio::async_write(socket, asio::buffer(kResponse.data(), kResponse.size()),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || head.close) co_return;
      std::memmove(in.data(), in.data() + head.total(), len - head.total());
      len -= head.total();
      continue;
    }
    std::size_t need = parsed == Parse::done ? head.total() : len + 4096;
    if (in.size() < need) in.resize(std::max(need, in.size() * 2));
    std::size_t n = co_await socket.async_read_some(asio::buffer(in.data() + len, in.size() - len),
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    len += n;
  }
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      continue;  // e.g. EMFILE: keep serving the connections we have
    }
    asio::co_spawn(acceptor.get_executor(), session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int serve_trivial(std::uint16_t port, unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);
  for (unsigned i = 0; i < threads; ++i) {
    contexts.push_back(std::make_unique<asio::io_context>(1));
    auto acceptor = std::make_unique<tcp::acceptor>(*contexts.back());
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->set_option(reuse_port(true));
    acceptor->bind(endpoint);
    acceptor->listen(asio::socket_base::max_listen_connections);
    endpoint = acceptor->local_endpoint();  // the later acceptors share the picked port
    acceptors.push_back(std::move(acceptor));
  }
  std::printf("listening %u\n", unsigned(endpoint.port()));
  std::fflush(stdout);

  asio::signal_set signals(*contexts[0], SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    for (auto& c : contexts) c->stop();
  });
  for (unsigned i = 0; i < threads; ++i) {
    asio::co_spawn(*contexts[i], accept_loop(*acceptors[i]), asio::detached);
  }
  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&, i] { contexts[i]->run(); });
  contexts[0]->run();
  for (auto& c : contexts) c->stop();
  for (auto& w : workers) w.join();
  return 0;
}

}  // namespace bench
