// Lets a request that waits (long-poll peek/take, call, a batch window) learn that its
// client has gone away, so that it stops waiting, and above all so that a `take` does
// not lease tasks to a consumer that can no longer receive them (they would sit leased
// until their lease ran out).
//
// The transport owns one per connection; the service uses it only while it waits. Both
// sides run on the connection's thread, so nothing here is synchronised.
#pragma once

#include <functional>
#include <utility>

namespace tc {

class ClientWatch {
 public:
  bool gone() const noexcept { return gone_; }

  // Service: about to wait; `wake` ends the wait early. The first call asks the
  // transport to start watching the connection (requests that never wait cost nothing).
  void on_gone(std::function<void()> wake) {
    wake_ = std::move(wake);
    if (!watching_ && start_) {
      watching_ = true;
      start_();
    }
  }
  // Service: done waiting; `wake` may refer to things about to be destroyed.
  void stop_waiting() noexcept { wake_ = nullptr; }

  // Transport: how to start watching the connection (set once per connection).
  void set_start(std::function<void()> start) { start_ = std::move(start); }
  bool watching() const noexcept { return watching_; }
  // Transport: the client closed or reset the connection.
  void mark_gone() {
    gone_ = true;
    if (wake_) wake_();
  }
  // Transport: the request has been answered; the next one starts afresh.
  void reset() noexcept {
    gone_ = false;
    watching_ = false;
    wake_ = nullptr;
  }

 private:
  bool gone_ = false;
  bool watching_ = false;
  std::function<void()> wake_;
  std::function<void()> start_;
};

// Scope of one wait: registers `wake` and unregisters it on every way out.
class ClientWaitScope {
 public:
  ClientWaitScope(ClientWatch* watch, std::function<void()> wake) : watch_(watch) {
    if (watch_) watch_->on_gone(std::move(wake));
  }
  ~ClientWaitScope() {
    if (watch_) watch_->stop_waiting();
  }
  ClientWaitScope(const ClientWaitScope&) = delete;
  ClientWaitScope& operator=(const ClientWaitScope&) = delete;

 private:
  ClientWatch* watch_;
};

}  // namespace tc
