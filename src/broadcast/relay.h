// The decisions every broadcast policy shares, with no IO: which messages are
// new, which are printed, which may travel further and with what hop count.
// A policy (flood.h) carries them out.
#ifndef FLOODCHAT_BROADCAST_RELAY_H_
#define FLOODCHAT_BROADCAST_RELAY_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "broadcast/broadcast.h"
#include "broadcast/dedup.h"
#include "broadcast/origins.h"
#include "broadcast/store.h"
#include "wire/frame.h"

namespace floodchat {

struct Verdict {
  bool duplicate = false;  // drop it: nothing printed, nothing forwarded
  bool forward = false;    // send to every peer but the one it came from
  uint8_t forward_hops = 0;
};

class Relay {
 public:
  // `node_id` and `counter_start` come from the OS random source: a message ID
  // is the node ID followed by a 64-bit counter that starts at counter_start.
  // `origin_slots` sizes the table of origins (origins.h), `store_bytes`
  // bounds the message store (store.h; 0: none).
  bool Init(size_t seen_capacity, uint64_t node_id, uint64_t counter_start,
            uint64_t hash_key0, uint64_t hash_key1,
            size_t origin_slots = OriginTable::kDefaultCapacity, size_t store_bytes = 0);

  // Makes a message from this node: a fresh ID, remembered so that its echo is
  // dropped, hops 1 (it crosses one link to reach a neighbour), sent at
  // `sent_ms` (the wall clock).
  // A presence event (`type` kTypePresence) takes the next ID as a message
  // does, but is not counted in counters().
  Message Originate(std::string_view nick, std::string_view text, uint8_t hop_limit,
                    uint8_t type = kTypeMessage, uint64_t sent_ms = 0);

  // Decides about a message received from a peer. It is a copy if the seen
  // table holds its ID or its origin's record covers its counter (a late
  // copy: one the seen table had forgotten). A new message is printed; it is
  // forwarded with hops + 1 unless it has reached its hop limit.
  Verdict Accept(const Message& message);

  // Keeps a new message's frame (as this node sends it on) in the store.
  void Keep(const Message& m, const uint8_t* frame, size_t size) { store_->Put(m, frame, size); }

  // Hint: a message with this ID will be accepted soon.
  void Prefetch(const MessageId& id) const { seen_.Prefetch(id); }

  // sent, received, duplicates and late_duplicates, of messages only;
  // payload_sends is the policy's to count.
  const BroadcastCounters& counters() const { return counters_; }
  const DedupRing& seen() const { return seen_; }
  const OriginTable& origins() const { return origins_; }
  uint64_t SettleGaps(uint64_t node_id) { return origins_.SettleGaps(node_id); }
  const MessageStore& store() const { return *store_; }
  uint64_t node_id() const { return node_id_; }

 private:
  DedupRing seen_;
  OriginTable origins_;
  std::unique_ptr<MessageStore> store_ = std::make_unique<MessageStore>();
  uint64_t node_id_ = 0;
  uint64_t counter_ = 0;
  BroadcastCounters counters_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_RELAY_H_
