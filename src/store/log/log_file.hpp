// The files the log writes, behind an interface so tests can inject failures
// (ENOSPC, EIO, short writes) without filling a disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

namespace tc::log {

// One file open for appending. Not thread-safe except sync(), which may run on another
// thread than append()/truncate() (the group-commit thread).
class LogFile {
 public:
  virtual ~LogFile() = default;
  // Writes all of `bytes` at the end. On error a prefix may have been written: the
  // caller truncates back to what it had.
  virtual std::error_code append(std::string_view bytes) = 0;
  // Makes what was appended durable (fdatasync).
  virtual std::error_code sync() = 0;
  // Cuts the file to `size` bytes; later appends go after it.
  virtual std::error_code truncate(std::uint64_t size) = 0;
  // The file is complete: drops space reserved beyond what was appended, then syncs.
  // A segment is finished before the next one starts, so only the last segment can
  // ever end in reserved zeros (after a crash).
  virtual std::error_code finish() { return sync(); }
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates `path` (or opens it, keeping its bytes) for appending.
  virtual std::unique_ptr<LogFile> open_append(const std::string& path, std::error_code& ec) = 0;
};

// The real thing: appends are copies into a shared mapping of space reserved ahead
// with posix_fallocate (see log_file.cpp); fdatasync; ftruncate.
std::shared_ptr<FileSystem> posix_file_system();

// fsyncs a directory so that a file created, renamed or removed in it stays so.
std::error_code sync_directory(const std::string& dir);

}  // namespace tc::log
