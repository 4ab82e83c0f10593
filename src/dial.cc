// The mesh: keeping --peers connections open from the address book, keeping
// -c and /connect addresses connected, exchanging address samples, and one
// connection per pair of nodes. Part of the loop (loop.h); the decisions
// themselves are in mesh.h.
#include "wire/frame.h"
#include "loop.h"
#include "peer.h"

namespace floodchat {

namespace {

constexpr uint64_t kMaintainMs = 1000;  // at the latest; sooner for a -c retry
constexpr uint64_t kGossipMs = 30000;       // address samples to every peer, jittered down by up to half
constexpr uint64_t kAskMs = 5000;           // asking peers for addresses while short of them
constexpr uint64_t kAnswerMs = 5000;        // answering one peer's requests at most this often

}  // namespace

std::string Node::BookText(const PeerAddress& a) const {
  return net::AddressText(net::FromPeerAddress(a));
}

size_t Node::OpenConnections() const {
  size_t n = 0;
  for (const auto& p : peers_)
    if (!p->closing && !p->retiring && !p->Refused()) ++n;
  return n;
}

bool Node::NodeConnected(uint64_t node_id) const {
  if (node_id == relay_.node_id()) return true;
  for (const auto& p : peers_)
    if (p->Sendable() && p->node_id == node_id) return true;
  return false;
}

bool Node::WantsConnections() const {
  return options_.peers > 0 && OpenConnections() < options_.peers;
}

// Runs when a -c address is due, at once after a connection ends or new
// addresses arrive (they may be what a short node was waiting for), and at
// least every kMaintainMs: book backoffs are at least half a second, so that
// is soon enough for them.
void Node::Maintain() {
  next_maintain_ = now_ + kMaintainMs;
  // While leaving, only messages still waiting for a first peer justify a
  // new connection.
  if (draining_ && pending_.empty()) return;
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    if (t.self || t.peer != nullptr) continue;
    if (t.node_id != 0 && NodeConnected(t.node_id)) continue;  // reached by another connection
    if (now_ >= t.retry_at) DialTarget(i);
    if (t.peer == nullptr && t.retry_at < next_maintain_) next_maintain_ = t.retry_at;
  }
  if (options_.peers > 0) {
    size_t open = OpenConnections();
    bool short_of_addresses = false;
    while (open < options_.peers && open < options_.max_peers) {
      PeerAddress a;
      if (!book_.Pick(now_, &rng_, [this](uint64_t id) { return NodeConnected(id); }, &a)) {
        short_of_addresses = true;
        break;
      }
      DialFromBook(a);
      ++open;
    }
    if (short_of_addresses && !draining_ && now_ >= next_ask_ && LivePeers() > 0) {
      for (const auto& p : peers_)
        if (p->Sendable()) SendAddresses(p.get(), kAddressesAsk);
      next_ask_ = now_ + kAskMs;
    }
  }
  if (now_ >= next_gossip_ && !draining_) {
    if (next_gossip_ != 0) {
      for (const auto& p : peers_)
        if (p->Sendable()) SendAddresses(p.get(), 0);
    }
    next_gossip_ = now_ + kGossipMs - rng_.Below(kGossipMs / 2);
  }
}

// A sample of recently reachable addresses, never the peer's own. An empty
// sample is sent only as a request.
void Node::SendAddresses(Peer* p, uint8_t flags) {
  PeerAddress offer[kMaxAddressesPerFrame];
  size_t n = book_.Sample(now_, &rng_, kMaxAddressesPerFrame, p->address, offer);
  if (n == 0 && flags == 0) return;
  Buffer frame;
  AppendAddresses(kTypeAddresses, flags, offer, n, &frame);
  Enqueue(p, frame.data(), frame.size());
}

void Node::OnAddresses(Peer* p, const AddressList& list) {
  size_t added = 0;
  for (size_t i = 0; i < list.count; ++i)
    if (book_.Learn(list.addresses[i], now_)) ++added;
  if (added > 0) {
    Say(kDebug, "%s: offered %zu addresses, %zu new", p->label.c_str(), list.count, added);
    next_maintain_ = now_;
  }
  // A request is answered, but not more often than kAnswerMs per peer, so a
  // peer cannot turn one node into a stream of samples.
  if ((list.flags & kAddressesAsk) != 0 && now_ >= p->answered_at + kAnswerMs) {
    p->answered_at = now_;
    SendAddresses(p, 0);
  }
}

