// What this node has of each origin's message sequence, exactly.
//
// A message ID is its origin's node ID and a counter the origin raises by
// exactly one per message (presence events included): the protocol says so
// (man page, PROTOCOL). So for each origin this keeps
//  - `floor`: every counter below it is settled (had, or not to be had);
//  - a window of kWindow bits, one per counter from `base` up, set for the
//    counters had;
//  - `top`: the highest counter had, plus one.
// A counter below `base`, or inside the window with its bit set, is a copy,
// however long ago the seen table forgot it. Counters in [floor, top) whose
// bit is clear are gaps: sent by the origin (its counter says so) and not yet
// here.
//
// The first counter heard from an origin starts its record with floor there
// (a node that joins starts from the present) and the window reaching
// kJoinGrace counters below it, so that messages the origin sent just before,
// still on their way by slower paths, are taken once each.
//
// A counter kWindow or more above `base` slides the window up to it, and the
// counters below the new base are settled. The gaps it slides past are kept
// by ID in a ring (dedup.h) of kPassedRing entries, all origins together, so
// that a message a slower path brings after a faster one ran a window ahead
// (a graft, in a burst) is still taken; when it comes, the same ring
// remembers that it came (its ID with a keyed mark), so it is taken once. A
// gap is passed before it comes, so its entry leaves the ring first: from
// then on it is settled. A passed gap pushed out of the ring, and the
// counters a jump skips that were never heard of, are given up. skipped()
// counts the gaps passed that have not come.
//
// At most `capacity` origins are kept; a new one evicts the least recently
// heard. An evicted origin that returns starts a new record, and until its
// window fills the seen table (dedup.h) is what tells its copies from new
// messages. Counters are compared modulo 2^64, so a sequence that wraps is
// followed across the wrap.
//
// Memory: about 560 bytes per origin, allocated once in Init (calloc: pages
// not yet used are not touched), 2.2 MiB for the default 4,096; and the
// ring of passed gaps, allocated when a window first passes a gap,
// 288 KiB (touched as it fills).
#ifndef FLOODCHAT_BROADCAST_ORIGINS_H_
#define FLOODCHAT_BROADCAST_ORIGINS_H_

#include <cstddef>
#include <cstdint>

#include "broadcast/dedup.h"
#include "wire/frame.h"
#include "wire/summary.h"

namespace floodchat {

class OriginTable {
 public:
  static constexpr size_t kDefaultCapacity = 4096;
  static constexpr uint64_t kWindow = 4096;
  static constexpr uint64_t kJoinGrace = 1024;
  static constexpr size_t kPassedRing = 8192;

  OriginTable() = default;
  ~OriginTable();
  OriginTable(const OriginTable&) = delete;
  OriginTable& operator=(const OriginTable&) = delete;

  // Room for `capacity` origins (at least 1). False if the memory cannot be
  // had. `hash_key` keys the index, so that a peer cannot choose node IDs
  // that collide.
  bool Init(uint64_t hash_key, size_t capacity = kDefaultCapacity);

  // True if `id` is covered (a copy of a message had); otherwise records it
  // and returns false. Either way its origin becomes the most recently heard.
  bool CoveredOrRecord(const MessageId& id);
  // Lookup only: no record is made or changed.
  bool Covers(const MessageId& id) const;

  // One origin's record, as the summary a peer compares against.
  struct Summary {
    uint64_t node_id = 0;
    uint64_t floor = 0;
    uint64_t top = 0;
  };
  bool Find(uint64_t node_id, Summary* out) const;
  // True if the counter `counter` of a tracked origin is in a gap: sent, not
  // had, and still tracked.
  bool IsGap(uint64_t node_id, uint64_t counter) const;
  // Gaps in [floor, top) of that origin, all told.
  uint64_t Gaps(uint64_t node_id) const;
  // Gives up that origin's gaps: they are settled (a copy that still comes
  // is dropped). Returns how many there were.
  uint64_t SettleGaps(uint64_t node_id);

  // The record in slot `slot` (0 to size() - 1), its gaps folded to at most
  // kMaxGapsPerRecord (wire/summary.h), as a summary sends it.
  void Describe(size_t slot, OriginRecord* out) const;

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  uint64_t evictions() const { return evictions_; }
  // Gaps a sliding window gave up, all origins, all told.
  uint64_t skipped() const { return skipped_; }

 private:
  struct Record {
    uint64_t node_id;
    uint64_t base;   // the window holds counters [base, base + kWindow)
    uint64_t floor;  // all below settled; base <= floor <= top
    uint64_t top;    // highest counter had + 1
    uint32_t newer, older;  // the recency list: slot + 1, 0 = none
    uint64_t bits[kWindow / 64];  // bit c % kWindow for counter c in the window
  };
  size_t Hash(uint64_t node_id) const;
  // The index entry holding `node_id`, or the empty one where it would go.
  size_t Probe(uint64_t node_id, bool* found) const;
  void Unindex(uint32_t slot);
  void Unlink(uint32_t slot);
  void PushNewest(uint32_t slot);
  uint32_t Take(uint64_t node_id, size_t index_pos);
  bool Has(const Record& r, uint64_t counter) const;
  void Mark(Record* r, uint64_t counter);
  void Slide(Record* r, uint64_t new_base);
  void Pass(uint64_t node_id, uint64_t counter);

  Record* records_ = nullptr;
  uint32_t* index_ = nullptr;  // slot + 1, 0 = empty; mask_ + 1 entries
  size_t capacity_ = 0;
  size_t mask_ = 0;
  size_t size_ = 0;
  uint32_t newest_ = 0, oldest_ = 0;  // slot + 1
  uint64_t key_ = 0;
  uint64_t evictions_ = 0;
  uint64_t skipped_ = 0;
  // The gaps passed, and (marked) those of them that came since.
  MessageId Came(const MessageId& passed) const;
  DedupRing passed_;
  bool passing_ = false;  // the ring is allocated
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_ORIGINS_H_
