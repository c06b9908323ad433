#include "chunked.hpp"

#include <charconv>

namespace bench {

ChunkedDecoder::State ChunkedDecoder::feed(std::string_view bytes, std::string& out) {
  if (ended_) return State::ended;
  buffer_.append(bytes);
  std::string_view rest(buffer_);
  State state = State::more;
  while (!rest.empty()) {
    if (left_ > 0) {
      std::size_t n = rest.size() < left_ ? rest.size() : left_;
      out.append(rest.substr(0, n));
      rest.remove_prefix(n);
      left_ -= n;
      if (left_ == 0) after_chunk_ = true;
      continue;
    }
    if (after_chunk_) {  // the CRLF that ends every chunk's payload
      if (rest.size() < 2) break;
      if (!rest.starts_with("\r\n")) return state = State::error;
      rest.remove_prefix(2);
      after_chunk_ = false;
      continue;
    }
    std::size_t eol = rest.find("\r\n");  // "hex[;extension]\r\n"
    if (eol == std::string_view::npos) {
      if (rest.size() > 1024) return State::error;
      break;
    }
    std::string_view size_text = rest.substr(0, eol);
    if (std::size_t semi = size_text.find(';'); semi != std::string_view::npos) {
      size_text = size_text.substr(0, semi);
    }
    std::size_t size = 0;
    auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || end != size_text.data() + size_text.size()) {
      return State::error;
    }
    rest.remove_prefix(eol + 2);
    if (size == 0) {  // the last chunk; trailers, if any, are not read
      ended_ = true;
      state = State::ended;
      break;
    }
    left_ = size;
  }
  buffer_.erase(0, buffer_.size() - rest.size());
  return state;
}

}  // namespace bench
