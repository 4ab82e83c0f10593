#include "broadcast/origins.h"

#include <cstdlib>
#include <cstring>

#include "base/rng.h"

namespace floodchat {

namespace {

MessageId IdOf(uint64_t node_id, uint64_t counter) {
  MessageId id;
  PutU64(id.bytes, node_id);
  PutU64(id.bytes + 8, counter);
  return id;
}

// `a` comes before `b` in the sequence, modulo 2^64.
bool Before(uint64_t a, uint64_t b) {
  uint64_t d = b - a;
  return d != 0 && d < (uint64_t{1} << 63);
}

uint64_t Mask(uint64_t c) { return uint64_t{1} << (c % 64); }

}  // namespace

OriginTable::~OriginTable() {
  free(records_);
  free(index_);
}

bool OriginTable::Init(uint64_t hash_key, size_t capacity) {
  if (records_ != nullptr || capacity == 0 || capacity > (size_t{1} << 24)) return false;
  size_t slots = 1;
  while (slots < capacity * 2) slots <<= 1;
  records_ = static_cast<Record*>(calloc(capacity, sizeof(Record)));
  index_ = static_cast<uint32_t*>(calloc(slots, sizeof(uint32_t)));
  if (records_ == nullptr || index_ == nullptr) {
    free(records_);
    free(index_);
    records_ = nullptr;
    index_ = nullptr;
    return false;
  }
  capacity_ = capacity;
  mask_ = slots - 1;
  key_ = hash_key;
  return true;
}

size_t OriginTable::Hash(uint64_t node_id) const { return Mix64(node_id ^ key_) & mask_; }

size_t OriginTable::Probe(uint64_t node_id, bool* found) const {
  size_t i = Hash(node_id);
  while (index_[i] != 0) {
    if (records_[index_[i] - 1].node_id == node_id) {
      *found = true;
      return i;
    }
    i = (i + 1) & mask_;
  }
  *found = false;
  return i;
}

// Backward-shift deletion, as in the seen table (dedup.cc).
void OriginTable::Unindex(uint32_t slot) {
  bool found;
  size_t hole = Probe(records_[slot - 1].node_id, &found);
  if (!found) return;
  size_t i = hole;
  for (;;) {
    i = (i + 1) & mask_;
    if (index_[i] == 0) break;
    size_t home = Hash(records_[index_[i] - 1].node_id);
    bool home_in_range = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (!home_in_range) {
      index_[hole] = index_[i];
      hole = i;
    }
  }
  index_[hole] = 0;
}

void OriginTable::Unlink(uint32_t slot) {
  Record& r = records_[slot - 1];
  if (r.newer != 0) records_[r.newer - 1].older = r.older; else newest_ = r.older;
  if (r.older != 0) records_[r.older - 1].newer = r.newer; else oldest_ = r.newer;
  r.newer = r.older = 0;
}

void OriginTable::PushNewest(uint32_t slot) {
  Record& r = records_[slot - 1];
  r.newer = 0;
  r.older = newest_;
  if (newest_ != 0) records_[newest_ - 1].newer = slot;
  newest_ = slot;
  if (oldest_ == 0) oldest_ = slot;
}

// A slot for a new record of `node_id`, whose index entry would go at
// `index_pos`: a free one, or the least recently heard origin's.
uint32_t OriginTable::Take(uint64_t node_id, size_t index_pos) {
  uint32_t slot;
  if (size_ < capacity_) {
    slot = static_cast<uint32_t>(++size_);
  } else {
    slot = oldest_;
    Unlink(slot);
    Unindex(slot);
    ++evictions_;
    bool found;
    index_pos = Probe(node_id, &found);  // the deletion may have moved entries
  }
  index_[index_pos] = slot;
  Record& r = records_[slot - 1];
  memset(&r, 0, sizeof r);
  r.node_id = node_id;
  PushNewest(slot);
  return slot;
}

bool OriginTable::Has(const Record& r, uint64_t c) const {
  if (Before(c, r.base)) {  // settled, but for a passed gap not come yet
    if (!passing_) return true;
    MessageId id = IdOf(r.node_id, c);
    return !passed_.Contains(id) || passed_.Contains(Came(id));
  }
  if (c - r.base >= kWindow) return false;
  return (r.bits[(c % kWindow) / 64] & Mask(c)) != 0;
}

// A mark a peer cannot aim at another gap's ID: keyed, per counter.
MessageId OriginTable::Came(const MessageId& passed) const {
  MessageId m = passed;
  PutU64(m.bytes, GetU64(passed.bytes) ^ Mix64(key_ ^ Mix64(GetU64(passed.bytes + 8))) ^ 1);
  return m;
}

void OriginTable::Pass(uint64_t node_id, uint64_t counter) {
  if (!passing_) passing_ = passed_.Init(kPassedRing, key_ + 1, Mix64(key_));
  // Without the ring (no memory), the gap is given up as it is passed.
  if (!passing_ || !passed_.SeenOrRemember(IdOf(node_id, counter))) ++skipped_;
}

void OriginTable::Slide(Record* r, uint64_t new_base) {
  // Gaps the window leaves behind are remembered as passed (the counters in
  // [floor, top) are all in the window, so this is at most kWindow a slide).
  uint64_t gap_end = Before(r->top, new_base) ? r->top : new_base;
  for (uint64_t c = r->floor; Before(c, gap_end); ++c)
    if ((r->bits[(c % kWindow) / 64] & Mask(c)) == 0) Pass(r->node_id, c);
  if (Before(r->top, new_base)) skipped_ += new_base - r->top;  // never heard at all
  if (new_base - r->base >= kWindow) {
    memset(r->bits, 0, sizeof r->bits);
  } else {
    for (uint64_t c = r->base; c != new_base; ++c) r->bits[(c % kWindow) / 64] &= ~Mask(c);
  }
  r->base = new_base;
  if (Before(r->floor, new_base)) r->floor = new_base;
  if (Before(r->top, new_base)) r->top = new_base;
}

void OriginTable::Mark(Record* r, uint64_t c) {
  if (c - r->base >= kWindow) Slide(r, c - kWindow + 1);
  r->bits[(c % kWindow) / 64] |= Mask(c);
  if (!Before(c, r->top)) r->top = c + 1;
  while (r->floor != r->top && (r->bits[(r->floor % kWindow) / 64] & Mask(r->floor)) != 0)
    ++r->floor;
}

bool OriginTable::CoveredOrRecord(const MessageId& id) {
  uint64_t node_id = GetU64(id.bytes);
  uint64_t counter = GetU64(id.bytes + 8);
  bool found;
  size_t pos = Probe(node_id, &found);
  if (!found) {
    Record& r = records_[Take(node_id, pos) - 1];
    r.base = counter - kJoinGrace;
    r.floor = r.top = counter;
    Mark(&r, counter);
    return false;
  }
  uint32_t slot = index_[pos];
  if (newest_ != slot) {
    Unlink(slot);
    PushNewest(slot);
  }
  Record& r = records_[slot - 1];
  if (Has(r, counter)) return true;
  if (Before(counter, r.base)) {  // a passed gap, come at last
    passed_.SeenOrRemember(Came(id));
    if (skipped_ > 0) --skipped_;
    return false;
  }
  Mark(&r, counter);
  return false;
}

bool OriginTable::Covers(const MessageId& id) const {
  bool found;
  size_t pos = Probe(GetU64(id.bytes), &found);
  return found && Has(records_[index_[pos] - 1], GetU64(id.bytes + 8));
}

bool OriginTable::Find(uint64_t node_id, Summary* out) const {
  bool found;
  size_t pos = Probe(node_id, &found);
  if (!found) return false;
  const Record& r = records_[index_[pos] - 1];
  out->node_id = node_id;
  out->floor = r.floor;
  out->top = r.top;
  return true;
}

bool OriginTable::IsGap(uint64_t node_id, uint64_t counter) const {
  bool found;
  size_t pos = Probe(node_id, &found);
  if (!found) return false;
  const Record& r = records_[index_[pos] - 1];
  return !Before(counter, r.floor) && Before(counter, r.top) && !Has(r, counter);
}

uint64_t OriginTable::Gaps(uint64_t node_id) const {
  bool found;
  size_t pos = Probe(node_id, &found);
  if (!found) return 0;
  const Record& r = records_[index_[pos] - 1];
  uint64_t n = 0;
  for (uint64_t c = r.floor; Before(c, r.top); ++c)
    if (!Has(r, c)) ++n;
  return n;
}

uint64_t OriginTable::SettleGaps(uint64_t node_id) {
  bool found;
  size_t pos = Probe(node_id, &found);
  if (!found) return 0;
  Record& r = records_[index_[pos] - 1];
  uint64_t n = 0;
  uint64_t top = r.top;
  for (uint64_t c = r.floor; Before(c, top); ++c) {
    if (Has(r, c)) continue;
    Mark(&r, c);
    ++n;
  }
  return n;
}

void OriginTable::Describe(size_t slot, OriginRecord* out) const {
  const Record& r = records_[slot];
  out->node_id = r.node_id;
  out->floor = r.floor;
  out->top = r.top;
  out->gap_count = 0;
  bool in_gap = false;
  for (uint64_t c = r.floor; Before(c, r.top); ++c) {
    bool had = Has(r, c);
    if (!had && !in_gap) {
      if (out->gap_count == kMaxGapsPerRecord) {
        // Folded: the last gap runs to top.
        out->gaps[kMaxGapsPerRecord - 1].end = r.top;
        return;
      }
      out->gaps[out->gap_count++].start = c;
      in_gap = true;
    } else if (had && in_gap) {
      out->gaps[out->gap_count - 1].end = c;
      in_gap = false;
    }
  }
  if (in_gap) out->gaps[out->gap_count - 1].end = r.top;
}

}  // namespace floodchat
