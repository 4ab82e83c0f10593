#include "broadcast/store.h"

#include <cstring>
#include <utility>

#include "base/rng.h"

namespace floodchat {

size_t MessageStore::Hash(uint64_t origin, uint64_t counter) const {
  return static_cast<size_t>(Mix64(Mix64(origin ^ key_) ^ counter)) & (index_.size() - 1);
}

size_t MessageStore::Probe(uint64_t origin, uint64_t counter, bool* found) const {
  size_t mask = index_.size() - 1;
  size_t i = Hash(origin, counter);
  while (index_[i] != kEmpty) {
    const Entry& e = BySeq(index_[i]);
    if (e.origin == origin && e.counter == counter) {
      *found = true;
      return i;
    }
    i = (i + 1) & mask;
  }
  *found = false;
  return i;
}

// Backward-shift deletion, as in the seen table (dedup.cc).
void MessageStore::Unindex(uint64_t seq) {
  const Entry& gone = BySeq(seq);
  bool found;
  size_t hole = Probe(gone.origin, gone.counter, &found);
  if (!found) return;
  size_t mask = index_.size() - 1;
  size_t i = hole;
  for (;;) {
    i = (i + 1) & mask;
    if (index_[i] == kEmpty) break;
    const Entry& e = BySeq(index_[i]);
    size_t home = Hash(e.origin, e.counter);
    bool home_in_range = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (!home_in_range) {
      index_[hole] = index_[i];
      hole = i;
    }
  }
  index_[hole] = kEmpty;
}

void MessageStore::GrowIndex() {
  size_t slots = index_.empty() ? 64 : index_.size() * 2;
  index_.assign(slots, kEmpty);
  for (size_t k = 0; k < count_; ++k) {
    uint64_t seq = first_seq_ + k;
    const Entry& e = BySeq(seq);
    bool found;
    index_[Probe(e.origin, e.counter, &found)] = seq;
  }
}

void MessageStore::EvictOldest() {
  Entry& e = ring_[first_seq_ & (ring_.size() - 1)];
  Unindex(first_seq_);
  bytes_ -= e.size + kEntryBytes;
  e.frame.reset();
  ++first_seq_;
  --count_;
  ++evictions_;
}

bool MessageStore::Put(const Message& m, const uint8_t* frame, size_t size) {
  size_t cost = size + kEntryBytes;
  if (cost > capacity_) return false;
  uint64_t origin = GetU64(m.id.bytes);
  uint64_t counter = GetU64(m.id.bytes + 8);
  bool found = false;
  if (!index_.empty()) Probe(origin, counter, &found);
  if (found) return false;
  while (bytes_ + cost > capacity_) EvictOldest();
  if (count_ == ring_.size()) {
    // Twice the room: entries move to their places in the larger ring.
    std::vector<Entry> grown(ring_.empty() ? 64 : ring_.size() * 2);
    for (size_t k = 0; k < count_; ++k) {
      uint64_t seq = first_seq_ + k;
      grown[seq & (grown.size() - 1)] = std::move(ring_[seq & (ring_.size() - 1)]);
    }
    ring_.swap(grown);
  }
  uint64_t seq = first_seq_ + count_;
  Entry& e = ring_[seq & (ring_.size() - 1)];
  e.origin = origin;
  e.counter = counter;
  e.sent_ms = m.sent_ms;
  e.type = m.type;
  e.size = static_cast<uint32_t>(size);
  e.frame.reset(new uint8_t[size]);
  memcpy(e.frame.get(), frame, size);
  ++count_;
  bytes_ += cost;
  if (count_ * 2 > index_.size()) {
    GrowIndex();  // indexes the new entry too
  } else {
    index_[Probe(origin, counter, &found)] = seq;
  }
  return true;
}

const MessageStore::Entry* MessageStore::Find(uint64_t origin, uint64_t counter) const {
  if (index_.empty()) return nullptr;
  bool found;
  size_t i = Probe(origin, counter, &found);
  return found ? &BySeq(index_[i]) : nullptr;
}

}  // namespace floodchat
