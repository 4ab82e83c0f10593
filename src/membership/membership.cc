#include "membership/membership.h"

namespace floodchat {

Membership::Membership(const MembershipConfig& config, Links* links, const Log* log)
    : config_(config), links_(links), log_(log), book_(config.book_capacity), rng_(config.seed) {}

Membership::Link* Membership::Find(PeerId peer) {
  for (Link& l : links_table_)
    if (l.id == peer) return &l;
  return nullptr;
}

size_t Membership::OpenConnections() const {
  size_t n = 0;
  for (const Link& l : links_table_)
    if (l.end != End::kDuplicate) ++n;
  return n;
}

size_t Membership::LiveConnections() const {
  size_t n = 0;
  for (const Link& l : links_table_)
    if (l.live && l.end != End::kDuplicate) ++n;
  return n;
}

bool Membership::WantsConnections() const {
  return config_.peers > 0 && OpenConnections() < config_.peers;
}

bool Membership::NodeConnected(uint64_t node_id) const {
  if (node_id == config_.self_id) return true;
  for (const Link& l : links_table_)
    if (l.live && l.end != End::kDuplicate && l.node_id == node_id) return true;
  return false;
}

// ---- dialling -----------------------------------------------------------------

void Membership::AddTarget(const Endpoint& endpoint, uint64_t now) {
  std::string text = EndpointText(endpoint);
  for (const Target& t : targets_) {
    if (t.text == text) {
      log_->Say(Level::kInfo, "%s: already kept connected", text.c_str());
      return;
    }
  }
  Target t;
  t.endpoint = endpoint;
  t.text = text;
  targets_.push_back(t);
  DialTarget(targets_.size() - 1, now);
}

void Membership::DialTarget(size_t index, uint64_t now) {
  Target& t = targets_[index];
  if (OpenConnections() >= config_.max_peers) {
    // Not a failure of the address: try again once a slot is free.
    t.retry_at = now + BackoffMs(1, &rng_);
    log_->Say(Level::kDebug, "connect to %s: waiting: already %zu connections", t.text.c_str(),
              OpenConnections());
    return;
  }
  ++counters_.attempts;
  std::string error;
  PeerId id = links_->DialHost(t.endpoint, &error);
  if (id == kNoPeer) {
    ++counters_.failures;
    ++t.failures;
    uint64_t wait = BackoffMs(t.failures, &rng_);
    t.retry_at = now + wait;
    log_->Say(t.failures == 1 ? Level::kError : Level::kDebug,
              "connect to %s: %s; retrying in %.1f s", t.text.c_str(), error.c_str(),
              static_cast<double>(wait) / 1000);
    return;
  }
  Link l;
  l.id = id;
  l.outbound = true;
  l.target = static_cast<int>(index);
  links_table_.push_back(l);
  t.peer = id;
}

void Membership::DialFromBook(const PeerAddress& address, uint64_t now) {
  ++counters_.attempts;
  book_.DialStarted(address, now);
  Link l;
  l.id = links_->DialAddress(address);
  l.outbound = true;
  l.from_book = true;
  l.address = address;
  links_table_.push_back(l);
  log_->Say(Level::kDebug, "%s: dialling a known address", links_->Describe(l.id).c_str());
}

// Runs when a -c address is due, at once after a connection ends or new
// addresses arrive (they may be what a short node was waiting for), and at
// least every kMaintainMs: book backoffs are at least half a second, so that
// is soon enough for them.
void Membership::Tick(uint64_t now, bool need_peer) {
  if (now < next_maintain_) return;
  next_maintain_ = now + kMaintainMs;
  if (draining_ && !need_peer) return;
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    if (t.self || t.peer != kNoPeer) continue;
    if (t.node_id != 0 && NodeConnected(t.node_id)) continue;  // reached by another connection
    if (now >= t.retry_at) DialTarget(i, now);
    if (targets_[i].peer == kNoPeer && targets_[i].retry_at < next_maintain_)
      next_maintain_ = targets_[i].retry_at;
  }
  if (config_.peers > 0) {
    size_t open = OpenConnections();
    bool short_of_addresses = false;
    while (open < config_.peers && open < config_.max_peers) {
      PeerAddress a;
      if (!book_.Pick(now, &rng_, [this](uint64_t id) { return NodeConnected(id); }, &a)) {
        short_of_addresses = true;
        break;
      }
      DialFromBook(a, now);
      ++open;
    }
    if (short_of_addresses && !draining_ && now >= next_ask_ && LiveConnections() > 0) {
      for (const Link& l : links_table_)
        if (l.live && l.end != End::kDuplicate) SendAddresses(l, kAddressesAsk, now);
      next_ask_ = now + kAskMs;
    }
  }
  if (now >= next_gossip_ && !draining_) {
    if (next_gossip_ != 0) {
      for (const Link& l : links_table_)
        if (l.live && l.end != End::kDuplicate) SendAddresses(l, 0, now);
    }
    next_gossip_ = now + kGossipMs - rng_.Below(kGossipMs / 2);
  }
}

