// The broadcast policy: what a node sends where so that every message reaches
// every node once. It takes events (a line to originate, a message from a
// peer, a peer up or down, the time passing) and acts only through Links
// (send these bytes to that peer) and a MessageSink (deliver this message);
// it does no IO and reads no clock, so it runs unchanged in the binary, in
// the simulator and in unit tests with a fake. It is told the wall clock as
// an offset from the monotonic `now` its calls take, for the send time its
// messages carry.
//
// Flooding (flood.h) and the broadcast tree (tree.h) are the policies. Its own messages wait for a first
// peer when there is none; every policy keeps that promise (man page, Input
// lines).
#ifndef FLOODCHAT_BROADCAST_BROADCAST_H_
#define FLOODCHAT_BROADCAST_BROADCAST_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "broadcast/dedup.h"
#include "broadcast/origins.h"
#include "broadcast/store.h"
#include "links.h"
#include "wire/frame.h"

namespace floodchat {

struct BroadcastCounters {
  uint64_t sent = 0;        // messages this node originated
  uint64_t received = 0;    // new messages accepted from peers
  uint64_t duplicates = 0;  // messages dropped because their ID was seen
  // Copies dropped after the seen table had forgotten their IDs: their
  // origin's record (broadcast/origins.h) still covered them.
  uint64_t late_duplicates = 0;
  uint64_t payload_sends = 0;  // message frames queued to peers, all told (not presence)
};

// How a message came: as itself (pushed), inside a repair frame
// (anti-entropy, history), or as the answer to this node's graft (tree.h).
enum class Via { kPush, kRepair, kGraft };

class Broadcast {
 public:
  virtual ~Broadcast() = default;

  // A line typed or piped into this node: a new message with a fresh ID, to
  // every peer, or kept until a first peer comes up. Returns it (its nick
  // and text point at the arguments).
  virtual Message Originate(std::string_view nick, std::string_view text, uint64_t now) = 0;
  // A presence event of this node (presence/presence.h): relayed as a
  // message is, but only to peers up now, unless `keep_if_alone` (the node's
  // first event, which then goes first to its first peer). False when it was
  // dropped for want of a peer.
  virtual bool Announce(std::string_view nick, std::string_view event, bool keep_if_alone,
                        uint64_t now) = 0;
  // A well-formed message from `from` (its text within --max-size). `frame`
  // is its whole frame in the connection's input buffer, which the policy
  // may change in place (the hop count) and forward as it is.
  virtual void OnMessage(PeerId from, const Message& message, uint8_t* frame, size_t frame_size,
                         uint64_t now, Via via = Via::kPush) = 0;
  // A connection that carries messages came up, or stopped doing so (closed
  // or retired as a duplicate).
  virtual void OnPeerUp(PeerId peer, uint64_t now) = 0;
  virtual void OnPeerDown(PeerId peer, uint64_t now) = 0;
  // The wall clock is `now + offset` (milliseconds since 1970, modulo 2^64).
  // The loop sets it every turn, since the wall clock may be stepped.
  virtual void SetWallOffset(uint64_t offset) = 0;
  // The time passed; NextWake() says when it should be called again.
  virtual void Tick(uint64_t now) = 0;
  virtual uint64_t NextWake() const = 0;

  // A message with this ID is about to be offered: start loading what its
  // lookup reads. Only a hint.
  virtual void Prefetch(const MessageId& id) const {}

  // Own messages waiting for a first peer: their bytes (presence events
  // included) and their number (messages only).
  virtual size_t PendingBytes() const = 0;
  virtual uint64_t PendingMessages() const = 0;
  // The store's sequence number (store.h) of the first of them: the first
  // peer to come up gets them live, so repair does not owe them to it.
  // store().next_seq() when none waits.
  virtual uint64_t PendingSince() const = 0;

  virtual BroadcastCounters counters() const = 0;
  virtual const DedupRing& seen() const = 0;
  virtual const OriginTable& origins() const = 0;
  // Gives up an origin's gaps (repair found no peer that holds them).
  virtual uint64_t SettleGaps(uint64_t node_id) = 0;
  // Every message and presence event this node originated or accepted is
  // kept there, as it sends it on.
  virtual const MessageStore& store() const = 0;
};

}  // namespace floodchat

#endif  // FLOODCHAT_BROADCAST_BROADCAST_H_
