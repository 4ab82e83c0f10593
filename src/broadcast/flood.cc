#include "broadcast/flood.h"

#include <algorithm>

namespace floodchat {

bool Flood::Init(const FloodConfig& config) {
  hop_limit_ = config.hop_limit;
  return relay_.Init(config.seen, config.node_id, config.counter_start, config.hash_key0,
                     config.hash_key1, config.origin_slots, config.store_bytes);
}

void Flood::SendToAll(const uint8_t* frame, size_t size, PeerId except) {
  bool payload = frame[kLengthBytes] == kTypeMessage;
  for (PeerId peer : peers_) {
    if (peer == except) continue;
    links_->Send(peer, frame, size);
    if (payload) ++payload_sends_;
  }
}

bool Flood::Announce(std::string_view nick, std::string_view event, bool keep_if_alone,
                     uint64_t now) {
  if (peers_.empty() && !keep_if_alone) return false;
  Message m = relay_.Originate(nick, event, hop_limit_, kTypePresence, now + wall_offset_);
  Originated(m);
  return true;
}

void Flood::Originated(const Message& m) {
  scratch_.Clear();
  AppendMessage(m, &scratch_);
  uint64_t seq = relay_.store().next_seq();
  relay_.Keep(m, scratch_.data(), scratch_.size());
  if (peers_.empty()) {
    pending_.Add(scratch_.data(), scratch_.size(), m.type == kTypeMessage, seq);
    return;
  }
  SendToAll(scratch_.data(), scratch_.size(), kNoPeer);
}

Message Flood::Originate(std::string_view nick, std::string_view text, uint64_t now) {
  Message m = relay_.Originate(nick, text, hop_limit_, kTypeMessage, now + wall_offset_);
  Originated(m);
  return m;
}

void Flood::OnMessage(PeerId from, const Message& message, uint8_t* frame, size_t frame_size,
                      uint64_t now, Via via) {
  Verdict v = relay_.Accept(message);
  if (v.duplicate) return;
  sink_->Deliver(message, now);
  if (!v.forward) return;
  // The received frame itself goes on, its hop count raised in place (the
  // connection's input is consumed right after), and is kept as sent on. (A
  // message at its hop limit goes no further, by repair neither: not kept.)
  frame[kFrameHeaderBytes + kHopsOffset] = v.forward_hops;
  relay_.Keep(message, frame, frame_size);
  SendToAll(frame, frame_size, from);
}

void Flood::OnPeerUp(PeerId peer, uint64_t now) {
  peers_.push_back(peer);
  // The first peer to come up carries what was typed while alone.
  payload_sends_ += pending_.FlushTo(links_, peer, log_);
}

void Flood::OnPeerDown(PeerId peer, uint64_t now) {
  auto it = std::find(peers_.begin(), peers_.end(), peer);
  if (it != peers_.end()) peers_.erase(it);
}

void Flood::Tick(uint64_t now) {}

uint64_t Flood::NextWake() const { return UINT64_MAX; }

BroadcastCounters Flood::counters() const {
  BroadcastCounters c = relay_.counters();
  c.payload_sends = payload_sends_;
  return c;
}

}  // namespace floodchat