// ---- addresses ------------------------------------------------------------------

// A sample of recently reachable addresses, never the peer's own. An empty
// sample is sent only as a request.
void Membership::SendAddresses(const Link& link, uint8_t flags, uint64_t now) {
  PeerAddress offer[kMaxAddressesPerFrame];
  size_t n = book_.Sample(now, &rng_, kMaxAddressesPerFrame, link.address, offer);
  if (n == 0 && flags == 0) return;
  Buffer frame;
  AppendAddresses(kTypeAddresses, flags, offer, n, &frame);
  links_->Send(link.id, frame.data(), frame.size());
}

void Membership::OnAddresses(PeerId peer, const AddressList& list, uint64_t now) {
  Link* l = Find(peer);
  if (l == nullptr) return;
  size_t added = 0;
  for (size_t i = 0; i < list.count; ++i)
    if (book_.Learn(list.addresses[i], now)) ++added;
  if (added > 0) {
    log_->Say(Level::kDebug, "%s: offered %zu addresses, %zu new",
              links_->Describe(peer).c_str(), list.count, added);
    next_maintain_ = now;
  }
  // A request is answered, but not more often than kAnswerMs per peer, so a
  // peer cannot turn one node into a stream of samples.
  if ((list.flags & kAddressesAsk) != 0 && (!l->answered || now >= l->answered_at + kAnswerMs)) {
    l->answered = true;
    l->answered_at = now;
    SendAddresses(*l, 0, now);
  }
}

void Membership::AppendRefusal(Buffer* out, uint64_t now) {
  PeerAddress offer[kMaxAddressesPerFrame];
  size_t n = book_.Sample(now, &rng_, kMaxAddressesPerFrame, PeerAddress(), offer);
  AppendAddresses(kTypeFull, 0, offer, n, out);
}

// ---- connections ----------------------------------------------------------------

bool Membership::OnAccepted(PeerId peer, uint64_t now) {
  if (OpenConnections() >= config_.max_peers) return false;
  Link l;
  l.id = peer;
  links_table_.push_back(l);
  return true;
}

UpVerdict Membership::OnPeerUp(PeerId peer, const PeerUp& up, uint64_t now, PeerId* retired) {
  *retired = kNoPeer;
  Link* l = Find(peer);
  if (l == nullptr) return UpVerdict::kRetire;  // not one of ours: cannot happen
  if (up.node_id == config_.self_id) {
    l->end = End::kSelf;  // both ends of it are here
    return UpVerdict::kSelf;
  }
  l->node_id = up.node_id;
  if (!l->outbound || l->address.family == 0) l->address = up.address;
  // Another live connection to the same node: one of the two is retired.
  for (Link& q : links_table_) {
    if (&q == l || !q.live || q.end == End::kDuplicate || q.node_id != up.node_id) continue;
    Keep keep = ChooseConnection(config_.self_id, up.node_id, q.outbound, l->outbound);
    if (keep == Keep::kExisting) {
      Retire(l, q, now);
      return UpVerdict::kRetire;
    }
    if (keep == Keep::kNew) {
      Retire(&q, *l, now);
      links_->Retire(q.id);
      *retired = q.id;
    }
    break;  // kBoth: its dialler closes one of them
  }
  l->live = true;
  if (l->address.family != 0) {
    l->in_book = true;
    bool again = book_.Connected(l->address, up.node_id, now);
    if (l->outbound && again) ++counters_.reconnects;
  }
  if (l->target >= 0) {
    Target& t = targets_[static_cast<size_t>(l->target)];
    t.node_id = up.node_id;
    t.failures = 0;
  }
  SendAddresses(*l, WantsConnections() ? kAddressesAsk : 0, now);
  return UpVerdict::kLive;
}

