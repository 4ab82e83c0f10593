#include "transport/transport.h"

#include "console/format.h"
#include "crypto/session.h"
#include "transport/peer.h"
#include "wire/frame.h"

namespace floodchat {

namespace {

// A drained buffer keeps up to this much memory for the next burst: freeing
// and refaulting it on every turn of a busy stream costs more than the copy.
// Larger ones (after a long backlog or a huge frame) are given back.
constexpr size_t kKeepBufferBytes = 2 * 1024 * 1024;
constexpr uint32_t kSlotBits = 16;
constexpr uint32_t kSlotMask = (1u << kSlotBits) - 1;

const char* StateName(const Peer& p) {
  switch (p.state) {
    case Peer::State::kConnecting: return "connecting";
    case Peer::State::kHandshake: return "handshake";
    case Peer::State::kLive:
      if (p.retiring) return "closing";
      return p.outbound ? "outbound" : "inbound";
    case Peer::State::kRefusing: return "refused";
  }
  return "?";
}

}  // namespace

Transport::Transport(const TransportConfig& config, const Identity* identity,
                     const std::vector<NetworkKey>* keys, LinkEvents* events, const Log* log)
    : limits_(config.limits),
      max_peers_(config.max_peers),
      identity_(identity),
      keys_(keys),
      max_frame_(MaxFrameLength(config.max_text)),
      max_record_(MaxRecordLength(max_frame_)),
      events_(events),
      log_(log) {}

Transport::~Transport() { CloseAll(); }

void Transport::CloseAll() {
  SayDeferred(UINT64_MAX);  // nothing is left unsaid at exit
  for (auto& p : peers_) net::Close(p->socket);
  peers_.clear();
  net::Close(listener_);
  listener_ = net::kNoSocket;
}

// ---- the peer table -------------------------------------------------------------

Peer* Transport::Find(PeerId id) const {
  uint32_t slot = id & kSlotMask;
  if (slot >= slots_.size()) return nullptr;
  Peer* p = slots_[slot];
  return p != nullptr && p->id == id ? p : nullptr;
}

Peer* Transport::NewPeer() {
  uint32_t slot;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    slot = static_cast<uint32_t>(slots_.size());
    slots_.push_back(nullptr);
    generations_.push_back(0);
  }
  // Never 0, so that no id is kNoPeer.
  if (++generations_[slot] == 0) generations_[slot] = 1;
  peers_.push_back(std::make_unique<Peer>());
  Peer* p = peers_.back().get();
  p->id = static_cast<PeerId>(generations_[slot]) << kSlotBits | slot;
  slots_[slot] = p;
  return p;
}

void Transport::SetTime(uint64_t now) { now_ = now; }

void Transport::Reap() {
  size_t kept = 0;
  for (size_t i = 0; i < peers_.size(); ++i) {
    Peer* p = peers_[i].get();
    if (p->closing) {
      net::Close(p->socket);
      uint32_t slot = p->id & kSlotMask;
      slots_[slot] = nullptr;
      free_slots_.push_back(slot);
      continue;
    }
    if (kept != i) peers_[kept] = std::move(peers_[i]);
    ++kept;
  }
  peers_.resize(kept);
}

// Says why a connection closes, unless it is housekeeping: one of two
// connections to a node that stays connected by the other (a duplicate closed
// by its other end) closes quietly, and a failure before the hello is said
// once a minute per kind (a node retrying with the wrong key would otherwise
// repeat it on every attempt).
void Transport::ClosePeer(Peer* p, const std::string& why, Level level, uint64_t now) {
  if (p->closing) return;
  p->closing = true;
  if (!why.empty()) {
    std::string line = why;
    bool deferred = false;
    if (level == Level::kInfo && p->state == Peer::State::kLive && p->node_id != 0) {
      if (AlsoConnected(*p, false)) {
        level = Level::kDebug;
        // Its twin's "connected to" is not news either.
        if (churn_.size() == kChurnSlots) churn_.erase(churn_.begin());
        churn_.push_back({p->node_id, now});
      } else if (deferred_.size() < kMaxDeferred && SettingUp()) {
        // Said in kChurnGraceMs unless a connection to that node comes up
        // meanwhile: the other end closed a duplicate whose twin is still
        // being set up here. (A connection dialled again after this one
        // closed is no twin: its "connected to" is said.)
        deferred_.push_back({p->node_id, Who(*p) + ": " + line, now + kChurnGraceMs});
        deferred = true;
      }
    }
    if (p->state != Peer::State::kLive) level = Quieted(&line, level, now);
    if (!deferred) log_->Say(level, "%s: %s", Who(*p).c_str(), line.c_str());
    if (p->last_error.empty()) p->last_error = why;
  }
  if (p->known) events_->OnPeerDown(p->id, p->last_error, now);
}

bool Transport::AlsoConnected(const Peer& p, bool count_retiring) const {
  if (p.state != Peer::State::kLive) return false;
  for (const auto& q : peers_) {
    if (q.get() == &p || q->closing) continue;
    if (q->state == Peer::State::kLive) {
      if (q->node_id == p.node_id && (count_retiring || !q->retiring)) return true;
    }
  }
  return false;
}

bool Transport::SettingUp() const {
  for (const auto& q : peers_)
    if (!q->closing && (q->state == Peer::State::kConnecting || q->state == Peer::State::kHandshake))
      return true;
  return false;
}

bool Transport::ClosedAsChurn(uint64_t node_id, uint64_t now) {
  bool churn = false;
  for (const auto& c : churn_)
    if (c.first == node_id && now < c.second + kChurnMs) churn = true;
  for (size_t i = 0; i < deferred_.size();) {
    if (deferred_[i].node_id != node_id) {
      ++i;
      continue;
    }
    log_->Say(Level::kDebug, "%s", deferred_[i].text.c_str());
    deferred_.erase(deferred_.begin() + static_cast<long>(i));
    churn = true;
  }
  return churn;
}

void Transport::SayDeferred(uint64_t now) {
  for (size_t i = 0; i < deferred_.size();) {
    if (now < deferred_[i].at) {
      ++i;
      continue;
    }
    log_->Say(Level::kInfo, "%s", deferred_[i].text.c_str());
    deferred_.erase(deferred_.begin() + static_cast<long>(i));
  }
}

Level Transport::Quieted(std::string* line, Level level, uint64_t now) {
  if (level == Level::kDebug) return level;
  uint64_t held_back = 0;
  if (!repeats_.Show(*line, now, &held_back)) return Level::kDebug;
  if (held_back > 0)
    *line += " (and " + std::to_string(held_back) + " more in the last minute)";
  return level;
}

std::string Transport::Who(const Peer& p) const {
  if (p.nick.empty()) return p.label;
  return p.label + " (" + TerminalSafe(p.nick) + ")";
}

std::string Transport::Describe(PeerId id) const {
  const Peer* p = Find(id);
  return p == nullptr ? std::string("?") : Who(*p);
}

void Transport::NeighbourNick(PeerId id, std::string_view nick) {
  Peer* p = Find(id);
  if (p != nullptr && p->nick != nick) p->nick = std::string(nick);
}

size_t Transport::LivePeers() const {
  size_t n = 0;
  for (const auto& p : peers_)
    if (p->Sendable()) ++n;
  return n;
}

std::vector<PeerRow> Transport::Rows() const {
  std::vector<PeerRow> rows;
  for (const auto& p : peers_) {
    if (p->closing || p->Refused()) continue;
    PeerRow row{p->label, p->nick, StateName(*p), p->id, std::string()};
    if (p->address.family != 0) row.address = net::AddressText(net::FromPeerAddress(p->address));
    rows.push_back(row);
  }
  return rows;
}

// ---- dialling ---------------------------------------------------------------------

// Name resolution blocks the loop for as long as the resolver takes; the man
// page says so. Numeric addresses return at once.
PeerId Transport::DialHost(const Endpoint& endpoint, std::string* error) {
  std::vector<net::Address> addresses;
  if (!net::Resolve(endpoint.host, endpoint.port, false, &addresses, error)) return kNoPeer;
  return Dial(std::move(addresses), EndpointText(endpoint), PeerAddress());
}

PeerId Transport::DialAddress(const PeerAddress& address) {
  net::Address a = net::FromPeerAddress(address);
  return Dial({a}, net::AddressText(a), address);
}

PeerId Transport::Dial(std::vector<net::Address> addresses, const std::string& label,
                       const PeerAddress& address) {
  Peer* p = NewPeer();
  p->addresses = std::move(addresses);
  p->outbound = true;
  p->known = true;
  p->label = label;
  p->address = address;
  TryNextAddress(p, now_);
  return p->id;
}

// Tries the outbound peer's remaining addresses in resolver order until one
// connects or is in progress. When none is left the attempt has failed; it
// is closed by CheckTimers, not here, since a policy may be dialling.
void Transport::TryNextAddress(Peer* p, uint64_t now) {
  while (p->next_address < p->addresses.size()) {
    const net::Address& a = p->addresses[p->next_address++];
    net::Close(p->socket);
    p->socket = net::kNoSocket;
    std::string error;
    net::Io r = net::Connect(a, &p->socket, &error);
    if (r == net::Io::kDone) {
      OnConnected(p, now);
      return;
    }
    if (r == net::Io::kWouldBlock) {
      p->state = Peer::State::kConnecting;
      p->deadline = now + limits_.connect_ms;
      return;
    }
    p->last_error = error;
  }
  if (p->last_error.empty()) p->last_error = "failed";
  p->doomed = true;
}

void Transport::OnConnected(Peer* p, uint64_t now) {
  if (p->outbound) {
    const net::Address& used = p->addresses[p->next_address - 1];
    p->label = net::AddressText(used);
    if (p->address.family == 0) net::ToPeerAddress(used, &p->address);
  }
  p->state = Peer::State::kHandshake;
  p->deadline = now + limits_.handshake_ms;
  if (!keys_->empty()) {
    StartSession(p, now);  // the plain hello waits until the session keys exist
    return;
  }
  AppendOwnHello(&p->out);
  log_->Say(Level::kDebug, "%s: %s, sent hello", p->label.c_str(),
            p->outbound ? "connected" : "accepted");
}

void Transport::AppendOwnHello(Buffer* out) const {
  AppendHello(identity_->node_id, identity_->nick, listen_port_, out);
}

// ---- the loop's phases ----------------------------------------------------------------

void Transport::FillPoll(std::vector<net::PollEntry>* poll, bool paused, uint64_t now) {
  now_ = now;
  listener_polled_ = listener_ != net::kNoSocket && now >= accept_resume_;
  if (listener_polled_) {
    net::PollEntry e;
    e.socket = listener_;
    e.want_read = true;
    poll->push_back(e);
  }
  polled_.clear();
  for (auto& p : peers_) {
    bool connecting = p->state == Peer::State::kConnecting;
    bool live = p->state == Peer::State::kLive;
    net::PollEntry e;
    e.socket = p->socket;
    // While input is paused, live peers are not read, except those being
    // closed in order, which must be read to see them close.
    e.want_read = !connecting && !p->read_done && !p->doomed &&
                  (!live || !paused || p->write_shut || p->retiring);
    // A peer not read is not silent: its keepalive clock waits too.
    if (live && !e.want_read) p->heard = now;
    e.want_write = (connecting && !p->doomed) || p->Queued() != 0;
    poll->push_back(e);
    polled_.push_back(p.get());
  }
}

void Transport::HandlePoll(const net::PollEntry* entries, uint64_t now) {
  now_ = now;
  // Peers before the listener: a connection storm waits for established
  // peers' input to be handled.
  const net::PollEntry* peer_entries = entries + (listener_polled_ ? 1 : 0);
  for (size_t i = 0; i < polled_.size(); ++i) {
    Peer* p = polled_[i];
    const net::PollEntry& e = peer_entries[i];
    if (p->closing || p->doomed) continue;
    if (p->state == Peer::State::kConnecting) {
      if (!e.writable) continue;
      std::string error;
      net::Io r = net::ConnectResult(p->socket, &error);
      if (r == net::Io::kDone) {
        OnConnected(p, now);
      } else if (r == net::Io::kFailed) {
        p->last_error = error;
        TryNextAddress(p, now);
        if (p->doomed) ClosePeer(p, "", Level::kDebug, now);
      }
    } else if (e.readable) {
      ReadPeer(p, now);
    }
  }
  if (listener_polled_ && entries[0].readable && listener_ != net::kNoSocket) AcceptAll(now);
}

