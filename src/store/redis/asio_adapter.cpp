#include "store/redis/asio_adapter.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <hiredis/async.h>
#include <memory>

namespace tc::redis {
namespace {

// Shared with pending async_wait handlers so a handler that completes after cleanup
// (operation_aborted or a late wake-up) finds `closed` set instead of a freed object.
struct AdapterState {
  explicit AdapterState(const Strand& s, int fd) : strand(s), descriptor(s, fd) {}
  Strand strand;
  boost::asio::posix::stream_descriptor descriptor;
  redisAsyncContext* ac = nullptr;
  bool want_read = false;
  bool want_write = false;
  bool read_armed = false;
  bool write_armed = false;
  bool flush_posted = false;
  bool closed = false;
};

// What hiredis holds in ev.data: owns one reference to the state until cleanup.
struct Holder {
  std::shared_ptr<AdapterState> state;
};

void arm_read(const std::shared_ptr<AdapterState>& st);
void arm_write(const std::shared_ptr<AdapterState>& st);

void arm_read(const std::shared_ptr<AdapterState>& st) {
  if (st->read_armed || st->closed) return;
  st->read_armed = true;
  st->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                            [st](const boost::system::error_code& ec) {
                              st->read_armed = false;
                              if (st->closed || ec) return;
                              if (st->want_read) redisAsyncHandleRead(st->ac);
                              // HandleRead may have freed the context (cleanup sets closed).
                              if (!st->closed && st->want_read) arm_read(st);
                            });
}

void arm_write(const std::shared_ptr<AdapterState>& st) {
  if (st->write_armed || st->closed) return;
  st->write_armed = true;
  st->descriptor.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                            [st](const boost::system::error_code& ec) {
                              st->write_armed = false;
                              if (st->closed || ec) return;
                              if (st->want_write) redisAsyncHandleWrite(st->ac);
                              if (!st->closed && st->want_write) arm_write(st);
                            });
}

void on_add_read(void* data) {
  auto& st = static_cast<Holder*>(data)->state;
  st->want_read = true;
  arm_read(st);
}
void on_del_read(void* data) { static_cast<Holder*>(data)->state->want_read = false; }
// Once connected, a socket is nearly always writable: rather than wait for the reactor to
// say so (an epoll_ctl and a trip through epoll_wait per batch of commands), write what
// hiredis buffered right after the handlers already queued on the strand have run, so the
// commands they add go out in the same write. Only a write that could not finish
// (EAGAIN: hiredis still wants to write) waits for writability.
void flush(const std::shared_ptr<AdapterState>& st) {
  if (st->flush_posted || st->closed) return;
  st->flush_posted = true;
  boost::asio::post(st->strand, [st] {
    st->flush_posted = false;
    if (st->closed || !st->want_write) return;
    redisAsyncHandleWrite(st->ac);
    if (!st->closed && st->want_write) arm_write(st);
  });
}

void on_add_write(void* data) {
  auto& st = static_cast<Holder*>(data)->state;
  st->want_write = true;
  // Before the connect completes, writability is how hiredis learns that it did.
  if (st->ac != nullptr && (st->ac->c.flags & REDIS_CONNECTED) != 0) {
    flush(st);
  } else {
    arm_write(st);
  }
}
void on_del_write(void* data) { static_cast<Holder*>(data)->state->want_write = false; }

void on_cleanup(void* data) {
  auto* holder = static_cast<Holder*>(data);
  auto& st = holder->state;
  st->closed = true;
  st->want_read = st->want_write = false;
  boost::system::error_code ignored;
  st->descriptor.cancel(ignored);
  // hiredis closes the fd after cleanup: give it back so Asio never closes it too.
  (void)st->descriptor.release();
  st->ac = nullptr;
  delete holder;
}

}  // namespace

bool attach_asio(redisAsyncContext* ac, const Strand& strand) {
  if (ac->ev.data != nullptr) return false;
  auto* holder = new Holder{std::make_shared<AdapterState>(strand, ac->c.fd)};
  holder->state->ac = ac;
  ac->ev.data = holder;
  ac->ev.addRead = on_add_read;
  ac->ev.delRead = on_del_read;
  ac->ev.addWrite = on_add_write;
  ac->ev.delWrite = on_del_write;
  ac->ev.cleanup = on_cleanup;
  return true;
}

}  // namespace tc::redis
