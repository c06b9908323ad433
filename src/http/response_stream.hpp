// A streamed response body, as the transport sees it: the session pulls pieces from it
// and writes each as one HTTP/1.1 chunk (docs/protocol.md, "Progress and streamed
// results"). Transport-neutral: the source knows nothing of sockets, the transport
// nothing of what the pieces say.
//
// Back-pressure comes from the pull: the session asks for the next piece only once the
// last one was written, so a source holds what its reader has not taken yet, and
// decides (bounded) when a reader has fallen too far behind: then it answers cut_off
// and the connection is closed without ending the chunked body, so the client sees an
// incomplete stream (and resumes with watch/after).
#pragma once

#include <string>
#include <string_view>

#include "core/awaitable.hpp"

namespace tc {

class ResponseStream {
 public:
  enum class Next {
    more,     // `out` holds a piece; ask again after writing it
    end,      // `out` holds the last piece (maybe empty); end the body normally
    cut_off,  // close the connection now, without ending the body (the reason is logged)
  };
  virtual ~ResponseStream() = default;
  // Appends the next piece to `out` (empty on entry), waiting until there is one. Runs
  // on the connection's thread; the session is not writing meanwhile.
  virtual Awaitable<Next> next(std::string& out) = 0;
};

}  // namespace tc
