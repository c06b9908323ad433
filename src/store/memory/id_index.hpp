// The id index of one queue of MemoryState: every task of the queue in any state,
// looked up by id.
//
// Intrusive (Boost.Intrusive unordered_set, hook inside TaskNode): indexing a task costs
// its 8-byte hook and a share of the bucket array, no allocation per task. Each node
// keeps a 32-bit hash of its id, so rehashing, erasing and walking a bucket chain never
// hash an id again, and a probe compares ids only when the hashes match.
// (std::unordered_set<TaskNode*> cost a 32-byte heap node per task and, with a noexcept
// hasher, libstdc++ re-hashed each chain node's id on every probe.)
#pragma once

#include <boost/intrusive/unordered_set.hpp>
#include <cstdint>
#include <memory>
#include <string_view>

#include "store/memory/task_node.hpp"

namespace tc::memory {

class IdIndex {
  // The set's own hash and equality (node against node; lookups use a key, see .cpp).
  struct NodeHash {
    std::size_t operator()(const TaskNode& node) const noexcept { return node.id_hash(); }
  };
  struct NodeEqual {
    bool operator()(const TaskNode& a, const TaskNode& b) const noexcept {
      return a.id_hash() == b.id_hash() && a.id() == b.id();
    }
  };
  using Set = boost::intrusive::unordered_set<
      TaskNode, boost::intrusive::member_hook<TaskNode, IdHook, &TaskNode::id_hook>,
      boost::intrusive::hash<NodeHash>, boost::intrusive::equal<NodeEqual>,
      boost::intrusive::constant_time_size<true>, boost::intrusive::power_2_buckets<true>>;

 public:
  // The hash every lookup and every node uses.
  static std::uint32_t hash(std::string_view id) noexcept {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(id));
  }

  IdIndex();
  ~IdIndex();
  IdIndex(const IdIndex&) = delete;
  IdIndex& operator=(const IdIndex&) = delete;

  std::size_t size() const noexcept { return set_.size(); }
  bool empty() const noexcept { return set_.empty(); }

  TaskNode* find(std::string_view id) const noexcept { return find(id, hash(id)); }
  TaskNode* find(std::string_view id, std::uint32_t id_hash) const noexcept;

  // Makes room for one more node, so that a following insert_check / insert_commit pair
  // does not rehash between them. May allocate (throw); changes nothing else.
  void reserve_one_more();
  // Where the id would go; false if it is already indexed. Valid until the next change.
  struct Slot {
    Set::insert_commit_data commit;
  };
  bool insert_check(std::string_view id, std::uint32_t id_hash, Slot& slot) noexcept;
  // Links `node` (whose id and hash are those given to insert_check) at `slot`.
  void insert_commit(TaskNode& node, const Slot& slot) noexcept;

  // Unlinks the node; gives back bucket memory when the index has shrunk to a quarter.
  void erase(TaskNode& node) noexcept;

  // Unlinks every node and passes each to `dispose` (which may destroy it).
  template <class Dispose>
  void clear_and_dispose(Dispose dispose) {
    set_.clear_and_dispose(dispose);
  }

 private:
  void rehash(std::size_t bucket_count);

  static constexpr std::size_t kMinBuckets = 8;
  std::unique_ptr<Set::bucket_type[]> buckets_;
  Set set_;
};

}  // namespace tc::memory
