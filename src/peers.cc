// The node's connections: dialling, accepting, reading frames, queueing
// and writing them. Part of the loop (loop.h).
#include <cstring>

#include "crypto/crypto.h"
#include "console/format.h"
#include "wire/frame.h"
#include "loop.h"
#include "peer.h"

namespace floodchat {

namespace {

// How long the listener rests after accept() failed (e.g. no descriptors).
constexpr uint64_t kAcceptPauseMs = 100;

}  // namespace

// ---- connections --------------------------------------------------------------

void Node::AddTarget(const Endpoint& endpoint) {
  std::string text = EndpointText(endpoint);
  for (const Target& t : targets_) {
    if (t.text == text) {
      Say(kInfo, "%s: already kept connected", text.c_str());
      return;
    }
  }
  Target t;
  t.endpoint = endpoint;
  t.text = text;
  targets_.push_back(t);
  DialTarget(targets_.size() - 1);
}

// Dials a -c or /connect address now. Name resolution blocks the loop for as
// long as the resolver takes; the man page says so. Numeric addresses return
// at once.
void Node::DialTarget(size_t index) {
  Target& t = targets_[index];
  if (OpenConnections() >= options_.max_peers) {
    // Not a failure of the address: try again once a slot is free.
    t.retry_at = now_ + BackoffMs(1, &rng_);
    Say(kDebug, "connect to %s: waiting: already %zu connections", t.text.c_str(),
        OpenConnections());
    return;
  }
  ++dial_attempts_;
  std::vector<net::Address> addresses;
  std::string error;
  if (!net::Resolve(t.endpoint.host, t.endpoint.port, false, &addresses, &error)) {
    ++dial_failures_;
    ++t.failures;
    uint64_t wait = BackoffMs(t.failures, &rng_);
    t.retry_at = now_ + wait;
    Say(t.failures == 1 ? kError : kDebug, "connect to %s: %s; retrying in %.1f s", t.text.c_str(),
        error.c_str(), static_cast<double>(wait) / 1000);
    return;
  }
  Peer* p = Dial(std::move(addresses), t.text);
  p->target = static_cast<int>(index);
  t.peer = p;
  TryNextAddress(p);
}

void Node::DialFromBook(const PeerAddress& address) {
  ++dial_attempts_;
  book_.DialStarted(address, now_);
  Peer* p = Dial({net::FromPeerAddress(address)}, BookText(address));
  p->from_book = true;
  p->address = address;
  Say(kDebug, "%s: dialling a known address", p->label.c_str());
  TryNextAddress(p);
}

Peer* Node::Dial(std::vector<net::Address> addresses, const std::string& label) {
  auto p = std::make_unique<Peer>();
  p->addresses = std::move(addresses);
  p->outbound = true;
  p->target_text = label;
  p->label = label;
  Peer* raw = p.get();
  peers_.push_back(std::move(p));
  return raw;
}

// Tries the outbound peer's remaining addresses in resolver order until one
// connects or is in progress; closes the peer when none is left (Detach then
// reports the failure).
void Node::TryNextAddress(Peer* p) {
  while (p->next_address < p->addresses.size()) {
    const net::Address& a = p->addresses[p->next_address++];
    net::Close(p->socket);
    p->socket = net::kNoSocket;
    std::string error;
    net::Io r = net::Connect(a, &p->socket, &error);
    if (r == net::Io::kDone) {
      OnConnected(p);
      return;
    }
    if (r == net::Io::kWouldBlock) {
      p->state = Peer::State::kConnecting;
      p->deadline = now_ + limits_.connect_ms;
      return;
    }
    p->last_error = error;
  }
  if (p->last_error.empty()) p->last_error = "failed";
  ClosePeer(p, "", kDebug);
}

void Node::OnConnected(Peer* p) {
  if (p->outbound) {
    const net::Address& used = p->addresses[p->next_address - 1];
    p->label = net::AddressText(used);
    if (p->address.family == 0) net::ToPeerAddress(used, &p->address);
  }
  p->state = Peer::State::kHandshake;
  p->deadline = now_ + limits_.handshake_ms;
  if (keys_.empty()) {
    AppendHello(relay_.node_id(), nick_, listen_port_, &p->out);
    Say(kDebug, "%s: %s, sent hello", p->label.c_str(), p->outbound ? "connected" : "accepted");
    return;
  }
  // Keyed: the plain hello waits until the session keys exist (SendHello).
  uint8_t random[kSessionRandomBytes];
  if (!net::RandomBytes(random, sizeof random)) {
    ClosePeer(p, "the OS random source is unavailable", kError);
    return;
  }
  p->session = std::make_unique<Session>(&keys_, p->outbound, random);
  crypto::Wipe(random, sizeof random);
  p->session->Start(&p->out);
  Say(kDebug, "%s: %s, key exchange started", p->label.c_str(),
      p->outbound ? "connected" : "accepted");
}

void Node::SendHello(Peer* p) {
  AppendHello(relay_.node_id(), nick_, listen_port_, &p->plain_out);
  p->hello_sent = true;
}

void Node::AcceptAll() {
  // A bounded number per turn, so a connection storm cannot starve the peers.
  for (int i = 0; i < 64; ++i) {
    net::Socket s;
    net::Address from;
    std::string error;
    net::Io r = net::Accept(listener_, &s, &from, &error);
    if (r == net::Io::kWouldBlock) return;
    if (r != net::Io::kDone) {
      // Typically out of file descriptors. The listener stays readable, so
      // stop polling it for a while rather than spin; say so once a second.
      accept_resume_ = now_ + kAcceptPauseMs;
      if (now_ >= accept_error_reported_ + 1000) {
        Say(kError, "accept: %s; not accepting for %llu ms", error.c_str(),
            static_cast<unsigned long long>(kAcceptPauseMs));
        accept_error_reported_ = now_;
      }
      return;
    }
    if (OpenConnections() >= options_.max_peers) {
      Refuse(s, from);
      continue;
    }
    auto p = std::make_unique<Peer>();
    p->socket = s;
    p->remote = from;
    p->label = net::AddressText(from);
    OnConnected(p.get());
    peers_.push_back(std::move(p));
  }
}

// Over --max-peers: instead of a hello, a full frame with addresses to try
// elsewhere; then the sending side is shut and the connection closed when
// the other end closes or refuse_linger_ms has passed. Closing at once could
// turn the unread hello into a reset that loses the full frame. Only a few
// are handled so at a time; beyond them a connection is closed unanswered.
void Node::Refuse(net::Socket s, const net::Address& from) {
  ++refused_;
  if (now_ >= refusals_reported_at_ + 1000) {
    Say(kInfo, "%s: refused: already %zu connections (--max-peers); %llu refused in all",
        net::AddressText(from).c_str(), OpenConnections(),
        static_cast<unsigned long long>(refused_));
    refusals_reported_at_ = now_;
  }
  size_t refusing = 0;
  for (const auto& q : peers_)
    if (!q->closing && q->Refused()) ++refusing;
  if (refusing >= limits_.max_refusing) {
    net::Close(s);
    return;
  }
  auto p = std::make_unique<Peer>();
  p->socket = s;
  p->remote = from;
  p->label = net::AddressText(from);
  if (!keys_.empty()) {
    // Keyed: the addresses are for members only, so the full frame waits for
    // the key exchange and goes out sealed, in place of the hello
    // (OpenRecords).
    p->refuse = true;
    OnConnected(p.get());
    peers_.push_back(std::move(p));
    return;
  }
  AppendRefusal(&p->out);
  p->state = Peer::State::kRefusing;
  p->deadline = now_ + limits_.refuse_linger_ms;
  peers_.push_back(std::move(p));
}

void Node::AppendRefusal(Buffer* out) {
  PeerAddress offer[kMaxAddressesPerFrame];
  size_t n = book_.Sample(now_, &rng_, kMaxAddressesPerFrame, PeerAddress(), offer);
  AppendAddresses(kTypeFull, 0, offer, n, out);
}

void Node::ClosePeer(Peer* p, const std::string& why, int level) {
  if (p->closing) return;
  p->closing = true;
  if (!why.empty()) {
    Say(level, "%s: %s", Who(*p).c_str(), why.c_str());
    if (p->last_error.empty()) p->last_error = why;
  }
  Detach(p);
}

std::string Node::Who(const Peer& p) const {
  if (p.nick.empty()) return p.label;
  return p.label + " (" + TerminalSafe(p.nick) + ")";
}

void Node::Reap() {
  size_t kept = 0;
  for (size_t i = 0; i < peers_.size(); ++i) {
    if (peers_[i]->closing) {
      net::Close(peers_[i]->socket);
      continue;
    }
    if (kept != i) peers_[kept] = std::move(peers_[i]);
    ++kept;
  }
  peers_.resize(kept);
}

// ---- peer input -----------------------------------------------------------

void Node::ReadPeer(Peer* p) {
  Buffer& into = p->session ? p->wire_in : p->in;
  uint8_t* w = into.Reserve(limits_.read_chunk);
  size_t got = 0;
  std::string error;
  net::Io r = net::Recv(p->socket, w, limits_.read_chunk, &got, &error);
  if (r == net::Io::kWouldBlock) return;
  if (r == net::Io::kClosed && p->state == Peer::State::kLive && p->Queued() != 0 &&
      !p->write_shut) {
    p->read_done = true;
    p->retiring = true;
    p->deadline = now_ + limits_.drain_ms;
    return;
  }
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    // An inbound connection that goes before its hello (a port scan, a
    // health check) is not news unless asked for.
    bool quiet = p->state != Peer::State::kLive && !p->outbound;
    std::string why = r == net::Io::kClosed ? "connection closed" : error;
    if (p->session && !p->session->Confirmed() && p->state == Peer::State::kHandshake) {
      // A keyed peer hangs up during the key exchange when our key is not
      // one of its own.
      why += " during the key exchange (does the peer have this network key?)";
    }
    if (p->write_shut || p->retiring) why.clear();  // we are leaving it: expected
    ClosePeer(p, why, quiet ? kDebug : r == net::Io::kClosed ? kInfo : kError);
    return;
  }
  bytes_in_ += got;
  if (p->state == Peer::State::kRefusing) return;  // read only to see it close
  // While leaving, a live peer's bytes are read only to see it close.
  if (draining_ && p->state == Peer::State::kLive) return;
  into.Commit(got);
  if (p->session && !OpenRecords(p)) return;
  ProcessFrames(p);
}

