#include "http_connection.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "http_response.hpp"
#include "taskcenter/errors.hpp"

namespace taskcenter::detail {
namespace {

[[noreturn]] void transport_error(std::string what, int err = 0) {
  if (err != 0) what += std::string(": ") + std::strerror(err);
  throw TransportError(ErrorCode::transport, 0, std::move(what));
}

int poll_timeout_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1'000'000'000 ? 1'000'000'000 : static_cast<int>(left);
}

}  // namespace

Connection::~Connection() { close(); }

void Connection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  used_ = false;
}

void Connection::wait_for(short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    pollfd p{fd_, events, 0};
    int timeout = poll_timeout_ms(deadline);
    int n = ::poll(&p, 1, timeout);
    if (n > 0) return;  // ready, or an error the next syscall will report
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) transport_error(std::string(what) + " failed", errno);
    if (Clock::now() >= deadline) transport_error(std::string(what) + " timed out");
  }
}

void Connection::connect(Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(url_.host.c_str(), url_.port.c_str(), &hints, &found);
  if (rc != 0) transport_error("cannot resolve " + url_.host + ": " + ::gai_strerror(rc));

  std::string last_error = "no address for " + url_.host;
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      last_error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    int one = 1;
    // Requests are small and latency-bound: do not let Nagle hold them back.
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int err = 0;
    if (::connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      err = errno;
      if (err == EINPROGRESS) {
        fd_ = fd;
        try {
          wait_for(POLLOUT, deadline, "connect");
        } catch (const TransportError&) {
          fd_ = -1;
          ::close(fd);
          ::freeaddrinfo(found);
          throw;
        }
        fd_ = -1;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      }
    }
    if (err == 0) {
      ::freeaddrinfo(found);
      fd_ = fd;
      used_ = false;
      return;
    }
    last_error = "connect to " + url_.host_header + ": " + std::strerror(err);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  transport_error(last_error);
}

void Connection::send_all(std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_for(POLLOUT, deadline, "send");
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else {
      transport_error("send to " + url_.host_header, errno);
    }
  }
}

bool Connection::idle_and_open() const {
  if (fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  int n = ::poll(&p, 1, 0);
  // Readable while idle means EOF, a reset or unsolicited bytes: none is reusable.
  return n == 0;
}

void Connection::receive(ResponseReader& reader, Clock::time_point deadline,
                         const BodyObserver* on_body) {
  char buf[64 * 1024];
  while (reader.status() == ResponseReader::Status::need_more) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      reader.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      if (on_body && reader.status() != ResponseReader::Status::error) (*on_body)(reader.body());
    } else if (n == 0) {
      reader.finish();
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      wait_for(POLLIN, deadline, "waiting for the response");
    } else if (errno != EINTR) {
      transport_error("receive from " + url_.host_header, errno);
    }
  }
}

HttpResult Connection::exchange(std::string_view request, Clock::time_point deadline,
                                Clock::duration connect_timeout, const BodyObserver* on_body) {
  failed_as_stale_ = false;
  keep_alive_ = false;
  bool reused = fd_ >= 0 && used_;
  if (fd_ < 0) connect(std::min(deadline, Clock::now() + connect_timeout));

  ResponseReader reader;
  try {
    send_all(request, deadline);
    receive(reader, deadline, on_body);
  } catch (const TransportError&) {
    failed_as_stale_ = reused && !reader.started();
    close();
    throw;
  }
  if (reader.status() == ResponseReader::Status::error) {
    failed_as_stale_ = reused && !reader.started();
    close();
    if (!reader.started()) transport_error("connection closed by " + url_.host_header + " before a response");
    throw ProtocolError(ErrorCode::protocol, 0, "unreadable response from " + url_.host_header + ": " + reader.error());
  }
  keep_alive_ = reader.keep_alive();
  if (keep_alive_) {
    used_ = true;
  } else {
    close();
  }
  return HttpResult{reader.http_status(), std::move(reader.body())};
}

std::vector<HttpResult> Connection::exchange_many(std::span<const std::string> requests, Clock::time_point deadline,
                                                  Clock::duration connect_timeout) {
  failed_as_stale_ = false;
  keep_alive_ = false;
  bool reused = fd_ >= 0 && used_;
  if (fd_ < 0) connect(std::min(deadline, Clock::now() + connect_timeout));

  std::string all;
  for (const auto& request : requests) all += request;
  std::vector<HttpResult> results;
  std::string carry;  // bytes of the next response that arrived with the previous one
  bool received_any = false;
  try {
    send_all(all, deadline);
    while (results.size() < requests.size()) {
      ResponseReader reader;
      if (!carry.empty()) reader.feed(carry);
      receive(reader, deadline);
      received_any = received_any || reader.started();
      if (reader.status() == ResponseReader::Status::error) {
        if (!reader.started() && !results.empty()) break;  // closed after a response: resend the rest
        failed_as_stale_ = reused && !received_any;
        close();
        if (!reader.started()) transport_error("connection closed by " + url_.host_header + " before a response");
        throw ProtocolError(ErrorCode::protocol, 0, "unreadable response from " + url_.host_header + ": " + reader.error());
      }
      results.push_back(HttpResult{reader.http_status(), std::move(reader.body())});
      carry = std::string(reader.leftover());
      if (!reader.keep_alive_header()) break;
    }
  } catch (const TransportError&) {
    if (results.empty()) {
      failed_as_stale_ = reused && !received_any;
      close();
      throw;
    }
  }
  keep_alive_ = results.size() == requests.size() && carry.empty() && fd_ >= 0;
  if (keep_alive_) {
    used_ = true;
  } else {
    close();
  }
  return results;
}

}  // namespace taskcenter::detail