void Membership::Retire(Link* link, const Link& kept, uint64_t now) {
  // User-named connections are worth a line; duplicates among automatic
  // dials are routine in a mesh.
  bool named = link->target >= 0 || kept.target >= 0;
  log_->Say(named ? Level::kInfo : Level::kDebug,
            "%s: already connected to this node (via %s); closing this one",
            links_->Describe(link->id).c_str(), links_->Describe(kept.id).c_str());
  link->end = End::kDuplicate;
  Detach(link, std::string(), now);
}

Level Membership::OnRefusedFull(PeerId peer, const AddressList& offer, uint64_t now,
                                std::string* why) {
  size_t added = 0;
  for (size_t i = 0; i < offer.count; ++i)
    if (book_.Learn(offer.addresses[i], now)) ++added;
  Link* l = Find(peer);
  if (l != nullptr) l->end = End::kFull;
  *why = "refused: the node is full; it offered " + std::to_string(offer.count) +
         " other addresses (" + std::to_string(added) + " new)";
  return l != nullptr && l->target >= 0 ? Level::kInfo : Level::kDebug;
}

void Membership::OnPeerDown(PeerId peer, const std::string& last_error, uint64_t now) {
  for (size_t i = 0; i < links_table_.size(); ++i) {
    if (links_table_[i].id != peer) continue;
    Detach(&links_table_[i], last_error, now);
    links_table_[i] = links_table_.back();
    links_table_.pop_back();
    return;
  }
}

// What the end of a connection (or its retirement) teaches the book and the
// targets. Runs once per connection.
void Membership::Detach(Link* l, const std::string& last_error, uint64_t now) {
  if (l->detached) return;
  l->detached = true;
  next_maintain_ = now;
  Target* t = l->target >= 0 ? &targets_[static_cast<size_t>(l->target)] : nullptr;
  if (t != nullptr && t->peer == l->id) t->peer = kNoPeer;

  if (l->end == End::kSelf || l->end == End::kDuplicate) {
    uint64_t id = l->end == End::kSelf ? config_.self_id : l->node_id;
    if (l->in_book) {
      book_.Released(l->address);
    } else if (l->outbound && l->address.family != 0) {
      // What this dial reached: no need to dial it while that node is here.
      book_.DialRedundant(l->address, id, l->end == End::kSelf);
    }
    if (t != nullptr) {
      t->node_id = id;
      t->failures = 0;
      t->self = l->end == End::kSelf;
    }
    return;
  }
  if (l->live) {
    if (l->in_book) book_.Disconnected(l->address, now, &rng_);
    if (t != nullptr) t->retry_at = now + BackoffMs(1, &rng_);
    return;
  }
  if (!l->outbound || draining_) return;
  // An outbound connection that never got a hello: a failed attempt.
  ++counters_.failures;
  if (l->from_book) book_.DialFailed(l->address, now, &rng_);
  if (t != nullptr) {
    ++t->failures;
    uint64_t wait = BackoffMs(t->failures, &rng_);
    t->retry_at = now + wait;
    // The first failure in a row is an error; the retries are routine.
    log_->Say(t->failures == 1 && l->end != End::kFull ? Level::kError : Level::kDebug,
              "connect to %s: %s; retrying in %.1f s", t->text.c_str(), last_error.c_str(),
              static_cast<double>(wait) / 1000);
  } else {
    log_->Say(Level::kDebug, "connect to %s: %s", links_->Describe(l->id).c_str(),
              last_error.c_str());
  }
}

std::vector<WaitingTarget> Membership::WaitingTargets(uint64_t now) const {
  std::vector<WaitingTarget> out;
  for (const Target& t : targets_) {
    if (t.peer != kNoPeer || t.self || (t.node_id != 0 && NodeConnected(t.node_id))) continue;
    WaitingTarget w;
    w.text = t.text;
    w.wait_ms = t.retry_at > now ? t.retry_at - now : 0;
    w.failures = t.failures;
    out.push_back(w);
  }
  return out;
}

}  // namespace floodchat
