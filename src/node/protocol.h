// What a node does with the events of its connections, with no IO: a
// dispatch table by frame type between the policies it owns: membership
// (who to be connected to), broadcast (what to send where) and repair (what
// peers missed: anti-entropy). The binary's
// Node drives one through its Transport; the simulator drives one per
// virtual node through its network. Everything either of them knows about
// the protocol above the transport is here, so the simulator runs the
// binary's logic and not a copy of it.
#ifndef FLOODCHAT_NODE_PROTOCOL_H_
#define FLOODCHAT_NODE_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/diag.h"
#include "broadcast/broadcast.h"
#include "broadcast/flood.h"
#include "broadcast/history.h"
#include "broadcast/repair.h"
#include "broadcast/tree.h"
#include "links.h"
#include "membership/membership.h"

namespace floodchat {

struct ProtocolConfig {
  MembershipConfig membership;
  BroadcastMode broadcast = BroadcastMode::kFlood;
  FloodConfig flood;  // what either policy keeps (its name is flooding's, the first)
  TreeConfig tree;
  RepairConfig repair;
  uint64_t since_ms = 0;  // the wall clock at start: what anti-entropy asks for
  size_t max_text = 65536;  // --max-size: a longer message closes its connection
};

class Protocol : public LinkEvents {
 public:
  // `links`, `sink` and `log` outlive this.
  Protocol(Links* links, MessageSink* sink, const Log* log)
      : links_(links), sink_(sink), log_(log) {}

  // Makes the policies (the node's ID and seeds are in `config`) and
  // allocates their tables; false if the memory cannot be had. Before any
  // other call.
  bool Init(const ProtocolConfig& config);

  // Local events.
  Message Originate(std::string_view nick, std::string_view text, uint64_t now);
  bool Announce(std::string_view nick, std::string_view event, bool keep_if_alone, uint64_t now) {
    return broadcast_->Announce(nick, event, keep_if_alone, now);
  }
  void AddTarget(const Endpoint& endpoint, uint64_t now) { membership_->AddTarget(endpoint, now); }
  // /disconnect: membership drops the targets and retires the connections;
  // the broadcast policy stops sending to them at once.
  size_t Disconnect(const std::string& text, const std::vector<PeerId>& peers, uint64_t now,
                    std::vector<PeerId>* closed) {
    size_t dropped = membership_->Disconnect(text, peers, now, closed);
    for (PeerId p : *closed) {
      broadcast_->OnPeerDown(p, now);
      repair_->OnPeerDown(p, now);
    }
    return dropped;
  }
  // The wall clock now, for the send time of this node's messages.
  void SetWallClock(uint64_t wall_ms, uint64_t now) {
    broadcast_->SetWallOffset(wall_ms - now);
    repair_->SetWallOffset(wall_ms - now);
  }
  // The time passed: both policies' timers.
  void Tick(uint64_t now);
  uint64_t NextWake() const;
  // The node is leaving.
  void BeginDrain(uint64_t now) { membership_->BeginDrain(now); }

  // A hint: the message frame at the start of `bytes` (if whole and a
  // message) will be offered soon; start loading what its lookup reads.
  void Prefetch(const uint8_t* bytes, size_t size) const;

  // LinkEvents.
  bool OnAccepted(PeerId peer, uint64_t now) override;
  void AppendRefusal(Buffer* out, uint64_t now) override;
  UpVerdict OnPeerUp(PeerId peer, const PeerUp& up, uint64_t now) override;
  Level OnRefusedFull(PeerId peer, const AddressList& offer, uint64_t now,
                      std::string* why) override;
  bool OnFrame(const Incoming& in, uint64_t now, const char** why) override;
  void OnPeerDown(PeerId peer, const std::string& last_error, uint64_t now) override;

  const Membership& membership() const { return *membership_; }
  const Broadcast& broadcast() const { return *broadcast_; }
  // The tree policy, or null when the node floods.
  const Tree* tree() const { return tree_.get(); }
  const Repair& repair() const { return *repair_; }

 private:
  bool OnMessageFrame(const Incoming& in, uint64_t now, const char** why);
  // A message or presence frame inside a repair frame (wire/summary.h).
  bool OnRepairFrame(const Incoming& in, uint64_t now, const char** why);
  // A graft's answer (wire/tree.h), likewise.
  bool OnGraftedFrame(const Incoming& in, uint64_t now, const char** why);
  // Any of them; a message that came as itself (kPush) tells its nick as
  // it is now, when a neighbour's own (a stored one may be older).
  bool TakeMessage(const Incoming& in, Via via, uint64_t now, const char** why);
  // The tree's other frames; skipped whole by a node that floods.
  bool OnTreeFrame(const Incoming& in, uint64_t now, const char** why);
  bool OnAddressesFrame(const Incoming& in, uint64_t now, const char** why);
  bool OnLateOpening(const Incoming& in, uint64_t now, const char** why);
  bool OnDigestFrame(const Incoming& in, uint64_t now, const char** why);
  bool OnSummaryFrame(const Incoming& in, uint64_t now, const char** why);
  bool OnHistoryFrame(const Incoming& in, uint64_t now, const char** why);
  bool OnHistoryEndFrame(const Incoming& in, uint64_t now, const char** why);
  // The history asked of the first peer is printed before live messages:
  // they are held until it has come (or kHistoryWaitMs, or that peer goes).
  static constexpr uint64_t kHistoryWaitMs = 5000;

  // The dispatch table: what each frame type after the hello means. Types
  // not in it come from a later version and are skipped whole.
  struct Route {
    uint8_t type;
    bool (Protocol::*handle)(const Incoming& in, uint64_t now, const char** why);
  };
  static const Route kRoutes[];

  Links* links_;
  MessageSink* sink_;
  const Log* log_;
  size_t max_text_ = 0;
  std::unique_ptr<Membership> membership_;
  std::unique_ptr<Flood> flood_;
  std::unique_ptr<Tree> tree_;
  Broadcast* broadcast_ = nullptr;
  std::unique_ptr<Repair> repair_;
  std::unique_ptr<HistoryHold> hold_;
};

}  // namespace floodchat

#endif  // FLOODCHAT_NODE_PROTOCOL_H_
