#include "sim/network.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sim/network_internal.h"
#include "wire/tree.h"

namespace floodchat {
namespace sim {

namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// "message 123": the index is what the tally reads back.
bool MessageIndex(std::string_view text, uint32_t* index) {
  static const char kPrefix[] = "message ";
  if (text.size() < sizeof kPrefix - 1 || text.compare(0, sizeof kPrefix - 1, kPrefix) != 0)
    return false;
  uint32_t v = 0;
  size_t i = sizeof kPrefix - 1;
  if (i == text.size() || text[i] < '0' || text[i] > '9') return false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) v = v * 10 + (text[i] - '0');
  *index = v;
  return true;
}

}  // namespace

// ---- set-up and results -------------------------------------------------------------

SimNetwork::SimNetwork(const SimConfig& config) : config_(config), rng_(config.seed) {
  window_ = 64;
  while (window_ < config.latency_hi_ms + 2) window_ *= 2;
  ring_.resize(window_);
  nodes_.reserve(config.nodes);
  for (uint32_t i = 0; i < config.nodes; ++i) nodes_.push_back(std::make_unique<Node>(this, i));
}

SimNetwork::~SimNetwork() = default;

PeerAddress SimNetwork::AddressOf(uint32_t node) {
  PeerAddress a;
  a.family = 4;
  uint32_t n = node + 1;
  a.ip[0] = 10;
  a.ip[1] = static_cast<uint8_t>(n >> 16);
  a.ip[2] = static_cast<uint8_t>(n >> 8);
  a.ip[3] = static_cast<uint8_t>(n);
  a.port = kPort;
  return a;
}

bool SimNetwork::NodeOf(const PeerAddress& a, uint32_t* node) {
  if (a.family != 4 || a.ip[0] != 10 || a.port != kPort) return false;
  uint32_t n = static_cast<uint32_t>(a.ip[1]) << 16 | static_cast<uint32_t>(a.ip[2]) << 8 | a.ip[3];
  if (n == 0) return false;
  *node = n - 1;
  return true;
}

bool SimNetwork::Alive(uint32_t node) const { return nodes_[node]->alive; }
uint64_t SimNetwork::AliveSince(uint32_t node) const { return nodes_[node]->alive_since; }

std::vector<uint32_t> SimNetwork::Degrees() const {
  std::vector<uint32_t> d(nodes_.size(), 0);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (uint32_t s : nodes_[i]->open) {
      const Side& x = sides_[s];
      if (x.state == Side::kLive && !x.retiring) ++d[i];
    }
  }
  return d;
}

uint64_t SimNetwork::Missed() const {
  uint64_t missed = 0;
  for (const MessageRecord& m : messages_) {
    if (m.sent_at == 0) continue;
    for (uint32_t v = 0; v < nodes_.size(); ++v) {
      if (v == m.sender || !nodes_[v]->alive || nodes_[v]->alive_since > m.sent_at) continue;
      if ((m.delivered[v / 64] >> (v % 64) & 1) == 0) ++missed;
    }
  }
  return missed;
}

uint64_t SimNetwork::MissedBy(uint32_t v) const {
  uint64_t missed = 0;
  for (const MessageRecord& m : messages_) {
    if (m.sent_at == 0 || v == m.sender || !nodes_[v]->alive || nodes_[v]->alive_since > m.sent_at)
      continue;
    if ((m.delivered[v / 64] >> (v % 64) & 1) == 0) ++missed;
  }
  return missed;
}

TreeCounters SimNetwork::TreeTotals() const {
  TreeCounters t;
  for (const auto& n : nodes_) {
    if (!n->alive || !n->protocol || n->protocol->tree() == nullptr) continue;
    const TreeCounters& c = n->protocol->tree()->tree_counters();
    t.ihave_frames += c.ihave_frames;
    t.ihave_ids += c.ihave_ids;
    t.grafts += c.grafts;
    t.prunes += c.prunes;
    t.graft_answers += c.graft_answers;
    t.swaps += c.swaps;
  }
  return t;
}

uint64_t SimNetwork::Unrecovered(uint32_t v) const {
  if (!nodes_[v]->alive || !nodes_[v]->protocol) return 0;
  return nodes_[v]->protocol->repair().Unrecovered();
}

