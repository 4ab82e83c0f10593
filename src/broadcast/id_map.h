// A map from message IDs to small values, bounded in entries, for the
// broadcast tree's IDs awaited and its origins' trees (tree.h). Open addressing with linear
// probing, keyed hash (a peer cannot choose IDs that collide), removal by
// backward shift so that no tombstones build up. It grows from 64 slots as
// entries come, never past twice its bound, and gives the memory back as
// they go. No std::unordered_map: the static binary links no libstdc++.
#ifndef FLOODCHAT_BROADCAST_ID_MAP_H_
#define FLOODCHAT_BROADCAST_ID_MAP_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/endian.h"
#include "base/rng.h"
#include "wire/frame.h"

namespace floodchat {

template <typename V>
class IdMap {
 public:
  IdMap(uint64_t key, size_t max_entries) : key_(key), max_(max_entries) {}

  size_t size() const { return count_; }
  size_t max_size() const { return max_; }
  size_t slots() const { return slots_.size(); }

  V* Find(const MessageId& id) {
    return const_cast<V*>(static_cast<const IdMap*>(this)->Find(id));
  }
  const V* Find(const MessageId& id) const {
    if (count_ == 0) return nullptr;
    size_t mask = slots_.size() - 1;
    for (size_t i = Home(id); slots_[i].used; i = (i + 1) & mask)
      if (slots_[i].id == id) return &slots_[i].value;
    return nullptr;
  }

  // Adds `id` (which must not be there); null when the map holds
  // max_entries already.
  V* Insert(const MessageId& id, const V& value) {
    if (count_ >= max_) return nullptr;
    if (slots_.empty() || 2 * (count_ + 1) > slots_.size()) Rehash(slots_.empty() ? 64 : 2 * slots_.size());
    size_t mask = slots_.size() - 1;
    size_t i = Home(id);
    while (slots_[i].used) i = (i + 1) & mask;
    slots_[i].used = true;
    slots_[i].id = id;
    slots_[i].value = value;
    ++count_;
    return &slots_[i].value;
  }

  void Erase(const MessageId& id) {
    if (count_ == 0) return;
    size_t mask = slots_.size() - 1;
    size_t i = Home(id);
    while (slots_[i].used && !(slots_[i].id == id)) i = (i + 1) & mask;
    if (!slots_[i].used) return;
    // Backward shift: each later entry of the run moves into the hole if
    // its home is not between the hole and where it is.
    for (size_t j = (i + 1) & mask; slots_[j].used; j = (j + 1) & mask) {
      size_t home = Home(slots_[j].id);
      bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots_[i] = slots_[j];
      i = j;
    }
    slots_[i].used = false;
    --count_;
    if (slots_.size() > 64 && 8 * count_ < slots_.size()) Rehash(slots_.size() / 2);
  }

  // Calls f(id, value) for every entry.
  template <typename F>
  void ForEach(F f) const {
    for (const Slot& s : slots_)
      if (s.used) f(s.id, s.value);
  }
  template <typename F>
  void ForEachValue(F f) {
    for (Slot& s : slots_)
      if (s.used) f(s.value);
  }

 private:
  struct Slot {
    MessageId id{};
    bool used = false;
    V value{};
  };

  size_t Home(const MessageId& id) const {
    return static_cast<size_t>(Mix64(Mix64(GetU64(id.bytes) ^ key_) + GetU64(id.bytes + 8))) &
           (slots_.size() - 1);
  }

  void Rehash(size_t n) {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.assign(n, Slot());
    size_t mask = n - 1;
    for (const Slot& s : old) {
      if (!s.used) continue;
      size_t i = Home(s.id);
      while (slots_[i].used) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  uint64_t key_;
  size_t max_;
  size_t count_ = 0;
  std::vector<Slot> slots_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_ID_MAP_H_
