// The coroutine type of every asynchronous operation: an Asio awaitable. Named for what it
// is, so that it never reads as the domain's "task" (Awaitable<Result<AcquiredTask>>).
#pragma once

#include <utility>  // Boost 1.74's Asio needs this before its headers

#include <boost/asio/awaitable.hpp>

namespace tc {

template <class T>
using Awaitable = boost::asio::awaitable<T>;

}  // namespace tc