uint32_t SimNetwork::Latency(uint32_t a, uint32_t b) const {
  uint64_t lo = a < b ? a : b, hi = a < b ? b : a;
  uint64_t h = Mix(Mix(lo * 0x100000001b3ULL + hi) ^ config_.seed);
  return config_.latency_lo_ms +
         static_cast<uint32_t>(h % (config_.latency_hi_ms - config_.latency_lo_ms + 1));
}

bool SimNetwork::IsCut(uint32_t a, uint32_t b) const {
  if (split_ != 0 && (a < split_) != (b < split_)) return true;
  return cuts_.count(a < b ? std::make_pair(a, b) : std::make_pair(b, a)) != 0;
}

// ---- scheduling -------------------------------------------------------------------------

void SimNetwork::Schedule(uint64_t at, const Event& e) {
  if (at < now_) at = now_;
  if (at < now_ + window_) {
    ring_[at % window_].events.push_back(e);
    ++in_ring_;
  } else {
    later_.push(Later{at, seq_++, e});
  }
}

void SimNetwork::Start(uint32_t node, uint64_t at, std::vector<uint32_t> targets) {
  nodes_[node]->targets = std::move(targets);
  Schedule(at, Event{Ev::kStart, node});
}
void SimNetwork::Kill(uint32_t node, uint64_t at) { Schedule(at, Event{Ev::kKill, node}); }
void SimNetwork::Restart(uint32_t node, uint64_t at) { Schedule(at, Event{Ev::kRestart, node}); }
void SimNetwork::Cut(uint32_t a, uint32_t b, uint64_t at) { Schedule(at, Event{Ev::kCut, a, b}); }
void SimNetwork::Restore(uint32_t a, uint32_t b, uint64_t at) {
  Schedule(at, Event{Ev::kRestore, a, b});
}
void SimNetwork::Partition(uint32_t split, uint64_t at, uint64_t until) {
  Schedule(at, Event{Ev::kPartition, split});
  Schedule(until, Event{Ev::kHeal});
}
void SimNetwork::Send(uint32_t node, uint32_t index, uint64_t at) {
  if (messages_.size() <= index) messages_.resize(index + 1);
  Schedule(at, Event{Ev::kSend, node, index});
}

void SimNetwork::RunUntil(uint64_t end) {
  while (now_ <= end) {
    Bucket& b = ring_[now_ % window_];
    // By index: handling an event may schedule more in this millisecond.
    for (size_t i = 0; i < b.events.size(); ++i) {
      Prefetch(b, i);
      Event e = b.events[i];
      ++totals_.events;
      Handle(e, &b);
    }
    in_ring_ -= b.events.size();
    b.events.clear();
    b.bytes.clear();
    if (b.bytes.capacity() > (size_t{1} << 20)) std::vector<uint8_t>().swap(b.bytes);
    if (b.events.capacity() > (size_t{1} << 16)) std::vector<Event>().swap(b.events);
    if (now_ == end) break;
    ++now_;
    if (in_ring_ == 0) {
      // Nothing within the window: jump to the next event, or to the end.
      uint64_t next = later_.empty() ? end : later_.top().time;
      if (next > now_) now_ = next < end ? next : end;
    }
    while (!later_.empty() && later_.top().time < now_ + window_) {
      const Later& l = later_.top();
      ring_[l.time % window_].events.push_back(l.event);
      ++in_ring_;
      later_.pop();
    }
  }
}

// The deliveries of one millisecond touch tables scattered over every node,
// one cache miss after another: the connection's end, its node, the node's
// protocol, its seen table, the ends it forwards to. Before each event, the loads of the events a few
// places ahead are started, a stage each, so that every stage finds the one
// before it in the cache. It changes nothing but the time a run takes.
void SimNetwork::Prefetch(const Bucket& b, size_t i) const {
  constexpr size_t kSide = 12, kNode = 9, kProtocol = 6, kSeen = 3;
  auto data = [&b](size_t j) -> const Event* {
    return j < b.events.size() && b.events[j].kind == Ev::kData ? &b.events[j] : nullptr;
  };
  if (const Event* e = data(i + kSide)) __builtin_prefetch(&sides_[e->a]);
  if (const Event* e = data(i + kNode)) __builtin_prefetch(nodes_[sides_[e->a].node].get());
  if (const Event* e = data(i + kProtocol)) {
    const Node& n = *nodes_[sides_[e->a].node];
    if (n.protocol) __builtin_prefetch(n.protocol.get());
    __builtin_prefetch(n.open.data());
  }
  if (const Event* e = data(i + kSeen)) {
    const Node& n = *nodes_[sides_[e->a].node];
    if (n.protocol) n.protocol->Prefetch(b.bytes.data() + e->b, e->c);
    // The ends it may forward to.
    for (uint32_t s : n.open) __builtin_prefetch(&sides_[s]);
  }
}

