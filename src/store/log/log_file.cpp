#include "store/log/log_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace tc::log {
namespace {

std::error_code last_error() { return std::error_code(errno, std::generic_category()); }
std::error_code error_of(int code) { return std::error_code(code, std::generic_category()); }

// Space is reserved in steps of this much: one posix_fallocate per ~25k small records.
constexpr std::uint64_t kReserveStep = 4ull << 20;
// The first mapping covers a whole default segment; it grows (mremap) if a file outgrows it.
constexpr std::uint64_t kInitialMapping = 64ull << 20;

// Appends by copying into a shared mapping of the file instead of calling write(): no
// system call per record, so the store lock is held for a memcpy rather than a trip
// through the file system. What is copied is in the page cache at once and survives
// the death of the process, exactly like a completed write(); fdatasync makes it durable.
//
// Space is reserved ahead with posix_fallocate, so a full disk is reported by append()
// before a byte is copied (the caller then leaves its state alone), never as a SIGBUS
// on a page that cannot be backed. The reserved tail is zeros; finish() and the
// destructor cut it off. A crash leaves it in place, and replay recognises zeros after
// the last record as the unused end of the last segment.
class MappedFile final : public LogFile {
 public:
  MappedFile(int fd, std::uint64_t size) : fd_(fd), size_(size), reserved_(size) {}
  ~MappedFile() override {
    if (map_) ::munmap(map_, mapped_);
    // Cut the reserved zeros; a failure leaves them, which replay accepts.
    if (reserved_ > size_ && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
    }
    ::close(fd_);
  }

  std::error_code append(std::string_view bytes) override {
    if (bytes.empty()) return {};
    if (auto ec = reserve(size_ + bytes.size())) return ec;
    copy_in_order(map_ + size_, bytes);
    size_ += bytes.size();
    return {};
  }

  std::error_code sync() override {
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR) return last_error();
    }
    return {};
  }

  std::error_code truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return last_error();
    size_ = size;
    reserved_ = size;
    return {};
  }

  std::error_code finish() override {
    if (reserved_ > size_) {
      if (auto ec = truncate(size_)) return ec;
    }
    return sync();
  }

 private:
  std::error_code reserve(std::uint64_t needed) {
    if (needed > reserved_) {
      // A whole step ahead if the disk has room for it, else exactly what is needed,
      // so that a nearly full disk is still used to its last byte.
      std::uint64_t target = std::max(needed, reserved_ + kReserveStep);
      int rc = allocate(target);
      if (rc == ENOSPC && target > needed) rc = allocate(target = needed);
      if (rc != 0) {
        // Give back what a partly successful reservation added.
        if (::ftruncate(fd_, static_cast<off_t>(reserved_)) != 0) {
        }
        return error_of(rc);
      }
      reserved_ = target;
    }
    if (needed > mapped_) {
      std::uint64_t want = std::max<std::uint64_t>(kInitialMapping, mapped_);
      while (want < reserved_) want *= 2;
      void* p = map_ ? ::mremap(map_, mapped_, want, MREMAP_MAYMOVE)
                     : ::mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
      if (p == MAP_FAILED) return last_error();
      map_ = static_cast<char*>(p);
      mapped_ = want;
    }
    return {};
  }

  // Extends the file to `target` bytes of allocated blocks; an errno value or 0.
  int allocate(std::uint64_t target) {
    int rc;
    do {  // posix_fallocate returns the error instead of setting errno
      rc = ::posix_fallocate(fd_, static_cast<off_t>(reserved_),
                             static_cast<off_t>(target - reserved_));
    } while (rc == EINTR);
    return rc;
  }

  // Copies front to back, eight bytes at a time, so that a process killed mid-copy
  // leaves a prefix of the frames (never a later byte without the earlier ones, which
  // memcpy's overlapping vector stores could). Replay relies on that to tell a torn
  // last record from corruption: nothing but zeros may follow a torn record's start.
  static void copy_in_order(char* to, std::string_view from) {
    std::size_t i = 0;
    for (; i + 8 <= from.size(); i += 8) {
      std::memcpy(to + i, from.data() + i, 8);
      std::atomic_signal_fence(std::memory_order_release);
    }
    for (; i < from.size(); ++i) to[i] = from[i];
  }

  int fd_;
  std::uint64_t size_;      // bytes appended (the logical end of the file)
  std::uint64_t reserved_;  // the file's length on disk: size_ plus zeros
  char* map_ = nullptr;
  std::uint64_t mapped_ = 0;
};

class PosixFileSystem final : public FileSystem {
 public:
  std::unique_ptr<LogFile> open_append(const std::string& path, std::error_code& ec) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      ec = last_error();
      return nullptr;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ec = last_error();
      ::close(fd);
      return nullptr;
    }
    ec.clear();
    return std::make_unique<MappedFile>(fd, static_cast<std::uint64_t>(st.st_size));
  }
};

}  // namespace

std::shared_ptr<FileSystem> posix_file_system() { return std::make_shared<PosixFileSystem>(); }

std::error_code sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  std::error_code ec;
  if (::fsync(fd) != 0) ec = last_error();
  ::close(fd);
  return ec;
}

}  // namespace tc::log
