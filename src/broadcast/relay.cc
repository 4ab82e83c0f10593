#include "broadcast/relay.h"

namespace floodchat {

bool Relay::Init(size_t seen_capacity, uint64_t node_id, uint64_t counter_start,
                 uint64_t hash_key0, uint64_t hash_key1, size_t origin_slots,
                 size_t store_bytes) {
  node_id_ = node_id;
  counter_ = counter_start;
  store_ = std::make_unique<MessageStore>(store_bytes, hash_key1 - hash_key0);
  return seen_.Init(seen_capacity, hash_key0, hash_key1) && origins_.Init(hash_key0 ^ hash_key1, origin_slots);
}

Message Relay::Originate(std::string_view nick, std::string_view text, uint8_t hop_limit,
                         uint8_t type, uint64_t sent_ms) {
  Message m;
  m.type = type;
  PutU64(m.id.bytes, node_id_);
  PutU64(m.id.bytes + 8, counter_++);
  m.hops = 1;
  m.hop_limit = hop_limit;
  m.sent_ms = sent_ms;
  m.nick = nick;
  m.text = text;
  seen_.SeenOrRemember(m.id);
  origins_.CoveredOrRecord(m.id);
  if (type == kTypeMessage) ++counters_.sent;
  return m;
}

Verdict Relay::Accept(const Message& message) {
  Verdict v;
  bool counted = message.type == kTypeMessage;
  if (seen_.SeenOrRemember(message.id)) {
    if (counted) ++counters_.duplicates;
    v.duplicate = true;
    return v;
  }
  if (origins_.CoveredOrRecord(message.id)) {
    if (counted) ++counters_.late_duplicates;
    v.duplicate = true;
    return v;
  }
  if (counted) ++counters_.received;
  if (message.hops < message.hop_limit) {
    v.forward = true;
    v.forward_hops = static_cast<uint8_t>(message.hops + 1);
  }
  return v;
}

}  // namespace floodchat
