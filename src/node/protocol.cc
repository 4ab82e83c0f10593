#include "node/protocol.h"

#include <cstring>

#include "wire/summary.h"
#include "wire/tree.h"

namespace floodchat {

const Protocol::Route Protocol::kRoutes[] = {
    {kTypeMessage, &Protocol::OnMessageFrame},
    {kTypePresence, &Protocol::OnMessageFrame},
    {kTypeAddresses, &Protocol::OnAddressesFrame},
    {kTypeHello, &Protocol::OnLateOpening},
    {kTypeFull, &Protocol::OnLateOpening},
    {kTypeDigest, &Protocol::OnDigestFrame},
    {kTypeSummary, &Protocol::OnSummaryFrame},
    {kTypeHistory, &Protocol::OnHistoryFrame},
    {kTypeHistoryEnd, &Protocol::OnHistoryEndFrame},
    {kTypeRepair, &Protocol::OnRepairFrame},
    {kTypeIhave, &Protocol::OnTreeFrame},
    {kTypeGraft, &Protocol::OnTreeFrame},
    {kTypePrune, &Protocol::OnTreeFrame},
    {kTypeTree, &Protocol::OnTreeFrame},
    {kTypeGrafted, &Protocol::OnGraftedFrame},
};

bool Protocol::Init(const ProtocolConfig& config) {
  max_text_ = config.max_text;
  membership_ = std::make_unique<Membership>(config.membership, links_, log_);
  // Room for the history asked for and as many live messages again.
  hold_ = std::make_unique<HistoryHold>(sink_, 2 * config.repair.history + 1000);
  bool ok;
  // A node without a store could not answer a graft: it floods.
  if (config.broadcast == BroadcastMode::kTree && config.flood.store_bytes > 0) {
    tree_ = std::make_unique<Tree>(links_, hold_.get(), log_);
    broadcast_ = tree_.get();
    ok = tree_->Init(config.flood, config.tree);
  } else {
    flood_ = std::make_unique<Flood>(links_, hold_.get(), log_);
    broadcast_ = flood_.get();
    ok = flood_->Init(config.flood);
  }
  RepairConfig repair = config.repair;
  repair.owe_announced = tree_ != nullptr;
  repair_ = std::make_unique<Repair>(repair, links_, broadcast_, log_);
  repair_->SetSince(config.since_ms);
  return ok;
}

Message Protocol::Originate(std::string_view nick, std::string_view text, uint64_t now) {
  return broadcast_->Originate(nick, text, now);
}

void Protocol::Tick(uint64_t now) {
  membership_->Tick(now, broadcast_->PendingMessages() > 0);
  broadcast_->Tick(now);
  repair_->Tick(now);
  if (hold_->holding() && now >= hold_->deadline()) hold_->Release(now);
}

uint64_t Protocol::NextWake() const {
  uint64_t a = membership_->NextWake(), b = broadcast_->NextWake(), c = repair_->NextWake();
  uint64_t ab = a < b ? a : b;
  uint64_t abc = ab < c ? ab : c;
  return hold_->deadline() < abc ? hold_->deadline() : abc;
}

// ---- connections ------------------------------------------------------------------

bool Protocol::OnAccepted(PeerId peer, uint64_t now) { return membership_->OnAccepted(peer, now); }

void Protocol::AppendRefusal(Buffer* out, uint64_t now) { membership_->AppendRefusal(out, now); }

UpVerdict Protocol::OnPeerUp(PeerId peer, const PeerUp& up, uint64_t now) {
  PeerId retired = kNoPeer;
  UpVerdict v = membership_->OnPeerUp(peer, up, now, &retired);
  // Membership first: the broadcast policy hears only of the connections
  // that stay, and of a duplicate that was replaced.
  if (retired != kNoPeer) {
    broadcast_->OnPeerDown(retired, now);
    repair_->OnPeerDown(retired, now);
  }
  if (v == UpVerdict::kLive) {
    // What was typed while alone goes to this peer live: not owed to it.
    uint64_t horizon = broadcast_->PendingSince();
    broadcast_->OnPeerUp(peer, now);
    bool asked = repair_->history_peer() != kNoPeer;
    repair_->OnPeerUp(peer, now, horizon);
    if (!asked && repair_->history_peer() == peer) hold_->Hold(now + kHistoryWaitMs);
  }
  return v;
}

Level Protocol::OnRefusedFull(PeerId peer, const AddressList& offer, uint64_t now,
                              std::string* why) {
  return membership_->OnRefusedFull(peer, offer, now, why);
}

void Protocol::OnPeerDown(PeerId peer, const std::string& last_error, uint64_t now) {
  broadcast_->OnPeerDown(peer, now);
  repair_->OnPeerDown(peer, now);
  if (hold_->holding() && repair_->history_peer() == kNoPeer) hold_->Release(now);
  membership_->OnPeerDown(peer, last_error, now);
}

bool Protocol::OnHistoryFrame(const Incoming& in, uint64_t now, const char** why) {
  return repair_->OnHistory(in.peer, in.frame, now, why);
}

bool Protocol::OnHistoryEndFrame(const Incoming& in, uint64_t now, const char** why) {
  bool done = false;
  if (!repair_->OnHistoryEnd(in.peer, in.frame, &done, why)) return false;
  if (done && hold_->holding()) hold_->Release(now);
  return true;
}

bool Protocol::OnDigestFrame(const Incoming& in, uint64_t now, const char** why) {
  return repair_->OnDigest(in.peer, in.frame, now, why);
}

bool Protocol::OnSummaryFrame(const Incoming& in, uint64_t now, const char** why) {
  return repair_->OnSummary(in.peer, in.frame, now, why);
}

// ---- frames ---------------------------------------------------------------------------

bool Protocol::OnFrame(const Incoming& in, uint64_t now, const char** why) {
  for (const Route& r : kRoutes)
    if (r.type == in.frame.type) return (this->*r.handle)(in, now, why);
  return true;  // a frame type from a later version: skipped whole
}

bool Protocol::OnMessageFrame(const Incoming& in, uint64_t now, const char** why) {
  return TakeMessage(in, Via::kPush, now, why);
}

bool Protocol::OnRepairFrame(const Incoming& in, uint64_t now, const char** why) {
  Incoming inner = in;
  if (!ParseRepair(in.frame, &inner.frame, why)) return false;
  inner.bytes = in.bytes + kFrameHeaderBytes;
  uint64_t before = broadcast_->counters().received;
  if (!TakeMessage(inner, Via::kRepair, now, why)) return false;
  if (broadcast_->counters().received != before) repair_->OnRepaired(in.peer);
  return true;
}

bool Protocol::OnGraftedFrame(const Incoming& in, uint64_t now, const char** why) {
  if (!tree_) return true;  // never asked for: skipped, as an unknown type is
  Incoming inner = in;
  if (!ParseEnvelope(in.frame, &inner.frame, why)) return false;
  inner.bytes = in.bytes + kFrameHeaderBytes;
  return TakeMessage(inner, Via::kGraft, now, why);
}

bool Protocol::OnTreeFrame(const Incoming& in, uint64_t now, const char** why) {
  if (!tree_) return true;
  switch (in.frame.type) {
    case kTypeIhave: return tree_->OnIhave(in.peer, in.frame, now, why);
    case kTypeGraft: return tree_->OnGraft(in.peer, in.frame, now, why);
    case kTypePrune: return tree_->OnPrune(in.peer, in.frame, now, why);
    default: return tree_->OnTreeFrame(in.peer, in.frame, now, why);
  }
}

bool Protocol::TakeMessage(const Incoming& in, Via via, uint64_t now, const char** why) {
  Message m;
  if (!ParseMessage(in.frame, &m, why)) return false;
  // A presence event is a kind byte and at most a nick, whatever --max-size.
  size_t limit = m.type == kTypePresence ? 1 + kMaxNickBytes : max_text_;
  if (m.text.size() > limit) {
    *why = m.type == kTypePresence ? "presence event too long" : "message longer than --max-size";
    return false;
  }
  // The seen-table lookup is the one cache miss per message; when the next
  // frame is already here, start its lookup's load now so that it overlaps
  // this one.
  Prefetch(in.rest, in.rest_size);
  // A neighbour's own message carries its nick as it is now (/nick).
  if (via == Via::kPush && m.hops == 1 && GetU64(m.id.bytes) == in.node_id)
    links_->NeighbourNick(in.peer, m.nick);
  broadcast_->OnMessage(in.peer, m, in.bytes, in.frame.wire_size, now, via);
  return true;
}

void Protocol::Prefetch(const uint8_t* bytes, size_t size) const {
  if (size < kFrameHeaderBytes + kMessageIdBytes ||
      (bytes[kLengthBytes] != kTypeMessage && bytes[kLengthBytes] != kTypePresence))
    return;
  MessageId id;
  memcpy(id.bytes, bytes + kFrameHeaderBytes, kMessageIdBytes);
  broadcast_->Prefetch(id);
}

bool Protocol::OnAddressesFrame(const Incoming& in, uint64_t now, const char** why) {
  AddressList list;
  if (!ParseAddresses(in.frame, &list, why)) return false;
  membership_->OnAddresses(in.peer, list, now);
  return true;
}

bool Protocol::OnLateOpening(const Incoming& in, uint64_t now, const char** why) {
  *why = in.frame.type == kTypeHello ? "second hello" : "full frame after the hello";
  return false;
}

}  // namespace floodchat