// Keyed mode: runs the key exchange and opens the records read so far into
// the plain input. False when the connection is done with.
bool Node::OpenRecords(Peer* p) {
  const char* why = nullptr;
  Session::Status st = p->session->Receive(&p->wire_in, max_record_, &p->in, &p->out, &why);
  if (p->session->CanSend() && !p->hello_sent) {
    if (p->refuse) {
      // Over --max-peers: a sealed full frame instead of the hello, then the
      // connection ends as a plain refusal does.
      AppendRefusal(&p->plain_out);
      p->hello_sent = true;
      p->state = Peer::State::kRefusing;
      p->deadline = now_ + limits_.refuse_linger_ms;
      p->in.Clear();
      p->wire_in.Clear();
      return false;
    }
    SendHello(p);
  }
  switch (st) {
    case Session::Status::kOk:
      break;
    case Session::Status::kAuthFailed:
      ProcessFrames(p);  // what opened before the failure is genuine
      AuthFailed(p, why);
      return false;
    case Session::Status::kError:
      ClosePeer(p, std::string("protocol error: ") + why, kError);
      return false;
    case Session::Status::kPlainPeer:
      ++auth_failures_;  // no key is a failed authentication too
      if (p->outbound) {
        ClosePeer(p, "refused: the peer has no network key (-k) and this node requires one",
                  kError);
        return false;
      }
      Say(kError, "%s: refused: the peer has no network key (-k) and this node requires one",
          p->label.c_str());
      // Tell it why, then close once it has read that (as for a full node's
      // refusal).
      Session::AppendKeyRequired(&p->out);
      p->state = Peer::State::kRefusing;
      p->deadline = now_ + limits_.refuse_linger_ms;
      p->wire_in.Clear();
      return false;
  }
  if (p->wire_in.empty()) p->wire_in.Release(kKeepBufferBytes);
  return true;
}

