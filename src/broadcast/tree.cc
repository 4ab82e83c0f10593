#include "broadcast/tree.h"

#include <algorithm>

#include "base/endian.h"
#include "base/rng.h"
#include "wire/summary.h"

namespace floodchat {

bool Tree::Init(const FloodConfig& config, const TreeConfig& tree) {
  tree_ = tree;
  hop_limit_ = config.hop_limit;
  own_id_ = config.node_id;
  missing_ = IdMap<Missing>(config.hash_key0 * 3 + config.hash_key1, kMaxMissing);
  trees_ = IdMap<OriginTree>(config.hash_key1 * 5 + config.hash_key0, kMaxOrigins);
  recent_.assign(kRecent, Recent{});
  return relay_.Init(config.seen, config.node_id, config.counter_start, config.hash_key0,
                     config.hash_key1, config.origin_slots, config.store_bytes);
}

Tree::Link* Tree::Find(PeerId peer) {
  for (Link& l : links_up_)
    if (l.id == peer) return &l;
  return nullptr;
}

const Tree::Link* Tree::Find(PeerId peer) const {
  for (const Link& l : links_up_)
    if (l.id == peer) return &l;
  return nullptr;
}

const char* Tree::LinkState(PeerId peer) const {
  const Link* l = Find(peer);
  if (l == nullptr) return nullptr;
  if (!l->tree) return "flood";
  return l->eager ? "eager" : "lazy";
}

size_t Tree::eager_count() const {
  size_t n = 0;
  for (const Link& l : links_up_) n += l.eager ? 1 : 0;
  return n;
}

size_t Tree::lazy_count() const { return links_up_.size() - eager_count(); }

uint64_t Tree::GraftWait(PeerId peer) const {
  const Link* l = Find(peer);
  uint64_t rtt = l == nullptr ? 0 : l->rtt_ms;
  uint64_t w = std::max(2 * rtt, lag_ms_ + lag_ms_ / 4) + 50;
  return std::min(std::max(w, tree_.graft_floor_ms), tree_.graft_ceiling_ms);
}

void Tree::SendControl(PeerId peer, uint8_t type) {
  control_.Clear();
  AppendEmpty(type, &control_);
  links_->Send(peer, control_.data(), control_.size());
}

bool Tree::AnotherPusher(PeerId peer, const OriginTree* t) const {
  for (const Link& l : links_up_)
    if (l.id != peer && !QuietFor(l, t)) return true;
  return false;
}

bool Tree::Settled(const Link& l, uint64_t now) const {
  return l.swapped_at == 0 || now >= l.swapped_at + kSwapIntervalMs;
}

void Tree::SendPrune(PeerId peer, uint64_t origin) {
  control_.Clear();
  AppendPrune(origin, &control_);
  links_->Send(peer, control_.data(), control_.size());
  ++tree_counters_.prunes;
}

void Tree::SendGraft(PeerId peer, uint8_t flags, const MessageId& id) {
  control_.Clear();
  AppendGraft(flags, id, &control_);
  links_->Send(peer, control_.data(), control_.size());
  ++tree_counters_.grafts;
}

namespace {
MessageId OriginKey(uint64_t origin) {
  MessageId k;
  PutU64(k.bytes, origin);
  PutU64(k.bytes + 8, 0);
  return k;
}
}  // namespace

Tree::OriginTree* Tree::TreeOf(uint64_t origin, uint64_t now, bool create) {
  MessageId key = OriginKey(origin);
  OriginTree* t = trees_.Find(key);
  if (t != nullptr || !create) {
    if (t != nullptr) t->used_at = now;
    return t;
  }
  if (trees_.size() >= kMaxOrigins) {
    // The origin heard from least recently gives up its tree.
    MessageId oldest{};
    uint64_t oldest_at = UINT64_MAX;
    trees_.ForEach([&](const MessageId& id, const OriginTree& o) {
      if (o.used_at < oldest_at) {
        oldest_at = o.used_at;
        oldest = id;
      }
    });
    trees_.Erase(oldest);
    ++tree_counters_.trees_evicted;
  }
  OriginTree fresh;
  fresh.used_at = fresh.created_at = now;
  // This node's own messages start eager on every link: a copy straight
  // from its origin is never pruned (OnMessage), so that is where its tree
  // ends up anyway, and a link other origins pruned would otherwise leave
  // that neighbour to graft the first of them, or a whole burst.
  //
  // Another origin's tree starts as a copy of a model (Model), but for
  // the links the model's messages have not crossed (up since they came),
  // which take their last state, as does every link without a model.
  if (origin != own_id_) {
    uint64_t last = 0;
    for (const Link& l : links_up_)
      if (l.slot != kNoSlot && l.tree && !l.eager) last |= uint64_t{1} << l.slot;
    const OriginTree* m = Model(now);
    fresh.lazy = m == nullptr ? last : (m->lazy & m->crossed) | (last & ~m->crossed);
    fresh.quiet = m == nullptr ? last : (m->quiet & m->crossed) | (last & ~m->crossed);
    fresh.forming = m == nullptr;
  }
  return trees_.Insert(key, fresh);
}

// Of the origins heard from lately, the lowest whose tree is older than
// kModelAgeMs, or while none is, the oldest tree. Every node of a network
// holds the model origin's tree (its heartbeats reach all), formed and
// spanning the network, so a tree copied from it is one tree from the
// start, if with longer paths than its own will have once prunes and swaps
// fit it to its origin; the lowest origin is the same model on every node,
// the oldest tree the same on a network that has just started. The links'
// last states, without a model, are a patchwork of many origins' changes, a
// link pruned for one origin at one end and grafted for another at the
// other, which costs copies and grafts: 100 senders of one message each on
// 10,000 simulated nodes, RMR after the first 10 0.79 and 263,533 grafts
// from the last states, 0.18 and 4,357 from the model (bench/README.md).
const Tree::OriginTree* Tree::Model(uint64_t now) const {
  const OriginTree* model = nullptr;
  uint64_t model_origin = 0;
  bool model_formed = false;
  trees_.ForEach([&](const MessageId& id, const OriginTree& o) {
    uint64_t k = GetU64(id.bytes);
    if (k == own_id_ || now > o.used_at + kModelIdleMs) return;
    bool formed = now >= o.created_at + kModelAgeMs;
    bool better = model == nullptr || (formed && !model_formed) ||
                  (formed == model_formed &&
                   (formed ? k < model_origin
                           : o.created_at < model->created_at ||
                                 (o.created_at == model->created_at && k < model_origin)));
    if (better) {
      model = &o;
      model_origin = k;
      model_formed = formed;
    }
  });
  return model;
}

bool Tree::StateFor(const Link& l, const OriginTree* t, uint64_t OriginTree::*mask) {
  if (!l.tree) return false;
  if (t != nullptr && l.slot != kNoSlot) return (t->*mask >> l.slot & 1) != 0;
  return !l.eager;
}

// A tree made without a model (on a network that has just started, its
// first origin's) starts eager on every link, and is cut down to a spanning
// tree by the copies that meet: a link over which each end has the message
// by another way is pruned by both, a round trip after the first copy
// crossed it. Until then every message the origin sends in a burst would
// cross it whole too: 1,000 messages in 100 ms on 10,000 simulated nodes
// cost 2.47 redundant copies per delivery. So while a tree forms, a link is
// given the origin's first message whole and holds back the next ones (a
// span of counters, with the store holding the messages) until the peer
// says what it is: a graft (which a node sends the link its first message
// of an origin came by, OnMessage) makes this node its way in that tree,
// and what was held back goes whole and in order, then the rest as it
// comes; a prune, or a copy from the peer, ends the hold and what was held
// back is not sent. Past the link's graft wait from the tree's first
// message (a prune would have come by then) it goes too. Only one origin's
// messages are held on a link at a time, once each: so a cold burst costs
// a round trip's wait, and nothing is grafted message by message.
bool Tree::Hold(Link* l, OriginTree* t, uint64_t origin, uint64_t counter, uint64_t now) {
  // A peer that does not run the tree would never graft nor prune.
  if (t == nullptr || !t->forming || l->slot == kNoSlot || !l->tree) return false;
  if ((t->pushed >> l->slot & 1) == 0) return false;  // its first goes whole
  if (!l->holding) {
    if (l->held_once && l->hold_origin == origin) return false;
    if (now >= t->created_at + GraftWait(l->id)) return false;
    l->holding = l->held_once = true;
    l->hold_origin = origin;
    l->held = CounterSpan::Of(counter);
    l->hold_until = t->created_at + GraftWait(l->id);
    hold_due_ = std::min(hold_due_, l->hold_until);
    return true;
  }
  if (l->hold_origin != origin) return false;
  if (l->held.Take(counter, kMaxHeld)) return true;
  Release(l);  // a span too long goes now
  return false;
}

void Tree::Release(Link* l) {
  l->holding = false;
  for (uint64_t c = l->held.lo; c != l->held.hi; ++c) {
    const MessageStore::Entry* e = relay_.store().Find(l->hold_origin, c);
    if (e == nullptr) continue;  // not had (or gone from the store: anti-entropy's)
    links_->Send(l->id, e->frame.get(), e->size);
    if (e->type == kTypeMessage) ++payload_sends_;
  }
}

Tree::OriginTree* Tree::KnownTree(uint64_t origin, uint64_t now) {
  // A tree is made only for an origin this node has had a message from (or
  // this node itself): a peer that prunes or grafts for made-up origins
  // changes the shared state alone, and cannot push the real origins' trees
  // out of the table.
  OriginTable::Summary known;
  return TreeOf(origin, now, origin == own_id_ || relay_.origins().Find(origin, &known));
}

Tree::OriginTree* Tree::SlotTree(const Link& l, uint64_t origin, uint64_t now) {
  return l.slot == kNoSlot ? nullptr : KnownTree(origin, now);
}

void Tree::Put(OriginTree* t, uint64_t OriginTree::*mask, const Link& l, bool on) {
  uint64_t bit = uint64_t{1} << l.slot;
  t->*mask = on ? (t->*mask | bit) : (t->*mask & ~bit);
}

void Tree::SetState(Link* l, uint64_t origin, bool lazy, uint64_t now) {
  l->eager = !lazy;
  if (OriginTree* t = SlotTree(*l, origin, now)) Put(t, &OriginTree::lazy, *l, lazy);
}

void Tree::SetBit(Link* l, uint64_t origin, uint64_t OriginTree::*mask, bool on, uint64_t now) {
  if (OriginTree* t = SlotTree(*l, origin, now)) Put(t, mask, *l, on);
}

void Tree::AskWhole(Link* l, uint64_t origin, uint64_t now) {
  l->eager = true;
  if (OriginTree* t = SlotTree(*l, origin, now)) {
    Put(t, &OriginTree::lazy, *l, false);
    Put(t, &OriginTree::quiet, *l, false);
    Put(t, &OriginTree::asked, *l, true);
  }
}

void Tree::AskAnnounced(Link* l, uint64_t origin, bool lazy_too, uint64_t now) {
  if (lazy_too) l->eager = false;
  if (OriginTree* t = SlotTree(*l, origin, now)) {
    Put(t, &OriginTree::quiet, *l, true);
    Put(t, &OriginTree::asked, *l, false);
    if (lazy_too) Put(t, &OriginTree::lazy, *l, true);
  }
  SendPrune(l->id, origin);
}

Tree::Recent& Tree::RecentSlot(const MessageId& id) {
  // Unkeyed: a slot taken by a chosen ID only costs a swap not made.
  return recent_[Mix64(GetU64(id.bytes) + GetU64(id.bytes + 8)) & (kRecent - 1)];
}

// ---- sending ----------------------------------------------------------------------------

void Tree::Spread(const Message& m, uint8_t hops, const uint8_t* frame, size_t size,
                  PeerId except, bool all, uint64_t now) {
  bool payload = m.type == kTypeMessage;
  // Made now if it is the origin's first message here: a copy of its model
  // (TreeOf), which other origins' prunes and grafts change later.
  OriginTree* t = TreeOf(GetU64(m.id.bytes), now, true);
  for (Link& l : links_up_) {
    if (t != nullptr && l.slot != kNoSlot) t->crossed |= uint64_t{1} << l.slot;
    if (l.id == except) continue;
    if (l.holding && l.hold_origin == GetU64(m.id.bytes) && now >= l.hold_until) Release(&l);
    if (all || !LazyFor(l, t)) {
      if (!all && Hold(&l, t, GetU64(m.id.bytes), GetU64(m.id.bytes + 8), now)) continue;
      links_->Send(l.id, frame, size);
      if (payload) ++payload_sends_;
      if (t != nullptr && l.slot != kNoSlot) t->pushed |= uint64_t{1} << l.slot;
      continue;
    }
    l.ihave.resize(l.ihave.size() + kIhaveEntryBytes);
    PutIhaveEntry(m.id, hops, l.ihave.data() + l.ihave.size() - kIhaveEntryBytes);
    if (++l.ihave_count == kMaxIhaveEntries) FlushIhave(&l);
    if (ihave_due_ == UINT64_MAX) ihave_due_ = now + tree_.ihave_window_ms;
  }
}

void Tree::FlushIhave(Link* l) {
  if (l->ihave_count == 0) return;
  control_.Clear();
  AppendIhave(l->ihave.data(), l->ihave_count, &control_);
  links_->Send(l->id, control_.data(), control_.size());
  ++tree_counters_.ihave_frames;
  tree_counters_.ihave_ids += l->ihave_count;
  l->ihave.clear();
  l->ihave_count = 0;
}

void Tree::Originated(const Message& m, uint64_t now) {
  scratch_.Clear();
  AppendMessage(m, &scratch_);
  uint64_t seq = relay_.store().next_seq();
  relay_.Keep(m, scratch_.data(), scratch_.size());
  if (links_up_.empty()) {
    pending_.Add(scratch_.data(), scratch_.size(), m.type == kTypeMessage, seq);
    return;
  }
  Spread(m, 1, scratch_.data(), scratch_.size(), kNoPeer, tree_.own_to_all, now);
}

Message Tree::Originate(std::string_view nick, std::string_view text, uint64_t now) {
  Message m = relay_.Originate(nick, text, hop_limit_, kTypeMessage, now + wall_offset_);
  Originated(m, now);
  return m;
}

bool Tree::Announce(std::string_view nick, std::string_view event, bool keep_if_alone,
                    uint64_t now) {
  if (links_up_.empty() && !keep_if_alone) return false;
  Message m = relay_.Originate(nick, event, hop_limit_, kTypePresence, now + wall_offset_);
  Originated(m, now);
  return true;
}

// ---- receiving --------------------------------------------------------------------------

void Tree::OnMessage(PeerId from, const Message& message, uint8_t* frame, size_t frame_size,
                     uint64_t now, Via via) {
  Link* from_link = Find(from);
  uint64_t origin = GetU64(message.id.bytes);
  Verdict v = relay_.Accept(message);
  if (v.duplicate) {
    // A copy pushed over an eager link: this node has the message by
    // another way, so that link is not needed in the tree. But the last
    // link that still pushes to this node is kept: in a burst, copies in
    // flight come late over every link in turn, and pruning them all would
    // leave the node to graft each message.
    if (via != Via::kPush || from_link == nullptr || !from_link->tree) return;
    // A copy straight from its origin (hops 1) keeps that link eager: it is
    // the origin's shortest way to this node, and only a queue that a burst
    // backed up made another way come first. Pruning it can leave this node
    // and a neighbour each taking the origin's messages from the other only.
    if (message.hops == 1) return;
    const OriginTree* t = TreeOf(origin, now, false);
    if (QuietFor(*from_link, t)) {
      // The peer still pushes what this node takes from it as announcements
      // only: its tree of that origin was made from another model,
      // or the prune is on its way. Said again (13 bytes), but not for each
      // copy of a burst: once per origin per kRepruneMs.
      if (from_link->repruned_origin != origin || from_link->repruned_at == 0 ||
          now >= from_link->repruned_at + kRepruneMs) {
        from_link->repruned_origin = origin;
        from_link->repruned_at = now;
        SendPrune(from, origin);
      }
      return;
    }
    // The peer is pruned; and unless it grafted this origin from this
    // node, whose way in it is, it gets the messages as announcements too:
    // it has them by another way, as a link outside the tree has. (A copy
    // from a peer that did graft from here only says it had that one by
    // another way, as in a repair; it prunes this node if it no longer
    // needs the messages: OnPrune.)
    if (AnotherPusher(from, t))
      AskAnnounced(from_link, origin, !BitOf(*from_link, t, &OriginTree::grafted), now);
    // It has that origin's messages by another way: what was held back for
    // it is not needed.
    if (from_link->holding && from_link->hold_origin == origin) from_link->holding = false;
    return;
  }
  if (const Missing* found = missing_.Find(message.id)) {
    const Missing& miss = *found;
    if (via == Via::kPush) {
      // Clamped: an announcement made ahead of its message (a peer can
      // guess the next counter) must not hold every wait at the ceiling.
      uint64_t sample = std::min(now - miss.first_ms, tree_.graft_ceiling_ms);
      lag_ms_ = lag_ms_ == 0 ? sample : (lag_ms_ * 7 + sample) / 8;
    } else if (via == Via::kGraft && miss.grafted_from == from && from_link != nullptr) {
      uint64_t sample = now - miss.grafted_at;
      from_link->rtt_ms = from_link->rtt_ms == 0 ? sample : (from_link->rtt_ms * 7 + sample) / 8;
    }
    Forget(message.id, miss);
  }
  sink_->Deliver(message, now);
  Recent& r = RecentSlot(message.id);
  r.id = message.id;
  r.from = from;
  r.hops = message.hops;
  r.used = true;
  // The first message of an origin pushed here: this link is this node's
  // way in that origin's tree, which the peer may be forming and holding
  // the next ones back for (Hold): a graft tells it to send them, 22 bytes
  // per origin. Even when this node has a model: the peer may have none
  // (it has just come up), and a hold that ends at its wait leaves this
  // node to graft the messages held from other links meanwhile, whose
  // copies then come twice (a burst of 300 after one message on 500
  // simulated nodes, seeds 1-5: RMR after 10 median 0.024 with every first
  // message told, 0.198 with only those of trees made without a model).
  if (via == Via::kPush && from_link != nullptr && from_link->tree && origin != own_id_ &&
      TreeOf(origin, now, false) == nullptr) {
    SendGraft(from, kGraftNoFetch, message.id);
    SetBit(from_link, origin, &OriginTree::asked, true, now);
  }
  if (!v.forward) return;
  // As flooding does: the frame goes on as it came, its hop count raised in
  // place, and is kept as sent on.
  frame[kFrameHeaderBytes + kHopsOffset] = v.forward_hops;
  relay_.Keep(message, frame, frame_size);
  Spread(message, v.forward_hops, frame, frame_size, from, false, now);
}

bool Tree::OnIhave(PeerId from, const Frame& frame, uint64_t now, const char** why) {
  size_t count = 0;
  if (!ParseIhave(frame, &count, why)) return false;
  Link* l = Find(from);
  if (l == nullptr) return true;
  l->tree = true;
  for (size_t i = 0; i < count; ++i) {
    IhaveEntry e = IhaveAt(frame, i);
    if (Had(e.id)) {
      // Had already. If this lazy link would have brought it several hops
      // sooner than the eager one that did, the two change places.
      Recent& r = RecentSlot(e.id);
      if (tree_.swap_hops == 0) continue;
      uint64_t origin = GetU64(e.id.bytes);
      const OriginTree* t = TreeOf(origin, now, false);
      if (QuietFor(*l, t) && r.used && r.id == e.id && r.from != from &&
          static_cast<unsigned>(e.hops) + tree_.swap_hops <= r.hops && Settled(*l, now)) {
        Link* old = Find(r.from);
        if (old != nullptr && old->tree && !QuietFor(*old, t) && Settled(*old, now)) {
          l->swapped_at = old->swapped_at = now;
          AskWhole(l, origin, now);
          SendGraft(from, kGraftNoFetch, e.id);
          AskAnnounced(old, origin, true, now);
          ++tree_counters_.swaps;
        }
      }
      continue;
    }
    if (Missing* miss = missing_.Find(e.id)) {
      AddAnnouncer(miss, from, e.hops);
      continue;
    }
    // Behind that origin's IDs this link announced past the bounds, or
    // full, or this peer's share taken: awaited later, in its turn.
    bool behind = l->untracked && GetU64(e.id.bytes) == l->untracked_origin;
    if (behind || !Await(l, e.id, e.hops, now)) NoteUntracked(l, e.id);
  }
  return true;
}

bool Tree::Had(const MessageId& id) const {
  return relay_.seen().Contains(id) || relay_.origins().Covers(id);
}

void Tree::AddAnnouncer(Missing* miss, PeerId peer, uint8_t hops) {
  for (uint8_t k = 0; k < miss->count; ++k)
    if (miss->announcers[k] == peer) return;
  if (miss->count == kMaxAnnouncers) return;
  miss->announcers[miss->count] = peer;
  miss->hops[miss->count++] = hops;
}

bool Tree::Await(Link* l, const MessageId& id, uint8_t hops, uint64_t now) {
  if (l->awaited >= kMaxMissingPerPeer) return false;
  Missing miss;
  miss.first_ms = now;
  miss.deadline = now + GraftWait(l->id);
  miss.announcers[0] = l->id;
  miss.hops[0] = hops;
  miss.count = 1;
  if (missing_.Insert(id, miss) == nullptr) return false;
  ++l->awaited;
  timers_.push(Timer(miss.deadline, id));
  return true;
}

void Tree::NoteUntracked(Link* l, const MessageId& id) {
  uint64_t origin = GetU64(id.bytes), c = GetU64(id.bytes + 8);
  if (!l->untracked) {
    l->untracked = true;
    l->untracked_origin = origin;
    l->untracked_span = CounterSpan::Of(c);
    return;
  }
  // Another origin's, or too far: left to anti-entropy.
  if (origin == l->untracked_origin) l->untracked_span.Take(c, kMaxUntracked);
}

void Tree::Refill(Link* l, uint64_t now) {
  // A bounded step count: a span of IDs had already is skipped over a few
  // turns rather than in one.
  for (int steps = 0; l->untracked && steps < 256; ++steps) {
    if (l->awaited >= kMaxMissingPerPeer || missing_.size() >= kMaxMissing) return;
    MessageId id;
    PutU64(id.bytes, l->untracked_origin);
    PutU64(id.bytes + 8, l->untracked_span.lo);
    if (++l->untracked_span.lo == l->untracked_span.hi) l->untracked = false;
    if (Had(id)) continue;
    if (Missing* miss = missing_.Find(id)) {
      AddAnnouncer(miss, l->id, 255);
      continue;
    }
    Await(l, id, 255, now);
  }
  if (l->untracked) refill_due_ = true;
}

void Tree::Expire(const MessageId& id, Missing* miss, uint64_t now) {
  // The announcer not yet asked that is still up and had the message in
  // the fewest hops is asked (the graft makes its way part of the tree, so
  // the shorter the better: long grafted paths reach the hop limit); when
  // none is left, anti-entropy is the last resort.
  for (;;) {
    int best = -1;
    for (int k = 0; k < miss->count; ++k)
      if ((miss->asked >> k & 1) == 0 && (best < 0 || miss->hops[k] < miss->hops[best])) best = k;
    if (best < 0) break;
    miss->asked |= static_cast<uint8_t>(1u << best);
    PeerId p = miss->announcers[best];
    Link* l = Find(p);
    if (l == nullptr) continue;
    AskWhole(l, GetU64(id.bytes), now);
    SendGraft(p, 0, id);
    miss->grafted_from = p;
    miss->grafted_at = now;
    // The next one is tried sooner: the first wait was spent.
    miss->deadline = now + std::max(GraftWait(p) / 2, tree_.graft_floor_ms);
    timers_.push(Timer(miss->deadline, id));
    return;
  }
  Forget(id, *miss);
}

void Tree::Forget(const MessageId& id, const Missing& miss) {
  if (Link* first = Find(miss.announcers[0])) --first->awaited;
  missing_.Erase(id);
  // Room: a link's untracked IDs can be awaited (on the next Tick).
  for (const Link& l : links_up_) refill_due_ = refill_due_ || l.untracked;
}

bool Tree::OnGraft(PeerId from, const Frame& frame, uint64_t now, const char** why) {
  uint8_t flags = 0;
  MessageId id;
  if (!ParseGraft(frame, &flags, &id, why)) return false;
  Link* l = Find(from);
  if (l == nullptr) return true;
  l->tree = true;
  SetState(l, GetU64(id.bytes), false, now);
  SetBit(l, GetU64(id.bytes), &OriginTree::grafted, true, now);
  // This node is its way in that origin's tree: what was held back goes.
  if (l->holding && l->hold_origin == GetU64(id.bytes)) {
    bool inside = l->held.Contains(GetU64(id.bytes + 8));
    Release(l);
    if (inside) return true;
  }
  if ((flags & kGraftNoFetch) != 0) return true;
  const MessageStore::Entry* e = relay_.store().Find(GetU64(id.bytes), GetU64(id.bytes + 8));
  // A graft asks for one message; a peer that asks faster than it reads is
  // not answered past its queue's bound (it asks another announcer), nor
  // past kAnswerBytesPerSecond, so that 22 bytes asked again and again
  // cannot pull a stored message's 64 KiB each time.
  if (e == nullptr || links_->Queued(from) >= kAnswerQueueLimit) return true;
  if (l->answer_bytes == 0 || now >= l->answer_second + 1000) {  // a new second
    l->answer_second = now;
    l->answer_bytes = 0;
  }
  if (l->answer_bytes + e->size > kAnswerBytesPerSecond) return true;
  l->answer_bytes += e->size;
  control_.Clear();
  AppendEnvelope(kTypeGrafted, e->frame.get(), e->size, &control_);
  links_->Send(from, control_.data(), control_.size());
  ++tree_counters_.graft_answers;
  if (e->type == kTypeMessage) ++payload_sends_;
  return true;
}

bool Tree::OnPrune(PeerId from, const Frame& frame, uint64_t now, const char** why) {
  uint64_t origin = 0;
  if (!ParsePrune(frame, &origin, why)) return false;
  Link* l = Find(from);
  if (l == nullptr) return true;
  l->tree = true;
  SetState(l, origin, true, now);
  SetBit(l, origin, &OriginTree::grafted, false, now);
  // A peer this node had not asked for its messages stops sending them
  // whole too (it pruned on a copy from here, OnMessage).
  if (!BitOf(*l, TreeOf(origin, now, false), &OriginTree::asked))
    SetBit(l, origin, &OriginTree::quiet, true, now);
  if (l->holding && l->hold_origin == origin) l->holding = false;
  return true;
}

bool Tree::OnTreeFrame(PeerId from, const Frame& frame, uint64_t now, const char** why) {
  if (!ParseEmpty(frame, why)) return false;
  Link* l = Find(from);
  if (l != nullptr) l->tree = true;
  return true;
}

// ---- links and time ---------------------------------------------------------------------

void Tree::OnPeerUp(PeerId peer, uint64_t now) {
  Link l;
  l.id = peer;
  // A free slot in the origins' trees, where the new link starts eager.
  for (uint8_t slot = 0; slot < kSlots; ++slot) {
    uint64_t bit = uint64_t{1} << slot;
    if ((slots_used_ & bit) != 0) continue;
    slots_used_ |= bit;
    l.slot = slot;
    trees_.ForEachValue([bit](OriginTree& t) {
      t.lazy &= ~bit;
      t.quiet &= ~bit;
      t.asked &= ~bit;
      t.grafted &= ~bit;
      t.crossed &= ~bit;
      t.pushed &= ~bit;
    });
    break;
  }
  links_up_.push_back(std::move(l));
  SendControl(peer, kTypeTree);
  // The first peer to come up carries what was typed while alone.
  payload_sends_ += pending_.FlushTo(links_, peer, log_);
}

void Tree::OnPeerDown(PeerId peer, uint64_t now) {
  auto it = std::find_if(links_up_.begin(), links_up_.end(),
                         [peer](const Link& l) { return l.id == peer; });
  if (it == links_up_.end()) return;
  if (it->slot != kNoSlot) slots_used_ &= ~(uint64_t{1} << it->slot);
  links_up_.erase(it);
}

void Tree::Tick(uint64_t now) {
  if (now >= ihave_due_) {
    for (Link& l : links_up_) FlushIhave(&l);
    ihave_due_ = UINT64_MAX;
  }
  if (now >= hold_due_) {
    hold_due_ = UINT64_MAX;
    for (Link& l : links_up_) {
      if (l.holding && now >= l.hold_until) Release(&l);
      if (l.holding) hold_due_ = std::min(hold_due_, l.hold_until);
    }
  }
  if (refill_due_) {
    refill_due_ = false;
    for (Link& l : links_up_)
      if (l.untracked) Refill(&l, now);
  }
  while (!timers_.empty() && timers_.top().first <= now) {
    Timer t = timers_.top();
    timers_.pop();
    Missing* miss = missing_.Find(t.second);
    if (miss == nullptr || miss->deadline != t.first) continue;  // stale
    Expire(t.second, miss, now);
  }
  // Timers of IDs that came are left to expire; when they outnumber the
  // awaited ones by far, they are dropped at once.
  if (timers_.size() > 4 * kMaxMissing && timers_.size() > 4 * missing_.size()) {
    std::vector<Timer> live;
    missing_.ForEach([&live](const MessageId& id, const Missing& m) {
      live.push_back(Timer(m.deadline, id));
    });
    timers_ = std::priority_queue<Timer, std::vector<Timer>, Later>(Later(), std::move(live));
  }
}

uint64_t Tree::NextWake() const {
  if (refill_due_) return 0;
  uint64_t t = timers_.empty() ? UINT64_MAX : timers_.top().first;
  return std::min({t, ihave_due_, hold_due_});
}

BroadcastCounters Tree::counters() const {
  BroadcastCounters c = relay_.counters();
  c.payload_sends = payload_sends_;
  return c;
}

}  // namespace floodchat
