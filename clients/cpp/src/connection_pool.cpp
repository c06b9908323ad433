#include "connection_pool.hpp"

#include "taskcenter/errors.hpp"

namespace taskcenter::detail {

std::unique_ptr<Connection> ConnectionPool::borrow() {
  std::unique_ptr<Connection> found;
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      found = std::move(idle_.back());
      idle_.pop_back();
      if (found->idle_and_open()) break;
      found.reset();  // the server closed it while idle
    }
  }
  if (!found) found = std::make_unique<Connection>(url_);
  return found;
}

void ConnectionPool::give_back(std::unique_ptr<Connection> connection) {
  if (!connection->reusable()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

HttpResult ConnectionPool::exchange(std::string_view request, Clock::time_point deadline,
                                    Clock::duration connect_timeout, const BodyObserver* on_body) {
  auto connection = borrow();
  try {
    HttpResult result = connection->exchange(request, deadline, connect_timeout, on_body);
    give_back(std::move(connection));
    return result;
  } catch (const TransportError&) {
    if (!connection->failed_as_stale()) throw;
  }
  // The server had closed the kept-alive connection before reading our request.
  auto fresh = std::make_unique<Connection>(url_);
  HttpResult result = fresh->exchange(request, deadline, connect_timeout, on_body);
  give_back(std::move(fresh));
  return result;
}

std::vector<HttpResult> ConnectionPool::exchange_many(std::span<const std::string> requests,
                                                      Clock::time_point deadline, Clock::duration connect_timeout) {
  std::vector<HttpResult> results;
  results.reserve(requests.size());
  auto connection = borrow();
  int fresh_connections = 0;
  while (results.size() < requests.size()) {
    try {
      auto part = connection->exchange_many(requests.subspan(results.size()), deadline, connect_timeout);
      for (auto& result : part) results.push_back(std::move(result));
      if (results.size() == requests.size()) break;
    } catch (const TransportError&) {
      if (!connection->failed_as_stale()) throw;
    }
    // A stale kept-alive connection, or the server closed part way: go on on a fresh one.
    if (++fresh_connections > 3) {
      throw TransportError(ErrorCode::transport, 0, "the server keeps closing pipelined connections");
    }
    connection = std::make_unique<Connection>(url_);
  }
  give_back(std::move(connection));
  return results;
}

}  // namespace taskcenter::detail
