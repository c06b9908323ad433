#include "store/memory/id_index.hpp"

#include <new>

namespace tc::memory {
namespace {

// What a lookup carries: the id and its hash, computed once per operation.
struct IdKey {
  std::string_view id;
  std::uint32_t hash;
};
struct KeyHash {
  std::size_t operator()(const IdKey& key) const noexcept { return key.hash; }
};
// The hashes first: a chain's other nodes are rejected without reading their ids.
struct KeyEqual {
  bool operator()(const IdKey& key, const TaskNode& node) const noexcept {
    return key.hash == node.id_hash() && key.id == node.id();
  }
  bool operator()(const TaskNode& node, const IdKey& key) const noexcept { return (*this)(key, node); }
};

}  // namespace

IdIndex::IdIndex()
    : buckets_(new Set::bucket_type[kMinBuckets]),
      set_(Set::bucket_traits(buckets_.get(), kMinBuckets)) {}

// The set must be empty (MemoryState disposes of the nodes first); in safe-link mode
// Boost checks that, and the buckets outlive the set's destructor by member order.
IdIndex::~IdIndex() = default;

TaskNode* IdIndex::find(std::string_view id, std::uint32_t id_hash) const noexcept {
  // const_cast: the set's const find returns a const_iterator; the nodes are MemoryState's.
  auto it = set_.find(IdKey{id, id_hash}, KeyHash{}, KeyEqual{});
  return it == set_.end() ? nullptr : const_cast<TaskNode*>(&*it);
}

void IdIndex::reserve_one_more() {
  // Load factor at most 1: chains stay about one node long.
  if (set_.size() + 1 > set_.bucket_count()) rehash(set_.bucket_count() * 2);
}

bool IdIndex::insert_check(std::string_view id, std::uint32_t id_hash, Slot& slot) noexcept {
  return set_.insert_unique_check(IdKey{id, id_hash}, KeyHash{}, KeyEqual{}, slot.commit).second;
}

void IdIndex::insert_commit(TaskNode& node, const Slot& slot) noexcept {
  set_.insert_unique_commit(node, slot.commit);
}

void IdIndex::erase(TaskNode& node) noexcept {
  set_.erase(set_.iterator_to(node));
  // A queue that held a million tasks and drained should not keep 8 MB of buckets.
  // Halving at a quarter full leaves room before the next growth (no ping-pong).
  std::size_t buckets = set_.bucket_count();
  if (buckets > kMinBuckets && set_.size() < buckets / 4) {
    try {
      rehash(buckets / 2);
    } catch (const std::bad_alloc&) {
      // Keeping the larger array is correct, only wasteful.
    }
  }
}

void IdIndex::rehash(std::size_t bucket_count) {
  std::unique_ptr<Set::bucket_type[]> buckets(new Set::bucket_type[bucket_count]);
  // Uses the hashes stored in the nodes: no id is read.
  set_.rehash(Set::bucket_traits(buckets.get(), bucket_count));
  buckets_ = std::move(buckets);
}

}  // namespace tc::memory
