// Keep-alive connections shared by the threads of one Client. A request borrows a
// connection (an idle one, or a new one when all are busy) and gives it back if the
// server allows reuse; at most `max_idle` are kept.
#pragma once

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "http_connection.hpp"
#include "url.hpp"

namespace taskcenter::detail {

class ConnectionPool {
 public:
  ConnectionPool(ServerUrl url, std::size_t max_idle) : url_(std::move(url)), max_idle_(max_idle) {}

  const ServerUrl& url() const { return url_; }

  // One request/response. Retries once on a fresh connection when a reused one turns
  // out to have been closed by the server before it answered.
  HttpResult exchange(std::string_view request, Clock::time_point deadline, Clock::duration connect_timeout,
                      const BodyObserver* on_body = nullptr);
  // Pipelines `requests` on one connection; what the server left unanswered (it closed
  // the connection) is resent on a fresh one. So only for idempotent requests.
  std::vector<HttpResult> exchange_many(std::span<const std::string> requests, Clock::time_point deadline,
                                        Clock::duration connect_timeout);

 private:
  std::unique_ptr<Connection> borrow();
  void give_back(std::unique_ptr<Connection> connection);

  ServerUrl url_;
  std::size_t max_idle_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;  // most recently used last
};

}  // namespace taskcenter::detail
