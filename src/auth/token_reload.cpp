#include "auth/token_reload.hpp"

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>

namespace tc {

struct TokenReloadOnSighup::Impl {
  Impl(boost::asio::any_io_executor executor, std::shared_ptr<AccessControl> access_control)
      : signals(executor, SIGHUP), access(std::move(access_control)) {}

  void wait() {
    signals.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;  // cancelled: shutting down
      auto reloaded = access->reload();
      if (reloaded)
        std::cerr << "taskcenter: SIGHUP: re-read " << access->token_file() << ": " << *reloaded
                  << " tokens in force" << std::endl;
      else
        std::cerr << "taskcenter: SIGHUP: " << reloaded.error().message << "; keeping the "
                  << access->tokens() << " tokens in force" << std::endl;
      wait();
    });
  }

  boost::asio::signal_set signals;
  std::shared_ptr<AccessControl> access;
};

TokenReloadOnSighup::TokenReloadOnSighup(boost::asio::any_io_executor executor,
                                         std::shared_ptr<AccessControl> access)
    : impl_(std::make_unique<Impl>(std::move(executor), std::move(access))) {
  impl_->wait();
}

TokenReloadOnSighup::~TokenReloadOnSighup() { stop(); }

void TokenReloadOnSighup::stop() {
  boost::system::error_code ignored;
  impl_->signals.cancel(ignored);
}

}  // namespace tc
