// The one bridge between hiredis's async API and Boost.Asio: hiredis asks for read /
// write readiness through its ev hooks, we wait on a posix::stream_descriptor that wraps
// (but does not own) the hiredis socket. Shaped like hiredis's adapters/libuv.h.
#pragma once

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/strand.hpp>

struct redisAsyncContext;

namespace tc::redis {

using Strand = boost::asio::strand<boost::asio::any_io_executor>;

// Hooks `ac` to `strand`: every hiredis call it makes (HandleRead/HandleWrite) runs on
// the strand, so the caller must also touch `ac` only on the strand. hiredis owns the fd
// and closes it; on cleanup the descriptor is released, never closed. Returns false if
// the context already has an event library attached.
bool attach_asio(redisAsyncContext* ac, const Strand& strand);

}  // namespace tc::redis