// One line a second at most, so that a stream of bad handshakes cannot fill
// the log; the rest are counted (and shown in /stats).
void Node::AuthFailed(Peer* p, const char* why) {
  ++auth_failures_;
  if (now_ < auth_reported_at_ + 1000 && auth_reported_at_ != 0) {
    ++auth_unreported_;
    ClosePeer(p, why, kDebug);
    return;
  }
  std::string line = why;
  if (auth_unreported_ > 0)
    line += " (and " + std::to_string(auth_unreported_) + " more since the last report)";
  auth_unreported_ = 0;
  auth_reported_at_ = now_;
  ClosePeer(p, line, kError);
}

void Node::ProcessFrames(Peer* p) {
  while (!p->closing) {
    Frame f;
    const char* why = nullptr;
    DecodeStatus st = DecodeFrame(p->in.data(), p->in.size(), max_frame_, &f, &why);
    if (st == DecodeStatus::kNeedMore) break;
    if (st == DecodeStatus::kError) {
      ClosePeer(p, std::string("protocol error: ") + why, kError);
      return;
    }
    if (p->state != Peer::State::kLive) {
      Hello h;
      AddressList full;
      switch (ParseOpening(f, p->outbound, &h, &full, &why)) {
        case Opening::kError:
          ClosePeer(p, std::string("protocol error: ") + why, kError);
          return;
        case Opening::kKeyed:
          ClosePeer(p, std::string("refused: ") + why, kError);
          return;
        case Opening::kFull:
          OnFull(p, full);
          return;
        case Opening::kHello:
          OnHello(p, h);
          break;
      }
    } else if (draining_) {
      p->in.Clear();
      return;
    } else if (f.type == kTypeMessage) {
      Message m;
      if (!ParseMessage(f, &m, &why)) {
        ClosePeer(p, std::string("protocol error: ") + why, kError);
        return;
      }
      if (m.text.size() > options_.max_size) {
        ClosePeer(p, "protocol error: message longer than --max-size", kError);
        return;
      }
      PrefetchNext(p->in.data() + f.wire_size, p->in.size() - f.wire_size);
      OnMessage(p, m, p->in.data(), f.wire_size);
    } else if (f.type == kTypeAddresses) {
      AddressList list;
      if (!ParseAddresses(f, &list, &why)) {
        ClosePeer(p, std::string("protocol error: ") + why, kError);
        return;
      }
      OnAddresses(p, list);
    } else if (f.type == kTypeHello || f.type == kTypeFull) {
      ClosePeer(p, f.type == kTypeHello ? "protocol error: second hello"
                                        : "protocol error: full frame after the hello",
                kError);
      return;
    }  // else: a frame type from a later version; skipped whole.
    p->in.Consume(f.wire_size);
  }
  if (p->in.empty()) p->in.Release(kKeepBufferBytes);
}

