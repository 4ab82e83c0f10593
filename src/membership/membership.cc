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

bool Membership::Shunned(uint64_t node_id) const {
  for (uint64_t id : shunned_)
    if (id == node_id) return true;
  return false;
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
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    if (t.text != text) continue;
    if (!t.dropped) {
      log_->Say(Level::kInfo, "%s: already kept connected", text.c_str());
      return;
    }
    // Dropped by /disconnect before: kept again, from a clean slate.
    for (size_t k = 0; k < shunned_.size(); ++k)
      if (shunned_[k] == t.node_id) shunned_.erase(shunned_.begin() + static_cast<long>(k));
    t.dropped = false;
    t.failures = 0;
    t.self = false;
    t.retry_at = 0;
    if (t.peer == kNoPeer) DialTarget(i, now);
    return;
  }
  Target t;
  t.endpoint = endpoint;
  t.text = text;
  targets_.push_back(t);
  DialTarget(targets_.size() - 1, now);
}

// While leaving with own messages still waiting for a first peer, the drain
// time (5 s) is all there is: a target is retried every half second at most
// (a one-shot `echo hi | floodchat -c hub:port` while the hub starts).
uint64_t Membership::RetryWait(uint32_t failures) {
  uint64_t wait = BackoffMs(failures, &rng_);
  return draining_ && wait > kLeavingRetryMs ? kLeavingRetryMs : wait;
}

// The first failure in a row is an error (unless it is none: a full node that
// offered other addresses); the retries are routine, but a target still
// failing after kUnreachableAfter attempts is said once more.
void Membership::ReportFailure(const Target& t, const std::string& error, uint64_t wait,
                               bool is_error) {
  if (t.failures == 1 && is_error) {
    log_->Say(Level::kError, "connect to %s: %s; retrying in %.1f s", t.text.c_str(),
              error.c_str(), static_cast<double>(wait) / 1000);
  } else if (t.failures == kUnreachableAfter && !draining_) {
    log_->Say(Level::kInfo,
              "connect to %s: %u attempts in a row failed (%s); still retrying, up to a "
              "minute apart (/disconnect %s stops it)",
              t.text.c_str(), t.failures, error.c_str(), t.text.c_str());
  } else {
    log_->Say(Level::kDebug, "connect to %s: %s; retrying in %.1f s", t.text.c_str(),
              error.c_str(), static_cast<double>(wait) / 1000);
  }
}

void Membership::BeginDrain(uint64_t now) {
  draining_ = true;
  // Waits set before leaving may be long; the drain time is not.
  for (Target& t : targets_)
    if (t.peer == kNoPeer && t.retry_at > now + kLeavingRetryMs) t.retry_at = now + kLeavingRetryMs;
  if (next_maintain_ > now + kLeavingRetryMs) next_maintain_ = now + kLeavingRetryMs;
}

bool Membership::StillTrying() const {
  for (const Target& t : targets_)
    if (!t.self && !t.dropped) return true;
  return config_.peers > 0 && book_.size() > 0;
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
    uint64_t wait = RetryWait(t.failures);
    t.retry_at = now + wait;
    ReportFailure(t, error, wait, true);
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
  if (now >= lonely_at_) {
    lonely_at_ = UINT64_MAX;
    if (LiveConnections() == 0 && !draining_) log_->Say(Level::kInfo, "not connected to any peer now");
  }
  if (now < next_maintain_) return;
  next_maintain_ = now + kMaintainMs;
  if (draining_ && !need_peer) return;
  for (size_t i = 0; i < targets_.size(); ++i) {
    Target& t = targets_[i];
    if (t.self || t.dropped || t.peer != kNoPeer) continue;
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
      if (!book_.Pick(now, &rng_, [this](uint64_t id) { return NodeConnected(id) || Shunned(id); }, &a)) {
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
  if (l->from_book && Shunned(up.node_id)) {
    // A gossiped address of a node closed by /disconnect.
    log_->Say(Level::kDebug, "%s: closed by /disconnect before; closing this one",
              links_->Describe(peer).c_str());
    l->end = End::kDuplicate;
    Detach(l, std::string(), now);
    return UpVerdict::kRetire;
  }
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
  // Routine in a mesh, and for a /connect to a node already connected: the
  // node stays connected, which is what was asked. -v shows it.
  log_->Say(Level::kDebug, "%s: already connected to this node (via %s); closing this one",
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
    bool was_live = links_table_[i].live && links_table_[i].end != End::kDuplicate;
    Detach(&links_table_[i], last_error, now);
    links_table_[i] = links_table_.back();
    links_table_.pop_back();
    // The node losing its last peer is worth a line (once no other has come
    // within kLonelyNoticeMs); getting one again says "connected to".
    if (was_live && !draining_ && LiveConnections() == 0) lonely_at_ = now + kLonelyNoticeMs;
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
  // An attempt this node gave up itself, leaving with nothing to send, is
  // not a failure of the address.
  if (!l->outbound || (draining_ && last_error.empty())) return;
  if (t != nullptr && t->dropped) return;  // closed by /disconnect
  // An outbound connection that never got a hello: a failed attempt.
  ++counters_.failures;
  if (l->from_book) book_.DialFailed(l->address, now, &rng_);
  if (t != nullptr) {
    ++t->failures;
    uint64_t wait = RetryWait(t->failures);
    t->retry_at = now + wait;
    ReportFailure(*t, last_error, wait, l->end != End::kFull);
  } else {
    log_->Say(Level::kDebug, "connect to %s: %s", links_->Describe(l->id).c_str(),
              last_error.c_str());
  }
}

size_t Membership::Disconnect(const std::string& text, const std::vector<PeerId>& peers,
                              uint64_t now, std::vector<PeerId>* closed) {
  std::vector<PeerId> retire = peers;
  size_t dropped = 0;
  for (Target& t : targets_) {
    if (t.dropped) continue;
    bool named = !text.empty() && t.text == text;
    for (PeerId p : peers)
      if (t.peer == p) named = true;
    // A target whose connection was closed as a duplicate, reaching one of
    // those nodes by another connection.
    for (const Link& l : links_table_)
      for (PeerId p : peers)
        if (l.id == p && l.live && t.node_id != 0 && t.node_id == l.node_id) named = true;
    if (!named) continue;
    t.dropped = true;
    ++dropped;
    if (t.peer != kNoPeer) retire.push_back(t.peer);
  }
  closed->clear();
  for (size_t i = 0; i < retire.size(); ++i) {
    bool again = false;
    for (size_t j = 0; j < i; ++j) again = again || retire[j] == retire[i];
    Link* l = Find(retire[i]);
    if (again || l == nullptr) continue;
    if (l->node_id != 0 && !Shunned(l->node_id)) {
      if (shunned_.size() == kMaxShunned) shunned_.erase(shunned_.begin());
      shunned_.push_back(l->node_id);
    }
    links_->Retire(retire[i]);
    closed->push_back(retire[i]);
  }
  next_maintain_ = now;
  return dropped;
}

std::vector<WaitingTarget> Membership::WaitingTargets(uint64_t now) const {
  std::vector<WaitingTarget> out;
  for (const Target& t : targets_) {
    if (t.peer != kNoPeer || t.self || t.dropped || (t.node_id != 0 && NodeConnected(t.node_id)))
      continue;
    WaitingTarget w;
    w.text = t.text;
    w.wait_ms = t.retry_at > now ? t.retry_at - now : 0;
    w.failures = t.failures;
    out.push_back(w);
  }
  return out;
}

}  // namespace floodchat
