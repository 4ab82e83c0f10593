// The node's connections: dialling, accepting, reading frames, queueing
// and writing them. Part of the loop (loop.h).
#include <cstring>

#include "format.h"
#include "frame.h"
#include "loop.h"
#include "peer.h"

namespace floodchat {

namespace {

// How long the listener rests after accept() failed (e.g. no descriptors).
constexpr uint64_t kAcceptPauseMs = 100;

}  // namespace

// ---- connections --------------------------------------------------------------

void Node::StartConnect(const Endpoint& endpoint) {
  std::string target = EndpointText(endpoint);
  if (peers_.size() >= limits_.max_peers) {
    Say(kError, "connect to %s: already %zu connections", target.c_str(), peers_.size());
    return;
  }
  auto p = std::make_unique<Peer>();
  std::string error;
  // Name resolution blocks the loop for as long as the resolver takes; the
  // man page says so. Numeric addresses return at once.
  if (!net::Resolve(endpoint.host, endpoint.port, false, &p->addresses, &error)) {
    Say(kError, "connect to %s: %s", target.c_str(), error.c_str());
    return;
  }
  p->outbound = true;
  p->target = target;
  p->label = target;
  Peer* raw = p.get();
  peers_.push_back(std::move(p));
  TryNextAddress(raw);
}

// Tries the outbound peer's remaining addresses in resolver order until one
// connects or is in progress; closes the peer when none is left.
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
  Say(kError, "connect to %s: %s", p->target.c_str(),
      p->last_error.empty() ? "failed" : p->last_error.c_str());
  ClosePeer(p, "", kDebug);
}

void Node::OnConnected(Peer* p) {
  if (p->outbound) p->label = net::AddressText(p->addresses[p->next_address - 1]);
  p->state = Peer::State::kHandshake;
  p->deadline = now_ + limits_.handshake_ms;
  AppendHello(relay_.node_id(), nick_, &p->out);
  Say(kDebug, "%s: %s, sent hello", p->label.c_str(), p->outbound ? "connected" : "accepted");
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
    if (peers_.size() >= limits_.max_peers) {
      Say(kInfo, "%s: refused: already %zu connections", net::AddressText(from).c_str(),
          peers_.size());
      net::Close(s);
      continue;
    }
    auto p = std::make_unique<Peer>();
    p->socket = s;
    p->label = net::AddressText(from);
    OnConnected(p.get());
    peers_.push_back(std::move(p));
  }
}

void Node::ClosePeer(Peer* p, const std::string& why, int level) {
  if (p->closing) return;
  p->closing = true;
  if (!why.empty()) Say(level, "%s: %s", Who(*p).c_str(), why.c_str());
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
  uint8_t* w = p->in.Reserve(limits_.read_chunk);
  size_t got = 0;
  std::string error;
  net::Io r = net::Recv(p->socket, w, limits_.read_chunk, &got, &error);
  if (r == net::Io::kWouldBlock) return;
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    // An inbound connection that goes before its hello (a port scan, a
    // health check) is not news unless asked for.
    bool quiet = p->state != Peer::State::kLive && !p->outbound;
    std::string why = r == net::Io::kClosed ? "connection closed" : error;
    if (p->write_shut) why.clear();  // we are leaving: expected
    ClosePeer(p, why, quiet ? kDebug : r == net::Io::kClosed ? kInfo : kError);
    return;
  }
  bytes_in_ += got;
  // While leaving, a live peer's bytes are read only to see it close.
  if (draining_ && p->state == Peer::State::kLive) return;
  p->in.Commit(got);
  ProcessFrames(p);
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
      if (f.type != kTypeHello) {
        ClosePeer(p, "protocol error: first frame is not a hello", kError);
        return;
      }
      if (!ParseHello(f, &h, &why)) {
        ClosePeer(p, std::string("protocol error: ") + why, kError);
        return;
      }
      OnHello(p, h.node_id, h.nick);
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
    } else if (f.type == kTypeHello) {
      ClosePeer(p, "protocol error: second hello", kError);
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

void Node::OnHello(Peer* p, uint64_t node_id, std::string_view nick) {
  if (node_id == relay_.node_id()) {
    // Both ends of it are here; the dialling end reports it.
    ClosePeer(p, "this is a connection to this node itself; closed", p->outbound ? kInfo : kDebug);
    return;
  }
  for (const auto& q : peers_) {
    if (q.get() != p && !q->closing && q->state == Peer::State::kLive && q->node_id == node_id) {
      ClosePeer(p, "already connected to this node (via " + q->label + "); closed", kInfo);
      return;
    }
  }
  p->node_id = node_id;
  p->nick = std::string(nick);
  p->state = Peer::State::kLive;
  Say(kInfo, "connected to %s", Who(*p).c_str());
  if (!pending_.empty()) {
    // The first peer to connect carries what was typed while alone.
    Enqueue(p, pending_.data(), pending_.size());
    Say(kDebug, "sent %llu queued messages to %s", static_cast<unsigned long long>(pending_count_),
        p->label.c_str());
    pending_.Clear();
    pending_.Release(0);
    pending_count_ = 0;
  }
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
    if (q.get() == from || q->closing || q->state != Peer::State::kLive) continue;
    Enqueue(q.get(), frame, frame_size);
  }
}

// ---- peer output ------------------------------------------------------------

void Node::Enqueue(Peer* p, const uint8_t* bytes, size_t size) {
  p->out.Append(bytes, size);
  TrackBacklog(p->out.size(), &p->backlog_since);
  if (p->out.size() > limits_.queue_hard) {
    ClosePeer(p,
              "dropped: " + std::to_string(p->out.size()) +
                  " bytes queued and the peer is not reading",
              kError);
    p->out.Clear();
  }
}

void Node::FlushPeer(Peer* p) {
  if (p->closing || p->out.empty() || p->state == Peer::State::kConnecting) return;
  size_t sent = 0;
  std::string error;
  net::Io r = net::Send(p->socket, p->out.data(), p->out.size(), &sent, &error);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    ClosePeer(p, error, r == net::Io::kFailed ? kError : kInfo);
    return;
  }
  if (sent > 0) {
    p->out.Consume(sent);
    TrackBacklog(p->out.size(), &p->backlog_since);
    bytes_out_ += sent;
    if (p->out.empty()) p->out.Release(kKeepBufferBytes);
  }
}

}  // namespace floodchat
