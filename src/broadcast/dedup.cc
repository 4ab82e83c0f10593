#include "broadcast/dedup.h"

#include <cstdlib>
#include <cstring>

#include "base/rng.h"

namespace floodchat {

namespace {

uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

// How many inserts ahead eviction prefetches.
constexpr size_t kPrefetchAhead = 4;

}  // namespace

DedupRing::~DedupRing() {
  free(ring_);
  free(ring_hash_);
  free(index_);
}

bool DedupRing::Init(size_t capacity, uint64_t key0, uint64_t key1) {
  if (capacity == 0 || capacity > kMaxCapacity || ring_ != nullptr) return false;
  // A load factor of at most 1/2 keeps linear probes short.
  size_t slots = 1;
  while (slots < capacity * 2) slots <<= 1;
  // calloc: untouched pages stay unmapped until used.
  ring_ = static_cast<MessageId*>(calloc(capacity, sizeof(MessageId)));
  ring_hash_ = static_cast<uint32_t*>(calloc(capacity, sizeof(uint32_t)));
  index_ = static_cast<Entry*>(calloc(slots, sizeof(Entry)));
  if (ring_ == nullptr || ring_hash_ == nullptr || index_ == nullptr) {
    free(ring_);
    free(ring_hash_);
    free(index_);
    ring_ = nullptr;
    ring_hash_ = nullptr;
    index_ = nullptr;
    return false;
  }
  capacity_ = capacity;
  mask_ = slots - 1;
  key0_ = key0;
  key1_ = key1;
  return true;
}

uint32_t DedupRing::Hash(const MessageId& id) const {
  uint64_t a = Load64(id.bytes) ^ key0_;
  uint64_t b = Load64(id.bytes + 8) ^ key1_;
  return static_cast<uint32_t>(Mix64(Mix64(a) + b));
}

size_t DedupRing::Find(const MessageId& id, uint32_t hash, bool* found) const {
  size_t i = hash & mask_;
  while (index_[i].slot != 0) {
    if (index_[i].hash == hash && ring_[index_[i].slot - 1] == id) {
      *found = true;
      return i;
    }
    i = (i + 1) & mask_;
  }
  *found = false;
  return i;
}

bool DedupRing::Contains(const MessageId& id) const {
  bool found;
  Find(id, Hash(id), &found);
  return found;
}

// Removes ring slot `slot` from the index with backward-shift deletion, which
// keeps every remaining entry reachable from its home without tombstones.
// The slot's entry is found by its slot number: no ID is read or hashed.
void DedupRing::Unindex(size_t slot) {
  const uint32_t wanted = static_cast<uint32_t>(slot + 1);
  size_t hole = ring_hash_[slot] & mask_;
  while (index_[hole].slot != wanted) {
    if (index_[hole].slot == 0) return;  // not indexed
    hole = (hole + 1) & mask_;
  }
  size_t i = hole;
  for (;;) {
    i = (i + 1) & mask_;
    if (index_[i].slot == 0) break;
    size_t home = index_[i].hash & mask_;
    // Move entry i into the hole unless its home lies cyclically in (hole, i].
    bool home_in_range = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (!home_in_range) {
      index_[hole] = index_[i];
      hole = i;
    }
  }
  index_[hole].slot = 0;
}

bool DedupRing::SeenOrRemember(const MessageId& id) {
  uint32_t hash = Hash(id);
  bool found;
  size_t pos = Find(id, hash, &found);
  if (found) return true;
  if (size_ == capacity_) {
    Unindex(head_);  // head_ is the oldest slot once the ring is full
    ++evictions_;
    pos = Find(id, hash, &found);  // the deletion may have moved entries
  } else {
    ++size_;
  }
  ring_[head_] = id;
  ring_hash_[head_] = hash;
  index_[pos].slot = static_cast<uint32_t>(head_ + 1);
  index_[pos].hash = hash;
  head_ = head_ + 1 == capacity_ ? 0 : head_ + 1;
  if (size_ == capacity_) {
    // The IDs to evict are known in advance: start loading the index entry of
    // one a few inserts ahead, so that its eviction does not wait on memory.
    size_t ahead = head_ + kPrefetchAhead;
    while (ahead >= capacity_) ahead -= capacity_;  // no division on this path
    __builtin_prefetch(&index_[ring_hash_[ahead] & mask_]);
  }
  return false;
}

}  // namespace floodchat
