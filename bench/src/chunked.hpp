// The body of an HTTP/1.1 chunked response, decoded as bytes arrive: the stream scenario
// reads a /task/watch stream with it. Pure (bytes in, payload out), so it is unit-tested
// without sockets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

class ChunkedDecoder {
 public:
  enum class State { more, ended, error };

  // Decodes what it can of `bytes` (the body only, after the response head), appending
  // chunk payloads to `out`; keeps an incomplete chunk header or trailer for the next call.
  State feed(std::string_view bytes, std::string& out);

 private:
  std::string buffer_;       // bytes of a size line or a chunk's CRLF not yet complete
  std::size_t left_ = 0;     // payload bytes of the current chunk still to come
  bool after_chunk_ = false; // a payload ended: its CRLF comes next
  bool ended_ = false;
};

}  // namespace bench