void Node::OnFull(Peer* p, const AddressList& list) {
  size_t added = 0;
  for (size_t i = 0; i < list.count; ++i)
    if (book_.Learn(list.addresses[i], now_)) ++added;
  p->end = Peer::End::kFull;
  ClosePeer(p,
            "refused: the node is full; it offered " + std::to_string(list.count) +
                " other addresses (" + std::to_string(added) + " new)",
            p->target >= 0 ? kInfo : kDebug);
}

// Called when `p` has just gone live with `node_id`. If another connection to
// that node is live, one of the two is retired (mesh.h says which). Returns
// true if `p` is the one retired.
bool Node::ResolveDuplicate(Peer* p, uint64_t node_id) {
  for (const auto& q : peers_) {
    if (q.get() == p || !q->Sendable() || q->node_id != node_id) continue;
    switch (ChooseConnection(relay_.node_id(), node_id, q->outbound, p->outbound)) {
      case Keep::kExisting:
        Retire(p, *q);
        return true;
      case Keep::kNew:
        Retire(q.get(), *p);
        return false;
      case Keep::kBoth:
        return false;  // its dialler closes one of them
    }
  }
  return false;
}

void Node::Retire(Peer* p, const Peer& kept) {
  // User-named connections are worth a line; duplicates among automatic
  // dials are routine in a mesh.
  bool named = p->target >= 0 || kept.target >= 0;
  Say(named ? kInfo : kDebug, "%s: already connected to this node (via %s); closing this one",
      Who(*p).c_str(), kept.label.c_str());
  p->end = Peer::End::kDuplicate;
  Detach(p);
  p->retiring = true;
  p->deadline = now_ + limits_.drain_ms;
}

// What the end of a connection (or its retirement) teaches the book and the
// targets. Runs once per connection.
void Node::Detach(Peer* p) {
  if (p->detached) return;
  p->detached = true;
  next_maintain_ = now_;
  bool was_live = p->state == Peer::State::kLive;
  Target* t = p->target >= 0 ? &targets_[static_cast<size_t>(p->target)] : nullptr;
  if (t != nullptr && t->peer == p) t->peer = nullptr;

  if (p->end == Peer::End::kSelf || p->end == Peer::End::kDuplicate) {
    uint64_t id = p->end == Peer::End::kSelf ? relay_.node_id() : p->node_id;
    if (p->in_book) {
      book_.Released(p->address);
    } else if (p->outbound && p->address.family != 0) {
      // What this dial reached: no need to dial it while that node is here.
      book_.DialRedundant(p->address, id, p->end == Peer::End::kSelf);
    }
    if (t != nullptr) {
      t->node_id = id;
      t->failures = 0;
      t->self = p->end == Peer::End::kSelf;
    }
    return;
  }
  if (was_live) {
    if (p->in_book) book_.Disconnected(p->address, now_, &rng_);
    if (t != nullptr) t->retry_at = now_ + BackoffMs(1, &rng_);
    return;
  }
  if (!p->outbound || draining_) return;
  // An outbound connection that never got a hello: a failed attempt.
  ++dial_failures_;
  if (p->from_book) book_.DialFailed(p->address, now_, &rng_);
  if (t != nullptr) {
    ++t->failures;
    uint64_t wait = BackoffMs(t->failures, &rng_);
    t->retry_at = now_ + wait;
    // The first failure in a row is an error; the retries are routine.
    Say(t->failures == 1 && p->end != Peer::End::kFull ? kError : kDebug,
        "connect to %s: %s; retrying in %.1f s", t->text.c_str(), p->last_error.c_str(),
        static_cast<double>(wait) / 1000);
  } else {
    Say(kDebug, "connect to %s: %s", p->label.c_str(), p->last_error.c_str());
  }
}

}  // namespace floodchat
