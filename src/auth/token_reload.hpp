// Re-reads the token file on SIGHUP (the habit of nginx and sshd), on the server's own
// executor: a reload with a malformed line keeps the table in force and logs why.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>
#include <utility>  // Boost 1.74's Asio needs this before its headers

#include "auth/access_control.hpp"

namespace tc {

class TokenReloadOnSighup {
 public:
  TokenReloadOnSighup(boost::asio::any_io_executor executor, std::shared_ptr<AccessControl> access);
  ~TokenReloadOnSighup();
  TokenReloadOnSighup(const TokenReloadOnSighup&) = delete;
  TokenReloadOnSighup& operator=(const TokenReloadOnSighup&) = delete;

  // Stops listening for SIGHUP (at shutdown, so the executor has nothing left to wait for).
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc
