#include "broadcast/repair.h"

#include <algorithm>
#include <cstdio>

#include "base/rng.h"

namespace floodchat {

Digest Repair::OwnDigest() const {
  const OriginTable& t = broadcast_->origins();
  Digest d;
  d.origins = static_cast<uint32_t>(t.size());
  uint64_t gaps = 0;
  for (size_t slot = 0; slot < t.size(); ++slot) {
    OriginRecord r;
    t.Describe(slot, &r);
    // Order does not matter: a sum of mixed (origin, top) pairs.
    d.hash += Mix64(r.node_id ^ Mix64(r.top));
    for (size_t g = 0; g < r.gap_count; ++g) gaps += r.gaps[g].end - r.gaps[g].start;
  }
  d.gaps = gaps > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(gaps);
  return d;
}

std::vector<OriginRecord> Repair::OwnRecords() const {
  const OriginTable& t = broadcast_->origins();
  std::vector<OriginRecord> records(t.size());
  for (size_t slot = 0; slot < t.size(); ++slot) t.Describe(slot, &records[slot]);
  return records;
}

Repair::PeerState* Repair::Find(PeerId peer) {
  for (PeerState& p : peers_)
    if (p.id == peer) return &p;
  return nullptr;
}

void Repair::SendSummary(PeerState* p, uint8_t flags, uint64_t now) {
  uint64_t evictions = broadcast_->origins().evictions();
  if (evictions != evictions_seen_) {
    evictions_seen_ = evictions;
    since_ms_ = now + wall_offset_;
  }
  scratch_.Clear();
  AppendSummary(flags, since_ms_, OwnRecords(), &scratch_);
  links_->Send(p->id, scratch_.data(), scratch_.size());
  // Frames, counted by their type bytes' positions.
  for (size_t at = 0; at < scratch_.size(); at += kLengthBytes + GetU32(scratch_.data() + at))
    ++counters_.summaries_sent;
  counters_.sync_bytes += scratch_.size();
}

void Repair::OnPeerUp(PeerId peer, uint64_t now, uint64_t horizon) {
  if (Find(peer) != nullptr) return;
  peers_.emplace_back();
  PeerState& p = peers_.back();
  p.id = peer;
  p.next_digest = now + config_.interval_ms;
  p.summaries_left = config_.summaries_per_interval;
  p.digests_left = config_.digests_per_interval;
  p.horizon = horizon == UINT64_MAX ? broadcast_->store().next_seq() : horizon;
  p.owe_before = p.owe_next = p.horizon;
  SendSummary(&p, kSummaryAsk, now);
  if (config_.history != 0 && !history_asked_) {
    // Asked once, of the first peer: the node's first connection.
    history_asked_ = true;
    history_peer_ = peer;
    scratch_.Clear();
    AppendCount(kTypeHistory, static_cast<uint16_t>(config_.history), &scratch_);
    links_->Send(peer, scratch_.data(), scratch_.size());
  }
}

bool Repair::OnHistory(PeerId peer, const Frame& frame, uint64_t now, const char** why) {
  uint16_t want;
  if (!ParseCount(frame, &want, why)) return false;
  PeerState* p = Find(peer);
  if (p == nullptr) return true;
  const MessageStore& store = broadcast_->store();
  // The latest `want` messages kept before the peer came up (later ones it
  // had live), with the presence events among them, oldest first.
  size_t end = CounterBefore(p->horizon, store.first_seq())
                   ? 0
                   : std::min<size_t>(store.size(), p->horizon - store.first_seq());
  size_t from = end, messages = 0;
  while (from > 0 && messages < want && messages < kMaxHistory) {
    --from;
    if (store.at(from).type == kTypeMessage) ++messages;
  }
  std::vector<std::pair<uint64_t, uint64_t>> owed(p->owed.begin() + static_cast<long>(p->sent),
                                                  p->owed.end());
  std::sort(owed.begin(), owed.end());
  for (size_t i = from; i < end; ++i) {
    auto id = std::make_pair(store.at(i).origin, store.at(i).counter);
    if (!std::binary_search(owed.begin(), owed.end(), id)) p->owed.push_back(id);
  }
  p->history_end = true;
  p->history_count = static_cast<uint16_t>(messages);
  if (p->sent == p->owed.size()) Pace(p);  // nothing else waits: end it now
  return true;
}

bool Repair::OnHistoryEnd(PeerId peer, const Frame& frame, bool* done, const char** why) {
  uint16_t count;
  if (!ParseCount(frame, &count, why)) return false;
  *done = peer == history_peer_;
  if (*done) history_peer_ = kNoPeer;
  return true;
}

void Repair::OnPeerDown(PeerId peer, uint64_t now) {
  if (peer == history_peer_) history_peer_ = kNoPeer;
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i].id != peer) continue;
    peers_.erase(peers_.begin() + static_cast<long>(i));
    return;
  }
}

bool Repair::OnDigest(PeerId peer, const Frame& frame, uint64_t now, const char** why) {
  Digest theirs;
  if (!ParseDigest(frame, &theirs, why)) return false;
  PeerState* p = Find(peer);
  if (p == nullptr || p->digests_left <= 0) return true;
  --p->digests_left;
  Digest mine = OwnDigest();
  bool same = theirs.origins == mine.origins && theirs.hash == mine.hash && theirs.gaps == 0 &&
              mine.gaps == 0;
  if (!same) SendSummary(p, kSummaryAsk, now);
  return true;
}

bool Repair::OnSummary(PeerId peer, const Frame& frame, uint64_t now, const char** why) {
  SummaryFrame s;
  if (!ParseSummary(frame, &s, why)) return false;
  PeerState* p = Find(peer);
  if (p == nullptr) return true;
  for (const OriginRecord& r : s.records)
    if (p->records.size() < config_.max_records) p->records.push_back(r);
  if ((s.flags & kSummaryLast) == 0) return true;
  if (p->summaries_left <= 0) {  // over this interval's share: ignored
    p->records.clear();
    return true;
  }
  --p->summaries_left;
  p->since_ms = s.since_ms;
  ++summaries_in_;
  Reckon(p);
  p->records.clear();
  p->records.shrink_to_fit();
  if ((s.flags & kSummaryAsk) != 0) SendSummary(p, 0, now);
  return true;
}

void Repair::Reckon(PeerState* p) {
  std::sort(p->records.begin(), p->records.end(),
            [](const OriginRecord& a, const OriginRecord& b) { return a.node_id < b.node_id; });
  // What is already owed stays owed (in order); what the new summary says is
  // lacked joins it once.
  std::vector<std::pair<uint64_t, uint64_t>> owed(p->owed.begin() + static_cast<long>(p->sent),
                                                  p->owed.end());
  std::sort(owed.begin(), owed.end());
  std::vector<std::pair<uint64_t, uint64_t>> fresh;
  const MessageStore& store = broadcast_->store();
  size_t before = p->owe_before - store.first_seq() < store.size()
                      ? static_cast<size_t>(p->owe_before - store.first_seq())
                      : store.size();
  if (CounterBefore(p->owe_before, store.first_seq())) before = 0;  // all kept before were evicted
  for (size_t i = 0; i < before && owed.size() + fresh.size() < config_.max_owed; ++i) {
    const MessageStore::Entry& e = store.at(i);
    OriginRecord key;
    key.node_id = e.origin;
    auto it = std::lower_bound(
        p->records.begin(), p->records.end(), key,
        [](const OriginRecord& a, const OriginRecord& b) { return a.node_id < b.node_id; });
    bool known = it != p->records.end() && it->node_id == e.origin;
    bool lacks = known ? RecordLacks(*it, e.counter) : e.sent_ms >= p->since_ms;
    if (!lacks) continue;
    auto id = std::make_pair(e.origin, e.counter);
    if (std::binary_search(owed.begin(), owed.end(), id)) continue;
    fresh.push_back(id);
  }
  if (p->sent > 0) {
    p->owed.erase(p->owed.begin(), p->owed.begin() + static_cast<long>(p->sent));
    p->sent = 0;
  }
  p->owed.insert(p->owed.end(), fresh.begin(), fresh.end());
}