void Transport::CheckTimers(uint64_t now) {
  now_ = now;
  SayDeferred(now);
  for (auto& p : peers_) {
    if (p->closing) continue;
    if (p->doomed) {
      // Closed here rather than where it failed, which may have been inside
      // a policy's call (links.h).
      if (p->state == Peer::State::kConnecting) {
        ClosePeer(p.get(), "", Level::kDebug, now);  // last_error says why
      } else {
        // Its queue overflowed, or its session found no random source.
        ClosePeer(p.get(), p->last_error, Level::kError, now);
      }
      continue;
    }
    if (KeptAlive(*p)) {
      if (now >= p->heard + kSilentKeepalives * limits_.keepalive_ms) {
        ClosePeer(p.get(),
                  "nothing received for " +
                      std::to_string(kSilentKeepalives * limits_.keepalive_ms / 1000) +
                      " s; closed",
                  Level::kError, now);
        continue;
      }
      if (p->Queued() == 0 && now >= p->spoke + limits_.keepalive_ms) {
        // Written at the next Flush, which sets `spoke`.
        AppendKeepalive(0, p->session ? &p->plain_out : &p->out);
        p->backlog.Track(p->Queued(), now, limits_.backlog);
      }
    }
    if (now < p->deadline) continue;
    if (p->state == Peer::State::kLive) {
      if (p->retiring) ClosePeer(p.get(), "", Level::kDebug, now);  // it did not close in time
      continue;
    }
    if (p->state == Peer::State::kRefusing) {
      ClosePeer(p.get(), "", Level::kDebug, now);
    } else if (p->state == Peer::State::kConnecting) {
      p->last_error = "timed out";
      TryNextAddress(p.get(), now);
      if (p->doomed) ClosePeer(p.get(), "", Level::kDebug, now);
    } else {
      ClosePeer(p.get(), "no hello within the handshake timeout; closed", Level::kInfo, now);
    }
  }
}

bool Transport::KeptAlive(const Peer& p) const {
  return p.Sendable() && !p.write_shut && !p.read_done && !draining_ &&
         limits_.keepalive_ms != 0;
}

bool Transport::HoldsInputBack(uint64_t now) const {
  for (const auto& p : peers_)
    if (!p->closing && p->backlog.HoldsInputBack(p->Queued(), now, limits_.backlog)) return true;
  return false;
}

uint64_t Transport::NextWake(uint64_t now) const {
  uint64_t wake = UINT64_MAX;
  for (const auto& p : peers_) {
    if (p->closing) continue;
    if (p->doomed) return now;
    if ((p->state != Peer::State::kLive || p->retiring) && p->deadline < wake) wake = p->deadline;
    if (KeptAlive(*p)) {
      uint64_t at = p->heard + kSilentKeepalives * limits_.keepalive_ms;
      if (p->Queued() == 0 && p->spoke + limits_.keepalive_ms < at)
        at = p->spoke + limits_.keepalive_ms;
      if (at < wake) wake = at;
    }
    uint64_t backlog = p->backlog.WakeAt(now, limits_.backlog);
    if (backlog < wake) wake = backlog;
  }
  if (accept_resume_ > now && accept_resume_ < wake) wake = accept_resume_;
  for (const auto& d : deferred_)
    if (d.at < wake) wake = d.at;
  return wake;
}

// ---- leaving ---------------------------------------------------------------------------

void Transport::BeginDrain() {
  draining_ = true;
  net::Close(listener_);
  listener_ = net::kNoSocket;
}

// Leaving in order: each live peer's queue is flushed, then its sending side
// is shut so it reads everything and closes; the node exits when every peer
// has closed (or its time is up: the node's drain deadline).
bool Transport::DrainStep(bool keep_connecting, uint64_t now) {
  bool open = false;
  for (auto& p : peers_) {
    if (p->closing) continue;
    if (p->state != Peer::State::kLive) {
      if (!keep_connecting) {
        ClosePeer(p.get(), "", Level::kDebug, now);  // nothing to deliver
        continue;
      }
    } else if (!keep_connecting && p->Queued() == 0 && !p->write_shut) {
      net::ShutdownWrite(p->socket);
      p->write_shut = true;
    }
    open = true;
  }
  return !open;
}

void Transport::ReportUnsent() const {
  for (const auto& p : peers_) {
    if (!p->closing && p->Queued() != 0)
      log_->Say(Level::kError, "%s: %zu bytes not sent before exit", Who(*p).c_str(), p->Queued());
  }
}

}  // namespace floodchat
