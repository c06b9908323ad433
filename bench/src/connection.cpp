#include "connection.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstring>

namespace bench {

HttpConnection::HttpConnection(asio::io_context& context, const Target& target, std::size_t buffer)
    : socket_(context), target_(target), in_(buffer) {}

bool HttpConnection::fail(std::string what) {
  error_ = std::move(what);
  close();
  return false;
}

void HttpConnection::close() {
  boost::system::error_code ignored;
  socket_.close(ignored);
  open_ = false;
  in_len_ = 0;
  consumed_ = 0;
}

std::string_view HttpConnection::response_body() const {
  return std::string_view(in_.data() + head_.head_size, head_.content_length);
}

asio::awaitable<bool> HttpConnection::connect() {
  close();
  boost::system::error_code ec;
  co_await socket_.async_connect(target_.endpoint, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("connect: " + ec.message());
  socket_.set_option(tcp::no_delay(true), ec);
  open_ = true;
  co_return true;
}

asio::awaitable<bool> HttpConnection::request(std::string_view method, std::string_view path,
                                              std::string_view body) {
  if (!open_ && !co_await connect()) co_return false;
  if (consumed_ > 0) {
    std::memmove(in_.data(), in_.data() + consumed_, in_len_ - consumed_);
    in_len_ -= consumed_;
    consumed_ = 0;
  }
  out_.clear();
  write_request(out_, method, path, target_.host, body);
  boost::system::error_code ec;
  co_await asio::async_write(socket_, asio::buffer(out_), asio::redirect_error(asio::use_awaitable, ec));
  if (ec) co_return fail("write: " + ec.message());
  for (;;) {
    Parse parsed = parse_response_head(std::string_view(in_.data(), in_len_), head_);
    if (parsed == Parse::error) co_return fail("unparsable response");
    if (parsed == Parse::done && in_len_ >= head_.total()) break;
    std::size_t need = parsed == Parse::done ? head_.total() : in_len_ + 4096;
    if (in_.size() < need) in_.resize(std::max(need, in_.size() * 2));
    std::size_t n = co_await socket_.async_read_some(
        asio::buffer(in_.data() + in_len_, in_.size() - in_len_),
        asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail("read: " + ec.message());
    in_len_ += n;
  }
  consumed_ = head_.total();
  if (head_.close) {
    // Keep the buffer (the body view stays valid) but reconnect before the next request.
    boost::system::error_code ignored;
    socket_.close(ignored);
    open_ = false;
    in_len_ = consumed_;
  }
  co_return true;
}

bool is_ok_envelope(std::string_view body) {
  return body.find("\"err_code\":\"0000\"") != std::string_view::npos;
}

}  // namespace bench
