// A trivial HTTP/1.1 responder: every request gets the same 200 JSON body. It has the
// server's threading model (one io_context per thread, each with its own SO_REUSEPORT
// acceptor) so its throughput is the ceiling of the HTTP path on this machine.
#pragma once

#include <cstdint>

namespace bench {

// Serves until SIGINT/SIGTERM. Port 0 picks a free port; the port in use is printed as
// "listening <port>" on stdout (the tool reads it when it spawns a responder itself).
int serve_trivial(std::uint16_t port, unsigned threads);

}  // namespace bench