void SimNetwork::Reschedule(uint32_t node) {
  Node& n = *nodes_[node];
  if (!n.alive) return;
  uint64_t w = n.protocol->NextWake();
  if (w < now_) w = now_;
  if (w < n.wake_at) {
    n.wake_at = w;
    Schedule(w, Event{Ev::kTimer, node, n.incarnation});
  }
}

// ---- events -----------------------------------------------------------------------------

// Connections reset by a cut: each end sees the other go.
void SimNetwork::Reset(const std::vector<uint32_t>& sides) {
  for (uint32_t s : sides) {
    uint32_t o = sides_[s].other;
    sides_[s].fin_sent = sides_[o].fin_sent = true;
    CloseSide(s, "Connection reset by peer");
    CloseSide(o, "Connection reset by peer");
  }
}

void SimNetwork::Handle(const Event& e, Bucket* bucket) {
  switch (e.kind) {
    case Ev::kStart:
      StartNode(e.a);
      break;
    case Ev::kRestart:
      if (!nodes_[e.a]->alive) StartNode(e.a);
      break;
    case Ev::kKill:
      KillNode(e.a);
      break;
    case Ev::kCut: {
      cuts_.insert(e.a < e.b ? std::make_pair(e.a, e.b) : std::make_pair(e.b, e.a));
      // Its connections are reset: each end sees the other go.
      std::vector<uint32_t> crossing;
      for (uint32_t s : nodes_[e.a]->open)
        if (sides_[s].other != kNone && sides_[sides_[s].other].node == e.b) crossing.push_back(s);
      Reset(crossing);
      break;
    }
    case Ev::kRestore:
      cuts_.erase(e.a < e.b ? std::make_pair(e.a, e.b) : std::make_pair(e.b, e.a));
      break;
    case Ev::kPartition: {
      split_ = e.a;
      std::vector<uint32_t> crossing;
      for (uint32_t s = 0; s < sides_.size(); ++s) {
        const Side& side = sides_[s];
        if (side.state == Side::kClosed || side.other == kNone || s > side.other) continue;
        if ((side.node < split_) != (sides_[side.other].node < split_)) crossing.push_back(s);
      }
      Reset(crossing);
      break;
    }
    case Ev::kHeal:
      split_ = 0;
      break;
    case Ev::kSend: {
      Node& n = *nodes_[e.a];
      MessageRecord& m = messages_[e.b];
      if (!n.alive) break;
      m.sender = e.a;
      m.sent_at = now_;
      if (m.delivered.empty()) m.delivered.assign((nodes_.size() + 63) / 64, 0);
      std::string text = "message " + std::to_string(e.b);
      if (text.size() < config_.text_bytes) text.resize(config_.text_bytes, '.');
      n.protocol->Originate(n.nick(), text, now_);
      Reschedule(e.a);
      break;
    }
    case Ev::kTimer: {
      Node& n = *nodes_[e.a];
      if (!n.alive || n.incarnation != e.b || n.wake_at != now_) break;  // a stale one
      n.wake_at = UINT64_MAX;
      n.protocol->Tick(now_);
      Reschedule(e.a);
      break;
    }
    case Ev::kSyn:
      OnSyn(e.a);
      break;
    case Ev::kSynAck: {
      Side& x = sides_[e.a];
      if (x.state != Side::kConnecting) break;
      Node& n = *nodes_[x.node];
      x.state = Side::kHandshake;
      Buffer hello;
      AppendHello(n.node_id, n.nick(), kPort, &hello);
      CountFrames(hello.data(), hello.size());
      SendBytes(e.a, hello.data(), hello.size());
      break;
    }
    case Ev::kRefused:
    case Ev::kTimedOut: {
      Side& x = sides_[e.a];
      x.fin_sent = true;  // there is nobody to tell
      CloseSide(e.a, e.kind == Ev::kRefused ? "Connection refused" : "timed out");
      break;
    }
    case Ev::kData:
      OnData(e.a, bucket->bytes.data() + e.b, e.c);
      break;
    case Ev::kFin:
      CloseSide(e.a, "connection closed");
      break;
  }
}

