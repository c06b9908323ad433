// A pure, incremental HTTP/1.x response reader: bytes in, "need more" / "done" / error
// out. No sockets here, so it is unit-tested on byte strings. Handles Content-Length,
// chunked and read-until-close bodies (the taskcenter server sends Content-Length, but
// a proxy in between may not).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace taskcenter::detail {

class ResponseReader {
 public:
  enum class Status { need_more, done, error };

  // Appends received bytes and parses as far as possible.
  Status feed(std::string_view bytes);
  // The peer closed the connection: completes a read-until-close body, else an error
  // (unless already done).
  Status finish();

  Status status() const { return status_; }
  const std::string& error() const { return error_; }
  // True once any byte was received (a reused keep-alive connection that the server had
  // already closed fails before this; such requests are safe to retry).
  bool started() const { return received_any_; }

  // Valid when done.
  int http_status() const { return http_status_; }
  // The server allows another request and sent nothing beyond this response.
  bool keep_alive() const { return keep_alive_ && !trailing_bytes_; }
  // For pipelined requests: the server allows another request, and `leftover()` holds the
  // bytes received after this response (the start of the next one).
  bool keep_alive_header() const { return keep_alive_; }
  std::string_view leftover() const {
    return status_ == Status::done ? std::string_view(buffer_).substr(pos_) : std::string_view{};
  }
  std::string& body() { return body_; }
  const std::string& content_type() const { return content_type_; }

 private:
  enum class Stage { head, length_body, chunk_size, chunk_data, chunk_data_crlf, trailers, until_close, done };

  Status parse();
  bool parse_head(std::string_view head);
  Status fail(std::string message);

  std::string buffer_;  // received bytes not yet consumed
  std::size_t pos_ = 0; // parse position in buffer_
  Stage stage_ = Stage::head;
  Status status_ = Status::need_more;
  std::string error_;

  int http_status_ = 0;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  std::size_t content_length_ = 0;
  std::size_t chunk_remaining_ = 0;
  bool trailing_bytes_ = false;
  bool received_any_ = false;
  std::string content_type_;
  std::string body_;
};

}  // namespace taskcenter::detail
