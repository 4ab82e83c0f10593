#include "presence/presence.h"

#include <algorithm>

#include "base/endian.h"

namespace floodchat {

std::string PresenceEvent(PresenceKind kind, std::string_view old_nick) {
  std::string e(1, static_cast<char>(kind));
  if (kind == PresenceKind::kNick) e += old_nick;
  return e;
}

Presence::Presence(uint64_t self_id, std::string_view self_nick, uint64_t heartbeat_ms)
    : self_id_(self_id), self_nick_(self_nick), heartbeat_ms_(heartbeat_ms) {}

// nodes_ is sorted by node ID: a message's lookup is a binary search.
Presence::Entry* Presence::Find(uint64_t node_id) {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), node_id,
                             [](const Entry& e, uint64_t id) { return e.node_id < id; });
  return it != nodes_.end() && it->node_id == node_id ? &*it : nullptr;
}

Presence::Entry* Presence::Add(uint64_t node_id, uint64_t now) {
  if (nodes_.size() >= kMaxNodes) {
    // A node reported gone goes first, then the one heard from longest ago.
    auto worst = nodes_.begin();
    for (auto it = nodes_.begin(); it != nodes_.end(); ++it)
      if ((it->gone && !worst->gone) || (it->gone == worst->gone && it->heard < worst->heard))
        worst = it;
    nodes_.erase(worst);
  }
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), node_id,
                             [](const Entry& e, uint64_t id) { return e.node_id < id; });
  Entry e;
  e.node_id = node_id;
  e.heard = now;
  return &*nodes_.insert(it, e);
}

void Presence::CheckClash(Entry* e, std::vector<PresenceNotice>* out) {
  if (e->nick != self_nick_) {
    e->clash_told = false;
    return;
  }
  if (e->clash_told || e->gone) return;
  e->clash_told = true;
  PresenceNotice n;
  n.kind = PresenceNotice::Kind::kClash;
  n.node_id = e->node_id;
  n.nick = e->nick;
  out->push_back(n);
}

void Presence::OnHeard(const Message& m, uint64_t now, std::vector<PresenceNotice>* out) {
  uint64_t origin = GetU64(m.id.bytes);
  if (origin == self_id_) return;
  PresenceKind kind = PresenceKind::kAlive;  // a message says as much
  if (m.type == kTypePresence) {
    if (m.text.empty()) return;
    kind = static_cast<PresenceKind>(static_cast<uint8_t>(m.text[0]));
    if (kind != PresenceKind::kJoined && kind != PresenceKind::kLeft &&
        kind != PresenceKind::kNick && kind != PresenceKind::kAlive)
      return;  // from a later version
  }
  Entry* e = Find(origin);
  // The common case, a message or heartbeat from a node known under that
  // nick, allocates nothing.
  if (kind == PresenceKind::kAlive && e != nullptr && !e->gone && e->nick == m.nick) {
    e->heard = now;
    return;
  }
  PresenceNotice n;
  n.node_id = origin;
  n.nick = std::string(m.nick);
  if (kind == PresenceKind::kLeft) {
    n.kind = PresenceNotice::Kind::kLeft;
    bool was_gone = e != nullptr && e->gone;
    if (e != nullptr) nodes_.erase(nodes_.begin() + (e - nodes_.data()));
    if (!was_gone) out->push_back(n);
    return;
  }
  bool known = e != nullptr && !e->gone;
  bool was_gone = e != nullptr && e->gone;
  if (e == nullptr) e = Add(origin, now);
  std::string old = e->nick;
  e->heard = now;
  e->gone = false;
  e->nick = n.nick;
  if (kind == PresenceKind::kJoined) {
    if (!known) {
      n.kind = PresenceNotice::Kind::kJoined;
      out->push_back(n);
    }
  } else if (kind == PresenceKind::kNick) {
    n.kind = PresenceNotice::Kind::kRenamed;
    n.old_nick = known ? old : std::string(m.text.substr(1));
    if (n.old_nick != n.nick) out->push_back(n);
  } else if (was_gone) {
    n.kind = PresenceNotice::Kind::kBack;
    out->push_back(n);
  } else if (known && old != n.nick) {
    // The nick event was missed, or comes later (then it says nothing new).
    n.kind = PresenceNotice::Kind::kRenamed;
    n.old_nick = old;
    out->push_back(n);
  }
  CheckClash(e, out);
}

void Presence::SetOwnNick(std::string_view nick, std::vector<PresenceNotice>* out) {
  self_nick_ = std::string(nick);
  for (Entry& e : nodes_) {
    e.clash_told = false;
    CheckClash(&e, out);
  }
}

void Presence::Tick(uint64_t now, std::vector<PresenceNotice>* out) {
  for (Entry& e : nodes_) {
    if (e.gone || now < e.heard + GoneAfterMs()) continue;
    e.gone = true;
    PresenceNotice n;
    n.kind = PresenceNotice::Kind::kGone;
    n.node_id = e.node_id;
    n.nick = e.nick;
    n.silent_ms = now - e.heard;
    out->push_back(n);
  }
}

uint64_t Presence::NextWake() const {
  uint64_t wake = started_ ? next_heartbeat_ : UINT64_MAX;
  for (const Entry& e : nodes_)
    if (!e.gone && e.heard + GoneAfterMs() < wake) wake = e.heard + GoneAfterMs();
  return wake;
}

std::vector<WhoRow> Presence::Who(uint64_t now) const {
  std::vector<WhoRow> rows;
  WhoRow self;
  self.nick = self_nick_;
  self.node_id = self_id_;
  self.self = true;
  rows.push_back(self);
  for (const Entry& e : nodes_) {
    if (e.gone) continue;
    WhoRow r;
    r.nick = e.nick;
    r.node_id = e.node_id;
    r.heard_ms_ago = now > e.heard ? now - e.heard : 0;
    rows.push_back(r);
  }
  std::sort(rows.begin(), rows.end(), [](const WhoRow& a, const WhoRow& b) {
    return a.nick != b.nick ? a.nick < b.nick : a.node_id < b.node_id;
  });
  return rows;
}

}  // namespace floodchat
