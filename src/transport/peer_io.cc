// The transport's bytes: reading a connection and handing its frames on,
// queueing frames for it, and writing them. Part of the Transport
// (transport.h).
#include "transport/peer.h"
#include "transport/transport.h"
#include "wire/frame.h"

namespace floodchat {

namespace {

// A drained buffer keeps up to this much memory for the next burst.
constexpr size_t kKeepBufferBytes = 2 * 1024 * 1024;

}  // namespace

// ---- input -------------------------------------------------------------------------

void Transport::ReadPeer(Peer* p, uint64_t now) {
  Buffer& into = p->session ? p->wire_in : p->in;
  uint8_t* w = into.Reserve(limits_.read_chunk);
  size_t got = 0;
  std::string error;
  net::Io r = net::Recv(p->socket, w, limits_.read_chunk, &got, &error);
  if (r == net::Io::kWouldBlock) return;
  if (r == net::Io::kClosed && p->state == Peer::State::kLive && p->Queued() != 0 &&
      !p->write_shut) {
    // It stopped sending but may still be reading: send it what is queued
    // first (peer.h, read_done).
    p->read_done = true;
    if (!p->retiring) {
      p->retiring = true;
      events_->OnPeerDown(p->id, std::string(), now);  // no longer carries messages
      p->known = false;
    }
    p->deadline = now + limits_.drain_ms;
    return;
  }
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    // An inbound connection that goes before its hello (a port scan, a
    // health check) is not news unless asked for.
    bool quiet = p->state != Peer::State::kLive && !p->outbound;
    std::string why = r == net::Io::kClosed ? "connection closed" : error;
    if (p->session && !p->session->Confirmed() && p->state == Peer::State::kHandshake) {
      // A keyed peer hangs up during the key exchange when our key is not
      // one of its own: a failed authentication, seen from this side.
      why += " during the key exchange (does the peer have this network key?)";
      ++counters_.auth_failed;
    }
    if (p->write_shut || p->retiring) why.clear();  // we are leaving it: expected
    ClosePeer(p, why, quiet ? Level::kDebug : r == net::Io::kClosed ? Level::kInfo : Level::kError,
              now);
    return;
  }
  counters_.bytes_in += got;
  p->heard = now;
  if (p->state == Peer::State::kRefusing) return;  // read only to see it close
  // While leaving, a live peer's bytes are read only to see it close.
  if (draining_ && p->state == Peer::State::kLive) return;
  into.Commit(got);
  if (p->session && !OpenRecords(p, now)) return;
  ProcessFrames(p, now);
}

void Transport::ProcessFrames(Peer* p, uint64_t now) {
  while (!p->closing && !p->doomed) {
    Frame f;
    const char* why = nullptr;
    DecodeStatus st = DecodeFrame(p->in.data(), p->in.size(), max_frame_, &f, &why);
    if (st == DecodeStatus::kNeedMore) break;
    if (st == DecodeStatus::kError) {
      ClosePeer(p, std::string("protocol error: ") + why, Level::kError, now);
      return;
    }
    if (p->state != Peer::State::kLive) {
      if (!ProcessOpening(p, f, now)) return;
    } else if (draining_) {
      p->in.Clear();
      return;
    } else if (f.type == kTypeKeepalive) {
      // The transport's own: its arrival is all it says.
    } else {
      Incoming in;
      in.peer = p->id;
      in.node_id = p->node_id;
      in.frame = f;
      in.bytes = p->in.data();
      in.rest = p->in.data() + f.wire_size;
      in.rest_size = p->in.size() - f.wire_size;
      if (!events_->OnFrame(in, now, &why)) {
        ClosePeer(p, std::string("protocol error: ") + why, Level::kError, now);
        return;
      }
    }
    p->in.Consume(f.wire_size);
  }
  if (p->in.empty()) p->in.Release(kKeepBufferBytes);
}