// The dedup lookup is the one cache miss per message; when the next frame is
// already here, start its lookup's load now so that it overlaps this one.
void Node::PrefetchNext(const uint8_t* next, size_t size) const {
  if (size < kFrameHeaderBytes + kMessageIdBytes || next[kLengthBytes] != kTypeMessage) return;
  MessageId id;
  memcpy(id.bytes, next + kFrameHeaderBytes, kMessageIdBytes);
  relay_.Prefetch(id);
}

void Node::OnHello(Peer* p, const Hello& h) {
  if (h.node_id == relay_.node_id()) {
    // Both ends of it are here; the dialling end reports it.
    p->end = Peer::End::kSelf;
    ClosePeer(p, "this is a connection to this node itself; closed", p->outbound ? kInfo : kDebug);
    return;
  }
  p->node_id = h.node_id;
  p->nick = std::string(h.nick);
  if (!p->outbound && h.listen_port != 0 && net::ToPeerAddress(p->remote, &p->address))
    p->address.port = h.listen_port;
  p->state = Peer::State::kLive;
  if (ResolveDuplicate(p, h.node_id)) return;
  Say(kInfo, "connected to %s", Who(*p).c_str());
  if (p->address.family != 0) {
    p->in_book = true;
    bool again = book_.Connected(p->address, h.node_id, now_);
    if (p->outbound && again) ++reconnects_;
  }
  if (p->target >= 0) {
    Target& t = targets_[static_cast<size_t>(p->target)];
    t.node_id = h.node_id;
    t.failures = 0;
  }
  if (!pending_.empty()) {
    // The first peer to connect carries what was typed while alone.
    Enqueue(p, pending_.data(), pending_.size());
    Say(kDebug, "sent %llu queued messages to %s", static_cast<unsigned long long>(pending_count_),
        p->label.c_str());
    pending_.Clear();
    pending_.Release(0);
    pending_count_ = 0;
  }
  SendAddresses(p, WantsConnections() ? kAddressesAsk : 0);
}

