// The message store: recent messages as their encoded frames, so that what a
// peer missed can be sent to it again (anti-entropy, history).
//
// Bounded by bytes (--store): each message costs its frame and kEntryBytes
// of bookkeeping, and the oldest go first when a new one needs the room.
// Memory grows as messages arrive and never past the bound; a frame larger
// than the whole bound is not kept. Frames are kept as this node would send
// them on (the hop count it forwards them with), in the order they arrived;
// they are looked up by origin and counter.
//
// No IO, no clock: the send time it orders history by is the message's own.
#ifndef FLOODCHAT_BROADCAST_STORE_H_
#define FLOODCHAT_BROADCAST_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "wire/frame.h"

namespace floodchat {

class MessageStore {
 public:
  // Bookkeeping per message counted against the bound, at its most: the
  // entry (48 bytes) in a ring at most twice as large as needed, its index
  // slots (8 bytes, at most four per entry) and the allocator's share of the
  // frame's block (16).
  static constexpr size_t kEntryBytes = 2 * 48 + 4 * 8 + 16;

  // 0: nothing is kept. `hash_key` keys the index, so that a peer cannot
  // choose IDs that collide.
  explicit MessageStore(size_t capacity_bytes = 0, uint64_t hash_key = 0)
      : capacity_(capacity_bytes), key_(hash_key) {}
  MessageStore(const MessageStore&) = delete;
  MessageStore& operator=(const MessageStore&) = delete;

  // Keeps a copy of `frame` (one whole message or presence frame) for the
  // message `m` describes. A message already kept is not kept twice. False
  // if it is not kept (no room at all, or already there).
  bool Put(const Message& m, const uint8_t* frame, size_t size);

  struct Entry {
    uint64_t origin = 0;
    uint64_t counter = 0;
    uint64_t sent_ms = 0;
    uint8_t type = 0;
    uint32_t size = 0;
    std::unique_ptr<uint8_t[]> frame;
  };
  static_assert(sizeof(Entry) <= 48, "kEntryBytes counts 48 bytes per entry");
  // The message with this origin and counter, or null.
  const Entry* Find(uint64_t origin, uint64_t counter) const;

  // Every message kept gets the next sequence number: at(i) has
  // first_seq() + i, and the next one kept will have next_seq().
  uint64_t first_seq() const { return first_seq_; }
  uint64_t next_seq() const { return first_seq_ + count_; }
  // Entries from the oldest kept (0) to the newest (size() - 1).
  size_t size() const { return count_; }
  const Entry& at(size_t i) const { return BySeq(first_seq_ + i); }

  // Bytes counted against the bound: frames and kEntryBytes each.
  size_t bytes() const { return bytes_; }
  size_t capacity() const { return capacity_; }
  // Messages evicted to make room, all told.
  uint64_t evictions() const { return evictions_; }

 private:
  size_t Hash(uint64_t origin, uint64_t counter) const;
  // The index slot holding that message, or the empty one where it would go.
  size_t Probe(uint64_t origin, uint64_t counter, bool* found) const;
  const Entry& BySeq(uint64_t seq) const { return ring_[seq & (ring_.size() - 1)]; }
  void Unindex(uint64_t seq);
  void GrowIndex();
  void EvictOldest();

  static constexpr uint64_t kEmpty = UINT64_MAX;
  size_t capacity_;
  uint64_t key_;
  size_t bytes_ = 0;
  uint64_t evictions_ = 0;
  // The entries, oldest first, in a ring whose size is a power of two; an
  // entry's sequence number (first_seq_ + its position) modulo the ring's
  // size is its place.
  std::vector<Entry> ring_;
  size_t count_ = 0;
  uint64_t first_seq_ = 0;
  // Open addressing, linear probing, at most half full: sequence numbers.
  std::vector<uint64_t> index_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_STORE_H_
