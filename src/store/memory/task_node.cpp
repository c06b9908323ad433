#include "store/memory/task_node.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <stdexcept>

namespace tc::memory {
namespace {

std::uint32_t size32(std::string_view bytes) {
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("task info or content of 4 GiB or more");
  return static_cast<std::uint32_t>(bytes.size());
}

void copy(char* to, std::string_view from) noexcept {
  if (!from.empty()) std::memcpy(to, from.data(), from.size());
}

}  // namespace

static_assert(sizeof(TaskNode) == 136, "a pending task's fixed cost (docs/storage.md)");

TaskNode* TaskNode::allocate(std::size_t payload) {
  return new (::operator new(sizeof(TaskNode) + std::max(payload, kMinPayload))) TaskNode;
}

NodePtr TaskNode::make(std::string_view id, std::uint32_t id_hash, std::string_view info,
                       std::string_view content) {
  if (id.size() > kMaxIdSize) throw std::length_error("task id longer than 65535 bytes");
  auto id_size = static_cast<std::uint16_t>(id.size());
  std::uint32_t info_size = size32(info), content_size = size32(content);
  NodePtr node(allocate(std::size_t{id_size} + info_size + content_size));
  node->id_hash_ = id_hash;
  node->id_size_ = id_size;
  node->info_size_ = info_size;
  node->content_size_ = content_size;
  copy(node->bytes(), id);
  copy(node->bytes() + id_size, info);
  copy(node->bytes() + id_size + info_size, content);
  // The padding of a tiny payload is read (and shifted away) by id compares: give it
  // defined bytes.
  std::size_t payload = std::size_t{id_size} + info_size + content_size;
  if (payload < kMinPayload) std::memset(node->bytes() + payload, 0, kMinPayload - payload);
  return node;
}

NodePtr TaskNode::remake(const TaskNode& from, std::string_view info, std::string_view content) {
  NodePtr node = make(from.id(), from.id_hash_, info, content);
  if (from.state == TaskState::pending) {
    node->cursor = from.cursor;
  } else {
    node->deadline = from.deadline;
    node->lease_start_ms = from.lease_start_ms;
  }
  node->cache_result_ms = from.cache_result_ms;
  node->queue = from.queue;
  node->attempts = from.attempts;
  node->max_attempts = from.max_attempts;
  node->incarnation = from.incarnation;
  node->created_ms = from.created_ms;
  node->state = from.state;
  return node;
}

void TaskNode::destroy(TaskNode* node) noexcept {
  node->~TaskNode();
  ::operator delete(node);
}

bool TaskNode::fits(std::string_view info, std::string_view content) const noexcept {
  // Up to 64 bytes of the old payload may stay unused until the node is freed; beyond
  // that (a large task answered by a small result) a fresh, smaller node is worth it.
  std::size_t had = std::size_t{info_size_} + content_size_;
  std::size_t wants = info.size() + content.size();
  return wants <= had && had - wants <= 64;
}

void TaskNode::replace_payload(std::string_view info, std::string_view content) noexcept {
  // The new bytes come from elsewhere (a TaskResult), never from this node: no overlap.
  info_size_ = static_cast<std::uint32_t>(info.size());
  content_size_ = static_cast<std::uint32_t>(content.size());
  copy(bytes() + id_size_, info);
  copy(bytes() + id_size_ + info_size_, content);
}

}  // namespace tc::memory