void Node::OnMessage(Peer* from, const Message& m, uint8_t* frame, size_t frame_size) {
  Verdict v = relay_.Accept(m);
  if (v.duplicate) return;
  if (m.hops == 1 && GetU64(m.id.bytes) == from->node_id && m.nick != from->nick) {
    from->nick = std::string(m.nick);  // a neighbour's /nick shows in /peers
  }
  PrintMessage(m);
  if (!v.forward) return;
  // Encode once: the received frame itself, its hop count raised in place in
  // the input buffer (the frame is consumed right after), copied as is to
  // every other live peer.
  frame[kFrameHeaderBytes + kHopsOffset] = v.forward_hops;
  for (const auto& q : peers_) {
    if (q.get() == from || !q->Sendable()) continue;
    Enqueue(q.get(), frame, frame_size);
  }
}

// ---- peer output ------------------------------------------------------------

void Node::Enqueue(Peer* p, const uint8_t* bytes, size_t size) {
  (p->session ? p->plain_out : p->out).Append(bytes, size);
  TrackBacklog(p->Queued(), &p->backlog_since);
  // As for stdout: not while this backlog still holds input back.
  if (p->Queued() > limits_.queue_hard &&
      !HoldsInputBack(p->Queued(), p->backlog_since, p->progress_at)) {
    ClosePeer(p,
              "dropped: " + std::to_string(p->Queued()) +
                  " bytes queued and the peer is not reading",
              kError);
    p->out.Clear();
    p->plain_out.Clear();
  }
}

void Node::FlushPeer(Peer* p) {
  if (p->closing || p->state == Peer::State::kConnecting) return;
  // Keyed: seal what was queued this turn (or since the socket last ran
  // low) into as few records as fit, just before sending.
  constexpr size_t kSealAheadBytes = 64 * 1024;
  if (!p->plain_out.empty() && p->session && p->session->CanSend() &&
      p->out.size() < kSealAheadBytes) {
    if (!p->session->Seal(p->plain_out.data(), p->plain_out.size(), &p->out)) {
      ClosePeer(p, "the session's record numbers are used up; closing for a new session", kInfo);
      return;
    }
    p->plain_out.Clear();
    p->plain_out.Release(kKeepBufferBytes);
  }
  if (p->out.empty()) return;
  size_t sent = 0;
  std::string error;
  net::Io r = net::Send(p->socket, p->out.data(), p->out.size(), &sent, &error);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    ClosePeer(p, error, r == net::Io::kFailed ? kError : kInfo);
    return;
  }
  if (sent > 0) {
    p->progress_at = now_;
    p->out.Consume(sent);
    TrackBacklog(p->Queued(), &p->backlog_since);
    bytes_out_ += sent;
    if (p->out.empty()) p->out.Release(kKeepBufferBytes);
  }
}

}  // namespace floodchat