// The first frame of a connection. False when the connection is done with.
bool Transport::ProcessOpening(Peer* p, const Frame& f, uint64_t now) {
  Hello h;
  AddressList full;
  const char* why = nullptr;
  switch (ParseOpening(f, p->outbound, p->session != nullptr, &h, &full, &why)) {
    case Opening::kError:
      ClosePeer(p, std::string("protocol error: ") + why, Level::kError, now);
      return false;
    case Opening::kKeyed:
      ClosePeer(p, std::string("refused: ") + why, Level::kError, now);
      return false;
    case Opening::kFull: {
      std::string reason;
      Level level = events_->OnRefusedFull(p->id, full, now, &reason);
      ClosePeer(p, reason, level, now);
      return false;
    }
    case Opening::kHello:
      break;
  }
  p->node_id = h.node_id;
  p->nick = std::string(h.nick);
  if (!p->outbound) {
    p->address = PeerAddress();
    if (h.listen_port != 0 && net::ToPeerAddress(p->remote, &p->address))
      p->address.port = h.listen_port;
  }
  p->state = Peer::State::kLive;
  p->heard = p->spoke = now;
  PeerUp up;
  up.outbound = p->outbound;
  up.address = p->address;
  up.node_id = h.node_id;
  up.nick = p->nick;
  switch (events_->OnPeerUp(p->id, up, now)) {
    case UpVerdict::kSelf:
      // Both ends of it are here; the dialling end reports it.
      ClosePeer(p, "this is a connection to this node itself; closed",
                p->outbound ? Level::kInfo : Level::kDebug, now);
      return false;
    case UpVerdict::kRetire:
      Retire(p->id);
      break;
    case UpVerdict::kLive:
      // A second connection to a node already connected is churn: one of
      // the two is about to go, or has just been retired for this one.
      bool churn = ClosedAsChurn(p->node_id, now);  // always: it says deferred closings
      churn = AlsoConnected(*p, true) || churn;
      log_->Say(churn ? Level::kDebug : Level::kInfo, "connected to %s", Who(*p).c_str());
      break;
  }
  return true;
}

// ---- output -------------------------------------------------------------------------

void Transport::Send(PeerId id, const uint8_t* frames, size_t size) {
  Peer* p = Find(id);
  if (p == nullptr || !p->Sendable()) return;
  (p->session ? p->plain_out : p->out).Append(frames, size);
  p->backlog.Track(p->Queued(), now_, limits_.backlog);
  // As for stdout: not while this backlog still holds input back.
  if (p->Queued() > limits_.queue_hard &&
      !p->backlog.HoldsInputBack(p->Queued(), now_, limits_.backlog)) {
    // Closed by the loop (CheckTimers), not inside the policy's call.
    p->last_error = "dropped: " + std::to_string(p->Queued()) +
                    " bytes queued, over --queue-max: the peer takes them slower than they "
                    "come; what it misses is repaired from the store when it is back";
    counters_.shed_bytes += p->Queued();
    p->doomed = true;
    p->out.Clear();
    p->plain_out.Clear();
  }
}

size_t Transport::Queued(PeerId id) const {
  const Peer* p = Find(id);
  return p == nullptr ? 0 : p->Queued();
}

void Transport::Retire(PeerId id) {
  Peer* p = Find(id);
  if (p == nullptr || p->closing || p->retiring) return;
  if (p->state != Peer::State::kLive) {
    // Nothing to hand over (a /disconnect of an attempt): closed this turn,
    // quietly, before a hello could make it live.
    p->doomed = true;
    p->last_error.clear();
    return;
  }
  p->retiring = true;
  p->deadline = now_ + limits_.drain_ms;
}

void Transport::Flush(uint64_t now) {
  for (auto& p : peers_) {
    FlushPeer(p.get(), now);
    // A retired or refused connection is shut for sending once its queue
    // is out; it closes when the other end has read it and closed too.
    bool ending = p->retiring || p->state == Peer::State::kRefusing;
    if (ending && !p->closing && !p->doomed && p->Queued() == 0) {
      if (p->read_done) {
        ClosePeer(p.get(), "connection closed", Level::kInfo, now);  // its queue went out first
      } else if (!p->write_shut) {
        net::ShutdownWrite(p->socket);
        p->write_shut = true;
      }
    }
  }
}

void Transport::FlushPeer(Peer* p, uint64_t now) {
  if (p->closing || p->doomed || p->state == Peer::State::kConnecting) return;
  if (!SealQueued(p, now)) return;
  if (p->out.empty()) return;
  size_t sent = 0;
  std::string error;
  net::Io r = net::Send(p->socket, p->out.data(), p->out.size(), &sent, &error);
  if (r == net::Io::kClosed || r == net::Io::kFailed) {
    ClosePeer(p, error, r == net::Io::kFailed ? Level::kError : Level::kInfo, now);
    return;
  }
  if (sent > 0) {
    p->backlog.Progress(now);
    p->spoke = now;
    p->out.Consume(sent);
    p->backlog.Track(p->Queued(), now, limits_.backlog);
    counters_.bytes_out += sent;
    if (p->out.empty()) p->out.Release(kKeepBufferBytes);
  }
}

}  // namespace floodchat