void SimNetwork::StartNode(uint32_t node) {
  Node& n = *nodes_[node];
  ++n.incarnation;
  n.alive = true;
  n.alive_since = now_;
  n.wake_at = UINT64_MAX;
  n.node_id = rng_.Next() | 1;
  ProtocolConfig c;
  c.max_text = config_.text_bytes;
  c.membership.self_id = n.node_id;
  c.membership.peers = config_.peers;
  c.membership.max_peers = config_.max_peers;
  c.membership.book_capacity = config_.book_capacity;
  c.membership.seed = rng_.Next();
  c.flood.node_id = n.node_id;
  c.flood.counter_start = rng_.Next();
  c.flood.hash_key0 = rng_.Next();
  c.flood.hash_key1 = rng_.Next();
  c.flood.seen = config_.seen;
  c.flood.origin_slots = config_.origin_slots;
  c.flood.store_bytes = config_.store_bytes;
  c.flood.hop_limit = config_.hop_limit;
  c.broadcast = config_.broadcast;
  c.tree = config_.tree;
  c.since_ms = kWallEpochMs + (now_ - kEpochMs);
  n.protocol = std::make_unique<Protocol>(&n, &n, &n.log);
  if (!n.protocol->Init(c)) {
    fprintf(stderr, "floodchat-sim: node %u: out of memory\n", node);
    exit(1);
  }
  // Every node's wall clock agrees: virtual time from kWallEpochMs.
  n.protocol->SetWallClock(kWallEpochMs, kEpochMs);
  for (uint32_t t : n.targets) {
    PeerAddress a = AddressOf(t);
    Endpoint e;
    char host[16];
    snprintf(host, sizeof host, "%u.%u.%u.%u", a.ip[0], a.ip[1], a.ip[2], a.ip[3]);
    e.host = host;
    e.port = a.port;
    n.protocol->AddTarget(e, now_);
  }
  Reschedule(node);
}

void SimNetwork::KillNode(uint32_t node) {
  Node& n = *nodes_[node];
  if (!n.alive) return;
  // The process is gone: its connections close without a word to its own
  // policies, and the other ends see them close.
  std::vector<uint32_t> open;
  open.swap(n.open);
  for (uint32_t s : open) {
    Side& x = sides_[s];
    x.known = false;
    if (!x.fin_sent && x.other != kNone) {
      x.fin_sent = true;
      Schedule(now_ + x.latency, Event{Ev::kFin, x.other});
    }
    x.state = Side::kClosed;
  }
  n.alive = false;
  n.protocol.reset();
}

// ---- the tally --------------------------------------------------------------------------

void SimNetwork::Delivered(uint32_t node, const Message& message) {
  uint32_t index;
  if (!MessageIndex(message.text, &index) || index >= messages_.size()) return;
  MessageRecord& m = messages_[index];
  if (m.delivered.empty()) m.delivered.assign((nodes_.size() + 63) / 64, 0);
  uint64_t& word = m.delivered[node / 64];
  uint64_t bit = uint64_t{1} << (node % 64);
  if ((word & bit) != 0) {
    ++totals_.duplicates_printed;
    return;
  }
  word |= bit;
  m.last_delivery = now_;
  ++m.deliveries;
  ++totals_.deliveries;
  if (message.hops > m.max_hops) m.max_hops = message.hops;
}

void SimNetwork::CountFrames(const uint8_t* bytes, size_t size) {
  size_t at = 0;
  while (at + kFrameHeaderBytes <= size) {
    size_t wire = kLengthBytes + GetU32(bytes + at);
    uint8_t type = bytes[at + kLengthBytes];
    // A graft's answer is a payload sent, in its envelope.
    size_t inner = type == kTypeGrafted ? kFrameHeaderBytes : 0;
    if (type == kTypeMessage ||
        (type == kTypeGrafted && wire >= 2 * kFrameHeaderBytes &&
         bytes[at + kFrameHeaderBytes + kLengthBytes] == kTypeMessage)) {
      ++totals_.payload_sends;
      Frame f;
      Message m;
      const char* why = nullptr;
      uint32_t index;
      if (DecodeFrame(bytes + at + inner, wire - inner, wire, &f, &why) == DecodeStatus::kFrame &&
          ParseMessage(f, &m, &why) && MessageIndex(m.text, &index) && index < messages_.size())
        ++messages_[index].payload_sends;
    } else {
      totals_.control_bytes += wire;
    }
    at += wire;
  }
}

}  // namespace sim
}  // namespace floodchat