void Repair::Pace(PeerState* p) {
  const MessageStore& store = broadcast_->store();
  size_t budget = config_.bytes_per_turn;
  while (p->sent < p->owed.size() && budget > 0 && links_->Queued(p->id) < config_.queue_low) {
    const auto& id = p->owed[p->sent++];
    const MessageStore::Entry* e = store.Find(id.first, id.second);
    if (e == nullptr) continue;  // evicted meanwhile
    scratch_.Clear();
    AppendRepair(e->frame.get(), e->size, &scratch_);
    links_->Send(p->id, scratch_.data(), scratch_.size());
    ++counters_.repairs_sent;
    budget = scratch_.size() >= budget ? 0 : budget - scratch_.size();
  }
  if (p->sent == p->owed.size()) {
    p->owed.clear();
    p->owed.shrink_to_fit();
    p->sent = 0;
    if (p->history_end) {
      p->history_end = false;
      scratch_.Clear();
      AppendCount(kTypeHistoryEnd, p->history_count, &scratch_);
      links_->Send(p->id, scratch_.data(), scratch_.size());
    }
  }
}

std::string Repair::NickOf(uint64_t origin) const {
  const MessageStore& store = broadcast_->store();
  for (size_t i = store.size(); i-- > 0;) {
    const MessageStore::Entry& e = store.at(i);
    if (e.origin != origin) continue;
    Frame f;
    const char* why = nullptr;
    Message m;
    if (DecodeFrame(e.frame.get(), e.size, SIZE_MAX, &f, &why) == DecodeStatus::kFrame &&
        ParseMessage(f, &m, &why)) {
      std::string nick(m.nick);
      for (char& c : nick)  // for stderr: no control bytes
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
      return nick;
    }
  }
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(origin));
  return std::string("node ") + hex;
}

void Repair::CheckGaps(uint64_t now) {
  const OriginTable& t = broadcast_->origins();
  std::vector<Stale> next;
  for (size_t slot = 0; slot < t.size(); ++slot) {
    OriginRecord r;
    t.Describe(slot, &r);
    if (r.gap_count == 0) continue;
    // The gaps alone (the first, which is the floor, and how many): the
    // origin's new messages (its heartbeats) move its top without touching
    // them, and any gap filled changes the count.
    uint64_t sig = Mix64(r.floor ^ Mix64(t.Gaps(r.node_id)));
    Stale s{r.node_id, sig, summaries_in_, 0};
    for (const Stale& old : stale_)
      if (old.node_id == r.node_id && old.signature == sig) {
        s = old;
        ++s.intervals;
      }
    // Unchanged for long enough, and peers have compared summaries with
    // this node since it was first seen: nobody holds it.
    if (s.intervals >= config_.give_up_intervals && summaries_in_ > s.summaries_then) {
      uint64_t n = broadcast_->SettleGaps(r.node_id);
      counters_.unrecovered += n;
      if (n > 0 && log_ != nullptr)
        log_->Say(Level::kError, "%llu message%s from %s could not be recovered (no peer holds them)",
                  static_cast<unsigned long long>(n), n == 1 ? "" : "s",
                  NickOf(r.node_id).c_str());
      continue;
    }
    next.push_back(s);
  }
  stale_.swap(next);
}

void Repair::Tick(uint64_t now) {
  last_tick_ = now;
  if (next_check_ == 0) next_check_ = now + config_.interval_ms;
  if (now >= next_check_) {
    next_check_ = now + config_.interval_ms;
    CheckGaps(now);
  }
  for (PeerState& p : peers_) {
    if (now >= p.next_digest) {
      p.next_digest = now + config_.interval_ms;
      p.summaries_left = config_.summaries_per_interval;
      p.digests_left = config_.digests_per_interval;
      if (config_.owe_announced) {
        p.owe_before = p.owe_next;
        p.owe_next = broadcast_->store().next_seq();
      }
      scratch_.Clear();
      AppendDigest(OwnDigest(), &scratch_);
      links_->Send(p.id, scratch_.data(), scratch_.size());
      ++counters_.digests_sent;
      counters_.sync_bytes += scratch_.size();
    }
    if (p.sent < p.owed.size() || p.history_end) Pace(&p);
  }
}

uint64_t Repair::NextWake() const {
  uint64_t now = last_tick_;
  uint64_t wake = UINT64_MAX;
  for (const PeerState& p : peers_) {
    // Owed messages wait for the queue to drain: look again shortly (a
    // writable socket wakes the loop anyway).
    if (p.sent < p.owed.size() || p.history_end) wake = std::min(wake, now + 20);
    wake = std::min(wake, p.next_digest);
  }
  if (next_check_ != 0) wake = std::min(wake, next_check_);
  return wake;
}

size_t Repair::Owed() const {
  size_t n = 0;
  for (const PeerState& p : peers_) n += p.owed.size() - p.sent;
  return n;
}

}  // namespace floodchat
