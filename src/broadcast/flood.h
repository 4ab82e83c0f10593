// Flooding: every new message goes to every peer but the one it came from,
// with one more hop, until its hop limit; a message seen before is dropped.
// On a graph of N nodes where node v has deg(v) peers, a message is sent
// 1 + sum(deg(v) - 1) times, whatever the graph's shape; that is the price of
// knowing nothing about the topology. Each message is encoded once: a
// received frame is forwarded as its bytes, its hop count raised in place.
#ifndef FLOODCHAT_BROADCAST_FLOOD_H_
#define FLOODCHAT_BROADCAST_FLOOD_H_

#include <cstdint>
#include <vector>

#include "base/buffer.h"
#include "base/diag.h"
#include "base/throttle.h"
#include "broadcast/broadcast.h"
#include "broadcast/pending.h"
#include "broadcast/relay.h"
#include "links.h"

namespace floodchat {

struct FloodConfig {
  uint64_t node_id = 0;
  uint64_t counter_start = 0;  // the first message's counter (random)
  uint64_t hash_key0 = 0, hash_key1 = 0;  // the seen table's secret hash key
  size_t seen = 65536;        // --seen
  size_t origin_slots = OriginTable::kDefaultCapacity;
  size_t store_bytes = 0;     // --store
  uint8_t hop_limit = 64;     // --hops
};

class Flood : public Broadcast {
 public:
  // `links`, `sink` and `log` outlive the policy.
  Flood(Links* links, MessageSink* sink, const Log* log)
      : links_(links), sink_(sink), log_(log) {}

  // Allocates the seen table; false if the memory cannot be had.
  bool Init(const FloodConfig& config);

  Message Originate(std::string_view nick, std::string_view text, uint64_t now) override;
  bool Announce(std::string_view nick, std::string_view event, bool keep_if_alone,
                uint64_t now) override;
  void OnMessage(PeerId from, const Message& message, uint8_t* frame, size_t frame_size,
                 uint64_t now, Via via = Via::kPush) override;
  void OnPeerUp(PeerId peer, uint64_t now) override;
  void OnPeerDown(PeerId peer, uint64_t now) override;
  void SetWallOffset(uint64_t offset) override { wall_offset_ = offset; }
  void Tick(uint64_t now) override;
  uint64_t NextWake() const override;
  void Prefetch(const MessageId& id) const override { relay_.Prefetch(id); }

  size_t PendingBytes() const override { return pending_.bytes(); }
  uint64_t PendingMessages() const override { return pending_.messages(); }
  uint64_t PendingSince() const override { return pending_.Since(relay_.store().next_seq()); }
  BroadcastCounters counters() const override;
  const DedupRing& seen() const override { return relay_.seen(); }
  const OriginTable& origins() const override { return relay_.origins(); }
  uint64_t SettleGaps(uint64_t node_id) override { return relay_.SettleGaps(node_id); }
  const MessageStore& store() const override { return relay_.store(); }

  // The connections messages go to, in the order they came up.
  const std::vector<PeerId>& peers() const { return peers_; }

 private:
  void SendToAll(const uint8_t* frame, size_t size, PeerId except);
  // A message or presence event of this node's, made: kept, and sent or
  // left waiting for a first peer.
  void Originated(const Message& m);

  Links* links_;
  MessageSink* sink_;
  const Log* log_;
  uint8_t hop_limit_ = 64;
  uint64_t wall_offset_ = 0;
  Relay relay_;
  std::vector<PeerId> peers_;
  PendingOwn pending_;
  Buffer scratch_;  // one own message, encoded once for every peer
  uint64_t payload_sends_ = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_FLOOD_H_
