// The table of recently seen message IDs that ends flooding cycles.
//
// A ring of `capacity` IDs in arrival order plus an open-addressing hash index
// over the ring's slots (linear probing, backward-shift deletion). Each index
// entry keeps 32 bits of its ID's hash beside the ring slot, so a probe reads
// the ring only on a likely match and deletion never reads it: a lookup costs
// about one cache miss however large the table. Both are allocated once, in Init(); inserting and
// looking up are O(1) expected; when the ring is full the oldest ID is evicted
// (FIFO), so the table never grows. IDs come from the network, so the hash is
// keyed with a per-process secret to keep a peer from choosing colliding IDs.
#ifndef FLOODCHAT_BROADCAST_DEDUP_H_
#define FLOODCHAT_BROADCAST_DEDUP_H_

#include <cstddef>
#include <cstdint>

#include "wire/frame.h"

namespace floodchat {

class DedupRing {
 public:
  DedupRing() = default;
  ~DedupRing();
  DedupRing(const DedupRing&) = delete;
  DedupRing& operator=(const DedupRing&) = delete;

  // Allocates room for `capacity` IDs (1 to kMaxCapacity). False if the memory
  // cannot be had. The pages are zeroed lazily by the OS, so an idle node does
  // not pay for a large table until messages fill it.
  bool Init(size_t capacity, uint64_t hash_key0, uint64_t hash_key1);

  // True if `id` is in the table. Otherwise remembers it, evicting the oldest
  // ID if the table is full, and returns false.
  bool SeenOrRemember(const MessageId& id);
  bool Contains(const MessageId& id) const;
  // Starts loading the memory a lookup of `id` will read; no effect on the
  // table. Lets a caller overlap the next lookup's cache miss with work.
  void Prefetch(const MessageId& id) const { __builtin_prefetch(&index_[Hash(id) & mask_]); }

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  uint64_t evictions() const { return evictions_; }

  static constexpr size_t kMaxCapacity = size_t{1} << 24;

 private:
  struct Entry {
    uint32_t slot;  // ring slot + 1; 0 = empty
    uint32_t hash;  // low 32 bits of the ID's hash: its home is hash & mask_
  };
  uint32_t Hash(const MessageId& id) const;
  // Index of the entry that holds `id`, or of the empty entry where it would go.
  size_t Find(const MessageId& id, uint32_t hash, bool* found) const;
  void Unindex(size_t slot);

  MessageId* ring_ = nullptr;  // capacity_ entries
  uint32_t* ring_hash_ = nullptr;  // each ring entry's hash, for eviction
  Entry* index_ = nullptr;     // mask_ + 1 entries
  size_t capacity_ = 0;
  size_t mask_ = 0;
  size_t head_ = 0;  // the slot the next ID goes into
  size_t size_ = 0;
  uint64_t evictions_ = 0;
  uint64_t key0_ = 0, key1_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_DEDUP_H_
