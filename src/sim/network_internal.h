// The simulator's network, inside: its events, the two ends of a
// connection, and the virtual node with the Links its policies act through.
// Private to src/sim/.
#ifndef FLOODCHAT_SIM_NETWORK_INTERNAL_H_
#define FLOODCHAT_SIM_NETWORK_INTERNAL_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "sim/network.h"

namespace floodchat {
namespace sim {

constexpr uint32_t kNone = UINT32_MAX;

enum class SimNetwork::Ev : uint8_t {
  kStart, kRestart, kKill, kCut, kRestore, kPartition, kHeal, kSend, kTimer,
  kSyn, kSynAck, kRefused, kTimedOut, kData, kFin,
};

// One end of a connection.
struct SimNetwork::Side {
  enum State : uint8_t { kConnecting, kHandshake, kLive, kRefusing, kClosed };
  uint32_t node = 0;
  uint32_t incarnation = 0;  // of its node, when it was made
  uint32_t other = kNone;    // the other end; kNone when the dial found no node
  uint32_t latency = 1;
  State state = kConnecting;
  bool outbound = false;
  bool known = false;     // its node's policies know it
  bool retiring = false;
  bool fin_sent = false;  // this end has closed its sending side
  uint64_t peer_node_id = 0;  // from the other end's hello
  PeerAddress address;    // outbound: the address dialled
};

// A virtual node: the policies, and the Links they act through.
class SimNetwork::Node : public Links, public MessageSink {
 public:
  Node(SimNetwork* net, uint32_t index) : net_(net), index_(index) {
    nick_ = "n" + std::to_string(index);
  }

  PeerId DialHost(const Endpoint& endpoint, std::string* error) override {
    unsigned a, b, c, d;
    char end;
    PeerAddress to;
    if (sscanf(endpoint.host.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &end) != 4 || a > 255 ||
        b > 255 || c > 255 || d > 255) {
      *error = "Name or service not known";
      return kNoPeer;
    }
    to.family = 4;
    to.ip[0] = static_cast<uint8_t>(a);
    to.ip[1] = static_cast<uint8_t>(b);
    to.ip[2] = static_cast<uint8_t>(c);
    to.ip[3] = static_cast<uint8_t>(d);
    to.port = endpoint.port;
    return net_->Dial(index_, to);
  }
  PeerId DialAddress(const PeerAddress& address) override { return net_->Dial(index_, address); }
  void Send(PeerId peer, const uint8_t* frames, size_t size) override {
    uint32_t s = peer - 1;
    if (s >= net_->sides_.size()) return;
    const Side& side = net_->sides_[s];
    if (side.node != index_ || side.incarnation != incarnation || side.state != Side::kLive ||
        side.retiring)
      return;
    net_->CountFrames(frames, size);
    net_->SendBytes(s, frames, size);
  }
  // The virtual links deliver at their latency, whatever the volume: nothing
  // waits in a queue.
  size_t Queued(PeerId peer) const override { return 0; }
  void Retire(PeerId peer) override {
    uint32_t s = peer - 1;
    if (s >= net_->sides_.size()) return;
    Side& side = net_->sides_[s];
    if (side.node != index_ || side.state == Side::kClosed || side.retiring) return;
    side.retiring = true;
    // Nothing waits in a queue here: its sending side is shut at once.
    side.fin_sent = true;
    if (side.other != kNone) net_->Schedule(net_->now_ + side.latency, Event{Ev::kFin, side.other});
  }
  std::string Describe(PeerId peer) const override {
    uint32_t s = peer - 1;
    if (s >= net_->sides_.size()) return "?";
    const Side& side = net_->sides_[s];
    PeerAddress a = side.outbound || side.other == kNone ? side.address
                                                         : AddressOf(net_->sides_[side.other].node);
    char text[32];
    snprintf(text, sizeof text, "%u.%u.%u.%u:%u", a.ip[0], a.ip[1], a.ip[2], a.ip[3], a.port);
    return text;
  }
  void NeighbourNick(PeerId peer, std::string_view nick) override {}
  void Deliver(const Message& message, uint64_t now) override { net_->Delivered(index_, message); }

  const std::string& nick() const { return nick_; }

  uint32_t incarnation = 0;
  bool alive = false;
  uint64_t alive_since = 0;
  uint64_t node_id = 0;
  uint64_t wake_at = UINT64_MAX;
  std::vector<uint32_t> targets;
  std::vector<uint32_t> open;  // its sides that are not closed
  Log log{-1};
  std::unique_ptr<Protocol> protocol;

 private:
  SimNetwork* net_;
  uint32_t index_;
  std::string nick_;
};

}  // namespace sim
}  // namespace floodchat

#endif  // FLOODCHAT_SIM_NETWORK_INTERNAL_H_
