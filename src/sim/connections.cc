// The simulator's connections: dialling, accepting or refusing, the bytes
// on a connection and its end. Part of SimNetwork (network.h).
#include <cstdio>
#include <cstdlib>

#include "sim/network.h"
#include "sim/network_internal.h"

namespace floodchat {
namespace sim {

namespace {

constexpr uint64_t kDialTimeoutMs = kDefaultHandshakeTimeout * 1000;

}  // namespace

PeerId SimNetwork::Dial(uint32_t from, const PeerAddress& to) {
  uint32_t a = static_cast<uint32_t>(sides_.size());
  sides_.emplace_back();
  Side& x = sides_[a];
  x.node = from;
  x.incarnation = nodes_[from]->incarnation;
  x.outbound = true;
  x.known = true;
  x.address = to;
  nodes_[from]->open.push_back(a);
  uint32_t target;
  if (!NodeOf(to, &target) || target >= nodes_.size()) {
    x.latency = config_.latency_lo_ms;
    Schedule(now_ + 2 * x.latency, Event{Ev::kRefused, a});
    return a + 1;
  }
  x.latency = Latency(from, target);
  if (IsCut(from, target)) {
    Schedule(now_ + kDialTimeoutMs, Event{Ev::kTimedOut, a});
    return a + 1;
  }
  uint32_t b = static_cast<uint32_t>(sides_.size());
  sides_.emplace_back();
  Side& y = sides_[b];
  Side& xx = sides_[a];  // emplace_back may have moved it
  y.node = target;
  y.other = a;
  y.latency = xx.latency;
  xx.other = b;
  Schedule(now_ + xx.latency, Event{Ev::kSyn, b});
  return a + 1;
}

void SimNetwork::OnSyn(uint32_t b) {
  Side& y = sides_[b];
  Side& x = sides_[y.other];
  Node& n = *nodes_[y.node];
  if (!n.alive || x.state == Side::kClosed) {
    // Nobody listens (or the dialler is gone): refused, after a round trip.
    y.state = Side::kClosed;
    y.fin_sent = true;
    if (x.state != Side::kClosed) Schedule(now_ + y.latency, Event{Ev::kRefused, y.other});
    return;
  }
  y.incarnation = n.incarnation;
  y.state = Side::kHandshake;
  n.open.push_back(b);
  // The dialler learns it is connected before the first bytes arrive.
  Schedule(now_ + y.latency, Event{Ev::kSynAck, y.other});
  if (!n.protocol->OnAccepted(b + 1, now_)) {
    Refuse(b);
  } else {
    y.known = true;
    Buffer hello;
    AppendHello(n.node_id, n.nick(), kPort, &hello);
    CountFrames(hello.data(), hello.size());
    SendBytes(b, hello.data(), hello.size());
  }
  Reschedule(y.node);
}

// Over --max-peers: a full frame instead of the hello, then the sending side
// is shut; the connection closes when the dialler closes it.
void SimNetwork::Refuse(uint32_t b) {
  Side& y = sides_[b];
  Node& n = *nodes_[y.node];
  y.state = Side::kRefusing;
  Buffer full;
  n.protocol->AppendRefusal(&full, now_);
  CountFrames(full.data(), full.size());
  SendBytes(b, full.data(), full.size());
  y.fin_sent = true;
  Schedule(now_ + y.latency, Event{Ev::kFin, y.other});
}

void SimNetwork::SendBytes(uint32_t side, const uint8_t* bytes, size_t size) {
  const Side& x = sides_[side];
  if (x.other == kNone || x.fin_sent) return;
  uint64_t at = now_ + x.latency;
  Bucket& b = ring_[at % window_];
  // Bytes for the same end arriving in the same millisecond go in one piece,
  // as one turn's writes to a socket do.
  if (!b.events.empty()) {
    Event& last = b.events.back();
    if (last.kind == Ev::kData && last.a == x.other && last.b + last.c == b.bytes.size()) {
      b.bytes.insert(b.bytes.end(), bytes, bytes + size);
      last.c += static_cast<uint32_t>(size);
      return;
    }
  }
  b.events.push_back(Event{Ev::kData, x.other, static_cast<uint32_t>(b.bytes.size()),
                           static_cast<uint32_t>(size)});
  ++in_ring_;
  b.bytes.insert(b.bytes.end(), bytes, bytes + size);
}

void SimNetwork::CloseSide(uint32_t side, const std::string& why) {
  Side& x = sides_[side];
  if (x.state == Side::kClosed) return;
  x.state = Side::kClosed;
  Node& n = *nodes_[x.node];
  for (size_t i = 0; i < n.open.size(); ++i) {
    if (n.open[i] == side) {
      n.open[i] = n.open.back();
      n.open.pop_back();
      break;
    }
  }
  if (!x.fin_sent && x.other != kNone) {
    x.fin_sent = true;
    Schedule(now_ + x.latency, Event{Ev::kFin, x.other});
  }
  if (x.known && n.alive && n.incarnation == x.incarnation) {
    x.known = false;
    n.protocol->OnPeerDown(side + 1, why, now_);
    Reschedule(x.node);
  }
}

void SimNetwork::OnData(uint32_t side, uint8_t* bytes, size_t size) {
  const uint32_t node = sides_[side].node;
  Node& n = *nodes_[node];
  if (sides_[side].state == Side::kClosed || sides_[side].state == Side::kRefusing || !n.alive ||
      n.incarnation != sides_[side].incarnation)
    return;
  size_t max_frame = MaxFrameLength(config_.text_bytes);
  size_t at = 0;
  while (at < size && sides_[side].state != Side::kClosed) {
    Frame f;
    const char* why = nullptr;
    if (DecodeFrame(bytes + at, size - at, max_frame, &f, &why) != DecodeStatus::kFrame) {
      // Every send is whole frames, so this is the simulator's own bug.
      fprintf(stderr, "floodchat-sim: a connection's bytes do not end on a frame\n");
      abort();
    }
    if (sides_[side].state != Side::kLive) {
      OnOpening(side, f);
    } else {
      Incoming in;
      in.peer = side + 1;
      in.node_id = sides_[side].peer_node_id;
      in.frame = f;
      in.bytes = bytes + at;
      in.rest = bytes + at + f.wire_size;
      in.rest_size = size - at - f.wire_size;
      if (!n.protocol->OnFrame(in, now_, &why)) CloseSide(side, std::string("protocol error: ") + why);
    }
    at += f.wire_size;
  }
  Reschedule(node);
}

void SimNetwork::OnOpening(uint32_t side, const Frame& f) {
  Side& x = sides_[side];
  Node& n = *nodes_[x.node];
  Hello h;
  AddressList full;
  const char* why = nullptr;
  switch (ParseOpening(f, x.outbound, false, &h, &full, &why)) {
    case Opening::kError:
    case Opening::kKeyed:
      CloseSide(side, std::string("protocol error: ") + why);
      return;
    case Opening::kFull: {
      std::string reason;
      n.protocol->OnRefusedFull(side + 1, full, now_, &reason);
      CloseSide(side, reason);
      return;
    }
    case Opening::kHello:
      break;
  }
  x.state = Side::kLive;
  x.peer_node_id = h.node_id;
  PeerUp up;
  up.outbound = x.outbound;
  if (x.outbound) {
    up.address = x.address;
  } else {
    // The IP the connection comes from, with the port its hello gave.
    up.address = AddressOf(sides_[x.other].node);
    up.address.port = h.listen_port;
  }
  up.node_id = h.node_id;
  up.nick = h.nick;
  switch (n.protocol->OnPeerUp(side + 1, up, now_)) {
    case UpVerdict::kSelf:
      CloseSide(side, "this is a connection to this node itself; closed");
      break;
    case UpVerdict::kRetire:
      n.Retire(side + 1);
      break;
    case UpVerdict::kLive:
      break;
  }
}

}  // namespace sim
}  // namespace floodchat
